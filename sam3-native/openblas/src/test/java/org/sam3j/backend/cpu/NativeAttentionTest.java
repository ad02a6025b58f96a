package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.openblas.NativeAttention;
import org.sam3j.backend.openblas.OpenBlasGemm;

/**
 * sam3j's native attention kernel ({@code native/src/cpu_attention.h}, through {@link OpenBlasGemm} with
 * {@code attention=native}) against the double-precision reference of {@link CpuAttentionTest}, on the shapes it
 * takes in the model graphs: the fusion encoder's heads of 32 and the image encoder's windowed and global heads of
 * 64, with query and key counts that are not multiples of its tiles, several softmax steps, values read in place
 * from wider rows, one and two workers, operands in place and staged; in place also with a bias (the detector
 * decoder's box bias per head and query, a key-padding row with -inf) and on the windows of a token grid. Also: it is
 * built and loads wherever it can run, it declines what it does not take, and {@code auto} hands it the problems it
 * takes where the Java kernels are not all on 512-bit vectors. In the {@code cpu} package for the reference.
 */
class NativeAttentionTest {
    /** As {@link OpenBlasAttentionTest}: float rounding and the exponential's relative error over many keys. */
    private static final double TOLERANCE = 3e-5;

    private static Parallel par1;
    private static Parallel par2;
    private static OpenBlasGemm native1;
    private static OpenBlasGemm native2;
    /** Two workers with the operands staged in native memory (the others read and write the arrays in place). */
    private static OpenBlasGemm staged2;
    private final Random rnd = new Random(9);

    @BeforeAll
    static void start() {
        par1 = new Parallel(1);
        par2 = new Parallel(2);
        native1 = new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS, "native");
        native2 = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "native");
        staged2 = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "native", false);
    }

    @AfterAll
    static void stop() {
        par1.close();
        par2.close();
        native1.close();
        native2.close();
        staged2.close();
    }

    /** Where the build had g++ and the CPU has AVX2 and FMA (every machine CI and the benchmarks run on), it loads. */
    @Test
    void theKernelIsBuiltAndLoadsWhereItCanRun() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")) && Files.isReadable(cpuinfo),
                "not Linux on x86-64");
        String flags = Files.readString(cpuinfo);
        Assumptions.assumeTrue(flags.contains(" avx2") && flags.contains(" fma"), "this CPU lacks AVX2 or FMA");
        Assumptions.assumeFalse("1".equals(System.getenv("SAM3_SKIP_NATIVE")), "SAM3_SKIP_NATIVE=1");
        assertNull(NativeAttention.unavailableReason());
        assertTrue(NativeAttention.isAvailable());
        assertTrue(native2.inPlace(), "the kernel reads and writes the arrays in place by default");
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static float[] embed(float[] x, int off) {
        float[] a = new float[x.length + off + 5];
        Arrays.fill(a, Float.NaN);
        System.arraycopy(x, 0, a, off, x.length);
        return a;
    }

    /** Runs the kernel with 1 and 2 workers, operands at offsets in larger arrays, against the reference. */
    private void check(int b, int tq, int tk, int h, int d, float scale) {
        Assumptions.assumeTrue(NativeAttention.isAvailable(), NativeAttention::unavailableReason);
        float[] q = rand(b * tq * h * d), k = rand(b * tk * h * d), v = rand(b * tk * h * d);
        double[] e = CpuAttentionTest.reference(q, k, v, null, 0, 0, 0, b, tq, tk, h, d, d, scale);
        for (OpenBlasGemm engine : new OpenBlasGemm[] {native1, native2, staged2}) {
            Parallel par = engine == native1 ? par1 : par2;
            float[] y = new float[b * tq * h * d + 13 + 4];
            Arrays.fill(y, Float.NaN);
            AttentionProblem p = new AttentionProblem(embed(q, 3), 3, embed(k, 5), 5, embed(v, 7), 7, null, 0, 0, 0, 0,
                    y, 13, b, tq, tk, h, d, d, scale);
            assertTrue(engine.attention(par, p), "the native kernel declined " + p);
            assertTrue(Float.isNaN(y[12]), "wrote before the output");
            assertTrue(Float.isNaN(y[y.length - 1]), "wrote after the output");
            for (int i = 0; i < e.length; i++) {
                double tol = TOLERANCE * Math.max(1, Math.abs(e[i]));
                assertTrue(Math.abs(e[i] - y[13 + i]) <= tol,
                        "workers " + par.threads() + (engine.inPlace() ? " in place" : " staged") + ", index " + i
                                + ": expected " + e[i] + " got " + y[13 + i]);
            }
        }
    }

    /** The fusion encoder's self-attention: heads of 32, every query against every key. */
    @Test
    void headsOf32() {
        check(1, 701, 701, 3, 32, (float) (1 / Math.sqrt(32)));
    }

    /** The image encoder's windows: batches of 24 × 24 tokens, heads of 64. */
    @Test
    void windowsWithHeadsOf64() {
        check(3, 576, 576, 2, 64, 0.125f);
    }

    /** Fewer queries than keys over several softmax steps, with peaked logits: maxima move from step to step. */
    @Test
    void moreKeysThanQueriesAndPeakedLogits() {
        check(1, 261, 1300, 2, 64, 0.6f);
        check(2, 130, 1030, 2, 32, 1.5f);
    }

    /** Values read in place in wider rows (the v third of a fused qkv projection): the same floats as contiguous. */
    @Test
    void stridedValuesEqualContiguousValues() {
        Assumptions.assumeTrue(NativeAttention.isAvailable(), NativeAttention::unavailableReason);
        int b = 2, t = 600, h = 2, d = 32, vRow = 3 * h * d;
        float[] q = rand(b * t * h * d), k = rand(b * t * h * d), v = rand(b * t * h * d);
        float[] wide = rand(b * t * vRow);
        for (int r = 0; r < b * t; r++) System.arraycopy(v, r * h * d, wide, 2 * h * d + r * vRow, h * d);
        float[] contiguous = new float[b * t * h * d];
        float[] strided = new float[b * t * h * d];
        assertTrue(native2.attention(par2, new AttentionProblem(q, 0, k, 0, v, 0, null, 0, 0, 0, 0, contiguous, 0,
                b, t, t, h, d, d, 0.17f)));
        assertTrue(native2.attention(par2, new AttentionProblem(q, 0, k, 0, wide, 2 * h * d, null, 0, 0, 0, 0, strided, 0,
                b, t, t, h, d, d, vRow, 0.17f)));
        assertArrayEquals(contiguous, strided);
        float[] stagedStrided = new float[b * t * h * d];
        assertTrue(staged2.attention(par2, new AttentionProblem(q, 0, k, 0, wide, 2 * h * d, null, 0, 0, 0, 0,
                stagedStrided, 0, b, t, t, h, d, d, vRow, 0.17f)));
        assertArrayEquals(contiguous, stagedStrided, "staged and in place: the same floats");
    }

    /**
     * The detector decoder's cross-attention: 201 queries against an image's tokens with a bias per head and query
     * ({@code [1, H, Tq, Tk]}, the box relative position bias), one and two workers in place, one of them at an offset
     * in a larger array; a query with all its keys masked by -inf gets NaN (as PyTorch's and the Java kernel's).
     */
    @Test
    void aBiasPerHeadAndQuery() {
        Assumptions.assumeTrue(NativeAttention.isAvailable(), NativeAttention::unavailableReason);
        int tq = 201, tk = 700, h = 2, d = 32;
        float scale = (float) (1 / Math.sqrt(d));
        float[] q = rand(tq * h * d), k = rand(tk * h * d), v = rand(tk * h * d), bias = rand(h * tq * tk);
        for (int i = 0; i < bias.length; i += 5) bias[i] = Float.NEGATIVE_INFINITY;
        Arrays.fill(bias, 7 * tk, 8 * tk, Float.NEGATIVE_INFINITY);           // head 0, query 7: every key masked
        Arrays.fill(bias, (tq + 9) * tk, (tq + 9) * tk + 600, Float.NEGATIVE_INFINITY); // head 1, query 9: the first 600
        double[] e = CpuAttentionTest.reference(q, k, v, bias, 1, h, tq, 1, tq, tk, h, d, d, scale);
        for (OpenBlasGemm engine : new OpenBlasGemm[] {native1, native2}) {
            Parallel par = engine == native1 ? par1 : par2;
            float[] y = new float[tq * h * d];
            assertTrue(engine.attention(par, new AttentionProblem(q, 0, k, 0, v, 0, embed(bias, 11), 11, 1, h, tq, y, 0,
                    1, tq, tk, h, d, d, scale)), "in place with a bias");
            for (int i = 0; i < e.length; i++) {
                if (i / d == 7 * h) {                                          // query 7, head 0
                    assertTrue(Float.isNaN(y[i]), "a query without keys: NaN, got " + y[i]);
                    continue;
                }
                assertTrue(Math.abs(e[i] - y[i]) <= TOLERANCE * Math.max(1, Math.abs(e[i])),
                        "workers " + par.threads() + ", index " + i + ": expected " + e[i] + " got " + y[i]);
            }
        }
    }

    /** The fusion encoder's cross-attention to a padded phrase: one key-padding row for every head and query. */
    @Test
    void aKeyPaddingRow() {
        Assumptions.assumeTrue(NativeAttention.isAvailable(), NativeAttention::unavailableReason);
        int tq = 500, tk = 32, h = 3, d = 32;
        float[] q = rand(tq * h * d), k = rand(tk * h * d), v = rand(tk * h * d), bias = new float[tk];
        Arrays.fill(bias, 9, tk, Float.NEGATIVE_INFINITY);
        double[] e = CpuAttentionTest.reference(q, k, v, bias, 1, 1, 1, 1, tq, tk, h, d, d, 0.2f);
        float[] y = new float[tq * h * d];
        assertTrue(native2.attention(par2, new AttentionProblem(q, 0, k, 0, v, 0, bias, 0, 1, 1, 1, y, 0, 1, tq, tk, h,
                d, d, 0.2f)));
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - y[i]) <= TOLERANCE * Math.max(1, Math.abs(e[i])),
                    "index " + i + ": expected " + e[i] + " got " + y[i]);
        }
    }

    /**
     * The image encoder's windowed attention read and written in the token grid in place: the same floats as each
     * window gathered into contiguous rows and run as a batch (what the backend does for engines that decline it),
     * and tokens outside whole windows untouched; declined by a staged engine.
     */
    @Test
    void windowsOfATokenGridInPlace() {
        Assumptions.assumeTrue(NativeAttention.isAvailable(), NativeAttention::unavailableReason);
        int gridH = 14, gridW = 21, win = 7, h = 2, d = 64, tokens = gridH * gridW, n = win * win;
        org.sam3j.graph.Attrs.Attention windows = new org.sam3j.graph.Attrs.Attention(0.125f, win, gridH, gridW);
        float[] q = rand(tokens * h * d), k = rand(tokens * h * d), v = rand(tokens * h * d);
        float[] y = new float[tokens * h * d];
        AttentionProblem grid = new AttentionProblem(q, 0, k, 0, v, 0, null, 0, 0, 0, 0, y, 0, 1, tokens, tokens, h, d,
                d, 0.125f);
        assertTrue(native2.windowedAttention(par2, grid, windows));
        assertFalse(staged2.windowedAttention(par2, grid, windows), "staged: the backend gathers the windows");
        int count = windows.windowCount();
        float[] pq = new float[count * n * h * d], pk = new float[pq.length], pv = new float[pq.length];
        for (int w = 0; w < count; w++) {
            for (int r = 0; r < n; r++) {
                int token = windows.windowStart(w) + r / win * gridW + r % win;
                System.arraycopy(q, token * h * d, pq, (w * n + r) * h * d, h * d);
                System.arraycopy(k, token * h * d, pk, (w * n + r) * h * d, h * d);
                System.arraycopy(v, token * h * d, pv, (w * n + r) * h * d, h * d);
            }
        }
        float[] py = new float[pq.length];
        assertTrue(native2.attention(par2, new AttentionProblem(pq, 0, pk, 0, pv, 0, null, 0, 0, 0, 0, py, 0, count, n,
                n, h, d, d, 0.125f)));
        for (int w = 0; w < count; w++) {
            for (int r = 0; r < n; r++) {
                int token = windows.windowStart(w) + r / win * gridW + r % win;
                assertArrayEquals(Arrays.copyOfRange(py, (w * n + r) * h * d, (w * n + r + 1) * h * d),
                        Arrays.copyOfRange(y, token * h * d, (token + 1) * h * d), "window " + w + ", row " + r);
            }
        }
    }

    /**
     * It declines heads other than 32 and 64 and values narrower than keys (the Java kernel takes those), and a bias
     * where its operands are staged.
     */
    @Test
    void declinesWhatItDoesNotTake() {
        int tq = 300, tk = 700;
        float[] bias = new float[tk];
        assertFalse(staged2.attention(par2, problem(tq, tk, 32, 32, bias)), "a key-padding bias, staged");
        assertFalse(native2.attention(par2, problem(tq, tk, 16, 16, null)), "heads of 16");
        assertFalse(native2.attention(par2, problem(tq, tk, 256, 256, null)), "heads of 256");
        assertFalse(native2.attention(par2, problem(tq, tk, 64, 32, null)), "dv != d");
    }

    private AttentionProblem problem(int tq, int tk, int d, int dv, float[] bias) {
        return new AttentionProblem(rand(tq * d), 0, rand(tk * d), 0, rand(tk * dv), 0, bias, 0, 1, 1, 1,
                new float[tq * dv], 0, 1, tq, tk, 1, d, dv, 0.1f);
    }

    /**
     * {@code auto} gives the kernel the problems it takes where the Java kernels are not all on 512-bit vectors (AVX2
     * machines, or no {@code jdk.incubator.vector}), short sides and biases included: its output is then the native
     * kernel's, bit for bit.
     */
    @Test
    void autoHandsItTheProblemsItTakes() {
        Assumptions.assumeTrue(System.getProperty(OpenBlasGemm.ATTENTION_PROPERTY) == null, "engine chosen by property");
        Assumptions.assumeTrue(NativeAttention.isAvailable(), NativeAttention::unavailableReason);
        int tq = 700, tk = 700;
        Assumptions.assumeFalse(CpuBackend.vectorKernels(), "the Java kernels run on 512-bit vectors here");
        try (OpenBlasGemm auto = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS);
             OpenBlasGemm blas = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "openblas");
             OpenBlasGemm java = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, "java")) {
            for (int d : new int[] {32, 64}) {
                AttentionProblem p = problem(tq, tk, d, d, null);
                float[] byAuto = new float[tq * d], byNative = new float[tq * d], byBlas = new float[tq * d];
                assertTrue(auto.attention(par2, with(p, byAuto)), "auto, heads of " + d);
                assertTrue(native2.attention(par2, with(p, byNative)));
                assertTrue(blas.attention(par2, with(p, byBlas)));
                assertArrayEquals(byNative, byAuto, "auto ran the native kernel, heads of " + d);
                assertFalse(Arrays.equals(byBlas, byAuto), "the OpenBLAS products differ in the last bits, heads of " + d);
            }
            // a short side with a bias (the detector decoder's 201 queries): the native kernel too, not the Java one
            float[] bias = rand(tk);
            AttentionProblem p = problem(201, tk, 32, 32, bias);
            float[] byAuto = new float[201 * 32], byNative = new float[201 * 32];
            assertTrue(auto.attention(par2, with(p, byAuto)), "auto, a short side with a bias");
            assertTrue(native2.attention(par2, with(p, byNative)));
            assertFalse(java.attention(par2, with(p, new float[201 * 32])), "the java engine leaves it to the backend");
            assertArrayEquals(byNative, byAuto, "auto ran the native kernel on a short side with a bias");
        }
    }

    private static AttentionProblem with(AttentionProblem p, float[] y) {
        return new AttentionProblem(p.q(), p.qOff(), p.k(), p.kOff(), p.v(), p.vOff(), p.bias(), p.biasOff(), p.biasB(),
                p.biasH(), p.biasTq(), y, 0, p.b(), p.tq(), p.tk(), p.h(), p.d(), p.dv(), p.vRow(), p.scale());
    }

    /** The engine's name in errors lists the new choice. */
    @Test
    void theEngineChoiceIsParsed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS, "fast"));
        assertEquals(OpenBlasGemm.ATTENTION_PROPERTY + "=fast: expected java, openblas, native or auto", e.getMessage());
    }
}
