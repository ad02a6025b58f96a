package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.weights.WeightLoadingException;

/** Every CPU kernel against a naive double-precision reference, on odd sizes. */
class CpuBackendOpsTest {
    private static CpuBackend backend;
    private final Random rnd = new Random(42);

    @BeforeAll
    static void start() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static HostTensor run(Graph g, Tensor out, Map<String, float[]> inputs, InMemoryWeights w) {
        g.output("out", out);
        try (CompiledGraph cg = backend.compile(g, w)) {
            return cg.run(inputs).get("out");
        }
    }

    private static void close(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * scale,
                    "index " + i + ": expected " + expected[i] + " got " + actual[i]);
        }
    }

    @Test
    void linearWithBias() {
        int m = 37, k = 19, n = 23;
        float[] x = rand(m * k), w = rand(n * k), b = rand(n);
        Graph g = new Graph();
        Tensor out = g.linear(g.input("x", m, k), g.weight("w", n, k), g.weight("b", n));
        HostTensor y = run(g, out, Map.of("x", x), new InMemoryWeights().put("w", w, n, k).put("b", b, n));
        double[] e = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = b[j];
                for (int p = 0; p < k; p++) s += (double) x[i * k + p] * w[j * k + p];
                e[i * n + j] = s;
            }
        close(e, y.data(), 1e-5);
    }

    @Test
    void broadcastAddAndMul() {
        Graph g = new Graph();
        Tensor a = g.input("a", 2, 3, 4, 5);
        Tensor b = g.input("b", 3, 1, 5);
        Tensor c = g.input("c", 5);
        Tensor out = g.mul(g.add(a, b), c);
        float[] av = rand(120), bv = rand(15), cv = rand(5);
        HostTensor y = run(g, out, Map.of("a", av, "b", bv, "c", cv), new InMemoryWeights());
        double[] e = new double[120];
        for (int i0 = 0; i0 < 2; i0++)
            for (int i1 = 0; i1 < 3; i1++)
                for (int i2 = 0; i2 < 4; i2++)
                    for (int i3 = 0; i3 < 5; i3++) {
                        int idx = ((i0 * 3 + i1) * 4 + i2) * 5 + i3;
                        e[idx] = ((double) av[idx] + bv[i1 * 5 + i3]) * cv[i3];
                    }
        close(e, y.data(), 1e-6);
    }

    @Test
    void layerNormGeluReluSigmoidScale() {
        int rows = 7, c = 33;
        float[] x = rand(rows * c), gw = rand(c), gb = rand(c);
        Graph g = new Graph();
        Tensor ln = g.layerNorm(g.input("x", rows, c), g.weight("g", c), g.weight("b", c), 1e-5f);
        g.output("gelu", g.gelu(ln));
        g.output("relu", g.relu(ln));
        g.output("sig", g.sigmoid(ln));
        g.output("scale", g.scale(ln, 0.5f));
        Map<String, HostTensor> out;
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights().put("g", gw, c).put("b", gb, c))) {
            out = cg.run(Map.of("x", x));
        }
        double[] eg = new double[rows * c], er = new double[rows * c], es = new double[rows * c], ec = new double[rows * c];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int j = 0; j < c; j++) mean += x[r * c + j];
            mean /= c;
            for (int j = 0; j < c; j++) var += Math.pow(x[r * c + j] - mean, 2);
            var /= c;
            for (int j = 0; j < c; j++) {
                double v = (x[r * c + j] - mean) / Math.sqrt(var + 1e-5) * gw[j] + gb[j];
                eg[r * c + j] = 0.5 * v * (1 + erf(v / Math.sqrt(2)));
                er[r * c + j] = Math.max(0, v);
                es[r * c + j] = 1 / (1 + Math.exp(-v));
                ec[r * c + j] = 0.5 * v;
            }
        }
        close(eg, out.get("gelu").data(), 1e-5);
        close(er, out.get("relu").data(), 1e-5);
        close(es, out.get("sig").data(), 1e-5);
        close(ec, out.get("scale").data(), 1e-5);
    }

    /** erf by its Maclaurin / continued-fraction series in double (reference only). */
    private static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double sum = 0, term = ax;
            for (int n = 0; n < 200; n++) {
                sum += term / (2 * n + 1);
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            r = 1 - Math.exp(-ax * ax) / (ax * Math.sqrt(Math.PI)) * (1 - 1 / (2 * ax * ax) + 3 / (4 * Math.pow(ax, 4)));
        }
        return x < 0 ? -r : r;
    }

    @Test
    void permuteSliceConcatReshape() {
        Graph g = new Graph();
        Tensor x = g.input("x", 2, 3, 4);
        Tensor p = g.permute(x, 2, 0, 1);            // [4,2,3]
        Tensor s = g.slice(p, 2, 1, 3);              // [4,2,2]
        Tensor c = g.concat(2, s, g.slice(p, 2, 0, 1)); // [4,2,3]
        Tensor out = g.reshape(c, 8, -1);
        float[] xv = new float[24];
        for (int i = 0; i < 24; i++) xv[i] = i;
        HostTensor y = run(g, out, Map.of("x", xv), new InMemoryWeights());
        assertArrayEquals(new int[] {8, 3}, y.shape());
        double[] e = new double[24];
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 2; b++)
                for (int k = 0; k < 3; k++) {
                    int src = k < 2 ? k + 1 : 0; // concat(slice 1..3, slice 0..1)
                    e[(a * 2 + b) * 3 + k] = xv[(b * 3 + src) * 4 + a];
                }
        close(e, y.data(), 0);
    }

    @Test
    void conv2dWithStrideAndPadding() {
        int n = 2, h = 9, w = 7, cin = 3, cout = 5, k = 3, stride = 2, pad = 1;
        float[] x = rand(n * h * w * cin), wt = rand(cout * cin * k * k), b = rand(cout);
        Graph g = new Graph();
        Tensor out = g.conv2d(g.input("x", n, h, w, cin), g.weight("w", cout, cin, k, k), g.weight("b", cout), stride, pad);
        HostTensor y = run(g, out, Map.of("x", x), new InMemoryWeights().put("w", wt, cout, cin, k, k).put("b", b, cout));
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        assertArrayEquals(new int[] {n, ho, wo, cout}, y.shape());
        double[] e = new double[n * ho * wo * cout];
        for (int bi = 0; bi < n; bi++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                    for (int o = 0; o < cout; o++) {
                        double s = b[o];
                        for (int c = 0; c < cin; c++)
                            for (int i = 0; i < k; i++)
                                for (int j = 0; j < k; j++) {
                                    int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    s += (double) x[((bi * h + iy) * w + ix) * cin + c] * wt[((o * cin + c) * k + i) * k + j];
                                }
                        e[((bi * ho + oy) * wo + ox) * cout + o] = s;
                    }
        close(e, y.data(), 1e-5);
    }

    @Test
    void oneByOneConvAndTransposedConvAndMaxPool() {
        int n = 1, h = 5, w = 3, cin = 6, cout = 4;
        float[] x = rand(n * h * w * cin), wt = rand(cin * cout * 4), b = rand(cout);
        Graph g = new Graph();
        Tensor xin = g.input("x", n, h, w, cin);
        g.output("up", g.convTranspose2x2(xin, g.weight("wt", cin, cout, 2, 2), g.weight("b", cout)));
        g.output("pool", g.maxPool2x2(xin));
        Map<String, HostTensor> out;
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights().put("wt", wt, cin, cout, 2, 2).put("b", b, cout))) {
            out = cg.run(Map.of("x", x));
        }
        double[] e = new double[n * 2 * h * 2 * w * cout];
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++)
                        for (int o = 0; o < cout; o++) {
                            double s = b[o];
                            for (int c = 0; c < cin; c++) s += (double) x[(y * w + xx) * cin + c] * wt[((c * cout + o) * 2 + i) * 2 + j];
                            e[((2 * y + i) * 2 * w + 2 * xx + j) * cout + o] = s;
                        }
        close(e, out.get("up").data(), 1e-5);
        double[] ep = new double[(h / 2) * (w / 2) * cin];
        for (int y = 0; y < h / 2; y++)
            for (int xx = 0; xx < w / 2; xx++)
                for (int c = 0; c < cin; c++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++) m = Math.max(m, x[((2 * y + i) * w + 2 * xx + j) * cin + c]);
                    ep[(y * (w / 2) + xx) * cin + c] = m;
                }
        close(ep, out.get("pool").data(), 0);
    }

    @Test
    void ropeRotatesChannelPairs() {
        int b = 2, t = 3, h = 2, d = 4;
        float[] x = rand(b * t * h * d), cos = rand(t * d / 2), sin = rand(t * d / 2);
        Graph g = new Graph();
        Tensor out = g.rope(g.input("x", b, t, h, d), g.constant("c", cos, t, d / 2), g.constant("s", sin, t, d / 2));
        HostTensor y = run(g, out, Map.of("x", x), new InMemoryWeights());
        double[] e = new double[x.length];
        for (int bi = 0; bi < b; bi++)
            for (int ti = 0; ti < t; ti++)
                for (int hi = 0; hi < h; hi++)
                    for (int i = 0; i < d / 2; i++) {
                        int base = ((bi * t + ti) * h + hi) * d;
                        double re = x[base + 2 * i], im = x[base + 2 * i + 1];
                        double c = cos[ti * d / 2 + i], s = sin[ti * d / 2 + i];
                        e[base + 2 * i] = re * c - im * s;
                        e[base + 2 * i + 1] = re * s + im * c;
                    }
        close(e, y.data(), 1e-6);
    }

    @Test
    void attentionWithAndWithoutBias() {
        for (boolean withBias : new boolean[] {false, true}) {
            int b = 2, tq = 131, tk = 77, h = 3, d = 5, dv = 6;
            float[] q = rand(b * tq * h * d), k = rand(b * tk * h * d), v = rand(b * tk * h * dv);
            float[] bias = rand(h * tq * tk);
            float scale = 0.37f;
            Graph g = new Graph();
            Tensor bt = withBias ? g.input("bias", 1, h, tq, tk) : null;
            Tensor out = g.attention(g.input("q", b, tq, h, d), g.input("k", b, tk, h, d), g.input("v", b, tk, h, dv), bt, scale);
            Map<String, float[]> in = new HashMap<>(Map.of("q", q, "k", k, "v", v));
            if (withBias) in.put("bias", bias);
            HostTensor y = run(g, out, in, new InMemoryWeights());
            double[] e = new double[b * tq * h * dv];
            for (int bi = 0; bi < b; bi++)
                for (int hi = 0; hi < h; hi++)
                    for (int i = 0; i < tq; i++) {
                        double[] s = new double[tk];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < tk; j++) {
                            double dot = 0;
                            for (int c = 0; c < d; c++) dot += (double) q[((bi * tq + i) * h + hi) * d + c] * k[((bi * tk + j) * h + hi) * d + c];
                            s[j] = dot * scale + (withBias ? bias[(hi * tq + i) * tk + j] : 0);
                            max = Math.max(max, s[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < tk; j++) sum += (s[j] = Math.exp(s[j] - max));
                        for (int c = 0; c < dv; c++) {
                            double o = 0;
                            for (int j = 0; j < tk; j++) o += s[j] / sum * v[((bi * tk + j) * h + hi) * dv + c];
                            e[((bi * tq + i) * h + hi) * dv + c] = o;
                        }
                    }
            close(e, y.data(), 1e-5);
        }
    }

    @Test
    void batchedMatmul() {
        int batch = 3, m = 5, k = 7, n = 4;
        float[] a = rand(batch * m * k), bT = rand(batch * n * k);
        Graph g = new Graph();
        Tensor out = g.matmul(g.input("a", batch, m, k), g.input("b", batch, n, k), true);
        HostTensor y = run(g, out, Map.of("a", a, "b", bT), new InMemoryWeights());
        double[] e = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) a[(bi * m + i) * k + p] * bT[(bi * n + j) * k + p];
                    e[(bi * m + i) * n + j] = s;
                }
        close(e, y.data(), 1e-5);
    }

    @Test
    void missingAndMisshapenWeightsAreReportedTogether() {
        Graph g = new Graph();
        Tensor x = g.input("x", 2, 4);
        Tensor out = g.linear(g.linear(x, g.weight("a.weight", 3, 4), null), g.weight("b.weight", 5, 3), g.weight("b.bias", 5));
        g.output("out", out);
        InMemoryWeights w = new InMemoryWeights().put("a.weight", new float[12], 4, 3).put("b.bias", new float[5], 5);
        WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> backend.compile(g, w));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("missing parameter 'b.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("shape mismatch for 'a.weight'"), e.getMessage());
    }

    @Test
    void wrongInputLengthIsRejected() {
        Graph g = new Graph();
        g.output("out", g.relu(g.input("x", 4, 4)));
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cg.run(Map.of("x", new float[15])));
            assertTrue(e.getMessage().contains("input 'x'"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cg.run(Map.of()));
        }
    }
}
