package org.sam3j.backend.cpu;

/** Float transcendental functions for the CPU kernels, faster than {@link Math} and accurate to ~1 ulp. */
final class CpuMath {
    // exp's constants, also read by VectorAttention's copy of its steps
    static final float LOG2E = 1.44269504088896341f;
    /** {@code -ln 2} in two parts: the first has 9 significant bits, so {@code n · MINUS_LN2_HI} is exact. */
    static final float MINUS_LN2_HI = -0.693359375f;
    static final float MINUS_LN2_LO = 2.12194440e-4f;
    static final float ROUND = 12582912f; // 1.5 * 2^23: adding and subtracting rounds to an integer
    /** The polynomial {@code c(r)} of {@link #expPoly}, highest degree first. */
    static final float C6 = 1.9875691500E-4f;
    static final float C5 = 1.3981999507E-3f;
    static final float C4 = 8.3334519073E-3f;
    static final float C3 = 4.1665795894E-2f;
    static final float C2 = 1.6666665459E-1f;
    static final float C1 = 5.0000001201E-1f;

    private CpuMath() {}

    /**
     * e^x in float: Cody–Waite reduction by ln 2 and a degree-7 minimax polynomial (Cephes), every step a fused
     * multiply-add where one applies; relative error below 1e-7, 0 below -87.33, +∞ above 88.72, NaN for NaN.
     *
     * <p>Fused, so that the vector kernels compute it in 17 operations a vector instead of 26: unfused, the
     * softmax's exponential of {@link VectorAttention} took 4.8 ns per 16 scores against 3.1 ns fused, and a fifth
     * of attention's time went to it. Every CPU path computes these bits: {@link #expReduced} and friends (the
     * auto-vectorised loops) and {@link VectorAttention} write the same steps.
     */
    static float exp(float x) {
        if (x < -87.33f) return 0f;
        if (x > 88.72f) return Float.POSITIVE_INFINITY;
        float n = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, MINUS_LN2_LO, Math.fma(n, MINUS_LN2_HI, x));
        return expPoly(r) * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    // ---------------------------------------------------------------------------------------------
    // exp for x ≤ 0 in float arithmetic only, bit for bit equal to exp(x).
    //
    // HotSpot C2 on JDK 17 vectorises none of the conversions exp needs for 2^n ((int) n and
    // Float.intBitsToFloat), so a loop calling exp runs scalar (about 5 ns per value here). The pieces below
    // compute the same value with adds, multiplies, fmas and max only, which C2 vectorises: the same
    // reduction and polynomial as exp (the same fused steps in the same order), and 2^n obtained exactly by rounding a
    // coarse approximation of it to one significant bit. A caller runs them in two loops (one is too large for
    // C2 to unroll, and so to vectorise): expReduce, then expScale of expPoly. CpuMathTest checks the result
    // against exp on every non-positive float.
    // ---------------------------------------------------------------------------------------------

    /** {@code 2^23 + 1}: multiplying by it and subtracting twice rounds to one significant bit (Veltkamp). */
    private static final float SPLIT_1BIT = 8388609f;
    /** {@code q(n) ≈ 2^(n/128)} on {@code n ∈ [-128, 0]}, relative error below 8e-5 (a cubic fit). */
    private static final float Q0 = 0.99992274f;
    private static final float Q1 = 0.69098299f / 128;
    private static final float Q2 = 0.22997786f / (128f * 128);
    private static final float Q3 = 0.03895364f / (128f * 128 * 128);
    /** The argument below which {@link #exp} is 0. */
    static final float EXP_MIN = -87.33f;

    /**
     * The reduced argument {@code r = x - n·ln 2} of {@code e^x = 2^n · e^r}, {@code x ≤ 0}, as {@link #exp}
     * computes it; {@code n} is {@link #expExponent}.
     */
    static float expReduced(float x) {
        float xc = Math.max(x, EXP_MIN);
        float n = Math.fma(xc, LOG2E, ROUND) - ROUND;
        return Math.fma(n, MINUS_LN2_LO, Math.fma(n, MINUS_LN2_HI, xc));
    }

    /**
     * The exponent {@code n} of {@code e^x = 2^n · e^r} for {@code x ≤ 0}: an integer in {@code [-126, 0]}, or
     * below {@code -8000} where {@link #exp} is 0 ({@code x < -87.33}).
     */
    static float expExponent(float x) {
        float xc = Math.max(x, EXP_MIN);
        float n = Math.fma(xc, LOG2E, ROUND) - ROUND;
        return n - Math.max((EXP_MIN - x) * 0x1p30f, 0f);
    }

    /** {@link #expExponent} for {@code x ∈ [EXP_MIN, 0]}, where its clamps change nothing (same bits). */
    static float expExponentInRange(float x) {
        return Math.fma(x, LOG2E, ROUND) - ROUND;
    }

    /** {@link #expReduced} for {@code x ∈ [EXP_MIN, 0]} and its {@code n = expExponentInRange(x)} (same bits). */
    static float expReducedInRange(float x, float n) {
        return Math.fma(n, MINUS_LN2_LO, Math.fma(n, MINUS_LN2_HI, x));
    }

    /**
     * {@code e^r} for the reduced argument, {@code |r| ≤ ln2/2}: {@code 1 + r + r²·c(r)}, {@code c} of degree 5 by
     * Horner's rule, one fused multiply-add a step.
     */
    static float expPoly(float r) {
        float c = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(C6, r, C5), r, C4), r, C3), r, C2), r, C1);
        return Math.fma(c, r * r, r) + 1f;
    }

    /**
     * {@code p · 2^n} for an {@link #expExponent} {@code n}: 2^n exactly for {@code n ∈ [-126, 0]} (0 below
     * -150). {@code w = q(n)^128} is within 2 % of {@code 2^n} (the fit's error times 128), and rounding it to
     * one significant bit gives the power of two exactly.
     */
    static float expScale(float p, float n) {
        float nc = Math.max(n, -200f);
        float w = Math.fma(Math.fma(Math.fma(Q3, nc, Q2), nc, Q1), nc, Q0);
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        float c = w * SPLIT_1BIT;
        return p * (c - (c - w));
    }

    /** {@link #expScale} for an exponent {@code n ∈ [-126, 0]}, where its clamp changes nothing (same bits). */
    static float expScaleInRange(float p, float n) {
        float w = Math.fma(Math.fma(Math.fma(Q3, n, Q2), n, Q1), n, Q0);
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        w *= w;
        float c = w * SPLIT_1BIT;
        return p * (c - (c - w));
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
