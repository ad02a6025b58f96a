package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sam3j.backend.cpu.AttentionProblem;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;

/**
 * {@link OpenBlasGemm} against a naive double-precision product, in place ({@link InPlaceSgemm}) and staged: odd sizes,
 * operands at offsets inside larger arrays with row strides, bias, both layouts of B, K = 0, sizes that take the serial
 * and the parallel paths (by rows, and by columns for products with few rows), and the values around C left untouched.
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
        // up to 8 rows by a transposed B in place: InPlaceSgemm.rows (one thread, and split by columns), channels
        // not a multiple of 8
        {5, 70, 37, 1, 2, 3}, {8, 1000, 1003, 3, 5, 7}, {2, 2100, 2051, 0, 1, 0},
    };

    /** Each threading, products in place and staged (in place only where sam3j's JNI library loaded). */
    static Stream<Arguments> engines() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (OpenBlasGemm.Threading t : OpenBlasGemm.Threading.values()) {
            b.add(Arguments.of(t, false));
            if (InPlaceSgemm.unavailableReason() == null) b.add(Arguments.of(t, true));
        }
        return b.build();
    }

    private static OpenBlasGemm engine(OpenBlasGemm.Threading threading, boolean inPlace) {
        OpenBlasGemm g = new OpenBlasGemm(par.threads(), threading, "auto", inPlace);
        assertEquals(inPlace, g.inPlace());
        return g;
    }

    /**
     * Where the build compiled sam3j's JNI library (g++ on linux-x86_64, as in CI), products run in place by default:
     * the address of OpenBLAS's {@code cblas_sgemm} was found and a product with offsets and row strides checked.
     */
    @Test
    void productsRunInPlaceWhereTheJniLibraryIsBuilt() {
        boolean built = CpuKernels.class.getResource("linux-x86_64/libjniCpuKernels.so") != null;
        assumeTrue(built, "sam3j's JNI library was not built here");
        assertNull(InPlaceSgemm.unavailableReason());
        try (OpenBlasGemm g = new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS)) {
            assertEquals(!"false".equals(System.getProperty(InPlaceSgemm.PROPERTY)), g.inPlace());
        }
    }

    /** Where products run in place on a CPU with AVX2 and FMA, a few rows by a transposed B take the rows kernel. */
    @Test
    void aFewRowsByAWeightTakeTheRowsKernelWhereItRuns() {
        assumeTrue(InPlaceSgemm.unavailableReason() == null, "products do not run in place here");
        assertEquals(CpuKernels.s3cpu_supported() == 1, InPlaceSgemm.rowsSupported());
        assumeTrue(InPlaceSgemm.rowsSupported(), "this CPU lacks AVX2 or FMA");
        float[] a = {9, 1, 2, 3, 9, 4, 5, 6};         // rows [1 2 3] and [4 5 6] from offset 1, 4 apart
        float[] b = {1, 0, 1, 0, 1, 1};               // B stored 2 x 3: rows [1 0 1] and [0 1 1]
        float[] c = {-1, 10, 20, -1, 30, 40, -1};     // from offset 1, 3 apart; the -1s must stay
        InPlaceSgemm.rows(a, 1, 4, b, 0, 3, 2, 2, 3, 0.5f, c, 1, 3);
        assertArrayEquals(new float[] {-1, 4 + 5, 5 + 10, -1, 10 + 15, 11 + 20, -1}, c);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void preparedAndPlainProductsMatchANaiveReference(OpenBlasGemm.Threading threading, boolean inPlace) {
        try (OpenBlasGemm g = engine(threading, inPlace)) {
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
     * An epilogue (here a ReLU) on a prepared product, on the paths by rows and by columns (32 rows, and 8 by
     * {@link InPlaceSgemm#rows} in place): the values of the product without it, then the function.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void epilogueAppliesToEveryValueOnceOnBothSplits(OpenBlasGemm.Threading threading, boolean inPlace) {
        try (OpenBlasGemm g = engine(threading, inPlace)) {
            for (int m : new int[] {8, 32, 300}) {
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
    @MethodSource("engines")
    void batchedProducts(OpenBlasGemm.Threading threading, boolean inPlace) {
        try (OpenBlasGemm g = engine(threading, inPlace)) {
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

    /**
     * Independent products with prepared B's (Winograd's per band), handed out whole to the workers where there are
     * enough of them: bit for bit each product alone, operands at offsets and strides, the values between them left
     * untouched; too few products to hand out run one after another, split as any product.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void eachOfIndependentProducts(OpenBlasGemm.Threading threading, boolean inPlace) {
        try (OpenBlasGemm g = engine(threading, inPlace)) {
            int m = 150, k = 40, n = 24, lda = k + 3, ldc = n + 2;
            for (int count : new int[] {1, 9}) {
                int aStride = m * lda + 5, cStride = m * ldc + 4;
                float[] a = rand(7 + count * aStride);
                float[][] bs = new float[count][];
                GemmEngine.Prepared[] b = new GemmEngine.Prepared[count];
                for (int i = 0; i < count; i++) b[i] = g.prepare(par, bs[i] = rand(k * n), 0, n, false, k, n);
                float[] c = new float[3 + count * cStride];
                Arrays.fill(c, -5f);
                g.gemmEach(par, m, a, 7, lda, aStride, b, c, 3, ldc, cStride);
                float[] alone = new float[c.length];
                Arrays.fill(alone, -5f);
                for (int i = 0; i < count; i++) {
                    g.gemm(null, m, a, 7 + i * aStride, lda, b[i], alone, 3 + i * cStride, ldc, null);
                }
                assertArrayEquals(alone, c, count + " products");
                // and the last product's values are its sums
                int last = count - 1;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double e = 0;
                        for (int p = 0; p < k; p++) e += (double) a[7 + last * aStride + i * lda + p] * bs[last][p * n + j];
                        assertEquals(e, c[3 + last * cStride + i * ldc + j], 1e-4 * Math.max(1, Math.abs(e)));
                    }
                }
            }
        }
    }

    /**
     * Stride-1 convolutions (1 × 1 without padding, which runs as one product in place where products do; 3 × 3 and
     * 1 × 3 padded, which stage their bands) against a naive sum, with a bias and without, at offsets in larger arrays,
     * the values around the output untouched.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void convolutionsMatchANaiveReference(OpenBlasGemm.Threading threading, boolean inPlace) {
        // batch, h, w, cin, cout, kh, kw, pad
        int[][] shapes = {{2, 9, 11, 5, 7, 1, 1, 0}, {1, 40, 33, 16, 24, 1, 1, 0}, {2, 7, 6, 3, 4, 3, 3, 1},
            {1, 5, 9, 6, 5, 1, 3, 1}};
        try (OpenBlasGemm g = engine(threading, inPlace)) {
            for (int[] sh : shapes) {
                for (boolean withBias : new boolean[] {true, false}) {
                    int batch = sh[0], h = sh[1], w = sh[2], cin = sh[3], cout = sh[4], kh = sh[5], kw = sh[6], pad = sh[7];
                    int ho = h + 2 * pad - kh + 1, wo = w + 2 * pad - kw + 1;
                    int xOff = 3, yOff = 5;
                    float[] x = rand(xOff + batch * h * w * cin + 2);
                    float[][] w8 = new float[kh * kw][];
                    GemmEngine.Prepared[] taps = new GemmEngine.Prepared[kh * kw];
                    for (int t = 0; t < taps.length; t++) {
                        w8[t] = rand(cin * cout);
                        taps[t] = g.prepare(par, w8[t], 0, cout, false, cin, cout);
                    }
                    float[] bias = withBias ? rand(cout) : null;
                    float[] y = rand(yOff + batch * ho * wo * cout + 7);
                    float[] before = y.clone();
                    g.conv2d(par, new org.sam3j.backend.cpu.ConvProblem(x, xOff, batch, h, w, cin, taps, kh, kw, 1, pad,
                            y, yOff, ho, wo, cout, bias));
                    String what = Arrays.toString(sh) + " bias=" + withBias;
                    for (int b = 0; b < batch; b++) {
                        for (int oy = 0; oy < ho; oy++) {
                            for (int ox = 0; ox < wo; ox++) {
                                for (int co = 0; co < cout; co++) {
                                    double e = bias != null ? bias[co] : 0;
                                    for (int i = 0; i < kh; i++) {
                                        for (int j = 0; j < kw; j++) {
                                            int iy = oy - pad + i, ix = ox - pad + j;
                                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                            for (int ci = 0; ci < cin; ci++) {
                                                e += (double) x[xOff + ((b * h + iy) * w + ix) * cin + ci]
                                                        * w8[i * kw + j][ci * cout + co];
                                            }
                                        }
                                    }
                                    float got = y[yOff + ((b * ho + oy) * wo + ox) * cout + co];
                                    assertEquals(e, got, 1e-4 * Math.max(1, Math.abs(e)) * Math.sqrt(kh * kw * cin),
                                            what + " at " + b + "," + oy + "," + ox + "," + co);
                                }
                            }
                        }
                    }
                    int end = yOff + batch * ho * wo * cout;
                    assertTrue(Arrays.equals(before, 0, yOff, y, 0, yOff), what + " wrote before y");
                    assertTrue(Arrays.equals(before, end, before.length, y, end, y.length), what + " wrote after y");
                }
            }
        }
    }

    /** Winograd 3 × 3 convolutions where the products run in place; a staged engine keeps the per-tap products. */
    @Test
    void winogradWhereProductsRunInPlace() {
        try (OpenBlasGemm staged = new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS, "auto", false)) {
            assertFalse(staged.prefersWinograd());
        }
        try (OpenBlasGemm engine = new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS)) {
            assertEquals(engine.inPlace(), engine.prefersWinograd());
        }
    }

    /**
     * Which attention problems the engine leaves to the Java kernel ({@code leavesAttention}: the backend then reads
     * the encoder's windows in place on it), as {@value OpenBlasGemm#ATTENTION_PROPERTY} chooses: every problem for
     * {@code java}, none for {@code openblas}, those the native kernel does not take for {@code native}; small
     * problems always.
     */
    @Test
    void leavesToTheJavaKernelWhatItsAttentionChoiceDoesNotTake() {
        float[] x = new float[576 * 16 * 64];
        // one window of the image encoder: 576 tokens, 16 heads of 64; and a problem below the smallest it computes
        AttentionProblem window = new AttentionProblem(x, 0, x, 0, x, 0, null, 0, 0, 0, 0, x, 0, 1, 576, 576, 16, 64, 64,
                0.125f);
        AttentionProblem small = new AttentionProblem(x, 0, x, 0, x, 0, null, 0, 0, 0, 0, x, 0, 1, 4, 4, 1, 64, 64, 0.125f);
        try (OpenBlasGemm java = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "java");
             OpenBlasGemm blas = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "openblas");
             OpenBlasGemm nat = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "native");
             OpenBlasGemm auto = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "auto")) {
            assertTrue(java.leavesAttention(window));
            assertFalse(blas.leavesAttention(window));
            assertEquals(!NativeAttention.isAvailable(), nat.leavesAttention(window));
            // auto: the Java kernel where all its kernels are on 512-bit vectors, else the native one where it loads
            assertEquals(org.sam3j.backend.cpu.CpuBackend.vectorKernels() || !NativeAttention.isAvailable(),
                    auto.leavesAttention(window));
            for (OpenBlasGemm e : new OpenBlasGemm[] {java, blas, nat, auto}) assertTrue(e.leavesAttention(small));
        }
    }
}
