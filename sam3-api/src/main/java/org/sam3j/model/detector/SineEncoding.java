package org.sam3j.model.detector;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * The 1-D sine encoding the detector uses for box coordinates: {@code v·2π / 10000^(2⌊k/2⌋/n)} for
 * channel {@code k < n}, sine on even and cosine on odd channels (no normalisation, no offset).
 */
final class SineEncoding {
    private SineEncoding() {}

    /** {@code v[N, 1]} (values in [0, 1]) → {@code [N, n]}. */
    static Tensor encode(Graph g, Tensor v, int n) {
        float[] inv = new float[n];
        float[] even = new float[n];
        float[] odd = new float[n];
        for (int k = 0; k < n; k++) {
            float dimT = (float) Math.pow(10000.0, (double) (2 * (k / 2)) / n);
            inv[k] = 1f / dimT;
            even[k] = k % 2 == 0 ? 1f : 0f;
            odd[k] = 1f - even[k];
        }
        Tensor arg = g.mul(g.scale(v, (float) (2 * Math.PI)), g.constant("sine.inv_dim_t." + n, inv, n));
        return g.add(g.mul(g.sin(arg), g.constant("sine.even." + n, even, n)),
                g.mul(g.cos(arg), g.constant("sine.odd." + n, odd, n)));
    }

    /** Column {@code i} of {@code x[N, C]} as {@code [N, 1]}. */
    static Tensor column(Graph g, Tensor x, int i) {
        return g.slice(x, 1, i, i + 1);
    }

    /** Boxes {@code (cx, cy, w, h)[N, 4]} → {@code (x0, y0, x1, y1)[N, 4]}. */
    static Tensor cxcywhToXyxy(Graph g, Tensor b) {
        Tensor cx = column(g, b, 0);
        Tensor cy = column(g, b, 1);
        Tensor hw = g.scale(column(g, b, 2), 0.5f);
        Tensor hh = g.scale(column(g, b, 3), 0.5f);
        return g.concat(1, g.sub(cx, hw), g.sub(cy, hh), g.add(cx, hw), g.add(cy, hh));
    }
}
