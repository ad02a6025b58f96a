package org.sam3j.backend;

import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.graph.Graph;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.weights.WeightStore;

/**
 * Runs model graphs. A backend compiles a {@link Graph} once (binding and converting its weights,
 * planning its memory) and then runs it many times. Implementations: the pure-Java CPU backend here,
 * the OpenBLAS CPU backend in {@code sam3-openblas}, the CUDA backend in {@code sam3-cuda}, TensorRT in {@code sam3-tensorrt}.
 *
 * <p>Backends are thread-safe: graphs compile concurrently, and a {@link CompiledGraph} is immutable and
 * shared, each caller running it in an {@link ExecutionContext} of its own (contexts run in parallel; one
 * context runs one call at a time). Values can stay in the backend between runs as
 * {@link ResidentTensor}s owned by a {@link ResidentScope}.
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

    /**
     * The precision model graphs are built in for this backend (default: its options' precision). A backend
     * that converts precision inside its own kernels returns FP32 and receives FP32 graphs.
     */
    default Precision graphPrecision() {
        return options().precision();
    }

    /**
     * Compiles a model graph built in FP32 at {@link #graphPrecision()}: rewritten by {@link PrecisionPolicy}
     * (explicit casts, products in FP16/BF16, the rest FP32), then {@link #compile}d. Inputs and outputs stay FP32.
     */
    default CompiledGraph compileModel(Graph fp32Graph, WeightStore weights) {
        return compile(PrecisionPolicy.apply(fp32Graph, graphPrecision()), weights);
    }

    /**
     * Copies a host tensor into this backend's memory as a tensor of {@code scope} (use
     * {@link ResidentScope#upload}, which counts the bytes). The default keeps a copy on the JVM heap
     * ({@link HeapResidentTensor}), the resident form of host-memory backends.
     */
    default ResidentTensor upload(ResidentScope scope, HostTensor t) {
        if (scope.backend() != this) throw new IllegalArgumentException("scope belongs to backend " + scope.backend().name());
        return HeapResidentTensor.adopt(scope, t.shape(), t.data().clone());
    }

    /**
     * Whether model code should give this backend graphs of one fixed shape where a shape would otherwise vary from
     * call to call (default {@code false}). True for backends whose compiled graphs are costly to build and keep (an
     * ONNX Runtime session, a TensorRT engine): the video tracker then pads its memory to fixed slots with a validity
     * mask ({@code MemoryAttention.paddedGraph}), so one compiled graph serves every memory
     * layout. Backends that compile cheaply keep the exact shapes, which do less work.
     */
    default boolean prefersFixedShapes() {
        return false;
    }

    /** Releases worker threads and cached weights. */
    @Override
    void close();
}
