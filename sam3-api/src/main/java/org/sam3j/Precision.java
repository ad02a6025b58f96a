package org.sam3j;

import java.util.Locale;

/**
 * Storage precision of a backend's weights and activations. Every backend runs {@link #FP32}. The CPU backends
 * emulate {@link #FP16} and {@link #BF16} by rounding (the numerics of a reduced-precision device, for accuracy
 * checks), except BF16 on the {@code openblas} backend where the CPU has Intel AMX or AVX512-BF16 (AMD Zen 4 and 5):
 * its products and attention then run natively, the full-size image encoder about 3.6 to 4 times (AMX) or
 * 3.2 to 3.4 times (AVX512-BF16, on a Zen 5) as fast as at FP32. The CUDA backend runs
 * FP16 and BF16 storage with float32 arithmetic. Ask for one with {@link Sam3Model.Builder#precision(Precision)} or
 * {@link org.sam3j.BackendOptions.Builder#precision(Precision)}; a backend that cannot run it refuses.
 */
public enum Precision {
    /** float32: the parity mode, identical to the reference within the fixtures' tolerances. */
    FP32(4),
    /** IEEE half storage, float32 accumulation. */
    FP16(2),
    /** bfloat16 storage, float32 accumulation. */
    BF16(2);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element. */
    public int bytes() {
        return bytes;
    }

    /** The lower-case name used on command lines and in JSON ({@code fp32}, {@code fp16}, {@code bf16}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code fp32}, {@code fp16} or {@code bf16} (any case, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the accepted values if {@code s} is none of them
     */
    public static Precision parse(String s) {
        if (s != null) {
            for (Precision p : values()) if (p.label().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
        }
        throw new IllegalArgumentException("unknown precision '" + s + "': use fp32, fp16 or bf16");
    }
}
