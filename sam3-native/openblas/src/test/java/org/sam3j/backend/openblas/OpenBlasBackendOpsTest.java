package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.AttentionWindows;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * Every operation the OpenBLAS backend computes differently from the pure-Java one (linear layers with weight
 * and activation operands, batched matrix products, convolutions, transposed convolutions, attention) on both
 * backends, at odd sizes, with operands inside the arena at non-zero offsets (each op reads the output of an
 * earlier one, and several outputs share the arena). The pure-Java kernels are themselves tested against naive
 * references in sam3-api.
 */
class OpenBlasBackendOpsTest {
    private static Backend cpu;
    private static Backend blas;
    private static Backend blasOwnThreads;
    private static Backend blasAttention;
    private final Random rnd = new Random(11);

    @BeforeAll
    static void start() {
        cpu = new CpuBackend(2);
        blas = OpenBlasBackend.create(3, OpenBlasGemm.Threading.WORKERS);
        blasOwnThreads = OpenBlasBackend.create(2, OpenBlasGemm.Threading.OPENBLAS);
        blasAttention = new CpuBackend("openblas", 2, new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS, true));
    }

    @AfterAll
    static void stop() {
        cpu.close();
        blas.close();
        blasOwnThreads.close();
        blasAttention.close();
        OpenBlas.setThreads(1);
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** A graph, its inputs and weights. */
    private final class Case {
        final Graph g = new Graph();
        final Map<String, float[]> inputs = new HashMap<>();
        final InMemoryWeights w = new InMemoryWeights();

        /** An input, passed through one element-wise op so that the consumer reads it from the arena. */
        Tensor in(String name, int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            inputs.put(name, rand(n));
            return g.scale(g.input(name, shape), 1f);
        }

        Tensor weight(String name, int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            long[] s = new long[shape.length];
            for (int i = 0; i < s.length; i++) s[i] = shape[i];
            w.put(name, rand(n), s);
            return g.weight(name, shape);
        }
    }

    private static Map<String, HostTensor> run(Backend b, Case c) {
        try (CompiledGraph cg = b.compile(c.g, c.w)) {
            cg.run(c.inputs); // the first run converts weights
            return cg.run(c.inputs);
        }
    }

    private void compare(Case c, double tol) {
        Map<String, HostTensor> want = run(cpu, c);
        for (Backend b : new Backend[] {blas, blasOwnThreads, blasAttention}) {
            Map<String, HostTensor> got = run(b, c);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                float[] e = want.get(k).data();
                float[] a = got.get(k).data();
                assertArrayEquals(want.get(k).shape(), got.get(k).shape(), k);
                double rms = 0;
                for (float v : e) rms += (double) v * v;
                rms = Math.sqrt(rms / Math.max(1, e.length));
                for (int i = 0; i < e.length; i++) {
                    assertTrue(Math.abs(e[i] - a[i]) <= tol * Math.max(1, rms),
                            b + " " + k + "[" + i + "]: cpu " + e[i] + " openblas " + a[i]);
                }
            }
        }
    }

    @Test
    void linearLayers() {
        Case c = new Case();
        Tensor x = c.in("x", 3, 37, 19);
        Tensor y1 = c.g.linear(x, c.weight("w1", 23, 19), c.weight("b1", 23));
        Tensor y2 = c.g.linear(c.g.relu(y1), c.weight("w2", 301, 23), null);
        Tensor y3 = c.g.linear(c.g.gelu(y2), c.weight("w3", 5, 301), c.weight("b3", 5));
        Tensor one = c.g.linear(c.in("row", 1, 64), c.weight("w4", 7, 64), c.weight("b4", 7));
        // activation as the weight operand
        Tensor act = c.g.linear(x, c.g.scale(c.in("wa", 29, 19), 0.5f), null);
        c.g.output("y1", y1);
        c.g.output("y3", y3);
        c.g.output("one", one);
        c.g.output("act", act);
        compare(c, 2e-5);
    }

    @Test
    void largeLinearTakesTheParallelPath() {
        Case c = new Case();
        Tensor x = c.in("x", 1031, 131);
        Tensor y = c.g.linear(x, c.weight("w", 517, 131), c.weight("b", 517));
        c.g.output("y", c.g.linear(c.g.gelu(y), c.weight("w2", 67, 517), null));
        compare(c, 2e-5);
    }

    @Test
    void batchedMatmul() {
        Case c = new Case();
        Tensor a = c.in("a", 2, 3, 37, 21);
        Tensor bt = c.in("bt", 2, 3, 45, 21);
        Tensor b = c.in("b", 2, 3, 21, 45);
        c.g.output("abt", c.g.matmul(a, bt, true));
        c.g.output("ab", c.g.matmul(a, b, false));
        Tensor big = c.in("big", 1, 300, 70);
        Tensor bigB = c.in("bigB", 1, 70, 333);
        c.g.output("big", c.g.matmul(big, bigB, false));
        // B too large to stage whole (over MAX_STAGE_FLOATS), A small: blocks of columns, B stored either way
        Tensor few = c.in("few", 1, 37, 300);
        int wide = (int) (OpenBlasGemm.MAX_STAGE_FLOATS / 300 + 1000);
        c.g.output("wideT", c.g.matmul(few, c.in("wideT", 1, wide, 300), true));
        c.g.output("wide", c.g.matmul(few, c.in("wide", 1, 300, wide), false));
        compare(c, 2e-5);
    }

    @Test
    void convolutions() {
        Case c = new Case();
        Tensor x = c.in("x", 2, 13, 11, 5);
        c.g.output("c3", c.g.conv2d(x, c.weight("w3", 7, 5, 3, 3), c.weight("b3", 7), 1, 1));
        c.g.output("s2", c.g.conv2d(x, c.weight("ws2", 6, 5, 3, 3), null, 2, 1));
        c.g.output("c1", c.g.conv2d(x, c.weight("w1", 9, 5, 1, 1), c.weight("b1", 9), 1, 0));
        c.g.output("k2", c.g.conv2d(x, c.weight("wk2", 4, 5, 2, 2), null, 2, 0));
        Tensor big = c.in("big", 1, 40, 36, 17);
        c.g.output("big", c.g.conv2d(big, c.weight("wb", 33, 17, 3, 3), c.weight("bb", 33), 1, 1));
        // stride 1 runs on OpenBLAS per tap, in bands of output rows staged zero-padded: no bias, no padding, a
        // 7 × 7 kernel, several bands per image and two images, a kernel wider than its input
        c.g.output("nobias", c.g.conv2d(x, c.weight("wn", 7, 5, 3, 3), null, 1, 1));
        c.g.output("valid", c.g.conv2d(x, c.weight("wv", 3, 5, 3, 3), c.weight("bv", 3), 1, 0));
        c.g.output("k7", c.g.conv2d(x, c.weight("w7", 4, 5, 7, 7), c.weight("b7", 4), 1, 3));
        Tensor tall = c.in("tall", 2, 150, 40, 6);
        c.g.output("bands", c.g.conv2d(tall, c.weight("wt", 10, 6, 3, 3), c.weight("bt", 10), 1, 1));
        Tensor narrow = c.in("narrow", 1, 5, 2, 4);
        c.g.output("narrow", c.g.conv2d(narrow, c.weight("wr", 3, 4, 3, 3), null, 1, 1));
        // a kernel as large as its input (the geometry encoder's 7 × 7 pooled boxes): one product of the rows
        Tensor boxes = c.in("boxes", 16, 7, 7, 12);
        c.g.output("whole", c.g.conv2d(boxes, c.weight("wwh", 9, 12, 7, 7), c.weight("bwh", 9), 1, 0));
        compare(c, 2e-5);
    }

    @Test
    void transposedConvolutions() {
        Case c = new Case();
        Tensor x = c.in("x", 2, 7, 5, 11);
        Tensor y = c.g.convTranspose2x2(x, c.weight("w", 11, 6, 2, 2), c.weight("b", 6));
        c.g.output("y", y);
        c.g.output("yy", c.g.convTranspose2x2(c.g.gelu(y), c.weight("w2", 6, 3, 2, 2), null));
        compare(c, 2e-5);
    }

    @Test
    void attention() {
        Case c = new Case();
        // windowed-encoder-like (no bias), cross attention with a broadcast bias, one query
        Tensor q = c.in("q", 2, 37, 3, 16);
        Tensor k = c.in("k", 2, 37, 3, 16);
        Tensor v = c.in("v", 2, 37, 3, 16);
        c.g.output("self", c.g.attention(q, k, v, null, 0.25f));
        Tensor kx = c.in("kx", 2, 301, 3, 16);
        Tensor vx = c.in("vx", 2, 301, 3, 8);
        Tensor bias = c.in("bias", 1, 3, 1, 301);
        c.g.output("cross", c.g.attention(q, kx, vx, bias, 0.25f));
        Tensor bias4 = c.in("bias4", 2, 1, 37, 301);
        c.g.output("cross4", c.g.attention(q, kx, vx, bias4, 0.25f));
        Tensor q1 = c.in("q1", 1, 1, 2, 32);
        Tensor k1 = c.in("k1", 1, 700, 2, 32);
        Tensor v1 = c.in("v1", 1, 700, 2, 32);
        c.g.output("one", c.g.attention(q1, k1, v1, null, 0.1f));
        Tensor qb = c.in("qb", 1, 600, 4, 64);
        Tensor kb = c.in("kb", 1, 650, 4, 64);
        Tensor vb = c.in("vb", 1, 650, 4, 64);
        c.g.output("big", c.g.attention(qb, kb, vb, null, 0.125f));
        // large enough for the OpenBLAS path: per-query bias with masked keys, broadcast bias, Dv != D
        Tensor qm = c.in("qm", 2, 300, 2, 32);
        Tensor km = c.in("km", 2, 701, 2, 32);
        Tensor vm = c.in("vm", 2, 701, 2, 24);
        float[] mask = c.inputs.computeIfAbsent("mask", n -> rand(2 * 2 * 300 * 701));
        for (int i = 0; i < mask.length; i += 3) mask[i] = -1e9f;
        Tensor maskT = c.g.input("mask", 2, 2, 300, 701);
        c.g.output("masked", c.g.attention(qm, km, vm, maskT, 0.2f));
        Tensor keyBias = c.in("keyBias", 1, 1, 1, 701);
        c.g.output("keyBias", c.g.attention(qm, km, vm, keyBias, 0.2f));
        assertTrue(2L * 2 * 2 * 300 * 701 * 56 > OpenBlasGemm.ATTENTION_MIN_FLOPS);
        compare(c, 2e-5);
    }

    @Test
    void windowedAttention() {
        Case c = new Case();
        // windows read in place from a 32×48 grid (6 windows of 256 tokens), large enough for the OpenBLAS kernel
        int gh = 32, gw = 48, ws = 16, h = 2, d = 32, dv = 24;
        Tensor q = c.in("q", 1, gh * gw, h, d);
        Tensor k = c.in("k", 1, gh * gw, h, d);
        Tensor v = c.in("v", 1, gh * gw, h, dv);
        Tensor y = c.g.windowedAttention(q, k, v, 0.2f, gh, gw, ws);
        c.g.output("windowed", y);
        Attrs.Attention a = y.attrs(Attrs.Attention.class);
        c.g.output("partitioned", AttentionWindows.unpartition(c.g, c.g.attention(AttentionWindows.partition(c.g, q, a),
                AttentionWindows.partition(c.g, k, a), AttentionWindows.partition(c.g, v, a), null, 0.2f), a));
        assertTrue(2L * h * ws * ws * ws * ws * (d + dv) > OpenBlasGemm.ATTENTION_MIN_FLOPS);
        compare(c, 2e-5);
        // The windowed path hands OpenBLAS one window's queries per call, the partitioned graph all windows at once:
        // where OpenBLAS picks its kernel by the product's shape (it does on AVX2 Zen 1, not on AVX-512 Zen 4) the
        // two differ in the last bits (up to 6e-8 seen), so they must agree to 1e-6, not bit for bit.
        for (Backend b : new Backend[] {blas, blasAttention}) {
            Map<String, HostTensor> out = run(b, c);
            float[] want = out.get("partitioned").data();
            float[] got = out.get("windowed").data();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertTrue(Math.abs(want[i] - got[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])),
                        b + " at " + i + ": " + want[i] + " vs " + got[i]);
            }
        }
    }

    @Test
    void outputsAreIdenticalAcrossRuns() {
        Case c = new Case();
        Tensor x = c.in("x", 129, 67);
        c.g.output("y", c.g.linear(x, c.weight("w", 45, 67), c.weight("b", 45)));
        Function<Backend, float[]> once = b -> run(b, c).get("y").data();
        assertArrayEquals(once.apply(blas), once.apply(blas));
    }
}
