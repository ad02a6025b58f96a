package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * Every graph operation on the CUDA backend against the pure-Java CPU backend (the reference of what
 * each op computes), on odd sizes, in FP32, FP16 and BF16; memory accounting and release. Skipped
 * without a GPU.
 */
class CudaBackendGpuTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void start() {
        cpu = new CpuBackend(2);
    }

    @BeforeEach
    void gpu() {
        Gpu.assumeAvailable();
    }

    @AfterAll
    static void stop() {
        if (cpu != null) cpu.close();
    }

    /** A graph under test: built by {@code build}, fed random inputs, weights from {@code weights}. */
    private static final class Case {
        final String name;
        final Graph g = new Graph();
        final Map<String, float[]> inputs = new HashMap<>();
        final InMemoryWeights weights = new InMemoryWeights();
        final Random rnd;

        Case(String name, Consumer<Case> build) {
            this.name = name;
            this.rnd = new Random(name.hashCode());
            build.accept(this);
        }

        Tensor in(String n, int... shape) {
            float[] v = new float[(int) numel(shape)];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
            inputs.put(n, v);
            return g.input(n, shape);
        }

        Tensor in(String n, float[] v, int... shape) {
            inputs.put(n, v);
            return g.input(n, shape);
        }

        Tensor w(String n, int... shape) {
            float[] v = new float[(int) numel(shape)];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 0.2);
            long[] s = new long[shape.length];
            for (int i = 0; i < s.length; i++) s[i] = shape[i];
            weights.put(n, v, s);
            return g.weight(n, shape);
        }

        void out(Tensor t) {
            g.output("out" + g.outputs().size(), t);
        }

        static long numel(int[] s) {
            long n = 1;
            for (int d : s) n *= d;
            return n;
        }
    }

    private static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        cs.add(new Case("linear", c -> {
            Tensor x = c.in("x", 3, 37, 19);
            c.out(c.g.linear(x, c.w("w", 23, 19), c.w("b", 23)));
            c.out(c.g.linear(x, c.w("w2", 5, 19), null));
        }));
        cs.add(new Case("matmul", c -> {
            Tensor a = c.in("a", 2, 3, 13, 17);
            c.out(c.g.matmul(a, c.in("b", 2, 3, 17, 11), false));
            c.out(c.g.matmul(a, c.in("bt", 2, 3, 9, 17), true));
        }));
        cs.add(new Case("broadcast", c -> {
            Tensor x = c.in("x", 2, 5, 7, 3);
            c.out(c.g.add(x, c.in("row", 3)));
            c.out(c.g.mul(x, c.in("mid", 5, 1, 3)));
            c.out(c.g.add(x, c.in("same", 2, 5, 7, 3)));
            c.out(c.g.mul(c.in("lead", 1, 5, 1, 1), x));
            c.out(c.g.sub(x, c.in("one", 1)));
        }));
        cs.add(new Case("elementwise", c -> {
            Tensor x = c.in("x", 4, 33, 5);
            c.out(c.g.scale(x, -0.75f));
            c.out(c.g.gelu(x));
            c.out(c.g.relu(x));
            c.out(c.g.sigmoid(x));
            c.out(c.g.sin(x));
            c.out(c.g.cos(x));
            c.out(c.g.exp(c.g.scale(x, 0.5f)));
            c.out(c.g.log(c.g.affine(c.g.abs(x), 1f, 0.1f)));
            c.out(c.g.log2(c.g.affine(c.g.abs(x), 1f, 0.1f)));
            c.out(c.g.sign(x));
            c.out(c.g.clamp(x, -0.5f, 0.25f));
        }));
        cs.add(new Case("norms", c -> {
            Tensor x = c.in("x", 3, 11, 96);
            c.out(c.g.layerNorm(x, c.w("g", 96), c.w("b", 96), 1e-5f));
            Tensor img = c.in("img", 2, 9, 7, 32);
            c.out(c.g.groupNorm(img, 8, c.w("gg", 32), c.w("gb", 32), 1e-5f));
        }));
        cs.add(new Case("conv", c -> {
            Tensor x = c.in("x", 1, 19, 17, 6);
            c.out(c.g.conv2d(x, c.w("k1", 10, 6, 1, 1), c.w("b1", 10), 1, 0));
            c.out(c.g.conv2d(x, c.w("k3", 8, 6, 3, 3), c.w("b3", 8), 1, 1));
            c.out(c.g.conv2d(x, c.w("ks", 5, 6, 3, 3), null, 2, 1));
            c.out(c.g.conv2d(c.in("img", 1, 28, 28, 3), c.w("pe", 16, 3, 14, 14), null, 14, 0)); // patch embedding
            c.out(c.g.convTranspose2x2(x, c.w("t", 6, 7, 2, 2), c.w("tb", 7)));
            c.out(c.g.maxPool2x2(x));
            c.out(c.g.upsampleNearest(x, 3));
        }));
        cs.add(new Case("layout", c -> {
            Tensor x = c.in("x", 2, 3, 4, 5, 6);
            c.out(c.g.permute(x, 4, 2, 0, 3, 1));
            c.out(c.g.slice(x, 2, 1, 3));
            c.out(c.g.slice(x, 0, 1, 2));
            c.out(c.g.concat(3, x, c.in("y", 2, 3, 4, 2, 6)));
            c.out(c.g.reshape(c.g.relu(x), 6, 120));
            // the window partition of VitBlock: rank-6 permute
            Tensor img = c.in("img", 1, 8, 8, 3);
            c.out(c.g.permute(c.g.reshape(img, 1, 2, 4, 2, 4, 3), 0, 1, 3, 2, 4, 5));
        }));
        cs.add(new Case("attention", c -> {
            int t = 29, h = 3, d = 16;
            Tensor q = c.in("q", 2, t, h, d);
            Tensor k = c.in("k", 2, 41, h, d);
            Tensor v = c.in("v", 2, 41, h, 24);
            c.out(c.g.attention(q, k, v, null, 0.25f));
            c.out(c.g.attention(q, k, v, c.in("bias", 1, h, t, 41), 0.25f));
            c.out(c.g.attention(q, k, v, c.in("kbias", 2, 1, 1, 41), 0.25f));
            float[] cos = new float[t * d / 2];
            float[] sin = new float[t * d / 2];
            for (int i = 0; i < cos.length; i++) {
                cos[i] = (float) Math.cos(0.1 * i);
                sin[i] = (float) Math.sin(0.1 * i);
            }
            Tensor qr = c.g.rope(q, c.g.constant("cos", cos, t, d / 2), c.g.constant("sin", sin, t, d / 2));
            c.out(qr);
            c.out(c.g.attention(qr, qr, q, null, 0.3f));
            // windowed attention on a 6×9 grid: the kernel's window pattern, in place
            Tensor qw = c.in("qw", 2, 54, h, d);
            c.out(c.g.windowedAttention(qw, c.in("kw", 2, 54, h, d), c.in("vw", 2, 54, h, 24), 0.25f, 6, 9, 3));
        }));
        cs.add(new Case("roi and gather", c -> {
            Tensor fm = c.in("fm", 1, 24, 20, 8);
            c.out(c.g.roiAlign(fm, c.in("boxes", new float[] {3.5f, 2f, 170f, 150f, 0, 0, 7, 7, 100, 40, 101, 41}, 3, 4),
                    7, 1f / 8, 0));
            c.out(c.g.roiAlign(fm, c.in("boxes2", new float[] {10f, 20f, 60f, 90f}, 1, 4), 5, 0.25f, 2));
            c.out(c.g.gather(c.w("table", 300, 12), c.in("ids", new float[] {0, 299, 17, 255, 256, 5}, 2, 3)));
        }));
        return cs;
    }

    private static double tolerance(Precision p) {
        return p == Precision.FP32 ? 1e-4 : p == Precision.FP16 ? 1e-2 : 6e-2;
    }

    @Test
    void everyOpMatchesTheCpuBackend() {
        for (Precision p : Precision.values()) {
            try (CudaBackend gpu = CudaBackend.create(0, p)) {
                for (Case c : cases()) {
                    Map<String, HostTensor> expected;
                    try (CompiledGraph cg = cpu.compile(c.g, c.weights)) {
                        expected = cg.run(c.inputs);
                    }
                    Map<String, HostTensor> actual;
                    try (CompiledGraph cg = gpu.compile(c.g, c.weights)) {
                        actual = cg.run(c.inputs);
                        actual = cg.run(c.inputs); // a second run on the same arena gives the same
                    }
                    for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
                        HostTensor a = actual.get(e.getKey());
                        double[] ref = new double[e.getValue().numel()];
                        for (int i = 0; i < ref.length; i++) ref[i] = e.getValue().data()[i];
                        double err = Gpu.relError(a.data(), ref);
                        assertTrue(err <= tolerance(p), c.name + " " + e.getKey() + " [" + p + "]: relative error " + err);
                    }
                }
            }
        }
    }

    @Test
    void gatherIndicesStayExactInReducedPrecision() {
        // bf16 cannot hold 257 (it rounds to 256); indices are read from a float32 copy
        for (Precision p : Precision.values()) {
            Case c = new Case("ids", k -> k.out(k.g.gather(k.w("table", 600, 4), k.in("ids", new float[] {257, 511, 599}, 3))));
            try (CudaBackend gpu = CudaBackend.create(0, p); CompiledGraph cg = gpu.compile(c.g, c.weights);
                 CompiledGraph ref = cpu.compile(c.g, c.weights)) {
                float[] a = cg.run(c.inputs).get("out0").data();
                float[] e = ref.run(c.inputs).get("out0").data();
                for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], Math.abs(e[i]) * 1e-2 + 1e-6, p + " row of index");
            }
        }
        Case bad = new Case("bad", k -> k.out(k.g.gather(k.w("table", 10, 4), k.in("ids", new float[] {3, 10}, 2))));
        try (CudaBackend gpu = CudaBackend.create(0, Precision.FP32); CompiledGraph cg = gpu.compile(bad.g, bad.weights)) {
            assertThrows(IllegalArgumentException.class, () -> cg.run(bad.inputs));
        }
    }

    @Test
    void memoryIsAccountedAndReleased() {
        Case c = cases().get(0);
        Map<Precision, Long> weightBytes = new LinkedHashMap<>();
        for (Precision p : Precision.values()) {
            CudaBackend gpu = CudaBackend.create(0, p);
            try {
                assertEquals(0, gpu.memoryStats().currentBytes());
                CompiledGraph cg = gpu.compile(c.g, c.weights);
                cg.run(c.inputs);
                CudaMemoryStats s = gpu.memoryStats();
                assertTrue(s.weightBytes() > 0 && s.activationBytes() > 0 && s.workspaceBytes() > 0, s.toString());
                assertTrue(s.peakBytes() >= s.currentBytes());
                weightBytes.put(p, s.weightBytes());
                cg.close();
                assertEquals(s.weightBytes(), gpu.memoryStats().currentBytes(), "graph memory freed, weights kept");
                gpu.close();
                assertEquals(0, gpu.memoryStats().currentBytes(), "everything freed");
            } finally {
                gpu.close();
            }
        }
        assertEquals(weightBytes.get(Precision.FP32), 2 * weightBytes.get(Precision.BF16), "weights halve in BF16");
        assertEquals(weightBytes.get(Precision.FP16), weightBytes.get(Precision.BF16));
    }

    @Test
    void cudaGraphReplayGivesTheSameResults() {
        for (Case c : List.of(cases().get(5), cases().get(7))) { // convolutions, attention
            try (CudaBackend eager = CudaBackend.create(0, Precision.FP32);
                 CudaBackend graphs = CudaBackend.create(new CudaBackend.Options(0, Precision.FP32, false, true));
                 CompiledGraph e = eager.compile(c.g, c.weights);
                 CompiledGraph g = graphs.compile(c.g, c.weights)) {
                Map<String, HostTensor> expected = e.run(c.inputs);
                for (int run = 0; run < 3; run++) {
                    Map<String, HostTensor> actual = g.run(c.inputs);
                    for (String k : expected.keySet()) same(expected.get(k), actual.get(k), c.name + " " + k + " run " + run);
                }
                CudaCompiledGraph cg = (CudaCompiledGraph) g;
                assertTrue(cg.replaysCudaGraph(), "capture failed: " + cg.captureFailure());
                // new input values reach the replayed graph
                Map<String, float[]> other = new HashMap<>();
                c.inputs.forEach((k, v) -> {
                    float[] w = v.clone();
                    for (int i = 0; i < w.length; i++) w[i] *= 0.5f;
                    other.put(k, w);
                });
                Map<String, HostTensor> a = g.run(other);
                Map<String, HostTensor> b = e.run(other);
                for (String k : b.keySet()) same(b.get(k), a.get(k), c.name + " " + k + " with new inputs");
            }
        }
    }

    /**
     * BF16: float32 copies of computed RoPE tables are converted once per run for the input-dependent
     * table and only in the first run for the constant-only one; debug mode (a synchronisation after every
     * op) gives the same results.
     */
    @Test
    void fp32CopiesAreConvertedOnlyWhereValuesChangeAndDebugModeMatches() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, 4, 2, 8);
        Tensor cosIn = g.input("cos", 4, 4);
        float[] sin0 = new float[16];
        Random rnd = new Random(7);
        for (int i = 0; i < sin0.length; i++) sin0[i] = rnd.nextFloat() - 0.5f;
        Tensor cos = g.scale(cosIn, 1f); // input-dependent: converted every run
        Tensor sin = g.scale(g.constant("sin0", sin0, 4, 4), 1f); // constants only: converted once
        g.output("q", g.rope(x, cos, sin));
        g.output("k", g.rope(g.scale(x, 2f), cos, sin));
        Map<String, float[]> in = new HashMap<>();
        float[] xv = new float[64];
        float[] cv = new float[16];
        for (int i = 0; i < xv.length; i++) xv[i] = rnd.nextFloat() - 0.5f;
        for (int i = 0; i < cv.length; i++) cv[i] = rnd.nextFloat() - 0.5f;
        in.put("x", xv);
        in.put("cos", cv);
        InMemoryWeights none = new InMemoryWeights();
        try (CudaBackend gpu = CudaBackend.create(0, Precision.BF16); CompiledGraph cg = gpu.compile(g, none)) {
            Fp32Operands ops = ((CudaCompiledGraph) cg).fp32Operands();
            assertEquals(2, ops.copies());
            Map<String, HostTensor> first = cg.run(in);
            assertEquals(2, ops.conversions());
            cg.run(in);
            cg.run(in);
            assertEquals(4, ops.conversions(), "runs 2 and 3 convert only the input-dependent table");
            String before = System.getProperty(CudaRuntime.DEBUG_PROPERTY);
            System.setProperty(CudaRuntime.DEBUG_PROPERTY, "true");
            try (CompiledGraph debug = gpu.compile(g, none)) {
                Map<String, HostTensor> d = debug.run(in);
                for (String k : first.keySet()) same(first.get(k), d.get(k), "debug mode " + k);
            } finally {
                if (before == null) {
                    System.clearProperty(CudaRuntime.DEBUG_PROPERTY);
                } else {
                    System.setProperty(CudaRuntime.DEBUG_PROPERTY, before);
                }
            }
        }
    }

    /** Equal up to float rounding (the two backends may pick different cuBLASLt algorithms). */
    private static void same(HostTensor expected, HostTensor actual, String what) {
        double[] ref = new double[expected.numel()];
        for (int i = 0; i < ref.length; i++) ref[i] = expected.data()[i];
        double err = Gpu.relError(actual.data(), ref);
        assertTrue(err <= 1e-5, what + ": relative error " + err);
    }

    @Test
    void inputsAreChecked() {
        Case c = cases().get(0);
        try (CudaBackend gpu = CudaBackend.create(0, Precision.FP32); CompiledGraph cg = gpu.compile(c.g, c.weights)) {
            assertThrows(IllegalArgumentException.class, () -> cg.run(Map.of()));
            assertThrows(IllegalArgumentException.class, () -> cg.run(Map.of("x", new float[3])));
        }
        assertThrows(IllegalArgumentException.class, () -> CudaBackend.create(CudaRuntime.deviceCount(), Precision.FP32));
    }
}
