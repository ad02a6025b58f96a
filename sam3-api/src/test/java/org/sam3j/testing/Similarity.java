package org.sam3j.testing;

import java.nio.FloatBuffer;
import org.sam3j.Mask;
import org.sam3j.RawTensor;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.Probe;

/**
 * The measures the fixtures' notes judge reduced-precision backends by: cosine similarity of logits (whole, or at a
 * fixture's probe indices) and mask IoU.
 */
public final class Similarity {
    private Similarity() {}

    /** Cosine similarity of two equally long vectors, accumulated in double. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("lengths " + a.length + " and " + b.length);
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    /** Cosine similarity of {@code ours} at the probe indices of fixture {@code key} with the probed values. */
    public static double cosineAtProbes(RawTensor ours, FixtureCase fixture, String key) throws Exception {
        float[] ref = fixture.probe(key);
        long[] idx = Probe.indices(ours.numel());
        FloatBuffer v = ours.buffer();
        float[] at = new float[idx.length];
        for (int k = 0; k < idx.length; k++) at[k] = v.get((int) idx[k]);
        return cosine(at, ref);
    }

    /** Intersection over union of two masks of equal size (1 when both are empty). */
    public static double iou(Mask a, Mask b) {
        long inter = 0;
        long union = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                boolean p = a.get(x, y);
                boolean q = b.get(x, y);
                if (p && q) inter++;
                if (p || q) union++;
            }
        }
        return union == 0 ? 1 : (double) inter / union;
    }
}
