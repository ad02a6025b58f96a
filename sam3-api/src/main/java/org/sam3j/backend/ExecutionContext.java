package org.sam3j.backend;

import java.util.Map;

/**
 * The run state of one caller on one {@link CompiledGraph}: activation memory (the CPU backends' float
 * arena, a GPU backend's arena and stream), scratch buffers and the profile of the last run. The compiled
 * graph (weights bound, memory plan, schedule) is immutable and shared; every caller that runs it creates
 * its own context ({@link CompiledGraph#newContext}), so several contexts of one graph run in parallel.
 * This is TensorRT's engine / execution-context split.
 *
 * <p>Not thread-safe: one run at a time; a second concurrent run on the same context is refused with an
 * {@link IllegalStateException}. Bytes crossing the backend's boundary are recorded in the context's
 * {@link TransferCounter}. Closing frees the activation memory (not the graph, not resident outputs,
 * which their scopes own).
 */
public interface ExecutionContext extends AutoCloseable {
    /** The graph this context runs. */
    CompiledGraph graph();

    /** The counter this context records transfers in. */
    TransferCounter counter();

    /**
     * Runs the graph.
     *
     * @throws IllegalArgumentException if an input is missing, has the wrong length, or is resident in
     *                                  another backend (or freed); if an output to keep resident is not an
     *                                  output of the graph
     * @throws IllegalStateException    if the context is closed or already running
     * @throws RuntimeException         whatever the request's monitor throws, the run abandoned (no partial
     *                                  output; the context stays usable)
     */
    RunResult run(RunRequest request);

    /** Runs with host inputs only and downloads every output. */
    default Map<String, HostTensor> run(Map<String, float[]> inputs) {
        return run(RunRequest.of(inputs)).host();
    }

    /**
     * Wall time of this context's last run per operation kind ({@code LINEAR}, {@code ATTENTION}, ...), in
     * nanoseconds, largest first; empty before the first run or where the backend does not measure. A backend may add
     * the work it does once before a graph's first run under its own label (the CPU backend:
     * {@code PREPARE_WEIGHTS}, packing the weights).
     */
    default Map<String, Long> lastRunNanosByOp() {
        return Map.of();
    }

    /** Frees the context's activation memory; idempotent. */
    @Override
    void close();
}
