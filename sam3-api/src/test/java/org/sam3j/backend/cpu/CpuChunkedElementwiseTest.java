package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The element-wise additions and products that run through per-thread chunks ({@link CpuKernels.Chunks}): operands at
 * offsets of one arena, lengths across several chunks with a tail, values repeated with periods that do and do not
 * divide a chunk (and one longer than a chunk), a scalar, the output over its first operand: the same floats, bit for
 * bit, as a plain loop, and nothing written around the output.
 */
class CpuChunkedElementwiseTest {
    private static Parallel par;
    private final Random rnd = new Random(5);

    @BeforeAll
    static void start() {
        par = new Parallel(3);
    }

    @AfterAll
    static void stop() {
        par.close();
    }

    private float[] values(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void sameShapeOperandsAcrossChunks() {
        for (boolean mul : new boolean[] {false, true}) {
            for (int n : new int[] {1, 2047, 2048, 5000, 70_001}) {
                int ao = 3, bo = ao + n + 5, yo = bo + n + 2;
                float[] arena = values(yo + n + 7);
                float[] want = arena.clone();
                for (int i = 0; i < n; i++) want[yo + i] = mul ? arena[ao + i] * arena[bo + i] : arena[ao + i] + arena[bo + i];
                CpuKernels.binary(par, mul, arena, ao, new int[] {n}, arena, bo, new int[] {n}, arena, yo, new int[] {n});
                assertArrayEquals(want, arena, (mul ? "mul" : "add") + " of " + n);
                // in place over the first operand
                float[] again = want.clone();
                for (int i = 0; i < n; i++) again[ao + i] = mul ? want[ao + i] * want[bo + i] : want[ao + i] + want[bo + i];
                CpuKernels.binary(par, mul, want, ao, new int[] {n}, want, bo, new int[] {n}, want, ao, new int[] {n});
                assertArrayEquals(again, want, (mul ? "mul" : "add") + " of " + n + " in place");
            }
        }
    }

    @Test
    void repeatedOperandsOfEveryPeriod() {
        for (boolean mul : new boolean[] {false, true}) {
            for (int period : new int[] {1, 3, 33, 256, 2048, 2049, 3000}) {
                int rows = 37, n = rows * period;
                int ao = 7, bo = ao + n + 1, yo = bo + period + 3;
                float[] arena = values(yo + n + 4);
                float[] want = arena.clone();
                for (int i = 0; i < n; i++) {
                    float r = arena[bo + i % period];
                    want[yo + i] = mul ? arena[ao + i] * r : arena[ao + i] + r;
                }
                float[] swapped = arena.clone();
                CpuKernels.binary(par, mul, arena, ao, new int[] {rows, period}, arena, bo, new int[] {1, period},
                        arena, yo, new int[] {rows, period});
                assertArrayEquals(want, arena, (mul ? "mul" : "add") + " with period " + period);
                // the repeated operand first
                CpuKernels.binary(par, mul, swapped, bo, new int[] {period}, swapped, ao, new int[] {rows, period},
                        swapped, yo, new int[] {rows, period});
                assertArrayEquals(want, swapped, (mul ? "mul" : "add") + " with period " + period + ", swapped");
            }
        }
    }

    @Test
    void addIntoAcrossChunks() {
        for (int len : new int[] {1, 2048, 4097}) {
            float[] y = values(len + 10), o = values(len + 6);
            float[] want = y.clone();
            for (int i = 0; i < len; i++) want[4 + i] = y[4 + i] + o[5 + i];
            CpuKernels.Chunks.addInto(y, 4, o, 5, len);
            assertArrayEquals(want, y, "length " + len);
        }
    }
}
