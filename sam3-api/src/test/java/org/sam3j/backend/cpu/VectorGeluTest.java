package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorGelu} against the auto-vectorised loops of {@link CpuGelu} and its scalar formula: the same floats,
 * bit for bit, at every length of tail, at offsets, in place, and on the values where the formula's branches meet
 * (the clamp at ±4 after scaling, zeros, infinities, NaN, subnormals). The build's tests run with
 * {@code --add-modules jdk.incubator.vector}.
 */
class VectorGeluTest {
    /** Values that exercise the clamp and the special cases, then random ones on several scales. */
    private static float[] values(int n) {
        float edge = 4f / CpuGelu.RSQRT2;
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, edge, -edge, Math.nextUp(edge),
            Math.nextDown(edge), Math.nextUp(-edge), Math.nextDown(-edge), 1e-20f, -1e-20f, 0.5f, -0.5f};
        float[] x = new float[n];
        Random rnd = new Random(5);
        for (int i = 0; i < n; i++) {
            x[i] = i < special.length ? special[i] : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
        }
        return x;
    }

    @Test
    void theSameFloatsAsTheLoopsAtEveryTailAndOffset() {
        float[] x = values(5000);
        for (int len = 0; len <= 70; len++) {
            for (int off = 0; off < 3; off++) {
                float[] vector = new float[len + 4];
                float[] loops = new float[len + 4];
                VectorGelu.apply(x, off, vector, 1, 0, len);
                CpuGelu.applyLoops(x, off, loops, 1, 0, len);
                for (int i = 0; i < len + 4; i++) {
                    assertEquals(loops[i], vector[i], "len " + len + " offset " + off + " at " + i);
                    if (i >= 1 && i <= len) assertEquals(CpuGelu.gelu(x[off + i - 1]), vector[i], "formula at " + i);
                }
            }
        }
    }

    @Test
    void theSameFloatsOnLongRangesAndInPlace() {
        float[] x = values(3 * CpuGelu.CHUNK + 37);
        int from = 13;
        int to = x.length - 2;
        float[] loops = x.clone();
        CpuGelu.applyLoops(loops, 0, loops, 0, from, to);
        float[] vector = x.clone();
        VectorGelu.apply(vector, 0, vector, 0, from, to);
        for (int i = 0; i < x.length; i++) {
            assertEquals(loops[i], vector[i], "at " + i);
            if (i < from || i >= to) assertEquals(x[i], vector[i], "outside the range at " + i);
        }
    }
}
