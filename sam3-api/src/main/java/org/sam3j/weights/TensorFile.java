package org.sam3j.weights;

import java.io.IOException;
import java.util.Set;
import org.sam3j.io.StoredTensor;

/** A file of named tensors (safetensors or a PyTorch checkpoint), as {@link CheckpointWeights} reads it. */
interface TensorFile extends AutoCloseable {
    Set<String> names();

    long[] shape(String name);

    StoredTensor tensor(String name) throws IOException;

    @Override
    void close() throws IOException;
}
