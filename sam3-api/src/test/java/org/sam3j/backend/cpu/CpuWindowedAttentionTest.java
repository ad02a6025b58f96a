package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sam3j.Precision;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.graph.AttentionWindows;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;
import org.sam3j.weights.InMemoryWeights;

/**
 * Windowed attention on the CPU backend, which reads the windows from the grid in place: against a naive
 * double-precision reference, and bit for bit against the partition / attention / unpartition graph.
 */
class CpuWindowedAttentionTest {
    private final Random rnd = new Random(7);

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void attendsWithinWindowsOnly() {
        int b = 2, gh = 6, gw = 9, ws = 3, h = 3, d = 5, dv = 6;
        int t = gh * gw;
        float scale = 0.41f;
        float[] q = rand(b * t * h * d), k = rand(b * t * h * d), v = rand(b * t * h * dv);
        Graph g = new Graph();
        // operands taken through one op, so that the kernel reads them inside the arena at non-zero offsets
        Tensor qt = g.scale(g.input("q", b, t, h, d), 1f);
        Tensor kt = g.scale(g.input("k", b, t, h, d), 1f);
        Tensor vt = g.scale(g.input("v", b, t, h, dv), 1f);
        g.output("y", g.windowedAttention(qt, kt, vt, scale, gh, gw, ws));
        Map<String, float[]> in = Map.of("q", q, "k", k, "v", v);
        for (int threads : new int[] {1, 3, 13}) { // 13 threads: 12 windows in groups of 5, 5 and 2
            try (CpuBackend backend = new CpuBackend(threads)) {
                float[] y = run(backend, g, in);
                float[] p = run(backend, AttentionWindows.partitioned(g), in);
                assertArrayEquals(p, y, "windowed in place vs partitioned, threads " + threads);
                double[] e = reference(q, k, v, b, gh, gw, ws, h, d, dv, scale);
                assertEquals(e.length, y.length);
                for (int i = 0; i < e.length; i++) {
                    assertTrue(Math.abs(e[i] - y[i]) <= 1e-5 * Math.max(1, Math.abs(e[i])), i + ": " + e[i] + " vs " + y[i]);
                }
            }
        }
    }

    /**
     * Windows of more tokens than a chunk of keys, read in place by the Java kernel run by run: runs of 12 tokens
     * (whole blocks of 8 keys and tails within each run) and of 10 (runs that end inside a block and inside a
     * chunk), whose keys are copied a chunk at a time, and runs of 16 and 8 (whole blocks of 8 keys), whose keys are
     * read where they lie; heads of 64 and 16 interleaved; bit for bit the partitioned graph's.
     */
    @Test
    void largeWindowsInPlaceGiveThePartitionedFloats() {
        // grid h, grid w, window, heads, head dim
        int[][] cases = {{24, 36, 12, 2, 64}, {20, 30, 10, 3, 16}, {32, 48, 16, 2, 64}, {24, 24, 8, 3, 16}};
        for (int[] c : cases) {
            int b = 1, gh = c[0], gw = c[1], ws = c[2], h = c[3], d = c[4];
            int t = gh * gw;
            Graph g = new Graph();
            Tensor qt = g.scale(g.input("q", b, t, h, d), 1f);
            Tensor kt = g.scale(g.input("k", b, t, h, d), 1f);
            Tensor vt = g.scale(g.input("v", b, t, h, d), 1f);
            g.output("y", g.windowedAttention(qt, kt, vt, 0.125f, gh, gw, ws));
            Map<String, float[]> in = Map.of("q", rand(b * t * h * d), "k", rand(b * t * h * d),
                    "v", rand(b * t * h * d));
            try (CpuBackend backend = new CpuBackend(2)) {
                assertArrayEquals(run(backend, AttentionWindows.partitioned(g), in), run(backend, g, in),
                        "window " + ws + " of a " + gh + " x " + gw + " grid");
            }
        }
    }

    /**
     * At BF16 the attention's values are BF16 values, windowed or global, whichever kernel computed them (the backend
     * rounds them where the engine for reduced operands did not: here, always) — and the same as the partitioned
     * graph's.
     */
    @Test
    void bf16AttentionStoresBf16Values() {
        int b = 1, gh = 6, gw = 9, ws = 3, h = 2, d = 8;
        int t = gh * gw;
        Map<String, float[]> in = Map.of("q", rand(b * t * h * d), "k", rand(b * t * h * d), "v", rand(b * t * h * d));
        for (boolean windowed : new boolean[] {true, false}) {
            Graph g = new Graph();
            Tensor qt = g.scale(g.input("q", b, t, h, d), 1f);
            Tensor kt = g.scale(g.input("k", b, t, h, d), 1f);
            Tensor vt = g.scale(g.input("v", b, t, h, d), 1f);
            g.output("y", windowed ? g.windowedAttention(qt, kt, vt, 0.3f, gh, gw, ws) : g.attention(qt, kt, vt, null, 0.3f));
            Graph reduced = PrecisionPolicy.apply(g, Precision.BF16);
            assertTrue(reduced.nodes().stream().anyMatch(n -> n.op() == Op.ATTENTION && n.dtype() == DType.BF16));
            try (CpuBackend backend = new CpuBackend(2)) {
                float[] y = run(backend, reduced, in);
                for (int i = 0; i < y.length; i++) {
                    assertEquals(0, Float.floatToRawIntBits(y[i]) & 0xffff, "windowed " + windowed + " value " + i);
                }
                if (windowed) {
                    assertArrayEquals(run(backend, PrecisionPolicy.apply(AttentionWindows.partitioned(g), Precision.BF16), in), y);
                }
            }
        }
    }

    private static float[] run(CpuBackend backend, Graph g, Map<String, float[]> in) {
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights())) {
            cg.run(in);
            return cg.run(in).get("y").data(); // twice: the packed windows are reused
        }
    }

    /** softmax(scale·q·kᵀ)·v over the keys of each query's window, in double precision. */
    private static double[] reference(float[] q, float[] k, float[] v, int b, int gh, int gw, int ws, int h, int d,
                                      int dv, float scale) {
        int t = gh * gw;
        double[] y = new double[b * t * h * dv];
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int i = 0; i < t; i++) {
                    int wy = i / gw / ws, wx = i % gw / ws;
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (j / gw / ws != wy || j % gw / ws != wx) continue;
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += (double) q[((bi * t + i) * h + hi) * d + c] * k[((bi * t + j) * h + hi) * d + c];
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        boolean in = j / gw / ws == wy && j % gw / ws == wx;
                        sum += (s[j] = in ? Math.exp(s[j] - max) : 0);
                    }
                    for (int c = 0; c < dv; c++) {
                        double o = 0;
                        for (int j = 0; j < t; j++) o += s[j] / sum * v[((bi * t + j) * h + hi) * dv + c];
                        y[((bi * t + i) * h + hi) * dv + c] = o;
                    }
                }
        return y;
    }
}
