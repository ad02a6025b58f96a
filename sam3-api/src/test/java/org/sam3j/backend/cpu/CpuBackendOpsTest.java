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

/** Every CPU kernel (incl. the detector heads' element-wise functions, group norm, upsampling, ROI align, gather) against a naive double-precision reference, on odd sizes. */
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

    /**
     * Outer sums and products ({@code [.., m, 1]} with {@code [.., 1, n]}, the detector decoder's box bias), either
     * operand first, and rows longer than a chunk: each value the float sum or product of its two operands.
     */
    @Test
    void outerSumsAndProducts() {
        int[][] cases = {{2, 3, 4, 5}, {1, 1, 2, 2500}}; // batch, heads, m, n
        for (int[] c : cases) {
            int b = c[0], h = c[1], m = c[2], n = c[3];
            float[] u = rand(b * h * m), v = rand(b * h * n);
            Graph g = new Graph();
            Tensor tu = g.input("u", b, h, m, 1), tv = g.input("v", b, h, 1, n);
            g.output("sum", g.add(tu, tv));
            g.output("product", g.mul(tv, tu));
            Map<String, HostTensor> out;
            try (CompiledGraph cg = backend.compile(g, new InMemoryWeights())) {
                out = cg.run(Map.of("u", u, "v", v));
            }
            float[] sum = out.get("sum").data(), product = out.get("product").data();
            for (int p = 0; p < b * h; p++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int at = (p * m + i) * n + j;
                        assertEquals(u[p * m + i] + v[p * n + j], sum[at], "sum at " + at);
                        assertEquals(v[p * n + j] * u[p * m + i], product[at], "product at " + at);
                    }
                }
            }
        }
    }

    /**
     * A vector repeated along the rows of the other operand, on either side, with 1s before it that are also 1s of
     * the output (a channel vector {@code [1, 1, 1, C]} against an image {@code [1, H, W, C]}), and the general
     * broadcast beside it.
     */
    @Test
    void broadcastOfARepeatedVectorOnEitherSide() {
        int h = 3, w = 4, c = 6;
        float[] img = rand(h * w * c), vec = rand(c), col = rand(h * w);
        Graph g = new Graph();
        Tensor x = g.input("img", 1, h, w, c);
        Tensor v = g.input("vec", 1, 1, 1, c);
        g.output("right", g.add(x, v));
        g.output("left", g.mul(v, x));
        g.output("general", g.add(g.input("col", 1, h, w, 1), x));
        Tensor scalar = g.input("one", 1, 1, 1, 1);
        g.output("scalar", g.mul(scalar, x));
        g.output("scalarRight", g.add(x, scalar));
        float[] one = {-1.5f};
        Map<String, HostTensor> out;
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights())) {
            out = cg.run(Map.of("img", img, "vec", vec, "col", col, "one", one));
        }
        double[] right = new double[img.length], left = new double[img.length], general = new double[img.length];
        for (int p = 0; p < h * w; p++) {
            for (int k = 0; k < c; k++) {
                right[p * c + k] = (double) img[p * c + k] + vec[k];
                left[p * c + k] = (double) vec[k] * img[p * c + k];
                general[p * c + k] = (double) col[p] + img[p * c + k];
            }
        }
        close(right, out.get("right").data(), 1e-6);
        close(left, out.get("left").data(), 1e-6);
        close(general, out.get("general").data(), 1e-6);
        double[] scaled = new double[img.length], shifted = new double[img.length];
        for (int i = 0; i < img.length; i++) {
            scaled[i] = -1.5 * img[i];
            shifted[i] = img[i] - 1.5;
        }
        close(scaled, out.get("scalar").data(), 1e-6);
        close(shifted, out.get("scalarRight").data(), 1e-6);
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

    /**
     * Convolutions of several kernels, strides and paddings (kernels wider than and as large as the input among them), with and
     * without bias, on the engine's per-tap products ({@link JavaGemm#conv2d}) and on the im2col product that runs
     * for an engine that does not convolve; with Winograd's 3 × 3 path off, which {@link WinogradConvTest} checks.
     */
    @Test
    void conv2dWithStrideAndPadding() {
        int[][] cases = { // n, h, w, cin, cout, k, stride, pad, bias
                {2, 9, 7, 3, 5, 3, 2, 1, 1}, {1, 8, 11, 20, 17, 3, 1, 1, 1}, {1, 6, 5, 4, 3, 3, 1, 0, 0},
                {2, 5, 2, 3, 4, 3, 1, 1, 0}, {1, 7, 9, 5, 6, 2, 2, 0, 1}, {1, 10, 6, 2, 3, 7, 1, 3, 1},
                {1, 9, 9, 3, 2, 3, 3, 2, 0}, {1, 5, 6, 256, 16, 3, 1, 1, 1},
                // kernels as large as the input: its rows are the im2col rows (the geometry encoder's pooled boxes)
                {3, 5, 5, 6, 7, 5, 1, 0, 1}, {2, 4, 4, 9, 5, 4, 2, 0, 0}};
        GemmEngine im2colOnly = new ProductsOnlyEngine("im2col"); // JavaGemm's products without its convolutions
        assertTrue(JavaGemm.INSTANCE.convolves(2));
        CpuBackend perTap;
        CpuBackend im2col;
        System.setProperty(CpuBackend.WINOGRAD_PROPERTY, "false");
        try {
            perTap = new CpuBackend("cpu", 2, JavaGemm.INSTANCE);
            im2col = new CpuBackend("im2col", 2, im2colOnly);
        } finally {
            System.clearProperty(CpuBackend.WINOGRAD_PROPERTY);
        }
        try (perTap; im2col) {
            for (int[] c : cases) {
                int n = c[0], h = c[1], w = c[2], cin = c[3], cout = c[4], k = c[5], stride = c[6], pad = c[7];
                boolean hasBias = c[8] == 1;
                float[] x = rand(n * h * w * cin), wt = rand(cout * cin * k * k), b = rand(cout);
                int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
                double[] e = new double[n * ho * wo * cout];
                for (int bi = 0; bi < n; bi++)
                    for (int oy = 0; oy < ho; oy++)
                        for (int ox = 0; ox < wo; ox++)
                            for (int o = 0; o < cout; o++) {
                                double sum = hasBias ? b[o] : 0;
                                for (int ch = 0; ch < cin; ch++)
                                    for (int i = 0; i < k; i++)
                                        for (int j = 0; j < k; j++) {
                                            int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
                                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                            sum += (double) x[((bi * h + iy) * w + ix) * cin + ch]
                                                    * wt[((o * cin + ch) * k + i) * k + j];
                                        }
                                e[((bi * ho + oy) * wo + ox) * cout + o] = sum;
                            }
                float[][] results = new float[2][];
                CpuBackend[] both = {perTap, im2col};
                for (int v = 0; v < 2; v++) {
                    CpuBackend be = both[v];
                    Graph g = new Graph();
                    Tensor out = g.conv2d(g.input("x", n, h, w, cin), g.weight("w", cout, cin, k, k),
                            hasBias ? g.weight("b", cout) : null, stride, pad);
                    g.output("out", out);
                    InMemoryWeights weights = new InMemoryWeights().put("w", wt, cout, cin, k, k);
                    if (hasBias) weights.put("b", b, cout);
                    try (CompiledGraph cg = be.compile(g, weights)) {
                        HostTensor y = cg.run(Map.of("x", x)).get("out");
                        assertArrayEquals(new int[] {n, ho, wo, cout}, y.shape());
                        close(e, y.data(), Math.max(1e-5, 1e-7 * cin * k * k)); // float sums of cin·k² terms
                        results[v] = y.data();
                    }
                }
                if (cin % Sgemm.KC == 0) {
                    // whole K blocks per tap: the per-tap sums are the im2col product's, in its order
                    for (int i = 0; i < results[0].length; i++) {
                        assertEquals(Float.floatToRawIntBits(results[1][i]), Float.floatToRawIntBits(results[0][i]), "index " + i);
                    }
                }
            }
        }
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
        close(convTranspose2x2(x, wt, b, n, h, w, cin, cout), out.get("up").data(), 1e-5);
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
    void transposedConvolutionOverSeveralChunksAndImages() {
        // 2 images of 9 × 1100 pixels, 64 output channels: 14 input rows per product (of at most 16 MiB), so two
        // products, the second one shorter and across the images' boundary
        int n = 2, h = 9, w = 1100, cin = 4, cout = 64;
        float[] x = rand(n * h * w * cin), wt = rand(cin * cout * 4), b = rand(cout);
        Graph g = new Graph();
        g.output("up", g.convTranspose2x2(g.input("x", n, h, w, cin), g.weight("wt", cin, cout, 2, 2), g.weight("b", cout)));
        HostTensor up;
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights().put("wt", wt, cin, cout, 2, 2).put("b", b, cout))) {
            up = cg.run(Map.of("x", x)).get("up");
        }
        close(convTranspose2x2(x, wt, b, n, h, w, cin, cout), up.data(), 1e-5);
    }

    /** The kernel-2 stride-2 transposed convolution in double, channels-last, weight {@code [Cin, Cout, 2, 2]}. */
    private static double[] convTranspose2x2(float[] x, float[] wt, float[] b, int n, int h, int w, int cin, int cout) {
        double[] e = new double[n * 2 * h * 2 * w * cout];
        for (int im = 0; im < n; im++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++)
                            for (int o = 0; o < cout; o++) {
                                double s = b[o];
                                for (int c = 0; c < cin; c++) {
                                    s += (double) x[((im * h + y) * w + xx) * cin + c] * wt[((c * cout + o) * 2 + i) * 2 + j];
                                }
                                e[((im * 2 * h + 2 * y + i) * 2 * w + 2 * xx + j) * cout + o] = s;
                            }
        return e;
    }

    @Test
    void aShortMatmulAgainstALongTransposedOperand() {
        // the mask decoder's hypernetwork product (4 × 32 by 82944 × 32), computed as its transpose; with a tail past
        // the transposition's blocks, and a product of the same operands through the general path (two batches)
        int m = 4, k = 32, n = 5000;
        float[] a = rand(m * k), bT = rand(n * k);
        Graph g = new Graph();
        g.output("one", g.matmul(g.input("a", 1, m, k), g.input("b", 1, n, k), true));
        float[] a2 = new float[2 * m * k], b2 = new float[2 * n * k];
        System.arraycopy(a, 0, a2, 0, a.length);
        System.arraycopy(bT, 0, b2, 0, bT.length);
        g.output("two", g.matmul(g.input("a2", 2, m, k), g.input("b2", 2, n, k), true));
        Map<String, HostTensor> out;
        try (CompiledGraph cg = backend.compile(g, new InMemoryWeights())) {
            out = cg.run(Map.of("a", a, "b", bT, "a2", a2, "b2", b2));
        }
        double[] e = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[i * k + p] * bT[j * k + p];
                e[i * n + j] = s;
            }
        close(e, out.get("one").data(), 1e-5);
        assertArrayEquals(java.util.Arrays.copyOf(out.get("two").data(), m * n), out.get("one").data(),
                "the same sums in the same order as the general path");
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

    // ---------------------------------------------------------------- detector-head ops

    @Test
    void elementWiseFunctions() {
        float[] x = rand(1001);
        x[0] = 0f;
        Graph g = new Graph();
        Tensor in = g.input("x", 7, 11, 13);
        Tensor pos = g.affine(g.abs(in), 2f, 0.5f); // > 0
        Tensor out = g.concat(0, g.sin(in), g.cos(in), g.exp(in), g.log(pos), g.log2(pos), g.sign(in),
                g.clamp(in, -0.5f, 0.25f), g.inverseSigmoid(g.sigmoid(in), 1e-3f));
        HostTensor y = run(g, out, Map.of("x", x), new InMemoryWeights());
        int n = x.length;
        double[] e = new double[8 * n];
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double p = 2 * Math.abs(v) + 0.5;
            e[i] = Math.sin(v);
            e[n + i] = Math.cos(v);
            e[2 * n + i] = Math.exp(v);
            e[3 * n + i] = Math.log(p);
            e[4 * n + i] = Math.log(p) / Math.log(2);
            e[5 * n + i] = Math.signum(v);
            e[6 * n + i] = Math.min(Math.max(v, -0.5), 0.25);
            double s = Math.min(Math.max(1 / (1 + Math.exp(-v)), 0), 1);
            e[7 * n + i] = Math.log(Math.max(s, 1e-3) / Math.max(1 - s, 1e-3));
        }
        close(e, y.data(), 2e-5);
        assertEquals(0f, y.data()[5 * n], "sign(0)");
    }

    @Test
    void inverseSigmoidClampsToEps() {
        Graph g = new Graph();
        Tensor out = g.inverseSigmoid(g.input("x", 4), 1e-3f);
        HostTensor y = run(g, out, Map.of("x", new float[] {-1f, 0f, 1f, 2f}), new InMemoryWeights());
        double lo = Math.log(1e-3 / 1);
        double hi = Math.log(1 / 1e-3);
        close(new double[] {lo, lo, hi, hi}, y.data(), 1e-5);
    }

    @Test
    void groupNorm() {
        int n = 2, h = 5, w = 3, c = 12, groups = 4;
        float[] x = rand(n * h * w * c), gamma = rand(c), beta = rand(c);
        for (int i = 0; i < x.length; i++) x[i] = x[i] * 3 + 1;
        Graph g = new Graph();
        Tensor out = g.groupNorm(g.input("x", n, h, w, c), groups, g.weight("g", c), g.weight("b", c), 1e-5f);
        HostTensor y = run(g, out, Map.of("x", x), new InMemoryWeights().put("g", gamma, c).put("b", beta, c));
        double[] e = new double[x.length];
        int cg = c / groups;
        for (int b = 0; b < n; b++)
            for (int gi = 0; gi < groups; gi++) {
                double s = 0;
                int cnt = h * w * cg;
                for (int p = 0; p < h * w; p++)
                    for (int j = 0; j < cg; j++) s += x[(b * h * w + p) * c + gi * cg + j];
                double m = s / cnt;
                double v = 0;
                for (int p = 0; p < h * w; p++)
                    for (int j = 0; j < cg; j++) v += Math.pow(x[(b * h * w + p) * c + gi * cg + j] - m, 2);
                double rs = 1 / Math.sqrt(v / cnt + 1e-5);
                for (int p = 0; p < h * w; p++)
                    for (int j = 0; j < cg; j++) {
                        int i = (b * h * w + p) * c + gi * cg + j;
                        e[i] = (x[i] - m) * rs * gamma[gi * cg + j] + beta[gi * cg + j];
                    }
            }
        close(e, y.data(), 1e-5);
    }

    @Test
    void upsampleNearest() {
        float[] x = rand(2 * 3 * 4 * 5);
        Graph g = new Graph();
        Tensor out = g.upsampleNearest(g.input("x", 2, 3, 4, 5), 2);
        HostTensor y = run(g, out, Map.of("x", x), new InMemoryWeights());
        double[] e = new double[2 * 6 * 8 * 5];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 8; j++)
                    for (int c = 0; c < 5; c++) e[((b * 6 + i) * 8 + j) * 5 + c] = x[((b * 3 + i / 2) * 4 + j / 2) * 5 + c];
        close(e, y.data(), 0);
    }

    /** Bilinear sample with torchvision's border rules, in double. */
    private static double sample(float[] x, int h, int w, int c, int ch, double yy, double xx) {
        if (yy < -1 || yy > h || xx < -1 || xx > w) return 0;
        yy = Math.max(yy, 0);
        xx = Math.max(xx, 0);
        int y0 = (int) Math.floor(yy), x0 = (int) Math.floor(xx);
        if (y0 >= h - 1) {
            y0 = h - 1;
            yy = y0;
        }
        if (x0 >= w - 1) {
            x0 = w - 1;
            xx = x0;
        }
        int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
        double ly = yy - y0, lx = xx - x0;
        return (1 - ly) * (1 - lx) * x[(y0 * w + x0) * c + ch] + (1 - ly) * lx * x[(y0 * w + x1) * c + ch]
                + ly * (1 - lx) * x[(y1 * w + x0) * c + ch] + ly * lx * x[(y1 * w + x1) * c + ch];
    }

    @Test
    void roiAlignMatchesTorchvisionDefinition() {
        int h = 9, w = 11, c = 3, s = 7;
        float[] x = rand(h * w * c);
        // boxes in units of 1/scale: inside, partly outside, smaller than a pixel, and degenerate
        float[] boxes = {0.1f, 0.2f, 0.7f, 0.9f, -0.2f, 0.5f, 1.3f, 1.1f, 0.30f, 0.30f, 0.32f, 0.31f, 0.5f, 0.5f, 0.5f, 0.5f};
        float scale = 10f;
        Graph g = new Graph();
        Tensor out = g.roiAlign(g.input("x", 1, h, w, c), g.input("b", 4, 4), s, scale, -1);
        HostTensor y = run(g, out, Map.of("x", x, "b", boxes), new InMemoryWeights());
        double[] e = new double[4 * s * s * c];
        for (int r = 0; r < 4; r++) {
            double x0 = boxes[4 * r] * scale, y0 = boxes[4 * r + 1] * scale;
            double rw = Math.max(boxes[4 * r + 2] * scale - x0, 1), rh = Math.max(boxes[4 * r + 3] * scale - y0, 1);
            int gh = (int) Math.ceil(rh / s), gw = (int) Math.ceil(rw / s);
            for (int ph = 0; ph < s; ph++)
                for (int pw = 0; pw < s; pw++)
                    for (int ch = 0; ch < c; ch++) {
                        double acc = 0;
                        for (int iy = 0; iy < gh; iy++)
                            for (int ix = 0; ix < gw; ix++) {
                                double yy = y0 + (ph + (iy + 0.5) / gh) * rh / s;
                                double xx = x0 + (pw + (ix + 0.5) / gw) * rw / s;
                                acc += sample(x, h, w, c, ch, yy, xx);
                            }
                        e[((r * s + ph) * s + pw) * c + ch] = acc / Math.max(gh * gw, 1);
                    }
        }
        close(e, y.data(), 1e-5);
        // the bins split over two threads: the same floats as on one
        float[] one = new float[e.length], two = new float[e.length];
        try (Parallel p1 = new Parallel(1); Parallel p2 = new Parallel(2)) {
            CpuKernels.roiAlign(p1, x, 0, h, w, c, boxes, 0, 4, s, scale, -1, one, 0);
            CpuKernels.roiAlign(p2, x, 0, h, w, c, boxes, 0, 4, s, scale, -1, two, 0);
        }
        assertArrayEquals(one, two);
        assertArrayEquals(one, y.data());
    }

    @Test
    void gatherRowsAndRejectOutOfRange() {
        float[] table = rand(10 * 4);
        Graph g = new Graph();
        Tensor out = g.gather(g.weight("t", 10, 4), g.input("i", 1, 3));
        HostTensor y = run(g, out, Map.of("i", new float[] {9, 0, 3}), new InMemoryWeights().put("t", table, 10, 4));
        assertEquals(java.util.List.of(1, 3, 4), java.util.Arrays.stream(y.shape()).boxed().toList());
        double[] e = new double[12];
        int[] rows = {9, 0, 3};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) e[i * 4 + j] = table[rows[i] * 4 + j];
        close(e, y.data(), 0);
        Graph g2 = new Graph();
        Tensor out2 = g2.gather(g2.weight("t", 10, 4), g2.input("i", 1));
        assertThrows(IllegalArgumentException.class,
                () -> run(g2, out2, Map.of("i", new float[] {10}), new InMemoryWeights().put("t", table, 10, 4)));
    }

    @Test
    void attentionWithAKeyPaddingBiasBroadcastOverQueries() {
        int tq = 5, tk = 6, h = 2, d = 4;
        float[] q = rand(tq * h * d), k = rand(tk * h * d), v = rand(tk * h * d);
        float[] bias = {0, 0, 0, -1e30f, 0, -1e30f};
        Graph g = new Graph();
        Tensor out = g.attention(g.input("q", 1, tq, h, d), g.input("k", 1, tk, h, d), g.input("v", 1, tk, h, d),
                g.input("m", 1, 1, 1, tk), 0.5f);
        HostTensor y = run(g, out, Map.of("q", q, "k", k, "v", v, "m", bias), new InMemoryWeights());
        double[] e = new double[tq * h * d];
        for (int i = 0; i < tq; i++)
            for (int hi = 0; hi < h; hi++) {
                double[] p = new double[tk];
                double sum = 0;
                for (int j = 0; j < tk; j++) {
                    if (bias[j] < -1e29f) continue;
                    double s = 0;
                    for (int c = 0; c < d; c++) s += q[(i * h + hi) * d + c] * k[(j * h + hi) * d + c];
                    p[j] = Math.exp(0.5 * s);
                    sum += p[j];
                }
                for (int c = 0; c < d; c++) {
                    double o = 0;
                    for (int j = 0; j < tk; j++) o += p[j] / sum * v[(j * h + hi) * d + c];
                    e[(i * h + hi) * d + c] = o;
                }
            }
        close(e, y.data(), 1e-5);
    }
}
