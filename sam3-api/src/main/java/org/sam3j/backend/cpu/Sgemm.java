package org.sam3j.backend.cpu;

/**
 * Single-precision matrix multiplication for the pure-Java CPU backend.
 *
 * <p>All matrices are row-major {@code float[]} with an offset and a leading dimension (row stride).
 * {@code C[M,N] = A[M,K] · op(B) (+ bias[N]) (+ C if accumulate)}, where op(B) is {@code B[K,N]} or,
 * with {@code transB}, the transpose of {@code B[N,K]} (the layout of a {@code Linear} weight).
 */
public final class Sgemm {
    private Sgemm() {}

    /**
     * General multiply, parallel over {@code par}.
     *
     * @param bias       optional per-column bias of length N (may be null)
     * @param accumulate add to the existing contents of C instead of overwriting
     */
    public static void gemm(Parallel par, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb, boolean transB,
                            float[] c, int cOff, int ldc,
                            float[] bias, boolean accumulate) {
        // Reference implementation; replaced by a blocked kernel.
        par.forRange(m, 1, (w, from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        s += a[aOff + i * lda + p] * bv;
                    }
                    float v = (float) s + (bias != null ? bias[j] : 0f);
                    int ci = cOff + i * ldc + j;
                    c[ci] = accumulate ? c[ci] + v : v;
                }
            }
        });
    }
}
