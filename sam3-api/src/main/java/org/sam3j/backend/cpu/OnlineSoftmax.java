package org.sam3j.backend.cpu;

import java.util.Arrays;

/**
 * The online ("flash") softmax of attention over blocks of keys, in the orientation {@link CpuAttention}
 * vectorises: scores are transposed ({@code sᵀ[key][query]}, one {@code float[]} row per key), so that every loop
 * runs over queries at plain {@code [i]} indices. For each block of keys, {@link #step} turns the block's scores
 * into unnormalised weights {@code exp(s - m)} against the running maximum {@code m} of each query, and keeps the
 * factor {@code exp(m_old - m_new)} by which the output accumulated over the earlier blocks must
 * be rescaled ({@link #rescale}); {@link #sums()} holds the running sums to divide the final output by. All statistics are float.
 *
 * <p>The rescaling factor is exactly 0 below an exponent of about -21.8, so that a maximum which jumps (e.g. past
 * masked keys) leaves nothing of the earlier blocks; see {@link CpuAttention} for the exponential. Not thread-safe: one instance per
 * worker, reused across blocks and tasks.
 */
public final class OnlineSoftmax {
    private float[] m = new float[0];
    private float[] mNew = new float[0];
    private float[] l = new float[0];
    private float[] cs = new float[0];
    private float[] alpha = new float[0];
    /** the block's minimum score per query */
    private float[] lo = new float[0];
    /** scratch of the exponential */
    private float[] t = new float[0];
    private int n;
    /** whether the last step left every running maximum as it was (all rescaling factors exactly 1) */
    private boolean maximaKept;

    /** Starts a new set of {@code queries} columns (running maxima at the lowest float, sums at 0). */
    public void reset(int queries) {
        if (m.length < queries) {
            m = new float[queries];
            mNew = new float[queries];
            l = new float[queries];
            cs = new float[queries];
            alpha = new float[queries];
            lo = new float[queries];
            t = new float[queries];
        }
        n = queries;
        Arrays.fill(m, 0, queries, -Float.MAX_VALUE);
        Arrays.fill(l, 0, queries, 0f);
    }

    /**
     * Takes the next block of {@code keys} score rows ({@code s[j][i]} for key {@code j}, query {@code i}, bias
     * already added), replaces them in place by the weights {@code exp(s - m_new)}, and updates the running maxima,
     * sums and rescaling factors.
     */
    public void step(float[][] s, int keys) {
        final int w = n;
        System.arraycopy(m, 0, mNew, 0, w);
        Arrays.fill(lo, 0, w, Float.MAX_VALUE);
        CpuAttention.maxMinRows(s, keys, mNew, lo, w);
        CpuAttention.expDiff(m, mNew, alpha, t, w);
        boolean kept = true;
        for (int i = 0; i < w; i++) {
            if (m[i] - mNew[i] < CpuAttention.EXP_FLOOR) alpha[i] = 0f;
            if (alpha[i] != 1f) kept = false;
        }
        maximaKept = kept;
        float[] swap = m;
        m = mNew;
        mNew = swap;
        Arrays.fill(cs, 0, w, 0f);
        // Every argument s - m of the block lies in [lo - m, 0] (rounding is monotonic), so when lo - m is within
        // the exponential's range for all queries (the usual case: no masks) the clamps can be skipped.
        boolean inRange = true;
        for (int i = 0; i < w; i++) {
            if (!(lo[i] - m[i] >= CpuMath.EXP_MIN)) inRange = false;
        }
        if (inRange) {
            CpuAttention.expRowsInRange(s, keys, m, cs, t, w);
        } else {
            CpuAttention.expRows(s, keys, m, cs, t, w);
        }
        CpuAttention.rescaleSum(l, alpha, cs, w);
    }

    /** {@code c[r][i] *= alpha[i]} for {@code r < rows}: rescales an accumulated output {@code Oᵀ}. */
    public void rescale(float[][] c, int rows) {
        CpuAttention.scaleRows(c, rows, alpha, n);
    }

    /**
     * Whether the last {@link #step} kept every running maximum (all rescaling factors exactly 1, so that
     * {@link #rescale} would change nothing).
     */
    public boolean maximaKept() {
        return maximaKept;
    }

    /** The running sums of the weights per query (read-only view, length ≥ queries): the final divisors. */
    public float[] sums() {
        return l;
    }
}
