package org.sam3j.backend;

import org.sam3j.graph.Graph;
import org.sam3j.weights.WeightStore;

/**
 * Runs model graphs. A backend compiles a {@link Graph} once (binding and converting its weights,
 * planning its memory) and then runs it many times. Implementations: the pure-Java CPU backend here,
 * the OpenBLAS CPU backend in {@code sam3-openblas}, the CUDA backend in {@code sam3-cuda}, TensorRT in {@code sam3-tensorrt}.
 *
 * <p>Backends are thread-safe for compiling; a compiled graph runs one call at a time.
 */
public interface Backend extends AutoCloseable {
    /** Short name ({@code cpu}, {@code cuda}, ...). */
    String name();

    /**
     * What this backend runs with: its device, storage precision and CPU threads (resolved: never 0), the cache
     * directory and extras it was given. Reported by {@code sam3 info} and in {@code result.json}.
     */
    BackendOptions options();

    /**
     * Compiles a graph: checks every weight the graph needs against {@code weights} (all missing names
     * and shape mismatches are reported together) and plans memory.
     *
     * @throws org.sam3j.weights.WeightLoadingException if weights are missing or of the wrong shape
     */
    CompiledGraph compile(Graph graph, WeightStore weights);

    /** Releases worker threads and cached weights. */
    @Override
    void close();
}
