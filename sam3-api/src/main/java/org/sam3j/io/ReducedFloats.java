package org.sam3j.io;

/**
 * FP16 and BF16 rounding and encoding: the one definition of how an FP32 value becomes a reduced-precision one
 * (round to nearest, ties to even; FP16 overflows to ±∞ from 65520 and has subnormals below 2⁻¹⁴; NaN stays NaN).
 * The CPU backends emulate reduced precision with {@link #roundF16}/{@link #roundBf16}; exporters write the bit
 * patterns of the same rounded values ({@link #f16Bits}/{@link #bf16Bits}), so a stored weight is exactly the value
 * the emulation computes with. Decoding is {@link StoredTensor#halfToFloat} and a 16-bit shift for BF16.
 */
public final class ReducedFloats {
    private static final float F16_MIN_NORMAL = 0x1p-14f;
    private static final float F16_SUBNORMAL_STEP = 0x1p-24f;
    /** the smallest magnitude that rounds to infinity in FP16 (the midpoint between 65504 and 65536) */
    private static final float F16_OVERFLOW = 65520f;

    private ReducedFloats() {}

    /** {@code v} rounded to BF16 (8 significant bits), NaN kept. */
    public static float roundBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7f800000) == 0x7f800000) return v; // infinities and NaN
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
    }

    /** {@code v} rounded to FP16 (11 significant bits, subnormals below 2⁻¹⁴, ±∞ from 65520), NaN kept. */
    public static float roundF16(float v) {
        if (Float.isNaN(v)) return v;
        float a = Math.abs(v);
        if (a >= F16_OVERFLOW) return Math.copySign(Float.POSITIVE_INFINITY, v);
        if (a < F16_MIN_NORMAL) {
            // fixed step 2⁻²⁴: a / step is exact (a power of two), rint rounds ties to even
            return Math.copySign((float) (Math.rint(a / F16_SUBNORMAL_STEP) * F16_SUBNORMAL_STEP), v);
        }
        int bits = Float.floatToRawIntBits(v);
        bits += 0xfff + ((bits >>> 13) & 1);
        return Float.intBitsToFloat(bits & 0xffffe000);
    }

    /**
     * The BF16 bit pattern of {@code v} rounded by {@link #roundBf16}: its upper 16 bits, exactly (NaN becomes the
     * quiet NaN {@code 0x7fc0} with {@code v}'s sign: a NaN's payload may lie in the lower bits only).
     */
    public static short bf16Bits(float v) {
        int bits = Float.floatToRawIntBits(roundBf16(v));
        if (Float.isNaN(v)) return (short) ((bits >>> 16) & 0x8000 | 0x7fc0);
        return (short) (bits >>> 16);
    }

    /**
     * The IEEE 754 binary16 bit pattern of {@code v} rounded by {@link #roundF16}. The rounded value is exactly
     * representable, so this only re-encodes it (NaN becomes the quiet NaN {@code 0x7e00} with {@code v}'s sign).
     */
    public static short f16Bits(float v) {
        float r = roundF16(v);
        int bits = Float.floatToRawIntBits(r);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(r)) return (short) (sign | 0x7e00);
        float a = Math.abs(r);
        if (Float.isInfinite(a)) return (short) (sign | 0x7c00);
        if (a < F16_MIN_NORMAL) return (short) (sign | (int) (a / F16_SUBNORMAL_STEP)); // exact: a multiple of the step
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        return (short) (sign | exp << 10 | (bits >>> 13) & 0x3ff);
    }

    /** {@code v} rounded to {@code type}: itself for F32, else {@link #roundF16} or {@link #roundBf16}. */
    public static float round(float v, DType type) {
        switch (type) {
            case F32:
                return v;
            case F16:
                return roundF16(v);
            case BF16:
                return roundBf16(v);
            default:
                throw new IllegalArgumentException("not a float storage type: " + type);
        }
    }
}
