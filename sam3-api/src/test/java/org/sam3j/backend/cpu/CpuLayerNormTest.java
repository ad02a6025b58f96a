package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer norm kernels ({@link CpuKernels#layerNorm}, {@link CpuKernels#addLayerNorm}, {@link CpuKernels.NormRows})
 * on rows at offsets of a shared array, with γ and β at offsets of another: widths with and without a tail of the
 * eight partial sums, values far from zero (a single-pass variance would cancel), in place, and the fused residual add
 * against the add and the norm apart.
 */
class CpuLayerNormTest {
    private static final int[] WIDTHS = {1, 7, 8, 9, 33, 256, 1031};
    private static Parallel par;
    private final Random rnd = new Random(11);

    @BeforeAll
    static void start() {
        par = new Parallel(3);
    }

    @AfterAll
    static void stop() {
        par.close();
    }

    private float[] values(int n, double mean) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (mean + rnd.nextGaussian());
        return a;
    }

    @Test
    void statisticsAreThoseOfADoubleSumWhateverTheTail() {
        for (int c : WIDTHS) {
            float[] x = values(c + 5, 300);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += x[3 + j];
            double mean = sum / c;
            double sq = 0;
            for (int j = 0; j < c; j++) sq += (x[3 + j] - mean) * (x[3 + j] - mean);
            assertEquals(sum, CpuKernels.sum(x, 3, c), 1e-12 * Math.abs(sum), "sum of " + c);
            assertEquals(sq, CpuKernels.squaredDeviations(x, 3, c, mean), 1e-9 * sq + 1e-12, "squares of " + c);
        }
    }

    @Test
    void rowsAtOffsetsMatchADoublePrecisionNorm() {
        for (int c : WIDTHS) {
            int rows = 5, xo = 17, yo = 11 + rows * c + xo, go = 3;
            float[] arena = values(yo + rows * c + 4, 1000);   // far from zero: the two-pass variance keeps its digits
            float[] weights = values(go + 2 * c + 6, 0.5);
            float[] before = arena.clone();
            CpuKernels.layerNorm(par, arena, xo, weights, go, weights, go + c, arena, yo, rows, c, 1e-5f);
            for (int r = 0; r < rows; r++) {
                double mean = 0, var = 0;
                for (int j = 0; j < c; j++) mean += before[xo + r * c + j];
                mean /= c;
                for (int j = 0; j < c; j++) var += Math.pow(before[xo + r * c + j] - mean, 2);
                var /= c;
                for (int j = 0; j < c; j++) {
                    double e = (before[xo + r * c + j] - mean) / Math.sqrt(var + 1e-5) * weights[go + j]
                            + weights[go + c + j];
                    assertEquals(e, arena[yo + r * c + j], 2e-4, "c=" + c + " at " + r + "," + j);
                }
            }
            // nothing else written
            assertTrue(Arrays.equals(before, 0, yo, arena, 0, yo), "c=" + c + " wrote before y");
            int end = yo + rows * c;
            assertTrue(Arrays.equals(before, end, before.length, arena, end, arena.length), "c=" + c + " wrote after y");
        }
    }

    @Test
    void inPlaceAndFusedAddGiveTheValuesOfTheStepsApart() {
        for (int c : WIDTHS) {
            int rows = 4, n = rows * c;
            float[] a = values(n, 2), b = values(n, -1), weights = values(2 * c + 1, 1);
            // apart: s = a + b, then y = layerNorm(s), each into its own array
            float[] s = new float[n], y = new float[n];
            for (int i = 0; i < n; i++) s[i] = a[i] + b[i];
            CpuKernels.layerNorm(par, s, 0, weights, 1, weights, 1 + c, y, 0, rows, c, 1e-6f);
            // fused, s over a and y over b, in one arena at offsets
            int ao = 5, bo = ao + n + 2;
            float[] arena = new float[bo + n + 3];
            System.arraycopy(a, 0, arena, ao, n);
            System.arraycopy(b, 0, arena, bo, n);
            CpuKernels.addLayerNorm(par, arena, ao, arena, bo, arena, ao, weights, 1, weights, 1 + c, arena, bo, rows, c,
                    1e-6f);
            assertArrayEquals(s, Arrays.copyOfRange(arena, ao, ao + n), "c=" + c + ": the sum");
            assertArrayEquals(y, Arrays.copyOfRange(arena, bo, bo + n), "c=" + c + ": the norm");
            // the norm in place over its operand
            CpuKernels.layerNorm(par, s, 0, weights, 1, weights, 1 + c, s, 0, rows, c, 1e-6f);
            assertArrayEquals(y, s, "c=" + c + ": in place");
        }
    }
}
