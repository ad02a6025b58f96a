package org.sam3j.backend.cuda;

/** A CUDA, cuBLASLt or kernel-argument error, with the failing call and the library's message. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The error code ({@code cudaError_t}, {@code cublasStatus_t} or {@code S3C_ERR_INVALID_ARGUMENT}). */
    public int code() {
        return code;
    }
}
