package org.sam3j.backend.cpu;

import org.sam3j.io.DType;

/**
 * FP16 and BF16 emulated in FP32 arrays: values rounded to the nearest representable value (ties to even),
 * as a device storing them would hold them. Exact FP32 arithmetic on rounded operands, rounded results: the
 * numerics of a reduced-precision device that accumulates in FP32, up to summation order.
 */
final class ReducedFloats {
    private static final float F16_MIN_NORMAL = 0x1p-14f;
    private static final float F16_SUBNORMAL_STEP = 0x1p-24f;
    /** the smallest magnitude that rounds to infinity in FP16 (the midpoint between 65504 and 65536) */
    private static final float F16_OVERFLOW = 65520f;

    private ReducedFloats() {}

    /** {@code v} rounded to BF16 (8 significant bits), NaN kept. */
    static float bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7f800000) == 0x7f800000) return v; // infinities and NaN
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
    }

    /** {@code v} rounded to FP16 (11 significant bits, subnormals below 2⁻¹⁴, ±∞ from 65520), NaN kept. */
    static float f16(float v) {
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

    /** Rounds {@code a[off, off + n)} in place to {@code type} (nothing for F32). */
    static void round(Parallel par, float[] a, int off, int n, DType type) {
        if (type == DType.F32) return;
        boolean half = type == DType.F16;
        if (type != DType.BF16 && !half) throw new IllegalArgumentException("not a float storage type: " + type);
        par.forRange(n, 1 << 15, (w, lo, hi) -> {
            if (half) {
                for (int i = off + lo; i < off + hi; i++) a[i] = f16(a[i]);
            } else {
                for (int i = off + lo; i < off + hi; i++) a[i] = bf16(a[i]);
            }
        });
    }

    /** A rounded copy of {@code v} (the array itself for F32). */
    static float[] rounded(float[] v, DType type) {
        if (type == DType.F32) return v;
        float[] r = new float[v.length];
        if (type == DType.F16) {
            for (int i = 0; i < v.length; i++) r[i] = f16(v[i]);
        } else {
            for (int i = 0; i < v.length; i++) r[i] = bf16(v[i]);
        }
        return r;
    }
}
