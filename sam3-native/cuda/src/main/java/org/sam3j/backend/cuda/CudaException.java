package org.sam3j.backend.cuda;

import java.util.Optional;
import org.sam3j.graph.Op;

/**
 * A CUDA, cuBLASLt or kernel-argument error, with the failing call and the library's message, and,
 * when it happened while a compiled graph ran, the operation that faulted ({@link #op()}). A fault
 * inside a kernel surfaces only at the next synchronisation, so outside debug mode
 * ({@value CudaRuntime#DEBUG_PROPERTY}) it is reported at the end of the run; in debug mode the graph
 * synchronises after every operation and the fault names its operation.
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * The scheduled operation of a compiled graph during which an error was reported.
     *
     * @param index  0-based position in the schedule
     * @param count  scheduled operations of the graph
     * @param kind   the operation
     * @param output the output tensor: {@code %id}, its label when it has one, its shape
     */
    public record OpContext(int index, int count, Op kind, String output) {
        /** E.g. {@code op 17 of 230 (LINEAR -> %123 'vit.qkv' [1, 5184, 3072])}. */
        public String describe() {
            return "op " + index + " of " + count + " (" + kind + " -> " + output + ")";
        }
    }

    private final int code;
    private final transient OpContext op;

    CudaException(String message, int code) {
        this(message, code, null, null);
    }

    private CudaException(String message, int code, OpContext op, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.op = op;
    }

    /**
     * {@code failure} (raised while operation {@code op} was launched or synchronised) as a
     * CudaException naming the operation, with the same code ({@code 0} for a non-CUDA failure) and
     * {@code failure} as its cause. A failure that already names an operation is returned as it is.
     */
    static CudaException atOp(RuntimeException failure, OpContext op) {
        if (failure instanceof CudaException c && c.op != null) return c;
        int code = failure instanceof CudaException c ? c.code : 0;
        String msg = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        return new CudaException(op.describe() + ": " + msg, code, op, failure);
    }

    /** The error code ({@code cudaError_t}, {@code cublasStatus_t} or {@code S3C_ERR_INVALID_ARGUMENT}). */
    public int code() {
        return code;
    }

    /** The operation that faulted, when known. */
    public Optional<OpContext> op() {
        return Optional.ofNullable(op);
    }
}
