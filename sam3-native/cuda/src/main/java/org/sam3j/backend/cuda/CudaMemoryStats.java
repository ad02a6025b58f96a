package org.sam3j.backend.cuda;

/**
 * Device memory held by a {@link CudaBackend} and the graphs it compiled, as allocated through it
 * (cuBLASLt's and the CUDA context's own memory not included).
 *
 * @param weightBytes     weights and constants converted to the backend's precision, kept across graphs
 * @param activationBytes activation arenas, graph inputs and outputs
 * @param workspaceBytes  cuBLASLt workspaces, convolution scratch, staging of inputs and outputs
 * @param peakBytes       the largest total held at any time since the backend was created
 */
public record CudaMemoryStats(long weightBytes, long activationBytes, long workspaceBytes, long peakBytes) {
    /** Bytes held now. */
    public long currentBytes() {
        return weightBytes + activationBytes + workspaceBytes;
    }

    @Override
    public String toString() {
        return String.format("device memory: %.1f MiB now (weights %.1f, activations %.1f, workspace %.1f), peak %.1f MiB",
                currentBytes() / 1048576.0, weightBytes / 1048576.0, activationBytes / 1048576.0,
                workspaceBytes / 1048576.0, peakBytes / 1048576.0);
    }
}
