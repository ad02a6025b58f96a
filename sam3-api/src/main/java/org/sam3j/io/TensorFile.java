package org.sam3j.io;

import java.io.IOException;
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

    @Override
    void close() throws IOException;
}
