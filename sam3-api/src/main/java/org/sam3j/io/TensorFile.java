package org.sam3j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/** A file of named tensors: a safetensors file or a PyTorch checkpoint. */
public interface TensorFile extends AutoCloseable {
    /** Tensor names, in file order. */
    Set<String> names();

    /**
     * Shape of a tensor, without reading its data.
     *
     * @throws IllegalArgumentException if there is no such tensor
     */
    long[] shape(String name);

    /**
     * Element type of a tensor, without reading its data.
     *
     * @throws IllegalArgumentException if there is no such tensor
     */
    DType dtype(String name);

    /**
     * One tensor, contiguous and row-major (memory-mapped where the format allows).
     *
     * @throws IllegalArgumentException if there is no such tensor
     */
    StoredTensor tensor(String name) throws IOException;

    /** Whether {@link #read} is supported: each tensor is stored as plain bytes in one place of the file. */
    default boolean canRead() {
        return false;
    }

    /**
     * Fills {@code dst} (its remaining bytes) with a tensor's stored bytes from {@code byteOffset}, by positional
     * reads of the file, without mapping it. Safe to call from several threads at once.
     *
     * @throws IllegalArgumentException if there is no such tensor
     * @throws IndexOutOfBoundsException if the range leaves the tensor
     * @throws UnsupportedOperationException where {@link #canRead} is false (the default)
     */
    default void read(String name, long byteOffset, ByteBuffer dst) throws IOException {
        throw new UnsupportedOperationException("this file cannot be read in pieces");
    }

    @Override
    void close() throws IOException;
}
