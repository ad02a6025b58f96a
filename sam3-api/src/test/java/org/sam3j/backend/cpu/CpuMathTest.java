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
    void theVectorisableExpEqualsExpBitForBitOnNonPositiveFloats() {
        // every 31st bit pattern from -0 to -infinity (69 million values), then the edges; the whole range was
        // checked once (2^31 values, no difference)
        long checked = 0;
        for (long bits = 0x8000_0000L; bits <= 0xFF80_0000L; bits += 31) {
            assertSame(Float.intBitsToFloat((int) bits));
            checked++;
        }
        float[] edges = {0f, -0f, Float.NEGATIVE_INFINITY, -Float.MIN_VALUE, -Float.MIN_NORMAL, -87.33f,
            Math.nextDown(-87.33f), Math.nextUp(-87.33f), -87.3365f, -0.5f * 0.6931472f, -103.97f, -1e30f};
        for (float x : edges) assertSame(x);
        assertTrue(checked > 60_000_000);
    }

    @Test
    void theExpWithoutClampsEqualsExpBitForBitWithinItsRange() {
        // every 31st bit pattern from -0 down to EXP_MIN (36 million values), then the edges
        long checked = 0;
        long last = Float.floatToRawIntBits(CpuMath.EXP_MIN) & 0xFFFF_FFFFL;
        for (long bits = 0x8000_0000L; bits <= last; bits += 31) {
            assertSameInRange(Float.intBitsToFloat((int) bits));
            checked++;
        }
        float[] edges = {0f, -0f, -Float.MIN_VALUE, -Float.MIN_NORMAL, CpuMath.EXP_MIN, Math.nextUp(CpuMath.EXP_MIN),
            -0.5f * 0.6931472f, -87.0f, -1f};
        for (float x : edges) assertSameInRange(x);
        assertTrue(checked > 30_000_000);
    }

    private static void assertSameInRange(float x) {
        float n = CpuMath.expExponentInRange(x);
        float e = CpuMath.expScaleInRange(CpuMath.expPoly(CpuMath.expReducedInRange(x, n)), n);
        float ref = CpuMath.exp(x);
        if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(ref)) {
            assertEquals(ref, e, "exp(" + x + ") [bits " + Integer.toHexString(Float.floatToRawIntBits(x)) + "]");
        }
    }

    private static void assertSame(float x) {
        float e = CpuMath.expScale(CpuMath.expPoly(CpuMath.expReduced(x)), CpuMath.expExponent(x));
        float ref = CpuMath.exp(x);
        if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(ref)) {
            assertEquals(ref, e, "exp(" + x + ") [bits " + Integer.toHexString(Float.floatToRawIntBits(x)) + "]");
        }
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
