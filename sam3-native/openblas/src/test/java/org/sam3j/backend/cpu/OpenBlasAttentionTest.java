package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.openblas.NativeAttention;
import org.sam3j.backend.openblas.OpenBlasGemm;

/**
 * The OpenBLAS engine's blocked flash attention ({@link OpenBlasGemm#attention}) against the double-precision
 * reference of {@link CpuAttentionTest}, on the shapes and biases the model graphs use: the image encoder's windowed
 * and global self-attention (no bias), the interactive decoder's key-padding bias {@code [1, 1, 1, Tk]}, per-query
 * masks {@code [B, H, Tq, Tk]} and the broadcasts in between, with several key blocks and maxima that jump between
 * them. In the {@code cpu} package for the reference; every case is large enough that the engine does not decline.
 */
class OpenBlasAttentionTest {
    /**
     * Bound on the error relative to the reference: float rounding of the products and the exponential's relative
     * error (about 1e-7, see {@link CpuAttention}) times the spread of the values weighted (unit normal: a few
     * units), over a thousand keys or more.
     */
    private static final double TOLERANCE = 3e-5;

    private static Parallel par1;
    private static Parallel par2;
    private static OpenBlasGemm engine1;
    private static OpenBlasGemm engine2;
    private final Random rnd = new Random(5);

    @BeforeAll
    static void start() {
        par1 = new Parallel(1);
        par2 = new Parallel(2);
        engine1 = new OpenBlasGemm(1, OpenBlasGemm.Threading.WORKERS, true);
        engine2 = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, true);
    }

    @AfterAll
    static void stop() {
        par1.close();
        par2.close();
        engine1.close();
        engine2.close();
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** Runs both engines (1 and 2 workers) with operands at offsets in larger arrays, and compares with the reference. */
    private void check(float[] q, float[] k, float[] v, float[] bias, int biasB, int biasH, int biasTq,
                       int b, int tq, int tk, int h, int d, int dv, float scale) {
        double[] e = CpuAttentionTest.reference(q, k, v, bias, biasB, biasH, biasTq, b, tq, tk, h, d, dv, scale);
        for (int run = 0; run < 2; run++) {
            Parallel par = run == 0 ? par1 : par2;
            OpenBlasGemm engine = run == 0 ? engine1 : engine2;
            float[] qq = embed(q, 3), kk = embed(k, 5), vv = embed(v, 7), bb = bias == null ? null : embed(bias, 11);
            float[] y = new float[b * tq * h * dv + 13];
            Arrays.fill(y, Float.NaN);
            AttentionProblem p = new AttentionProblem(qq, 3, kk, 5, vv, 7, bb, 11, biasB, biasH, biasTq, y, 13,
                    b, tq, tk, h, d, dv, scale);
            assertTrue(engine.attention(par, p), "the engine declined " + p.flops() + " flops");
            float[] actual = Arrays.copyOfRange(y, 13, y.length);
            assertEquals(e.length, actual.length);
            for (int i = 0; i < e.length; i++) {
                double tol = TOLERANCE * Math.max(1, Math.abs(e[i]));
                assertTrue(Math.abs(e[i] - actual[i]) <= tol,
                        "workers " + par.threads() + ", index " + i + ": expected " + e[i] + " got " + actual[i]);
            }
        }
    }

    private static float[] embed(float[] x, int off) {
        float[] a = new float[x.length + off + 5];
        Arrays.fill(a, Float.NaN);
        System.arraycopy(x, 0, a, off, x.length);
        return a;
    }

    /** The encoder's windows: 24 × 24 tokens, heads of 64, several windows (batches), no bias. */
    @Test
    void windowedSelfAttention() {
        int b = 2, t = 576, h = 2, d = 64;
        check(rand(b * t * h * d), rand(b * t * h * d), rand(b * t * h * d), null, 0, 0, 0, b, t, t, h, d, d, 0.125f);
    }

    /**
     * Values read in place in wider rows (the v third of a fused qkv projection, as the CPU backends plan it): staged
     * row by row, the same floats, bit for bit, as from a contiguous copy.
     */
    @Test
    void stridedValuesEqualContiguousValues() {
        int b = 2, t = 600, h = 2, d = 64, vRow = 3 * h * d;
        float[] q = rand(b * t * h * d), k = rand(b * t * h * d), v = rand(b * t * h * d);
        float[] wide = rand(b * t * vRow + 2 * h * d);
        for (int r = 0; r < b * t; r++) System.arraycopy(v, r * h * d, wide, 2 * h * d + r * vRow, h * d);
        for (OpenBlasGemm engine : new OpenBlasGemm[] {engine1, engine2}) {
            Parallel par = engine == engine1 ? par1 : par2;
            float[] contiguous = new float[b * t * h * d];
            float[] strided = new float[b * t * h * d];
            assertTrue(engine.attention(par, new AttentionProblem(q, 0, k, 0, v, 0, null, 0, 0, 0, 0, contiguous, 0,
                    b, t, t, h, d, d, 0.125f)));
            assertTrue(engine.attention(par, new AttentionProblem(q, 0, k, 0, wide, 2 * h * d, null, 0, 0, 0, 0, strided, 0,
                    b, t, t, h, d, d, vRow, 0.125f)));
            assertArrayEquals(contiguous, strided);
        }
    }

    /** Global attention: more keys than one key block, split unevenly; queries in several blocks. */
    @Test
    void globalSelfAttentionOverSeveralKeyBlocks() {
        int t = 1300, h = 2, d = 64;
        check(rand(t * h * d), rand(t * h * d), rand(t * h * d), null, 0, 0, 0, 1, t, t, h, d, d, 0.125f);
    }

    /** The video tracker's memory attention: one head of 256 channels (key blocks of 1024), several key blocks. */
    @Test
    void oneWideHeadOverSeveralKeyBlocks() {
        int tq = 300, tk = 2500, h = 1, d = 256;
        check(rand(tq * h * d), rand(tk * h * d), rand(tk * h * d), null, 0, 0, 0, 1, tq, tk, h, d, d, 0.0625f);
    }

    /**
     * By default ({@code auto}) the engine takes heads of 64 channels or more, and heads of 32 where the native kernel
     * loads ({@link NativeAttentionTest}), and leaves narrower heads to Java; all of them when Java attention runs on
     * the Vector API kernel, which is faster on every shape, and those with a short side when the Vector API runs
     * only those (256-bit vectors).
     */
    @Test
    void theDefaultEngineTakesHeadsOf64AndMore() {
        Assumptions.assumeTrue(System.getProperty(OpenBlasGemm.ATTENTION_PROPERTY) == null, "engine chosen by property");
        try (OpenBlasGemm auto = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS)) {
            int tq = 300, tk = 700;
            for (int d : new int[] {32, 64, 256}) {
                float[] y = new float[tq * d];
                AttentionProblem p = new AttentionProblem(rand(tq * d), 0, rand(tk * d), 0, rand(tk * d), 0, null, 0,
                        0, 0, 0, y, 0, 1, tq, tk, 1, d, d, 0.1f);
                boolean nativeOrBlas = d >= 64 || NativeAttention.isAvailable();   // heads of 32: the native kernel
                assertEquals(nativeOrBlas && !CpuBackend.vectorKernels(), auto.attention(par2, p), "head dim " + d);
            }
            // 32 queries (the text encoder's tokens), heads of 64: the native kernel, else the Java kernel where it is
            // on the Vector API for a short side, else OpenBLAS
            int few = 32;
            AttentionProblem p = new AttentionProblem(rand(few * 64), 0, rand(tk * 64), 0, rand(tk * 64), 0, null, 0,
                    0, 0, 0, new float[few * 64], 0, 1, few, tk, 1, 64, 64, 0.1f);
            boolean byNative = NativeAttention.isAvailable() && !CpuBackend.vectorKernels();
            assertEquals(byNative || !CpuBackend.vectorShortAttention(), auto.attention(par2, p), "32 queries");
        }
    }

    /**
     * Key blocks after the first that move no running maximum (key 0 of every query is far above the rest), so that
     * the output accumulates in native memory without rescaling; the later blocks still carry most of the weight.
     */
    @Test
    void laterKeyBlocksThatKeepTheMaxima() {
        int tq = 600, tk = 1800, h = 2, d = 64;
        float[] bias = new float[tk];
        bias[0] = 5f;
        check(rand(tq * h * d), rand(tk * h * d), rand(tk * h * d), bias, 1, 1, 1, 1, tq, tk, h, d, d, 0.05f);
    }

    /** The interactive decoder's key-padding bias {@code [1, 1, 1, Tk]}, with the padded keys' values huge. */
    @Test
    void keyPaddingBias() {
        int b = 2, tq = 260, tk = 1100, h = 4, d = 32, dv = 32;
        float[] q = rand(b * tq * h * d), k = rand(b * tk * h * d), v = rand(b * tk * h * dv);
        float[] bias = new float[tk];
        for (int j = 1000; j < tk; j++) bias[j] = -1e9f;
        for (int bi = 0; bi < b; bi++)
            for (int j = 1000; j < tk; j++)
                for (int x = 0; x < h * dv; x++) v[(bi * tk + j) * h * dv + x] = 1000f;
        check(q, k, v, bias, 1, 1, 1, b, tq, tk, h, d, dv, 0.3f);
    }

    /** Per-query masks and every broadcast of the bias over batches and heads; {@code Dv != D}. */
    @Test
    void perQueryAndBroadcastBiases() {
        int b = 2, tq = 300, tk = 701, h = 2, d = 32, dv = 24;
        float[] q = rand(b * tq * h * d), k = rand(b * tk * h * d), v = rand(b * tk * h * dv);
        float[] mask = rand(b * h * tq * tk);
        for (int i = 0; i < mask.length; i += 3) mask[i] = -1e9f;
        check(q, k, v, mask, b, h, tq, b, tq, tk, h, d, dv, 0.25f);
        check(q, k, v, rand(h * tk), 1, h, 1, b, tq, tk, h, d, dv, 0.25f);
        check(q, k, v, rand(b * tq * tk), b, 1, tq, b, tq, tk, h, d, dv, 0.25f);
    }

    /**
     * The running maximum jumps between key blocks: for half of the queries every key of the first block is masked,
     * so what was accumulated there must vanish (rescaling factor 0); logits in the hundreds for the others.
     */
    @Test
    void maximumThatJumpsBetweenKeyBlocks() {
        int tq = 256, tk = 1536, h = 2, d = 16;
        float[] q = rand(tq * h * d), k = rand(tk * h * d), v = rand(tk * h * d);
        float[] bias = new float[tq * tk];
        for (int i = 0; i < tq; i++)
            for (int j = 0; j < tk; j++) bias[i * tk + j] = i % 2 == 0 && j < 700 ? -1e9f : (i % 3) * 100f;
        check(q, k, v, bias, 1, 1, tq, 1, tq, tk, h, d, d, 2f);
    }
}
