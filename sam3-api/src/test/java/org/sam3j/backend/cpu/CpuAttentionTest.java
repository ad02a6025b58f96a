package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link CpuAttention} against a double-precision reference on awkward shapes. */
class CpuAttentionTest {
    private static Parallel par1;
    private static Parallel par2;
    private final Random rnd = new Random(7);

    @BeforeAll
    static void start() {
        par1 = new Parallel(1);
        par2 = new Parallel(2);
    }

    @AfterAll
    static void stop() {
        par1.close();
        par2.close();
    }

    private float[] rand(int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * sigma);
        return a;
    }

    /** Small integers: dot products and sums of them are exact in float. */
    private float[] randInt(int n, int bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextInt(2 * bound + 1) - bound;
        return a;
    }

    /** softmax(scale·q·kᵀ + bias)·v in double, bias {@code [biasB, biasH, tq, tk]}. */
    static double[] reference(float[] q, float[] k, float[] v, float[] bias, int biasB, int biasH,
                              int b, int tq, int tk, int h, int d, int dv, float scale) {
        return reference(q, k, v, bias, biasB, biasH, tq, b, tq, tk, h, d, dv, scale);
    }

    /** softmax(scale·q·kᵀ + bias)·v in double, bias {@code [biasB, biasH, biasTq, tk]} ({@code biasTq} 1 or tq). */
    static double[] reference(float[] q, float[] k, float[] v, float[] bias, int biasB, int biasH, int biasTq,
                              int b, int tq, int tk, int h, int d, int dv, float scale) {
        double[] e = new double[b * tq * h * dv];
        double[] s = new double[tk];
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int i = 0; i < tq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += (double) q[((bi * tq + i) * h + hi) * d + c] * k[((bi * tk + j) * h + hi) * d + c];
                        s[j] = dot * scale;
                        if (bias != null) {
                            s[j] += bias[(((biasB == 1 ? 0 : bi) * biasH + (biasH == 1 ? 0 : hi)) * biasTq
                                    + (biasTq == 1 ? 0 : i)) * tk + j];
                        }
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++) sum += (s[j] = Math.exp(s[j] - max));
                    for (int c = 0; c < dv; c++) {
                        double o = 0;
                        for (int j = 0; j < tk; j++) o += s[j] * v[((bi * tk + j) * h + hi) * dv + c];
                        e[((bi * tq + i) * h + hi) * dv + c] = o / sum;
                    }
                }
        return e;
    }

    private static float[] run(Parallel par, float[] q, float[] k, float[] v, float[] bias, int biasB, int biasH,
                               int b, int tq, int tk, int h, int d, int dv, float scale) {
        return run(par, q, k, v, bias, biasB, biasH, tq, b, tq, tk, h, d, dv, scale);
    }

    private static float[] run(Parallel par, float[] q, float[] k, float[] v, float[] bias, int biasB, int biasH,
                               int biasTq, int b, int tq, int tk, int h, int d, int dv, float scale) {
        // Operands embedded at offsets in larger arrays, to exercise the offsets.
        float[] qq = embed(q, 3), kk = embed(k, 5), vv = embed(v, 7), bb = bias == null ? null : embed(bias, 11);
        float[] y = new float[b * tq * h * dv + 13];
        CpuAttention.attention(par, new CpuAttention.Scratch[par.threads()], qq, 3, kk, 5, vv, 7, h * dv, bb, 11, biasB, biasH,
                biasTq, y, 13, b, tq, tk, h, d, dv, scale);
        return java.util.Arrays.copyOfRange(y, 13, y.length);
    }

    /**
     * Values read in place from wider rows (the v third of a fused qkv projection: each token's H·Dv values
     * {@code vRow} floats after the previous token's) give the same floats, bit for bit, as a contiguous copy.
     */
    @Test
    void stridedValuesEqualContiguousValues() {
        int b = 2, tq = 37, tk = 53, h = 3, d = 8, dv = 8, vRow = 3 * h * dv;
        float[] q = rand(b * tq * h * d, 1), k = rand(b * tk * h * d, 1), v = rand(b * tk * h * dv, 1);
        float[] wide = rand(b * tk * vRow + 2 * h * dv, 1); // the v third starts 2·H·Dv into each row
        for (int r = 0; r < b * tk; r++) System.arraycopy(v, r * h * dv, wide, 2 * h * dv + r * vRow, h * dv);
        for (Parallel par : new Parallel[] {par1, par2}) {
            float[] expected = run(par, q, k, v, null, 1, 1, b, tq, tk, h, d, dv, 0.3f);
            float[] y = new float[b * tq * h * dv];
            CpuAttention.attention(par, new CpuAttention.Scratch[par.threads()], q, 0, k, 0, wide, 2 * h * dv, vRow, null, 0, 0,
                    0, 0, y, 0, b, tq, tk, h, d, dv, 0.3f);
            assertArrayEquals(expected, y);
        }
    }

    private static float[] embed(float[] x, int off) {
        float[] a = new float[x.length + off + 5];
        java.util.Arrays.fill(a, Float.NaN);
        System.arraycopy(x, 0, a, off, x.length);
        return a;
    }

    private static void close(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * scale,
                    "index " + i + ": expected " + expected[i] + " got " + actual[i]);
        }
    }

    private void check(int b, int tq, int tk, int h, int d, int dv, int biasB, int biasH, float scale) {
        float[] q = rand(b * tq * h * d, 1), k = rand(b * tk * h * d, 1), v = rand(b * tk * h * dv, 1);
        float[] bias = biasB == 0 ? null : rand(biasB * biasH * tq * tk, 1);
        double[] e = reference(q, k, v, bias, biasB, biasH, b, tq, tk, h, d, dv, scale);
        for (Parallel par : new Parallel[] {par1, par2}) {
            close(e, run(par, q, k, v, bias, biasB, biasH, b, tq, tk, h, d, dv, scale), 1e-5);
        }
    }

    /** The exponential's loop without clamps gives the clamped loop's weights and sums bit for bit, where it applies. */
    @Test
    void expRowsInRangeEqualsExpRows() {
        java.util.Random r = new java.util.Random(3);
        int rows = 7, n = 53;
        float[][] a = new float[rows][n], b = new float[rows][n];
        float[] m = new float[n];
        for (int i = 0; i < n; i++) m[i] = (float) r.nextGaussian() * 10;
        for (int j = 0; j < rows; j++) {
            for (int i = 0; i < n; i++) {
                // arguments over the whole range [EXP_MIN, 0], both ends included
                float z = j == 0 ? 0f : j == 1 ? CpuMath.EXP_MIN * r.nextFloat() : -r.nextFloat() * 10;
                a[j][i] = m[i] + z;
                if (a[j][i] - m[i] < CpuMath.EXP_MIN || a[j][i] > m[i]) a[j][i] = m[i];
            }
        }
        for (int j = 0; j < rows; j++) b[j] = a[j].clone();
        float[] sa = new float[n], sb = new float[n], t = new float[n];
        CpuAttention.expRows(a, rows, m, sa, t, n);
        CpuAttention.expRowsInRange(b, rows, m, sb, t, n);
        for (int j = 0; j < rows; j++) assertArrayEquals(a[j], b[j], 0f, "row " + j);
        assertArrayEquals(sa, sb, 0f);
    }

    @Test
    void oddShapesWithoutBias() {
        check(2, 131, 77, 3, 5, 6, 0, 0, 0.37f);
        check(1, 1, 1, 1, 1, 1, 0, 0, 1f);
        check(3, 17, 200, 2, 64, 64, 0, 0, 0.125f);
        check(1, 700, 130, 2, 7, 3, 0, 0, 0.5f);
        check(2, 5, 3, 1, 2, 9, 0, 0, 1f);
    }

    @Test
    void biasBroadcastOverBatchAndHeads() {
        check(2, 131, 77, 3, 5, 6, 1, 3, 0.37f);
        check(2, 131, 77, 3, 5, 6, 2, 1, 0.37f);
        check(2, 131, 77, 3, 5, 6, 1, 1, 0.37f);
        check(3, 40, 66, 2, 8, 5, 3, 2, 0.3f);
        // several query blocks per head: bias rows of the later blocks
        check(2, 1200, 50, 2, 4, 3, 1, 2, 0.5f);
    }

    @Test
    void encoderShapes() {
        check(2, 144, 144, 2, 64, 64, 0, 0, 0.125f);
        check(1, 600, 600, 1, 64, 64, 0, 0, 0.125f);
    }

    /** Logits in the hundreds (exp would overflow without the running maximum); exact integer operands. */
    @Test
    void largeLogitsAreStable() {
        int b = 2, tq = 50, tk = 90, h = 2, d = 5, dv = 4;
        float[] q = randInt(b * tq * h * d, 8), k = randInt(b * tk * h * d, 8), v = rand(b * tk * h * dv, 1);
        float[] bias = randInt(tq * tk, 3);
        for (float scale : new float[] {1f, 0.25f}) {
            double[] e = reference(q, k, v, bias, 1, 1, b, tq, tk, h, d, dv, scale);
            float[] y = run(par2, q, k, v, bias, 1, 1, b, tq, tk, h, d, dv, scale);
            for (float x : y) assertTrue(Float.isFinite(x));
            close(e, y, 1e-5);
        }
        // A constant offset of 1e4 on every logit changes nothing.
        float[] shifted = bias.clone();
        for (int i = 0; i < shifted.length; i++) shifted[i] += 10000f;
        double[] e = reference(q, k, v, bias, 1, 1, b, tq, tk, h, d, dv, 1f);
        close(e, run(par2, q, k, v, shifted, 1, 1, b, tq, tk, h, d, dv, 1f), 1e-5);
    }

    /** A bias of -1e9 removes a key: same result as attention without it. */
    @Test
    void maskedKeysAreIgnored() {
        int b = 2, tq = 37, tk = 70, h = 3, d = 6, dv = 5;
        float[] q = rand(b * tq * h * d, 1), k = rand(b * tk * h * d, 1), v = rand(b * tk * h * dv, 1);
        float[] bias = new float[b * h * tq * tk];
        boolean[] masked = new boolean[tk];
        for (int j = 0; j < tk; j++) masked[j] = j % 3 == 1 || j == 0 || j == tk - 1;
        for (int bh = 0; bh < b * h; bh++)
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tk; j++) bias[(bh * tq + i) * tk + j] = masked[j] ? -1e9f : 0f;
        // v of masked keys is huge: any weight leaking onto them would show.
        for (int bi = 0; bi < b; bi++)
            for (int j = 0; j < tk; j++)
                if (masked[j]) for (int x = 0; x < h * dv; x++) v[(bi * tk + j) * h * dv + x] = 1000f;
        double[] e = reference(q, k, v, bias, b, h, b, tq, tk, h, d, dv, 0.4f);
        float[] y = run(par2, q, k, v, bias, b, h, b, tq, tk, h, d, dv, 0.4f);
        close(e, y, 1e-5);
        // and no masked value leaks in at all
        for (float x : y) assertTrue(Math.abs(x) < 10, "masked value leaked: " + x);
    }

    /**
     * Every key masked for one query: in float, -1e9 absorbs the logits, so its weights are uniform (what a
     * float softmax gives); the other queries are unaffected.
     */
    @Test
    void fullyMaskedRowIsUniform() {
        int b = 1, tq = 20, tk = 30, h = 1, d = 4, dv = 3;
        float[] q = rand(tq * d, 1), k = rand(tk * d, 1), v = rand(tk * dv, 1);
        float[] bias = new float[tq * tk];
        for (int j = 0; j < tk; j++) bias[3 * tk + j] = -1e9f;
        double[] e = reference(q, k, v, null, 1, 1, b, tq, tk, h, d, dv, 1f);
        for (int c = 0; c < dv; c++) {
            double mean = 0;
            for (int j = 0; j < tk; j++) mean += v[j * dv + c];
            e[3 * dv + c] = mean / tk;
        }
        close(e, run(par1, q, k, v, bias, 1, 1, b, tq, tk, h, d, dv, 1f), 1e-5);
    }

    /**
     * A key-padding bias {@code [1, 1, 1, Tk]} (the interactive decoder's): one row for every query, the padded keys
     * masked.
     */
    @Test
    void keyPaddingBiasIsBroadcastOverQueries() {
        int b = 2, tq = 70, tk = 130, h = 4, d = 16, dv = 16;
        float[] q = rand(b * tq * h * d, 1), k = rand(b * tk * h * d, 1), v = rand(b * tk * h * dv, 1);
        float[] bias = new float[tk];
        for (int j = 100; j < tk; j++) bias[j] = -1e9f;
        double[] e = reference(q, k, v, bias, 1, 1, 1, b, tq, tk, h, d, dv, 0.25f);
        for (Parallel par : new Parallel[] {par1, par2}) {
            close(e, run(par, q, k, v, bias, 1, 1, 1, b, tq, tk, h, d, dv, 0.25f), 1e-5);
        }
    }
}
