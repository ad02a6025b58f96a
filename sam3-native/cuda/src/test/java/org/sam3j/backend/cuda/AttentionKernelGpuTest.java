package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * The fused attention kernel against a naive double-precision reference: every token pattern (full,
 * windowed with ragged edges, dilated with several (w, r)), RoPE on load, broadcast and masking biases,
 * cross attention, odd head sizes and Dv ≠ D, strided q/k/v inside a packed qkv buffer, in FP32, FP16
 * and BF16 (the reference is fed the rounded inputs, so the bound measures the kernel). Skipped without
 * a GPU.
 */
class AttentionKernelGpuTest {
    private static final int[] DTYPES = {CudaKernels.S3C_F32, CudaKernels.S3C_F16, CudaKernels.S3C_BF16};

    @BeforeEach
    void gpu() {
        Gpu.assumeAvailable();
    }

    /** One attention problem. Bias dims {@code [bb, bh, bq, tk]} or null; rope tables have {@code ropeRows} rows. */
    record Case(String name, AttentionPattern pattern, int b, int tq, int tk, int h, int d, int dv, int[] biasDims,
                boolean ropeQ, boolean ropeK, int ropeRows, boolean packed) {
        Case {
            if (packed && (tq != tk || d != dv)) throw new IllegalArgumentException("packed needs self-attention, D = Dv");
        }
    }

    static Case full(String name, int b, int tq, int tk, int h, int d, int dv) {
        return new Case(name, AttentionPattern.full(), b, tq, tk, h, d, dv, null, false, false, 0, false);
    }

    @Test
    void fullPatternSizes() {
        for (Case c : List.of(
                full("small", 2, 37, 37, 3, 16, 16),
                full("several key tiles", 1, 130, 130, 2, 64, 64),
                full("head 100", 1, 33, 33, 2, 100, 100),
                full("dv != d", 2, 29, 29, 3, 24, 40),
                full("cross", 2, 5, 77, 4, 32, 32),
                full("odd head", 1, 19, 19, 3, 7, 7),
                full("one token", 1, 1, 1, 1, 8, 8),
                full("head 128", 1, 70, 70, 1, 128, 128))) {
            for (int dt : DTYPES) check(c, dt);
        }
    }

    @Test
    void biasShapesAndMasks() {
        int b = 2, t = 23, tk = 41, h = 3, d = 32;
        int[][] shapes = {{b, h, t, tk}, {1, h, t, tk}, {b, 1, 1, tk}, {1, 1, t, tk}, {1, 1, 1, tk}};
        for (int[] s : shapes) {
            Case c = new Case("bias " + java.util.Arrays.toString(s), AttentionPattern.full(), b, t, tk, h, d, d, s,
                    false, false, 0, false);
            for (int dt : DTYPES) check(c, dt);
        }
    }

    @Test
    void ropeOnLoad() {
        for (int dt : DTYPES) {
            check(new Case("rope q,k", AttentionPattern.full(), 2, 41, 41, 2, 32, 32, null, true, true, 41, false), dt);
            check(new Case("rope q only", AttentionPattern.full(), 1, 17, 17, 2, 64, 64, null, true, false, 17, false), dt);
            check(new Case("rope, packed qkv", AttentionPattern.full(), 2, 50, 50, 4, 16, 16, null, true, true, 50, true), dt);
        }
    }

    @Test
    void windowedPattern() {
        for (int dt : DTYPES) {
            check(new Case("12x12 / 4", AttentionPattern.windowed(12, 12, 4, 4), 2, 144, 144, 2, 32, 32, null, true, true, 16,
                    false), dt);
            check(new Case("ragged 7x5 / 3x2", AttentionPattern.windowed(7, 5, 3, 2), 1, 35, 35, 3, 16, 16, null, false,
                    false, 0, false), dt);
            check(new Case("packed 10x10 / 4", AttentionPattern.windowed(10, 10, 4, 4), 1, 100, 100, 2, 64, 64, null, true,
                    true, 16, true), dt);
        }
        check(new Case("SAM 3 72x72 / 24", AttentionPattern.windowed(72, 72, 24, 24), 1, 5184, 5184, 2, 64, 64, null, true,
                true, 576, true), CudaKernels.S3C_F32);
    }

    @Test
    void dilatedPattern() {
        int[][] wr = {{16, 1}, {16, 2}, {16, 4}, {13, 3}, {64, 8}, {200, 1}, {5, 5}};
        for (int[] c : wr) {
            for (int dt : DTYPES) {
                check(new Case("dilated w=" + c[0] + " r=" + c[1], AttentionPattern.dilated(c[0], c[1]), 2, 67, 67, 8, 16, 16,
                        null, false, false, 0, false), dt);
            }
        }
        check(new Case("dilated + rope + packed", AttentionPattern.dilated(32, 4), 1, 100, 100, 4, 32, 32, null, true, true,
                100, true), CudaKernels.S3C_F32);
        // one segment of dilation 1 is full attention
        Case full = full("full", 1, 40, 40, 2, 16, 16);
        Case asDilated = new Case("dilated as full", AttentionPattern.dilated(64, 1), 1, 40, 40, 2, 16, 16, null, false,
                false, 0, false);
        try (Gpu gpu = new Gpu()) {
            float[] a = run(gpu, full, CudaKernels.S3C_F32, new Random(5)).actual;
            float[] b = run(gpu, asDilated, CudaKernels.S3C_F32, new Random(5)).actual;
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-6f);
        }
    }

    /**
     * The windowed kernel on un-partitioned tokens equals the CPU backend running VitBlock's partition,
     * RoPE with window tables, attention and un-partition (the graph the model builds).
     */
    @Test
    void windowedKernelEqualsThePartitionGraph() {
        int grid = 8, ws = 4, nw = grid / ws, h = 2, d = 16, c = h * d, t = grid * grid;
        Random rnd = new Random(11);
        float[] q = gaussian(rnd, t * c), k = gaussian(rnd, t * c), v = gaussian(rnd, t * c);
        float[][] tables = ropeTables(rnd, ws * ws, d);
        Graph g = new Graph();
        Tensor[] parts = new Tensor[3];
        String[] names = {"q", "k", "v"};
        for (int i = 0; i < 3; i++) {
            Tensor x = g.input(names[i], 1, grid, grid, c);
            Tensor w = g.permute(g.reshape(x, 1, nw, ws, nw, ws, c), 0, 1, 3, 2, 4, 5);
            parts[i] = g.reshape(w, nw * nw, ws * ws, h, d);
        }
        Tensor cos = g.constant("cos", tables[0], ws * ws, d / 2);
        Tensor sin = g.constant("sin", tables[1], ws * ws, d / 2);
        Tensor o = g.attention(g.rope(parts[0], cos, sin), g.rope(parts[1], cos, sin), parts[2], null, 0.25f);
        Tensor back = g.permute(g.reshape(o, 1, nw, nw, ws, ws, c), 0, 1, 3, 2, 4, 5);
        g.output("y", g.reshape(back, 1, t, c));
        float[] expected;
        try (CpuBackend cpu = new CpuBackend(1); CompiledGraph cg = cpu.compile(g, new InMemoryWeights())) {
            expected = cg.run(Map.of("q", q, "k", k, "v", v)).get("y").data();
        }
        try (Gpu gpu = new Gpu(); CudaKernels.AttentionArgs a = new CudaKernels.AttentionArgs()) {
            CudaKernels.s3c_attention_defaults(a, 1, t, t, h, d, d, 0.25f, CudaKernels.S3C_F32);
            AttentionPattern.windowed(grid, grid, ws, ws).apply(a);
            long y = gpu.alloc((long) t * c * 4);
            a.q(gpu.upload(q, 0)).k(gpu.upload(k, 0)).v(gpu.upload(v, 0)).y(y)
                    .rope_q(1).rope_k(1).rope_rows(ws * ws)
                    .rope_cos(gpu.upload(tables[0], 0)).rope_sin(gpu.upload(tables[1], 0));
            CudaRuntime.check(CudaKernels.s3c_attention(a, 0), "attention");
            float[] actual = gpu.download(y, t * c, 0);
            double[] e = new double[expected.length];
            for (int i = 0; i < e.length; i++) e[i] = expected[i];
            assertTrue(Gpu.relError(actual, e) < 2e-5, "windowed kernel vs partition graph: " + Gpu.relError(actual, e));
        }
    }

    // ------------------------------------------------------------------ machinery

    private record Result(float[] actual, double[] expected) {}

    private static void check(Case c, int dtype) {
        try (Gpu gpu = new Gpu()) {
            Result r = run(gpu, c, dtype, new Random(c.name().hashCode() * 31L + dtype));
            double err = Gpu.relError(r.actual, r.expected);
            assertTrue(err <= Gpu.tolerance(dtype), c.name() + " [" + Gpu.name(dtype) + "]: relative error " + err);
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static float[][] ropeTables(Random rnd, int rows, int d) {
        float[] cos = new float[rows * d / 2];
        float[] sin = new float[rows * d / 2];
        for (int i = 0; i < cos.length; i++) {
            double a = rnd.nextDouble() * 2 * Math.PI;
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
        return new float[][] {cos, sin};
    }

    private static Result run(Gpu gpu, Case c, int dtype, Random rnd) {
        int es = Gpu.bytes(dtype);
        int b = c.b(), tq = c.tq(), tk = c.tk(), h = c.h(), d = c.d(), dv = c.dv();
        float[] q, k, v;
        long qa, ka, va;
        long qsb = (long) tq * h * d, qst = (long) h * d, ksb = (long) tk * h * d, kst = (long) h * d;
        long vsb = (long) tk * h * dv, vst = (long) h * dv;
        if (c.packed()) {
            float[] packed = gpu.rounded(gaussian(rnd, b * tq * 3 * h * d), dtype);
            q = new float[b * tq * h * d];
            k = new float[q.length];
            v = new float[q.length];
            for (int bt = 0; bt < b * tq; bt++) {
                System.arraycopy(packed, bt * 3 * h * d, q, bt * h * d, h * d);
                System.arraycopy(packed, bt * 3 * h * d + h * d, k, bt * h * d, h * d);
                System.arraycopy(packed, bt * 3 * h * d + 2 * h * d, v, bt * h * d, h * d);
            }
            long base = gpu.upload(packed, dtype);
            qa = base;
            ka = base + (long) h * d * es;
            va = base + 2L * h * d * es;
            qsb = ksb = vsb = (long) tq * 3 * h * d;
            qst = kst = vst = 3L * h * d;
        } else {
            q = gpu.rounded(gaussian(rnd, b * tq * h * d), dtype);
            k = gpu.rounded(gaussian(rnd, b * tk * h * d), dtype);
            v = gpu.rounded(gaussian(rnd, b * tk * h * dv), dtype);
            qa = gpu.upload(q, dtype);
            ka = gpu.upload(k, dtype);
            va = gpu.upload(v, dtype);
        }
        float[] bias = null;
        if (c.biasDims() != null) {
            int[] bd = c.biasDims();
            bias = new float[bd[0] * bd[1] * bd[2] * bd[3]];
            for (int i = 0; i < bias.length; i++) {
                int key = i % bd[3];
                // mask a few keys (never key 0, so that every query keeps one), the rest a mild bias
                bias[i] = key % 7 == 3 ? Float.NEGATIVE_INFINITY : key % 7 == 5 ? -1e9f : (float) rnd.nextGaussian();
            }
            bias = gpu.rounded(bias, dtype);
        }
        float[][] rope = c.ropeQ() || c.ropeK() ? ropeTables(rnd, c.ropeRows(), d) : null;
        float scale = (float) (1 / Math.sqrt(d));
        long y = gpu.alloc((long) b * tq * h * dv * es);
        try (CudaKernels.AttentionArgs a = new CudaKernels.AttentionArgs()) {
            CudaKernels.s3c_attention_defaults(a, b, tq, tk, h, d, dv, scale, dtype);
            c.pattern().apply(a);
            a.q(qa).k(ka).v(va).y(y).q_sb(qsb).q_st(qst).k_sb(ksb).k_st(kst).v_sb(vsb).v_st(vst);
            if (bias != null) {
                int[] bd = c.biasDims();
                a.bias(gpu.upload(bias, dtype)).bias_sq(bd[2] == 1 ? 0 : bd[3]).bias_sh(bd[1] == 1 ? 0 : (long) bd[2] * bd[3])
                        .bias_sb(bd[0] == 1 ? 0 : (long) bd[1] * bd[2] * bd[3]);
            }
            if (rope != null) {
                a.rope_q(c.ropeQ() ? 1 : 0).rope_k(c.ropeK() ? 1 : 0).rope_rows(c.ropeRows())
                        .rope_cos(gpu.upload(rope[0], 0)).rope_sin(gpu.upload(rope[1], 0));
            }
            CudaRuntime.check(CudaKernels.s3c_attention(a, 0), c.name());
        }
        float[] actual = gpu.download(y, b * tq * h * dv, dtype);
        return new Result(actual, reference(c, q, k, v, bias, rope, scale));
    }

    /** Naive attention in double over the pattern's sequences; tokens no head selects stay 0. */
    static double[] reference(Case c, float[] q, float[] k, float[] v, float[] bias, float[][] rope, float scale) {
        int b = c.b(), tq = c.tq(), tk = c.tk(), h = c.h(), d = c.d(), dv = c.dv();
        AttentionPattern p = c.pattern();
        boolean full = p instanceof AttentionPattern.Full;
        double[] y = new double[b * tq * h * dv];
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < h; hi++) {
                for (int grp = 0; grp < p.groups(tq); grp++) {
                    int lq = full ? tq : p.length(tq, grp, hi);
                    int lk = full ? tk : lq;
                    for (int i = 0; i < lq; i++) {
                        int qt = p.token(tq, grp, hi, i);
                        double[] qv = roped(q, ((long) bi * tq + qt) * h * d + (long) hi * d, d,
                                c.ropeQ() ? rope : null, p.ropeRow(tq, grp, hi, i));
                        double[] s = new double[lk];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < lk; j++) {
                            int kt = p.token(tq, grp, hi, j);
                            double[] kv = roped(k, ((long) bi * tk + kt) * h * d + (long) hi * d, d,
                                    c.ropeK() ? rope : null, p.ropeRow(tq, grp, hi, j));
                            double dot = 0;
                            for (int e = 0; e < d; e++) dot += qv[e] * kv[e];
                            s[j] = scale * dot;
                            if (bias != null) {
                                int[] bd = c.biasDims();
                                int idx = (((bd[0] == 1 ? 0 : bi) * bd[1] + (bd[1] == 1 ? 0 : hi)) * bd[2]
                                        + (bd[2] == 1 ? 0 : qt)) * bd[3] + kt;
                                s[j] += bias[idx];
                            }
                            max = Math.max(max, s[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < lk; j++) {
                            s[j] = Math.exp(s[j] - max);
                            sum += s[j];
                        }
                        for (int j = 0; j < lk; j++) {
                            int kt = p.token(tq, grp, hi, j);
                            long vo = ((long) bi * tk + kt) * h * dv + (long) hi * dv;
                            for (int e = 0; e < dv; e++) y[(int) (((long) bi * tq + qt) * h * dv + (long) hi * dv + e)] += s[j] / sum * v[(int) (vo + e)];
                        }
                    }
                }
            }
        }
        return y;
    }

    private static double[] roped(float[] x, long off, int d, float[][] rope, int row) {
        double[] r = new double[d];
        for (int e = 0; e < d; e++) r[e] = x[(int) (off + e)];
        if (rope == null) return r;
        double[] o = new double[d];
        for (int i = 0; i < d / 2; i++) {
            double cs = rope[0][row * (d / 2) + i];
            double sn = rope[1][row * (d / 2) + i];
            o[2 * i] = r[2 * i] * cs - r[2 * i + 1] * sn;
            o[2 * i + 1] = r[2 * i] * sn + r[2 * i + 1] * cs;
        }
        return o;
    }
}
