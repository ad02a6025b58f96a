package org.sam3j.backend;

/**
 * A float32 tensor that lives in a backend's memory (device memory on a GPU backend, the JVM heap on the
 * CPU backends), produced by a run that kept an output resident ({@link RunRequest#keepResident}) or by
 * {@link ResidentScope#upload}. It can be bound as an input of any graph compiled by the same backend
 * ({@link RunRequest#withResident}) without crossing the backend's boundary, and brought to the host whole
 * ({@link #download()}) or in part ({@link #downloadRows(int[])}); downloads are counted by the owning
 * scope's {@link TransferCounter}.
 *
 * <p>Owned by a {@link ResidentScope}: closing the scope (or the tensor) frees it; it must not be used
 * afterwards. Values are immutable once created. Thread-safe for reads.
 */
public interface ResidentTensor extends AutoCloseable {
    /** Dimensions. */
    int[] shape();

    /** Number of elements. */
    default long numel() {
        long n = 1;
        for (int d : shape()) n *= d;
        return n;
    }

    /** Bytes held in the backend (float32). */
    default long bytes() {
        return 4 * numel();
    }

    /** The backend whose memory holds the values. */
    Backend backend();

    /**
     * Copies every value to the host.
     *
     * @throws IllegalStateException if the tensor was freed
     */
    HostTensor download();

    /**
     * Gathers rows on the backend and copies only them to the host: the tensor is read as a matrix of
     * {@code shape[0]} rows by the remaining elements, and the result holds the rows {@code indices} in that
     * order, shape {@code [indices.length, shape[1], ...]}. Only those rows' bytes are counted.
     *
     * @throws IllegalArgumentException if an index is outside the rows
     * @throws IllegalStateException    if the tensor was freed
     */
    HostTensor downloadRows(int[] indices);

    /** Whether the values were freed. */
    boolean isClosed();

    /** Frees the values (idempotent); the owning scope also frees them when it closes. */
    @Override
    void close();
}
