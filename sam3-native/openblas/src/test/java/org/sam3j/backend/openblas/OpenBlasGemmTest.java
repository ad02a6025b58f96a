package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;

/**
 * {@link OpenBlasGemm} against a naive double-precision product: odd sizes, operands at offsets inside larger
 * arrays with row strides, bias, both layouts of B, K = 0, sizes that take the serial and the parallel paths (by rows,
 * and by columns for products with few rows), and the values around C left untouched.
 */
class OpenBlasGemmTest {
    private static Parallel par;
    private final Random rnd = new Random(7);

    @BeforeAll
    static void start() {
        par = new Parallel(3); // more workers than this machine's cores: tasks interleave
    }

    @AfterAll
    static void stop() {
        par.close();
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** m, n, k, lda pad, ldb pad, ldc pad */
    private static final int[][] SIZES = {
        {1, 1, 1, 0, 0, 0}, {3, 5, 7, 2, 1, 3}, {37, 23, 19, 0, 0, 0}, {64, 64, 64, 5, 0, 1},
        {129, 67, 45, 3, 2, 1}, {301, 257, 131, 0, 7, 0}, {1000, 96, 200, 11, 0, 5}, {65, 1, 300, 0, 0, 2},
        {7, 300, 0, 0, 0, 0},
        // too few rows to split by rows, enough work to split by columns (OpenBlasGemm.shortProduct)
        {32, 1000, 300, 3, 5, 7}, {17, 333, 800, 0, 0, 2},
    };

    @ParameterizedTest
    @EnumSource(OpenBlasGemm.Threading.class)
    void preparedAndPlainProductsMatchANaiveReference(OpenBlasGemm.Threading threading) {
        try (OpenBlasGemm g = new OpenBlasGemm(par.threads(), threading)) {
            for (int[] s : SIZES) {
                for (boolean transB : new boolean[] {true, false}) {
                    for (boolean withBias : new boolean[] {true, false}) {
                        check(g, s[0], s[1], s[2], s[3], s[4], s[5], transB, withBias, true);
                        check(g, s[0], s[1], s[2], s[3], s[4], s[5], transB, withBias, false);
                    }
                }
            }
        }
    }

    private void check(GemmEngine g, int m, int n, int k, int padA, int padB, int padC, boolean transB,
                       boolean withBias, boolean prepared) {
        int lda = k + padA, ldc = n + padC;
        int ldb = (transB ? k : n) + padB;
        int aOff = 13, bOff = 5, cOff = 17;
        float[] a = rand(aOff + m * lda + 9);
        float[] b = rand(bOff + (transB ? n : k) * ldb + 4);
        float[] bias = withBias ? rand(n) : null;
        float[] c = rand(cOff + m * ldc + 11);
        float[] before = c.clone();
        if (prepared) {
            GemmEngine.Prepared p = g.prepare(par, b, bOff, ldb, transB, k, n);
            assertEquals(k, p.k());
            assertEquals(n, p.n());
            g.gemm(par, m, a, aOff, lda, p, c, cOff, ldc, bias);
            g.gemm(par, m, a, aOff, lda, p, c, cOff, ldc, bias); // the same prepared matrix again
            ((AutoCloseable) p).getClass(); // prepared matrices are released by the backend
        } else {
            g.gemm(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias);
        }
        String what = m + "x" + n + "x" + k + " transB=" + transB + " bias=" + withBias + " prepared=" + prepared;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double e = bias != null ? bias[j] : 0;
                for (int p = 0; p < k; p++) {
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    e += (double) a[aOff + i * lda + p] * bv;
                }
                float got = c[cOff + i * ldc + j];
                assertTrue(Math.abs(got - e) <= 1e-4 * Math.max(1, Math.abs(e)) * Math.sqrt(k + 1),
                        what + " at " + i + "," + j + ": expected " + e + " got " + got);
            }
            // the padding between rows of C is not written
            for (int j = n; j < ldc && i < m - 1; j++) {
                assertEquals(before[cOff + i * ldc + j], c[cOff + i * ldc + j], what + " wrote padding");
            }
        }
        assertTrue(Arrays.equals(before, 0, cOff, c, 0, cOff), what + " wrote before C");
        int end = cOff + (m - 1) * ldc + n;
        assertTrue(Arrays.equals(before, end, before.length, c, end, c.length), what + " wrote after C");
    }

    /**
     * An epilogue (here a ReLU) on a prepared product, on the paths by rows and by columns (32 rows): the values of
     * the product without it, then the function.
     */
    @Test
    void epilogueAppliesToEveryValueOnceOnBothSplits() {
        try (OpenBlasGemm g = new OpenBlasGemm(par.threads(), OpenBlasGemm.Threading.WORKERS)) {
            for (int m : new int[] {32, 300}) {
                int n = 1000, k = 300;
                float[] a = rand(m * k), b = rand(n * k), bias = rand(n);
                GemmEngine.Prepared p = g.prepare(par, b, 0, k, true, k, n);
                float[] plain = new float[m * n], relu = new float[m * n];
                g.gemm(par, m, a, 0, k, p, plain, 0, n, bias);
                g.gemm(par, m, a, 0, k, p, relu, 0, n, bias, (c, off, len) -> {
                    for (int i = off; i < off + len; i++) c[i] = Math.max(c[i], 0f);
                });
                int negative = 0;
                for (int i = 0; i < plain.length; i++) {
                    if (plain[i] < 0) negative++;
                    assertEquals(Math.max(plain[i], 0f), relu[i], "m=" + m + " at " + i);
                }
                assertTrue(negative > plain.length / 4, "m=" + m + ": " + negative + " negative values");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenBlasGemm.Threading.class)
    void batchedProducts(OpenBlasGemm.Threading threading) {
        try (OpenBlasGemm g = new OpenBlasGemm(par.threads(), threading)) {
            int batches = 3, m = 77, n = 45, k = 33;
            for (boolean transB : new boolean[] {true, false}) {
                float[] a = rand(4 + batches * m * k);
                float[] b = rand(2 + batches * n * k);
                float[] c = new float[6 + batches * m * n];
                g.gemmBatched(par, batches, m, n, k, a, 4, k, m * k, b, 2, transB ? k : n, n * k, transB, c, 6, n, m * n);
                for (int t = 0; t < batches; t++) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double e = 0;
                            for (int p = 0; p < k; p++) {
                                int bi = 2 + t * n * k + (transB ? j * k + p : p * n + j);
                                e += (double) a[4 + t * m * k + i * k + p] * b[bi];
                            }
                            assertEquals(e, c[6 + t * m * n + i * n + j], 1e-4 * Math.max(1, Math.abs(e)));
                        }
                    }
                }
            }
        }
    }

    /** By default the backend keeps this engine's per-tap 3 × 3 convolutions (Winograd did not pay end to end here). */
    @Test
    void perTapConvolutionsByDefault() {
        try (OpenBlasGemm engine = new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS)) {
            assertFalse(engine.prefersWinograd());
        }
    }
}
