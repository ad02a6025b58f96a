package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorAttention} against the auto-vectorised {@link CpuAttention#block}: the same floats, bit for bit, on
 * shapes with every kind of tail (queries past a strip, keys past a chunk and past a micro-kernel block, head dims
 * that are not multiples of 8), with biases, masked keys, scores beyond the exponential's range and NaN. The build's
 * tests run with {@code --add-modules jdk.incubator.vector} ({@code surefire.argLine}).
 */
class VectorAttentionTest {
    private final Random rnd = new Random(11);

    private float[] rand(int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * sigma);
        return a;
    }

    /** Both kernels on one (batch, head, block) with operands at offsets and strides; returns {vector, java}. */
    private static float[][] both(float[] q, float[] k, float[] v, float[] bias, int rows, int tk, int d, int dv,
                                  float scale) {
        return both(q, k, v, bias, tk, rows, tk, d, dv, scale);
    }

    /** As above with bias rows {@code ldBias} apart (0: one row for every query). */
    private static float[][] both(float[] q, float[] k, float[] v, float[] bias, int ldBias, int rows, int tk, int d,
                                  int dv, float scale) {
        int ld = d + 3, ldv = dv + 2; // rows wider than a head, as when heads are interleaved
        float[] qq = spread(q, rows, d, ld, 1), kk = spread(k, tk, d, ld, 2), vv = spread(v, tk, dv, ldv, 3);
        float[][] y = new float[2][rows * (dv + 1) + 4];
        VectorAttention.block(new VectorAttention.Scratch(), qq, 1, ld, kk, 2, ld, vv, 3, ldv, bias, 0, ldBias,
                y[0], 4, dv + 1, rows, tk, d, dv, scale);
        CpuAttention.Scratch s = new CpuAttention.Scratch();
        s.ensure(d, dv, (rows + 15) / 16 * 16);
        CpuAttention.block(s, qq, 1, ld, kk, 2, ld, vv, 3, ldv, bias, 0, ldBias, y[1], 4, dv + 1, rows, tk, d, dv, scale);
        return y;
    }

    /** {@code n} rows of {@code w} floats from {@code x}, {@code ld} apart, from {@code off}; the gaps are NaN. */
    private static float[] spread(float[] x, int n, int w, int ld, int off) {
        float[] a = new float[off + n * ld];
        Arrays.fill(a, Float.NaN);
        for (int r = 0; r < n; r++) System.arraycopy(x, r * w, a, off + r * ld, w);
        return a;
    }

    private void same(int rows, int tk, int d, int dv, float[] bias, double sigma) {
        float[] q = rand(rows * d, sigma), k = rand(tk * d, sigma), v = rand(tk * dv, 1);
        float[][] y = both(q, k, v, bias, rows, tk, d, dv, (float) (1 / Math.sqrt(d)));
        String what = rows + " queries, " + tk + " keys, d " + d + ", dv " + dv + (bias != null ? ", bias" : "");
        assertArrayEquals(y[1], y[0], what);
        boolean finite = true;
        for (int i = 0; i < rows; i++) finite &= Float.isFinite(y[0][4 + i * (dv + 1)]);
        assertTrue(finite || bias != null, what + ": finite outputs");
    }

    @Test
    void theSameFloatsAsTheJavaKernelOnEveryTail() {
        int[][] heads = {{64, 64}, {32, 32}, {256, 256}, {3, 5}, {8, 9}, {65, 17}, {1, 1}};
        int[] queries = {1, 17, 32, 33, 100};
        int[] keys = {1, 5, 8, 48, 49, 97, 200};
        for (int[] h : heads) {
            for (int rows : queries) {
                for (int tk : keys) same(rows, tk, h[0], h[1], null, 1);
            }
        }
    }

    @Test
    void theSameFloatsWithBiasesMasksAndOutOfRangeScores() {
        int rows = 45, tk = 130, d = 16, dv = 24;
        // an additive bias
        same(rows, tk, d, dv, rand(rows * tk, 2), 1);
        // masked keys (-inf), a query whose first chunk is fully masked, and a query that sees no key at all
        float[] mask = rand(rows * tk, 1);
        for (int i = 0; i < mask.length; i += 3) mask[i] = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < 60; j++) mask[5 * tk + j] = Float.NEGATIVE_INFINITY;
        Arrays.fill(mask, 7 * tk, 8 * tk, Float.NEGATIVE_INFINITY);
        same(rows, tk, d, dv, mask, 1);
        // scores spread far beyond the exponential's range (the clamped path) and maxima that jump between chunks
        same(rows, tk, d, dv, null, 12);
        float[] ramp = new float[rows * tk];
        for (int i = 0; i < rows; i++) for (int j = 0; j < tk; j++) ramp[i * tk + j] = j * (i % 4) * 0.5f;
        same(rows, tk, d, dv, ramp, 1);
        // NaN and +inf scores stay NaN in both
        float[] odd = rand(rows * tk, 1);
        odd[3 * tk + 17] = Float.NaN;
        odd[9 * tk + 100] = Float.POSITIVE_INFINITY;
        same(rows, tk, d, dv, odd, 1);
    }

    @Test
    void theSameFloatsWithAKeyPaddingMaskSharedByEveryQuery() {
        // the prompt decoders' key-padding bias: one row for every query, large negative on unused slots (a click:
        // 6 of 25 tokens valid), also -inf and a NaN; queries past a strip, keys past a chunk
        int[][] shapes = {{5184, 25, 16}, {45, 130, 16}, {33, 25, 32}};
        for (int[] sh : shapes) {
            int rows = sh[0], tk = sh[1], d = sh[2];
            for (int variant = 0; variant < 3; variant++) {
                float[] bias = new float[tk];
                for (int j = 6; j < tk; j++) bias[j] = variant == 1 ? Float.NEGATIVE_INFINITY : -1e9f;
                if (variant == 2) {
                    bias[1] = 0.75f;
                    bias[tk - 1] = Float.NaN;
                }
                float[] q = rand(rows * d, 1), k = rand(tk * d, 1), v = rand(tk * d, 1);
                float[][] y = both(q, k, v, bias, 0, rows, tk, d, d, (float) (1 / Math.sqrt(d)));
                assertArrayEquals(y[1], y[0], rows + " queries, " + tk + " keys, d " + d + ", variant " + variant);
                assertEquals(variant == 2, Float.isNaN(y[0][4]), "NaN only where a key's bias is NaN");
            }
        }
    }

    @Test
    void attentionDispatchesToTheVectorKernelWhenTheModuleIsThere() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertTrue(module, "the tests run with --add-modules jdk.incubator.vector (surefire.argLine)");
        assertEquals(VectorAttention.usable() && !"false".equals(System.getProperty(CpuBackend.VECTOR_PROPERTY)),
                CpuAttention.vectorKernel());
        assertEquals(CpuAttention.vectorKernel(), CpuBackend.vectorKernels());
        // with 256-bit vectors or wider, attention with a short side runs on it too
        boolean shortSides = VectorAttention.usableOnShortSides()
                && !"false".equals(System.getProperty(CpuBackend.VECTOR_PROPERTY));
        assertEquals(shortSides, CpuBackend.vectorShortAttention());
        assertEquals(shortSides, CpuAttention.vectorKernel(25, 5184), "a click's tokens against the image");
        assertEquals(shortSides, CpuAttention.vectorKernel(5184, 25), "the image against a click's tokens");
        assertEquals(shortSides, CpuAttention.vectorKernel(256, 256), "256 queries and keys");
        assertEquals(CpuAttention.vectorKernel(), CpuAttention.vectorKernel(257, 5184), "257 queries");
        assertEquals(CpuAttention.vectorKernel(), CpuAttention.vectorKernel(5184, 5184), "the fusion encoder");
    }

    @Test
    void theSameFloatsOnTheShortSidesOfSam3() {
        // a click's tokens against the image and back (heads of 16), the text encoder (32 tokens, heads of 64)
        same(25, 5184, 16, 16, null, 1);
        same(200, 25, 16, 16, null, 1);
        same(32, 32, 64, 64, null, 1);
    }
}
