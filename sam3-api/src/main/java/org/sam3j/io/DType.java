package org.sam3j.io;

import java.util.Locale;

/**
 * Element types of stored tensors (checkpoints, fixtures) and of graph tensors.
 *
 * <p>The names follow the safetensors header spelling ({@code F32}, {@code BF16}, ...).
 */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false),
    /** Complex number of two float32 values (real, imaginary), as PyTorch's {@code complex64}. */
    C64(8, true);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether values are floating point (real or complex). */
    public boolean isFloating() {
        return floating;
    }

    /**
     * Parses a safetensors dtype name.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static DType fromSafetensors(String name) {
        switch (name.toUpperCase(Locale.ROOT)) {
            case "F64": return F64;
            case "F32": return F32;
            case "F16": return F16;
            case "BF16": return BF16;
            case "I64": return I64;
            case "I32": return I32;
            case "I16": return I16;
            case "I8": return I8;
            case "U8": return U8;
            case "BOOL": return BOOL;
            case "C64": return C64;
            default: throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "'");
        }
    }

    /** The safetensors header spelling of this type. */
    public String safetensorsName() {
        return name();
    }
}
