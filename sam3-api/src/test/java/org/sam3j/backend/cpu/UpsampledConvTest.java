package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * The 3 × 3 convolution of a 2 × nearest-upsampled map computed on the small map ({@link UpsampledConv}) against a
 * double-precision convolution of the upsampled map: odd and even sizes, one pixel, batches, with and without bias,
 * 1 and 2 workers; the CPU backend fuses exactly the pixel decoder's pattern, and its result is the unfused one's
 * (by Winograd, reading the small map) or that up to float rounding (per tap, on the small map with summed taps).
 */
class UpsampledConvTest {
    private final Random rnd = new Random(5);

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** conv3×3(pad 1)(upsample2(x)) in doubles, {@code [n, 2h, 2w, cout]}. */
    private static double[] reference(float[] x, int n, int h, int w, int cin, float[] wt, int cout, float[] bias) {
        int uh = 2 * h, uw = 2 * w;
        double[] e = new double[n * uh * uw * cout];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < uh; oy++)
                for (int ox = 0; ox < uw; ox++)
                    for (int o = 0; o < cout; o++) {
                        double sum = bias != null ? bias[o] : 0;
                        for (int i = 0; i < 3; i++)
                            for (int j = 0; j < 3; j++) {
                                int iy = oy - 1 + i, ix = ox - 1 + j;
                                if (iy < 0 || iy >= uh || ix < 0 || ix >= uw) continue;
                                for (int c = 0; c < cin; c++) {
                                    sum += (double) x[((b * h + iy / 2) * w + ix / 2) * cin + c]
                                            * wt[((o * cin + c) * 3 + i) * 3 + j];
                                }
                            }
                        e[((b * uh + oy) * uw + ox) * cout + o] = sum;
                    }
        return e;
    }

    /** Relative to the size of the terms (about √(9·Cin) for unit normal inputs), as {@code WinogradConvTest}. */
    private static void close(double[] e, float[] actual, int cin) {
        double scale = Math.sqrt(9.0 * cin);
        for (int i = 0; i < e.length; i++) {
            double tol = 1e-5 * scale * Math.max(1, Math.abs(e[i]) / scale);
            assertTrue(Math.abs(e[i] - actual[i]) <= tol, "index " + i + ": expected " + e[i] + " got " + actual[i]);
        }
    }

    private float[] run(int n, int h, int w, int cin, float[] x, float[] wt, int cout, float[] bias, int threads) {
        try (Parallel par = new Parallel(threads)) {
            GemmEngine.Prepared[][] taps = new GemmEngine.Prepared[2][];
            for (int a = 0; a < 2; a++) taps[a] = UpsampledConv.prepareTaps(JavaGemm.INSTANCE, par, wt, cout, cin, a);
            float[] scratch = new float[(int) UpsampledConv.scratchFloats(n, h, w, cout)];
            float[] y = new float[n * 4 * h * w * cout + 7];
            Arrays.fill(y, Float.NaN);
            float[] xx = new float[x.length + 5];
            System.arraycopy(x, 0, xx, 5, x.length);
            UpsampledConv.conv(JavaGemm.INSTANCE, par, xx, 5, n, h, w, cin, taps, scratch, 0, y, 7, cout, bias);
            assertTrue(Float.isNaN(y[6]), "wrote before the output");
            float[] out = Arrays.copyOfRange(y, 7, y.length);
            for (int i = 0; i < out.length; i++) assertFalse(Float.isNaN(out[i]), "output " + i + " not written");
            return out;
        }
    }

    @Test
    void matchesTheConvolutionOfTheUpsampledMap() {
        int[][] cases = { // n, h, w, cin, cout, bias
                {1, 3, 4, 3, 4, 1}, {2, 4, 3, 16, 8, 0}, {1, 1, 1, 5, 3, 1}, {1, 5, 2, 8, 8, 1}, {1, 7, 9, 32, 16, 1}};
        for (int[] c : cases) {
            int n = c[0], h = c[1], w = c[2], cin = c[3], cout = c[4];
            float[] x = rand(n * h * w * cin), wt = rand(cout * cin * 9), bias = c[5] == 1 ? rand(cout) : null;
            double[] e = reference(x, n, h, w, cin, wt, cout, bias);
            close(e, run(n, h, w, cin, x, wt, cout, bias, 1), cin);
            close(e, run(n, h, w, cin, x, wt, cout, bias, 2), cin);
        }
    }

    /** Each folded 2 × 2 tap is the sum of the 3 × 3 taps on its source pixel: every 3 × 3 tap counted once. */
    @Test
    void foldedTapsAddUpToTheKernel() {
        int cout = 3, cin = 2;
        float[] wt = rand(cout * cin * 9);
        for (int a = 0; a < 2; a++) {
            float[] f = UpsampledConv.foldedWeight(wt, cout, cin, a);
            for (int b = 0; b < 2; b++)
                for (int o = 0; o < cout; o++)
                    for (int c = 0; c < cin; c++) {
                        double folded = 0, kernel = 0;
                        for (int t = 0; t < 4; t++) folded += f[((b * cout + o) * cin + c) * 4 + t];
                        for (int t = 0; t < 9; t++) kernel += wt[(o * cin + c) * 9 + t];
                        assertEquals(kernel, folded, 1e-5, "parity " + a + b + ", channels " + o + "/" + c);
                    }
        }
    }

    /**
     * The backend fuses upsample → 3 × 3 convolution into one step that matches the double reference, and the
     * unfused run (fusion off) gives the same values up to float rounding; a 1 × 1 convolution is not fused.
     */
    @Test
    void theBackendFusesThePixelDecodersPattern() {
        int h = 6, w = 5, cin = 16, cout = 8;
        float[] x = rand(h * w * cin), wt = rand(cout * cin * 9), bias = rand(cout);
        Graph g = new Graph();
        Tensor up = g.upsampleNearest(g.input("x", 1, h, w, cin), 2);
        g.output("out", g.conv2d(up, g.weight("w", cout, cin, 3, 3), g.weight("b", cout), 1, 1));
        InMemoryWeights weights = new InMemoryWeights().put("w", wt, cout, cin, 3, 3).put("b", bias, cout);
        double[] e = reference(x, 1, h, w, cin, wt, cout, bias);
        // by Winograd (the default) the fused step reads the upsampled pixels from the small map: the unfused values
        float[] fused = run(g, weights, x, null, null);
        float[] unfused = run(g, weights, x, "false", null);
        close(e, fused, cin);
        assertArrayEquals(unfused, fused);
        // per tap, the fused step sums taps first (UpsampledConv), so it rounds differently
        float[] summedTaps = run(g, weights, x, null, "false");
        float[] perTap = run(g, weights, x, "false", "false");
        close(e, summedTaps, cin);
        close(e, perTap, cin);
        assertFalse(Arrays.equals(summedTaps, perTap), "the fused step sums taps first, so it rounds differently");
        assertFalse(Arrays.equals(summedTaps, fused), "Winograd's transforms round otherwise");
        assertEquals(List.of("UPSAMPLE_NEAREST+CONV2D"), labels(g, weights));

        Graph pointwise = new Graph();
        Tensor up1 = pointwise.upsampleNearest(pointwise.input("x", 1, h, w, cin), 2);
        pointwise.output("out", pointwise.conv2d(up1, pointwise.weight("w", cout, cin, 1, 1), null, 1, 0));
        assertEquals(List.of("UPSAMPLE_NEAREST", "CONV2D"),
                labels(pointwise, new InMemoryWeights().put("w", rand(cout * cin), cout, cin, 1, 1)));
    }

    private static float[] run(Graph g, InMemoryWeights weights, float[] x, String fusion, String winograd) {
        try (CpuBackend backend = backend(fusion, winograd); CompiledGraph cg = backend.compile(g, weights)) {
            return cg.run(Map.of("x", x)).get("out").data();
        }
    }

    /** The compiled graph's step labels, in order. */
    private static List<String> labels(Graph g, InMemoryWeights weights) {
        try (CpuBackend backend = backend(null, null); CompiledGraph cg = backend.compile(g, weights)) {
            return ((CpuCompiledGraph) cg).steps().stream().map(CpuFusion.Step::label).toList();
        }
    }

    private static CpuBackend backend(String fusion, String winograd) {
        if (fusion != null) System.setProperty(CpuBackend.FUSION_PROPERTY, fusion);
        if (winograd != null) System.setProperty(CpuBackend.WINOGRAD_PROPERTY, winograd);
        try {
            return new CpuBackend("cpu", 2, JavaGemm.INSTANCE);
        } finally {
            System.clearProperty(CpuBackend.FUSION_PROPERTY);
            System.clearProperty(CpuBackend.WINOGRAD_PROPERTY);
        }
    }
}
