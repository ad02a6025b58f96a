package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.Precision;
import org.sam3j.backend.cpu.AttentionProblem;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.cpu.CpuFusionTest;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;
import org.sam3j.graph.Attrs;
import org.sam3j.io.DType;
import org.sam3j.io.ReducedFloats;
import org.sam3j.testing.Similarity;

/**
 * BF16 products on AMX and AVX512-BF16 ({@link Bf16Gemm}; each kernel this CPU runs): against a double-precision sum
 * of the BF16-rounded operands, on both splits of the work, with offsets, strides, a bias and an epilogue; attention
 * on AMX; convolutions, a rotated attention and a ViT block at BF16 against the pure-Java backend's emulation of the
 * same graph. Where this CPU or OS runs neither kernel the products are skipped (and said so) and only the fallback
 * to the emulation is checked; where it has no AMX, so is attention on AMX.
 */
class Bf16GemmTest {
    private static Parallel par;
    private static OpenBlasGemm fp32;

    @BeforeAll
    static void start() {
        par = new Parallel(2);
        fp32 = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS);
    }

    @AfterAll
    static void stop() {
        fp32.close();
        par.close();
    }

    /** Runs {@code body} on an engine of each kernel this CPU runs, fastest first. */
    private static void onEachKernel(java.util.function.Consumer<Bf16Gemm> body) {
        for (int kernel : kernels()) {
            try (Bf16Gemm engine = new Bf16Gemm(fp32, 2, kernel)) {
                body.accept(engine);
            }
        }
    }

    /** The kernels this CPU runs, fastest first. */
    private static List<Integer> kernels() {
        return Bf16Gemm.fastest() == Bf16Gemm.AMX ? List.of(Bf16Gemm.AMX, Bf16Gemm.AVX512)
                : Bf16Gemm.fastest() == Bf16Gemm.AVX512 ? List.of(Bf16Gemm.AVX512) : List.of();
    }

    @Test
    void bf16OperandsGoToTheFastestKernelElseStayOnTheFp32Engine() {
        GemmEngine bf16 = fp32.forOperands(DType.BF16);
        assertSame(fp32, fp32.forOperands(DType.F16), "no FP16 products on the BF16 kernels");
        assertSame(fp32, fp32.forOperands(DType.F32));
        if (Bf16Gemm.isAvailable()) {
            assertTrue(bf16 instanceof Bf16Gemm, bf16.toString());
            assertEquals(Bf16Gemm.fastest() == Bf16Gemm.AMX ? "amx-bf16" : "avx512-bf16", bf16.name());
        } else {
            assertSame(fp32, bf16, "without AMX or AVX512-BF16 a BF16 graph runs the FP32 engine's emulation");
            assertEquals(Bf16Gemm.NONE, Bf16Gemm.fastest());
        }
        String old = System.getProperty(Bf16Gemm.PROPERTY);
        try {
            System.setProperty(Bf16Gemm.PROPERTY, "off");
            try (OpenBlasGemm off = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS)) {
                assertSame(off, off.forOperands(DType.BF16), "-D" + Bf16Gemm.PROPERTY + "=off");
            }
            System.setProperty(Bf16Gemm.PROPERTY, "avx512");
            try (OpenBlasGemm avx = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS)) {
                GemmEngine e = avx.forOperands(DType.BF16);
                assertEquals(Bf16Gemm.isAvailable() ? "avx512-bf16" : avx.name(), e.name(), "-D" + Bf16Gemm.PROPERTY + "=avx512");
            }
            System.setProperty(Bf16Gemm.PROPERTY, "tiles");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS));
            assertEquals("-D" + Bf16Gemm.PROPERTY + "=tiles: expected auto, avx512 or off", e.getMessage());
        } finally {
            if (old == null) System.clearProperty(Bf16Gemm.PROPERTY);
            else System.setProperty(Bf16Gemm.PROPERTY, old);
        }
    }

    @Test
    void productsMatchADoublePrecisionSumOfTheBf16Operands() {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 products not run here: " + Bf16Gemm.unavailableReason());
        onEachKernel(engine -> {
            check(engine, 300, 100, 200, 3, 5, true, false);   // rows split between the workers
            check(engine, 17, 800, 333, 0, 2, true, true);     // too few rows: columns split, in blocks of 32
            check(engine, 64, 47, 64, 1, 0, false, false);     // B not transposed, a tail of columns
            check(engine, 1, 1, 1, 0, 0, true, true);
        });
    }

    @Test
    void epilogueRunsOnceOnEveryValueAfterTheRounding() {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 products not run here: " + Bf16Gemm.unavailableReason());
        onEachKernel(engine -> {
            for (int m : new int[] {17, 300}) {
                int n = 200, k = 64;
                float[] a = new float[m * k];
                java.util.Arrays.fill(a, 1f);
                float[] b = new float[n * k];
                java.util.Arrays.fill(b, 1f / 64);
                GemmEngine.Prepared pb = engine.prepare(par, b, 0, k, true, k, n);
                float[] c = new float[m * n];
                engine.gemm(par, m, a, 0, k, pb, c, 0, n, null, (v, off, len) -> {
                    for (int i = off; i < off + len; i++) v[i] = v[i] * 2 + 1;
                });
                for (int i = 0; i < c.length; i++) assertEquals(3f, c[i], "m=" + m + " value " + i);
            }
        });
    }

    /**
     * {@link GemmEngine.Epilogue#GELU}, which the kernel applies as it stores C, gives the floats of the Java GELU
     * applied to the stored product after it (an epilogue the engine does not recognise), bit for bit: over values
     * from the GELU's clamped tails to zero, infinities and a NaN.
     */
    @Test
    void geluInTheKernelsStoreEqualsTheJavaGeluOfTheProduct() {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 products not run here: " + Bf16Gemm.unavailableReason());
        onEachKernel(engine -> {
            for (int m : new int[] {17, 300}) {
                int n = 200, k = 96;
                Random r = new Random(m);
                float[] a = gaussian(r, m * k);
                for (int i = 0; i < k; i++) a[i] *= 8; // row 0: products well beyond the clamp at |x / √2| = 4
                a[k] = Float.NaN;                         // row 1: NaN
                a[2 * k] = Float.POSITIVE_INFINITY;       // row 2: ±inf (or NaN where terms cancel)
                float[] b = gaussian(r, n * k);
                float[] bias = gaussian(r, n);
                GemmEngine.Prepared pb = engine.prepare(par, b, 0, k, true, k, n);
                float[] fused = new float[m * n], after = new float[m * n];
                engine.gemm(par, m, a, 0, k, pb, fused, 0, n, bias, GemmEngine.Epilogue.GELU);
                engine.gemm(par, m, a, 0, k, pb, after, 0, n, bias, (c, off, len) -> GemmEngine.Epilogue.GELU.apply(c, off, len));
                for (int i = 0; i < fused.length; i++) {
                    assertEquals(Float.floatToIntBits(after[i]), Float.floatToIntBits(fused[i]), "m=" + m + " value " + i);
                }
                assertTrue(Float.isNaN(fused[n]), "a NaN stays NaN");
            }
        });
    }

    /**
     * Attention over heads of 32 and 64 on each kernel, q, k and v read in place (v in wider rows, as the v third of qkv),
     * against a double-precision softmax of the BF16 operands: the kernel rounds the probabilities to BF16 for the
     * second product and its output, so the output moves by up to 2^-8 of the values. Without a bias, with one per query (the
     * detector's box bias) and with one broadcast over the batch and the queries, every fifth key masked by -inf;
     * heads of 48 are declined.
     */
    @Test
    void attentionMatchesADoublePrecisionSoftmaxOfTheBf16Operands() {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 attention not run here: " + Bf16Gemm.unavailableReason());
        onEachKernel(engine -> {
            for (int d : new int[] {32, 64}) {
                // bias: none; [b, h, tq, tk] (the detector's box bias); [1, h, 1, tk], broadcast over batch and queries
                for (int mode = 0; mode < 3; mode++) {
                    int b = 2, tq = 100, tk = 300, h = 3, vRow = h * d + 5, off = 3;
                    Random r = new Random(d + mode);
                    float[] q = gaussian(r, off + b * tq * h * d);
                    float[] k = gaussian(r, off + b * tk * h * d);
                    float[] v = gaussian(r, off + b * tk * vRow);
                    float[] y = new float[off + b * tq * h * d];
                    int biasB = mode == 1 ? b : 1, biasTq = mode == 1 ? tq : 1;
                    float[] bias = mode == 0 ? null : gaussian(r, off + biasB * h * biasTq * tk);
                    // every fifth key masked
                    if (bias != null) for (int i = off + 2; i < bias.length; i += 5) bias[i] = Float.NEGATIVE_INFINITY;
                    float scale = (float) (1 / Math.sqrt(d));
                    AttentionProblem p = new AttentionProblem(q, off, k, off, v, off, bias, off, biasB,
                            bias == null ? 0 : h, biasTq, y, off, b, tq, tk, h, d, d, vRow, scale);
                    assertTrue(engine.attention(par, p));
                    double worst = 0;
                    for (int bi = 0; bi < b; bi++) {
                        for (int i = 0; i < tq; i++) {
                            for (int hi = 0; hi < h; hi++) {
                                double[] s = new double[tk];
                                double mx = Double.NEGATIVE_INFINITY;
                                for (int j = 0; j < tk; j++) {
                                    double dot = 0;
                                    for (int x = 0; x < d; x++) {
                                        dot += (double) bf16(q[off + ((bi * tq + i) * h + hi) * d + x])
                                                * bf16(k[off + ((bi * tk + j) * h + hi) * d + x]);
                                    }
                                    s[j] = dot * scale + (bias == null ? 0 : bias[off
                                            + (((biasB == 1 ? 0 : bi) * h + hi) * biasTq + (biasTq == 1 ? 0 : i)) * tk + j]);
                                    mx = Math.max(mx, s[j]);
                                }
                                double sum = 0;
                                for (int j = 0; j < tk; j++) sum += s[j] = Math.exp(s[j] - mx);
                                for (int x = 0; x < d; x++) {
                                    double o = 0;
                                    for (int j = 0; j < tk; j++) o += s[j] * bf16(v[off + (bi * tk + j) * vRow + hi * d + x]);
                                    worst = Math.max(worst, Math.abs(o / sum - y[off + ((bi * tq + i) * h + hi) * d + x]));
                                }
                            }
                        }
                    }
                    // the probabilities rounded to BF16 (each by at most 2^-9 of itself, divided by their unrounded
                    // sum), then the output (another 2^-9): at most 2^-8 of the largest value, plus FP32's sums
                    double vmax = 0;
                    for (float x : v) vmax = Math.max(vmax, Math.abs(bf16(x)));
                    double bound = 2 * vmax / 512 * 1.05 + 1e-5;
                    assertTrue(worst <= bound, "d = " + d + ", bias " + mode + ": max |error| " + worst + " > " + bound);
                    assertEquals(0f, y[off - 1], "nothing written before the output");
                }
            }
            float[] a = new float[256 * 48];
            AttentionProblem heads48 = new AttentionProblem(a, 0, a, 0, a, 0, null, 0, 0, 0, 0,
                    new float[256 * 48], 0, 1, 256, 256, 1, 48, 48, 1f);
            assertTrue(heads48.flops() >= OpenBlasGemm.ATTENTION_MIN_FLOPS, "declined for its heads, not its size");
            assertFalse(engine.attention(par, heads48), "heads of 48 are left to the FP32 engine");
        });
    }

    /**
     * Windowed attention read and written in place in the token grid (two images of 16 × 24 tokens, windows of 8,
     * v in wider rows) equals, bit for bit, the same kernel on each window gathered into consecutive rows and
     * scattered back: the kernel addresses a window's runs of tokens itself and computes the same values. Global
     * attention settings and biased problems are declined.
     */
    @Test
    void windowedAttentionInPlaceEqualsTheGatheredWindows() {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 attention not run here: " + Bf16Gemm.unavailableReason());
        onEachKernel(engine -> {
            int images = 2, gridH = 16, gridW = 24, window = 8, h = 2, d = 64, vRow = 3 * h * d, off = 5;
            int tokens = gridH * gridW, ws = window * window, row = h * d;
            Attrs.Attention windows = new Attrs.Attention(0.125f, window, gridH, gridW);
            Random r = new Random(11);
            float[] q = gaussian(r, off + images * tokens * row);
            float[] k = gaussian(r, off + images * tokens * row);
            float[] v = gaussian(r, off + images * tokens * vRow);
            float[] y = new float[off + images * tokens * row];
            AttentionProblem grid = new AttentionProblem(q, off, k, off, v, off, null, 0, 0, 0, 0, y, off,
                    images, tokens, tokens, h, d, d, vRow, 0.125f);
            assertTrue(engine.windowedAttention(par, grid, windows));

            int count = images * windows.windowCount();
            float[] pq = new float[count * ws * row], pk = new float[count * ws * row];
            float[] pv = new float[count * ws * row], py = new float[count * ws * row];
            for (int w = 0; w < count; w++) {
                for (int t = 0; t < ws; t++) {
                    int token = windows.windowStart(w) + t / window * gridW + t % window;
                    System.arraycopy(q, off + token * row, pq, (w * ws + t) * row, row);
                    System.arraycopy(k, off + token * row, pk, (w * ws + t) * row, row);
                    System.arraycopy(v, off + token * vRow, pv, (w * ws + t) * row, row);
                }
            }
            assertTrue(engine.attention(par, new AttentionProblem(pq, 0, pk, 0, pv, 0, null, 0, 0, 0, 0, py, 0,
                    count, ws, ws, h, d, d, 0.125f)));
            float[] expected = new float[y.length];
            for (int w = 0; w < count; w++) {
                for (int t = 0; t < ws; t++) {
                    int token = windows.windowStart(w) + t / window * gridW + t % window;
                    System.arraycopy(py, (w * ws + t) * row, expected, off + token * row, row);
                }
            }
            for (int i = 0; i < y.length; i++) assertEquals(expected[i], y[i], "value " + i);

            assertFalse(engine.windowedAttention(par, grid, new Attrs.Attention(0.125f)), "global attention settings");
            AttentionProblem withBias = new AttentionProblem(q, off, k, off, v, off, new float[tokens], 0, 1, 1, 1,
                    y, off, images, tokens, tokens, h, d, d, vRow, 0.125f);
            assertFalse(engine.windowedAttention(par, withBias, windows), "a biased attention is left to the backend");
        });
    }

    /**
     * Convolutions of a BF16 graph (3 × 3 of stride 1 and 2, 1 × 1; after an upsampling, as the pixel decoder has
     * them; a transposed 2 × 2 one, as the necks have) on AMX, each one product of its whole kernel (over im2col rows;
     * the transposed one with its bias repeated for each tap), against the pure-Java backend's emulation: every value
     * within a rounding or two of BF16 (the same exact products, summed in another order).
     */
    @Test
    void bf16ConvolutionsMatchTheEmulation() throws Exception {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 products not run here: " + Bf16Gemm.unavailableReason());
        org.sam3j.graph.Graph g = new org.sam3j.graph.Graph();
        org.sam3j.graph.Tensor x = g.input("x", 1, 12, 10, 40);
        org.sam3j.graph.Tensor a = g.conv2d(x, g.weight("c1.w", 48, 40, 3, 3), g.weight("c1.b", 48), 1, 1);
        org.sam3j.graph.Tensor b = g.conv2d(g.upsampleNearest(g.relu(a), 2), g.weight("c2.w", 32, 48, 3, 3),
                g.weight("c2.b", 32), 2, 1);
        org.sam3j.graph.Tensor c = g.conv2d(b, g.weight("c3.w", 24, 32, 1, 1), g.weight("c3.b", 24), 1, 0);
        g.output("y", g.convTranspose2x2(c, g.weight("t4.w", 24, 16, 2, 2), g.weight("t4.b", 16)));
        org.sam3j.graph.Graph low = org.sam3j.graph.PrecisionPolicy.apply(g, Precision.BF16);
        org.sam3j.weights.InMemoryWeights w = CpuFusionTest.weights(g, 3);
        float[] in = gaussian(new Random(5), 12 * 10 * 40);
        float[][] out = new float[2][];
        int i = 0;
        for (CpuBackend be : List.of(OpenBlasBackend.create(2), new CpuBackend(2))) {
            try (be; org.sam3j.backend.CompiledGraph cg = be.compile(low, w);
                 org.sam3j.backend.ExecutionContext ctx = cg.newContext()) {
                out[i++] = ctx.run(java.util.Map.of("x", in)).get("y").data();
            }
        }
        double worst = 0;
        for (int j = 0; j < out[0].length; j++) {
            float p = out[0][j], q = out[1][j];
            worst = Math.max(worst, Math.abs(p - q) / Math.max(1e-3, Math.max(Math.abs(p), Math.abs(q))));
        }
        // two BF16 roundings apart at most (2^-7 of the value each) where a sum in another order crossed a midpoint
        assertTrue(worst <= 0x1p-6, "largest relative difference " + worst);
    }

    /**
     * A BF16 attention of rotated q and k (FP32 ops whose values the graph rounds to BF16 for the attention) on AMX:
     * the roundings are left to the kernel (planned as views of the rotations, no steps), and the output matches the
     * pure-Java emulation, whose casts are steps, within BF16's rounding of the probabilities.
     */
    @Test
    void attentionRoundsItsRotatedOperandsItself() throws Exception {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 products not run here: " + Bf16Gemm.unavailableReason());
        int t = 256, heads = 2, d = 64, c = heads * d;
        org.sam3j.graph.Graph g = new org.sam3j.graph.Graph();
        org.sam3j.graph.Tensor x = g.input("x", 1, t, c);
        org.sam3j.graph.Tensor cos = g.input("cos", t, d / 2);
        org.sam3j.graph.Tensor sin = g.input("sin", t, d / 2);
        org.sam3j.graph.Tensor q = g.rope(g.reshape(g.linear(x, g.weight("q.w", c, c), null), 1, t, heads, d), cos, sin);
        org.sam3j.graph.Tensor k = g.rope(g.reshape(g.linear(x, g.weight("k.w", c, c), null), 1, t, heads, d), cos, sin);
        org.sam3j.graph.Tensor v = g.reshape(g.linear(x, g.weight("v.w", c, c), null), 1, t, heads, d);
        g.output("y", g.reshape(g.attention(q, k, v, null, 0.125f), 1, t, c));
        org.sam3j.graph.Graph low = org.sam3j.graph.PrecisionPolicy.apply(g, Precision.BF16);
        org.sam3j.weights.InMemoryWeights w = CpuFusionTest.weights(g, 9);
        Random r = new Random(4);
        float[] angles = gaussian(r, t * d / 2);
        float[] cs = new float[angles.length];
        float[] sn = new float[angles.length];
        for (int i = 0; i < angles.length; i++) {
            cs[i] = (float) Math.cos(angles[i]);
            sn[i] = (float) Math.sin(angles[i]);
        }
        java.util.Map<String, float[]> in = java.util.Map.of("x", gaussian(r, t * c), "cos", cs, "sin", sn);
        float[][] out = new float[2][];
        long[] castSteps = new long[2];
        int i = 0;
        for (CpuBackend be : List.of(OpenBlasBackend.create(2), new CpuBackend(2))) {
            try (be; org.sam3j.backend.CompiledGraph cg = be.compile(low, w);
                 org.sam3j.backend.ExecutionContext ctx = cg.newContext()) {
                castSteps[i] = cg.plan().schedule().stream()
                        .filter(n -> n.op() == org.sam3j.graph.Op.CAST && n.dtype() == DType.BF16).count();
                out[i++] = ctx.run(in).get("y").data();
            }
        }
        assertEquals(0, castSteps[0], "x, q and k rounded by the BF16 kernels, not by steps");
        assertEquals(3, castSteps[1], "the emulation rounds x (for the products), q and k in steps");
        double worst = 0;
        for (int j = 0; j < out[0].length; j++) worst = Math.max(worst, Math.abs(out[0][j] - out[1][j]));
        assertTrue(worst <= 0.02 && worst > 0, "largest difference to the emulation " + worst);
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /**
     * A ViT block at BF16 on the OpenBLAS backend (products of weights on AMX, their casts skipped, GELU applied by
     * the product) against the
     * pure-Java backend's emulation of the same graph: the same products summed in another order, each rounded to
     * BF16, so values differ by a rounding here and there, not more.
     */
    @Test
    void bf16BlockMatchesTheEmulation() {
        assumeTrue(Bf16Gemm.isAvailable(), "BF16 products not run here: " + Bf16Gemm.unavailableReason());
        var engine = CpuFusionTest.run(() -> OpenBlasBackend.create(2), true, Precision.BF16);
        var emulated = CpuFusionTest.run(() -> new CpuBackend(2), false, Precision.BF16);
        var fp32Block = CpuFusionTest.run(() -> new CpuBackend(2), true, Precision.FP32);
        // the feed-forward's GELU applied by the product on AMX, through the widening cast (the neck's GELU after its
        // transposed convolution, a product the FP32 engine emulates, stays a step)
        assertTrue(engine.getValue().contains("LINEAR+GELU"), engine.getValue().toString());
        for (String name : List.of("norm", "x", "up")) {
            float[] got = engine.getKey().get(name).data();
            float[] want = emulated.getKey().get(name).data();
            double cos = Similarity.cosine(got, want);
            double toFp32 = Similarity.cosine(want, fp32Block.getKey().get(name).data());
            // the two BF16 runs agree far more closely than either agrees with FP32
            assertTrue(cos >= 0.9999 && 1 - cos < (1 - toFp32) / 4, name + ": cosine " + cos + ", emulation to FP32 " + toFp32);
        }
    }

    private void check(Bf16Gemm engine, int m, int n, int k, int padA, int padC, boolean transB, boolean withBias) {
        Random r = new Random(m * 31L + n);
        int lda = k + padA, ldc = n + padC, aOff = 5, cOff = 3;
        float[] a = new float[aOff + m * lda];
        float[] b = new float[n * k];
        float[] bias = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) bias[i] = (float) r.nextGaussian();
        // B read in place from a direct buffer (the mapped checkpoint's form) and from an array
        FloatBuffer direct = ByteBuffer.allocateDirect(4 * b.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(0, b);
        for (GemmEngine.Prepared pb : List.of(engine.prepare(par, b, 0, transB ? k : n, transB, k, n),
                engine.prepare(par, direct, transB, k, n))) {
            float[] c = new float[cOff + m * ldc + 7];
            java.util.Arrays.fill(c, -7f);
            engine.gemm(par, m, a, aOff, lda, pb, c, cOff, ldc, withBias ? bias : null);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < ldc; j++) {
                    float got = c[cOff + i * ldc + j];
                    if (j >= n) {
                        assertEquals(-7f, got, "padding of row " + i + " untouched");
                        continue;
                    }
                    double ref = withBias ? bias[j] : 0;
                    double mag = Math.abs(ref);
                    for (int p = 0; p < k; p++) {
                        double t = (double) bf16(a[aOff + i * lda + p]) * bf16(transB ? b[j * k + p] : b[p * n + j]);
                        ref += t;
                        mag += Math.abs(t);
                    }
                    double acc = mag * k * 6e-8;
                    assertTrue(Math.abs(got - ref) <= acc + (Math.abs(ref) + acc) / 256,
                            m + "x" + n + "x" + k + " [" + i + "," + j + "]: " + got + " vs " + ref);
                    assertEquals(bf16(got), got, "a BF16 value");
                }
            }
            assertEquals(-7f, c[cOff - 1]);
            assertEquals(-7f, c[c.length - 1]);
            ((Bf16Gemm.Packed) pb).close();
        }
    }

    private static float bf16(float v) {
        return ReducedFloats.roundBf16(v);
    }
}
