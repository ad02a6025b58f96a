package org.sam3j.backend.cpu;

/**
 * The column softmax at the heart of attention, in the orientation {@link CpuAttention} vectorises: scores are
 * stored transposed ({@code sᵀ[key][query]}, one {@code float[]} row per key), so every loop runs over queries
 * at plain {@code [i]} indices. For native backends that compute {@code sᵀ = K·Qᵀ} with a BLAS and need the
 * softmax in between the two products.
 */
public final class SoftmaxColumns {
    private SoftmaxColumns() {}

    /**
     * Turns scores into unnormalised weights: {@code s[j][i] = exp(s[j][i] - max_j s[j][i])} for {@code j < keys},
     * {@code i < n}, and returns the column sums in {@code sum} ({@code sum[i] = Σ_j s[j][i]}; divide the
     * product by it). {@code max} and {@code tmp} are scratch of length at least {@code n}; exponents below
     * about -21.8 are clamped there (a weight of 3.4e-10 relative to the largest instead of less).
     */
    public static void exp(float[][] s, int keys, int n, float[] max, float[] sum, float[] tmp) {
        java.util.Arrays.fill(max, 0, n, -Float.MAX_VALUE);
        java.util.Arrays.fill(sum, 0, n, 0f);
        if (keys == 0) return;
        CpuAttention.maxRows(s, keys, max, n);
        CpuAttention.expRows(s, keys, max, sum, tmp, n);
    }
}
