package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The element-wise functions, group norm, upsampling, ROI align and gather against naive references. */
class CpuDetectorOpsTest {
    private static CpuBackend backend;
    private final Random rnd = new Random(7);

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
