package org.sam3j.backend.cpu;

/** Float transcendental functions for the CPU kernels, faster than {@link Math} and accurate to ~1 ulp. */
final class CpuMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding and subtracting rounds to an integer

    private CpuMath() {}

    /**
     * e^x in float: Cody–Waite reduction by ln 2 and a degree-7 minimax polynomial (Cephes);
     * relative error below 1e-7, 0 below -87.33, +∞ above 88.72, NaN for NaN.
     */
    static float exp(float x) {
        if (x < -87.33f) return 0f;
        if (x > 88.72f) return Float.POSITIVE_INFINITY;
        float n = (x * LOG2E + ROUND) - ROUND;
        float r = x - n * LN2_HI - n * LN2_LO;
        float p = (((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r + 4.1665795894E-2f) * r
                + 1.6666665459E-1f) * r + 5.0000001201E-1f) * r * r + r + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /**
     * erf: the Maclaurin series below |x| = 0.5 (where the other form cancels), above it Abramowitz and
     * Stegun 7.1.26 (the form PyTorch's vectorised CPU kernel uses); absolute error below 3e-7 in float.
     */
    static float erf(float x) {
        float ax = Math.abs(x);
        if (ax < 0.5f) {
            float x2 = x * x;
            // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320)
            return 1.1283791671f * x * (1f + x2 * (-1f / 3 + x2 * (1f / 10 + x2 * (-1f / 42 + x2 * (1f / 216 - x2 / 1320)))));
        }
        float t = 1f / (1f + 0.3275911f * ax);
        float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t
                + 0.254829592f) * t;
        float r = 1f - poly * exp(-ax * ax);
        return x < 0 ? -r : r;
    }
}
