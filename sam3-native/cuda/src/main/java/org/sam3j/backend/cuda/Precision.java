package org.sam3j.backend.cuda;

import java.util.Locale;

/**
 * Storage precision of a {@link CudaBackend}: weights are converted to it once when first bound, and
 * activations are stored in it. Arithmetic is float32 throughout: GEMMs accumulate in float32 (FP32 with
 * TF32 off, for parity with the CPU backend), attention keeps float32 maxima, sums and accumulators, and
 * normalisation statistics are float32.
 */
public enum Precision {
    /** float32 storage and arithmetic (TF32 off): the parity mode. */
    FP32(CudaKernels.S3C_F32, 4, 0),
    /** IEEE half storage, float32 accumulation. */
    FP16(CudaKernels.S3C_F16, 2, 2),
    /** bfloat16 storage, float32 accumulation. */
    BF16(CudaKernels.S3C_BF16, 2, 14);

    private final int code;
    private final int bytes;
    private final int cudaDataType;

    Precision(int code, int bytes, int cudaDataType) {
        this.code = code;
        this.bytes = bytes;
        this.cudaDataType = cudaDataType;
    }

    /** The element type code of the kernels ({@code S3C_F32}, ...). */
    public int code() {
        return code;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The {@code cudaDataType} of cuBLASLt ({@code CUDA_R_32F}, {@code CUDA_R_16F}, {@code CUDA_R_16BF}). */
    int cudaDataType() {
        return cudaDataType;
    }

    /** Parses {@code fp32}, {@code fp16} or {@code bf16} (any case). */
    public static Precision parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + s + "' (fp32, fp16 or bf16)");
        }
    }
}
