package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * Winograd's F(4 × 4, 3 × 3) convolution ({@link WinogradConv}) against a double-precision direct convolution: odd
 * and even sizes (tiles cut by the border), one pixel, batches, with and without bias, several bands of tile rows,
 * the channel counts of SAM 3's necks and pixel decoder; and the CPU backend runs its 3 × 3 convolutions through it,
 * unless {@link CpuBackend#WINOGRAD_PROPERTY} is false.
 */
class WinogradConvTest {
    private final Random rnd = new Random(3);


    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static double[] reference(float[] x, int n, int h, int w, int cin, float[] wt, int cout, float[] bias) {
        double[] e = new double[n * h * w * cout];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < h; oy++)
                for (int ox = 0; ox < w; ox++)
                    for (int o = 0; o < cout; o++) {
                        double sum = bias != null ? bias[o] : 0;
                        for (int i = 0; i < 3; i++)
                            for (int j = 0; j < 3; j++) {
                                int iy = oy - 1 + i, ix = ox - 1 + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                for (int c = 0; c < cin; c++) {
                                    sum += (double) x[((b * h + iy) * w + ix) * cin + c] * wt[((o * cin + c) * 3 + i) * 3 + j];
                                }
                            }
                        e[((b * h + oy) * w + ox) * cout + o] = sum;
                    }
        return e;
    }

    /**
     * Bound on the error relative to the size of the terms (unit normal inputs and weights: about √(9·Cin)): float
     * rounding of the transforms and of the 36 products over Cin, whose values the transforms scale up (by up to 10
     * per direction on the input side) before the output transform's cancellations (coefficients up to 8). Measured
     * at 256 channels: largest 6e-5 of that size, where the direct convolution in floats reaches 6e-6 — F(4 × 4)'s
     * price for 4 × fewer multiply-adds (F(2 × 2) stayed within the direct sums' rounding).
     */
    private static final double TOLERANCE = 1e-4;

    private static void close(double[] e, float[] actual, int cin) {
        double tol = TOLERANCE * Math.sqrt(9.0 * cin);
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - actual[i]) <= tol * Math.max(1, Math.abs(e[i]) / Math.sqrt(9.0 * cin)),
                    "index " + i + ": expected " + e[i] + " got " + actual[i] + " (tolerance " + tol + ")");
        }
    }

    private float[] run(int n, int h, int w, int cin, float[] x, float[] wt, int cout, float[] bias, int threads) {
        try (Parallel par = new Parallel(threads)) {
            GemmEngine.Prepared[] u = WinogradConv.prepareWeights(JavaGemm.INSTANCE, par, wt, cout, cin);
            float[] y = new float[n * h * w * cout + 7];
            Arrays.fill(y, Float.NaN);
            float[] xx = new float[x.length + 5];
            System.arraycopy(x, 0, xx, 5, x.length);
            new WinogradConv(par, new FloatPool(0)).conv(JavaGemm.INSTANCE, xx, 5, n, h, w, cin, u, y, 7, cout, bias);
            assertTrue(Float.isNaN(y[6]), "wrote before the output");
            return Arrays.copyOfRange(y, 7, y.length);
        }
    }

    @Test
    void matchesTheDirectConvolution() {
        int[][] cases = { // n, h, w, cin, cout, bias
                {1, 7, 5, 3, 4, 1}, {2, 6, 8, 16, 8, 0}, {1, 1, 1, 5, 3, 1}, {1, 2, 3, 8, 8, 1}, {1, 9, 1, 4, 2, 0},
                {1, 13, 12, 64, 32, 1}};
        for (int[] c : cases) {
            int n = c[0], h = c[1], w = c[2], cin = c[3], cout = c[4];
            float[] x = rand(n * h * w * cin), wt = rand(cout * cin * 9), bias = c[5] == 1 ? rand(cout) : null;
            double[] e = reference(x, n, h, w, cin, wt, cout, bias);
            close(e, run(n, h, w, cin, x, wt, cout, bias, 1), cin);
            close(e, run(n, h, w, cin, x, wt, cout, bias, 2), cin);
        }
    }

    /**
     * Reading a 2 × nearest-upsampled map from its small map: bit for bit the convolution of the upsampled map built
     * first (the same pixels in the same transforms), batches of two, sides that are not whole numbers of tiles, 1 and
     * 2 workers; a map that is no upsampled one is refused.
     */
    @Test
    void readsAnUpsampledMapFromItsSmallMap() {
        int n = 2, h = 5, w = 7, cin = 6, cout = 5;
        float[] x = rand(n * h * w * cin), wt = rand(cout * cin * 9), bias = rand(cout);
        float[] big = new float[n * 4 * h * w * cin];
        for (int b = 0; b < n; b++)
            for (int iy = 0; iy < 2 * h; iy++)
                for (int ix = 0; ix < 2 * w; ix++)
                    System.arraycopy(x, ((b * h + iy / 2) * w + ix / 2) * cin, big, ((b * 2 * h + iy) * 2 * w + ix) * cin, cin);
        for (int threads = 1; threads <= 2; threads++) {
            try (Parallel par = new Parallel(threads)) {
                GemmEngine.Prepared[] u = WinogradConv.prepareWeights(JavaGemm.INSTANCE, par, wt, cout, cin);
                WinogradConv conv = new WinogradConv(par, new FloatPool(0));
                float[] direct = new float[n * 4 * h * w * cout];
                float[] upsampled = new float[direct.length + 3];
                Arrays.fill(upsampled, Float.NaN);
                conv.conv(JavaGemm.INSTANCE, big, 0, n, 2 * h, 2 * w, cin, u, direct, 0, cout, bias);
                conv.conv(JavaGemm.INSTANCE, x, 0, n, 2 * h, 2 * w, cin, 1, u, upsampled, 3, cout, bias);
                assertTrue(Float.isNaN(upsampled[2]), "wrote before the output");
                assertArrayEquals(direct, Arrays.copyOfRange(upsampled, 3, upsampled.length));
                close(reference(big, n, 2 * h, 2 * w, cin, wt, cout, bias), direct, cin);
                assertThrows(IllegalArgumentException.class,
                        () -> conv.conv(JavaGemm.INSTANCE, x, 0, 1, 2 * h + 1, 2 * w, cin, 1, u, upsampled, 0, cout, bias));
            }
        }
    }

    /**
     * 256 channels over a width of 100 tiles: bands of 4 tile rows, so 12 rows of tiles take three bands. Its root mean
     * square error stays within 5 × that of the nine per-tap float products (measured: 1.5e-4 against 4.0e-5, largest
     * 2.9e-3 against 3.1e-4, on outputs of about 50).
     */
    @Test
    void severalBandsAt256Channels() {
        int h = 45, w = 400, cin = 256, cout = 256;
        float[] x = rand(h * w * cin), wt = rand(cout * cin * 9), bias = rand(cout);
        float[] y = run(1, h, w, cin, x, wt, cout, bias, 2);
        float[] perTap = conv(h, w, cin, x, wt, cout, bias, "false");
        double squares = 0, squaresPerTap = 0;
        // the reference at every 97th output value (the whole one is 10^10 multiply-adds)
        for (int idx = 0; idx < y.length; idx += 97) {
            int o = idx % cout, pix = idx / cout, oy = pix / w, ox = pix % w;
            double sum = bias[o];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    int iy = oy - 1 + i, ix = ox - 1 + j;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    for (int c = 0; c < cin; c++) sum += (double) x[(iy * w + ix) * cin + c] * wt[((o * cin + c) * 3 + i) * 3 + j];
                }
            double tol = TOLERANCE * Math.sqrt(9.0 * cin) * Math.max(1, Math.abs(sum) / Math.sqrt(9.0 * cin));
            assertTrue(Math.abs(sum - y[idx]) <= tol, "index " + idx + ": expected " + sum + " got " + y[idx]);
            squares += (sum - y[idx]) * (sum - y[idx]);
            squaresPerTap += (sum - perTap[idx]) * (sum - perTap[idx]);
        }
        assertTrue(squares <= 25 * squaresPerTap, "root mean square error " + Math.sqrt(squares) + " against the per-tap "
                + Math.sqrt(squaresPerTap) + " (sums over the same outputs)");
    }

    /** The backend's 3 × 3 convolutions are this class's (bit for bit); with the property false, the per-tap ones. */
    @Test
    void theBackendRunsThreeByThreeConvolutionsThroughIt() {
        int h = 10, w = 9, cin = 32, cout = 16;
        float[] x = rand(h * w * cin), wt = rand(cout * cin * 9), bias = rand(cout);
        float[] direct = run(1, h, w, cin, x, wt, cout, bias, 2);
        float[] byDefault = conv(h, w, cin, x, wt, cout, bias, null);
        float[] perTap = conv(h, w, cin, x, wt, cout, bias, "false");
        assertArrayEquals(direct, byDefault);
        assertFalse(Arrays.equals(direct, perTap), "the per-tap products round differently");
        close(reference(x, 1, h, w, cin, wt, cout, bias), perTap, cin);
    }

    /** The property takes true, false or auto, and names itself when it is something else. */
    @Test
    void aBadPropertyValueIsNamed() {
        System.setProperty(CpuBackend.WINOGRAD_PROPERTY, "sometimes");
        try {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new CpuBackend("cpu", 1, JavaGemm.INSTANCE).close());
            org.junit.jupiter.api.Assertions.assertEquals(
                    CpuBackend.WINOGRAD_PROPERTY + "=sometimes: expected true, false or auto", e.getMessage());
        } finally {
            System.clearProperty(CpuBackend.WINOGRAD_PROPERTY);
        }
    }

    private static float[] conv(int h, int w, int cin, float[] x, float[] wt, int cout, float[] bias, String winograd) {
        if (winograd != null) System.setProperty(CpuBackend.WINOGRAD_PROPERTY, winograd);
        CpuBackend backend;
        try {
            backend = new CpuBackend("cpu", 2, JavaGemm.INSTANCE);
        } finally {
            System.clearProperty(CpuBackend.WINOGRAD_PROPERTY);
        }
        try (backend) {
            Graph g = new Graph();
            Tensor out = g.conv2d(g.input("x", 1, h, w, cin), g.weight("w", cout, cin, 3, 3), g.weight("b", cout), 1, 1);
            g.output("out", out);
            InMemoryWeights weights = new InMemoryWeights().put("w", wt, cout, cin, 3, 3).put("b", bias, cout);
            try (CompiledGraph cg = backend.compile(g, weights)) {
                return cg.run(Map.of("x", x)).get("out").data();
            }
        }
    }
}
