package org.sam3j.verify;

import java.util.Arrays;

/** Compares a computed tensor with a fixture's probes and statistics. */
public final class ProbeComparison {
    private ProbeComparison() {}

    /**
     * @param key       fixture key
     * @param shape     our shape (must equal the reference shape)
     * @param ours      our values, row-major in the reference layout
     * @param stats     reference statistics
     * @param probe     the 2048 reference probe values
     * @param tolerance bound on the relative error
     */
    public static ProbeResult compare(String key, int[] shape, float[] ours, TensorStats stats, float[] probe,
                                      double tolerance) {
        long[] ref = stats.shape();
        if (ref.length != shape.length || !sameDims(ref, shape)) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, tolerance,
                    "shape " + Arrays.toString(shape) + " but reference " + Arrays.toString(ref));
        }
        if (stats.numel() == 0) {
            return new ProbeResult(key, ProbeResult.Status.PASS, 0, tolerance, "empty");
        }
        long[] idx = Probe.indices(stats.numel());
        float[] atProbes = new float[idx.length];
        for (int k = 0; k < idx.length; k++) atProbes[k] = ours[(int) idx[k]];
        double sum = 0;
        double sumsq = 0;
        for (float v : ours) {
            sum += v;
            sumsq += (double) v * v;
        }
        return compareProbed(key, stats, probe, atProbes, sum, sumsq, tolerance);
    }

    /**
     * Compares a tensor too large to materialise by its values at the probe indices
     * ({@link Probe#indices(long)} of the reference element count) and its sum and sum of squares.
     */
    public static ProbeResult compareProbed(String key, TensorStats stats, float[] probe, float[] oursAtProbes, double sum,
                                           double sumsq, double tolerance) {
        if (stats.numel() == 0) {
            return new ProbeResult(key, ProbeResult.Status.PASS, 0, tolerance, "empty");
        }
        double maxAbs = 0;
        for (int k = 0; k < probe.length; k++) {
            double d = Math.abs((double) oursAtProbes[k] - probe[k]);
            if (!(d <= maxAbs)) maxAbs = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        }
        double rms = stats.rms();
        double rel = rms > 0 ? maxAbs / rms : maxAbs;
        double sumsqRel = stats.sumsq() > 0 ? Math.abs(sumsq / stats.sumsq() - 1) : Math.abs(sumsq);
        double sumRel = Math.abs(sum - stats.sum()) / Math.max(rms * stats.numel(), 1e-30);
        String note = String.format("sum %.2e sumsq %.2e", sumRel, sumsqRel);
        boolean ok = rel <= tolerance && sumsqRel <= 2 * tolerance && sumRel <= tolerance;
        return new ProbeResult(key, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, rel, tolerance, ok ? "" : note);
    }

    private static boolean sameDims(long[] a, int[] b) {
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
