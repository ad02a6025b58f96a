package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Accuracy of the fast float functions against {@link Math}. */
class CpuMathTest {
    @Test
    void expIsAccurateOverTheWholeFloatRange() {
        SplittableRandom rnd = new SplittableRandom(7);
        double maxRel = 0;
        for (int i = 0; i < 2_000_000; i++) {
            float x = (float) (rnd.nextDouble() * 175 - 87);
            double e = Math.exp(x);
            maxRel = Math.max(maxRel, Math.abs(CpuMath.exp(x) - e) / e);
        }
        assertTrue(maxRel < 2e-7, "max relative error " + maxRel);
        assertEquals(1f, CpuMath.exp(0f));
        assertEquals(0f, CpuMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, CpuMath.exp(-100f));
        assertEquals(Float.POSITIVE_INFINITY, CpuMath.exp(100f));
        assertTrue(Float.isNaN(CpuMath.exp(Float.NaN)));
    }

    @Test
    void erfIsWithinItsBound() {
        for (int i = -6000; i <= 6000; i++) {
            double x = i / 1000.0;
            double ref = erfSeries(x);
            assertEquals(ref, CpuMath.erf((float) x), 3e-7, "erf(" + x + ")");
        }
    }

    private static double erfSeries(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double sum = 0;
            double term = ax;
            for (int n = 0; n < 200; n++) {
                sum += term / (2 * n + 1);
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double t = 1 / (ax * ax);
            r = 1 - Math.exp(-ax * ax) / (ax * Math.sqrt(Math.PI)) * (1 - t / 2 + 3 * t * t / 4 - 15 * t * t * t / 8);
        }
        return x < 0 ? -r : r;
    }
}
