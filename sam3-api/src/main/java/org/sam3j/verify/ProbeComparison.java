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
        double maxAbs = 0;
        for (int k = 0; k < idx.length; k++) {
            double d = Math.abs((double) ours[(int) idx[k]] - probe[k]);
            if (!(d <= maxAbs)) maxAbs = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        }
        double rms = stats.rms();
        double rel = rms > 0 ? maxAbs / rms : maxAbs;
        double sum = 0;
        double sumsq = 0;
        for (float v : ours) {
            sum += v;
            sumsq += (double) v * v;
        }
        double sumsqRel = stats.sumsq() > 0 ? Math.abs(sumsq / stats.sumsq() - 1) : Math.abs(sumsq);
        double sumRel = Math.abs(sum - stats.sum()) / Math.max(rms * ours.length, 1e-30);
        String note = String.format("sum %.2e sumsq %.2e", sumRel, sumsqRel);
        boolean ok = rel <= tolerance && sumsqRel <= 2 * tolerance && sumRel <= tolerance;
        return new ProbeResult(key, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, rel, tolerance, ok ? "" : note);
    }

    private static boolean sameDims(long[] a, int[] b) {
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
