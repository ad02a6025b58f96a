package org.sam3j.backend.cpu;

import org.sam3j.io.DType;

/**
 * FP16 and BF16 emulated in FP32 arrays: values rounded to the nearest representable value (ties to even,
 * {@link org.sam3j.io.ReducedFloats}), as a device storing them would hold them. Exact FP32 arithmetic on rounded
 * operands, rounded results: the numerics of a reduced-precision device that accumulates in FP32, up to summation
 * order.
 */
final class ReducedFloats {
    private ReducedFloats() {}

    /** {@code v} rounded to BF16: {@link org.sam3j.io.ReducedFloats#roundBf16}, the one definition. */
    static float bf16(float v) {
        return org.sam3j.io.ReducedFloats.roundBf16(v);
    }

    /** {@code v} rounded to FP16: {@link org.sam3j.io.ReducedFloats#roundF16}, the one definition. */
    static float f16(float v) {
        return org.sam3j.io.ReducedFloats.roundF16(v);
    }

    /** Rounds {@code a[off, off + n)} in place to {@code type} (nothing for F32). */
    static void round(Parallel par, float[] a, int off, int n, DType type) {
        if (type == DType.F32) return;
        boolean half = isHalf(type);
        par.forRange(n, 1 << 15, (w, lo, hi) -> roundRange(a, off + lo, off + hi, half));
    }

    /** A rounded copy of {@code v} (the array itself for F32). */
    static float[] rounded(float[] v, DType type) {
        if (type == DType.F32) return v;
        float[] r = v.clone();
        roundRange(r, 0, r.length, isHalf(type));
        return r;
    }

    private static boolean isHalf(DType type) {
        if (type != DType.F16 && type != DType.BF16) throw new IllegalArgumentException("not a float storage type: " + type);
        return type == DType.F16;
    }

    private static void roundRange(float[] a, int from, int to, boolean half) {
        if (half) {
            for (int i = from; i < to; i++) a[i] = f16(a[i]);
        } else {
            for (int i = from; i < to; i++) a[i] = bf16(a[i]);
        }
    }
}
