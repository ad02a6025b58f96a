package org.sam3j.video;

import org.sam3j.backend.HostTensor;

/** Conversions from our channels-last, batch-first tensors to the reference's layouts (for hooks). */
final class Layouts {
    private Layouts() {}

    /** {@code [B, h, w, C]} → {@code [B, C, h, w]}. */
    static HostTensor nhwcToNchw(float[] x, int b, int h, int w, int c) {
        int n = h * w;
        float[] out = new float[b * c * n];
        for (int o = 0; o < b; o++) {
            for (int p = 0; p < n; p++) {
                int src = (o * n + p) * c;
                for (int k = 0; k < c; k++) out[(o * c + k) * n + p] = x[src + k];
            }
        }
        return new HostTensor(new int[] {b, c, h, w}, out);
    }

    /** {@code [B, L, C]} → sequence-first {@code [L, B, C]}. */
    static HostTensor batchToSequenceFirst(float[] x, int b, int l, int c) {
        float[] out = new float[b * l * c];
        for (int o = 0; o < b; o++) {
            for (int t = 0; t < l; t++) System.arraycopy(x, (o * l + t) * c, out, (t * b + o) * c, c);
        }
        return new HostTensor(new int[] {l, b, c}, out);
    }
}
