package org.sam3j.backend;

import java.util.Map;

/**
 * A graph compiled by a {@link Backend}: its weights bound (and converted), its memory planned and its
 * operations scheduled. Immutable and shareable: it holds no run state. Runs happen in
 * {@linkplain ExecutionContext execution contexts}, one per caller ({@link #newContext}), each with its own
 * activation memory, so callers holding their own contexts run the same graph in parallel.
 */
public interface CompiledGraph extends AutoCloseable {
    /** The memory plan (planned peak activation memory, schedule). */
    MemoryPlan plan();

    /**
     * A new execution context for this graph (activation memory is allocated on its first run), recording
     * transfers in {@code counter}. The caller owns and closes it; contexts must be closed before the graph.
     */
    ExecutionContext newContext(TransferCounter counter);

    /** A new execution context with a counter of its own. */
    default ExecutionContext newContext() {
        return newContext(new TransferCounter());
    }

    /**
     * Runs the graph once in a context of its own (allocated and freed by this call), with host inputs, and
     * downloads every output: for tests, tools and one-off runs. Repeated runs should keep a context.
     *
     * @param inputs a float32 row-major array for every graph input, by name
     * @return every marked output, by name, in fresh arrays owned by the caller
     * @throws IllegalArgumentException if an input is missing or has the wrong length
     */
    default Map<String, HostTensor> run(Map<String, float[]> inputs) {
        return run(inputs, RunMonitor.NONE);
    }

    /**
     * As {@link #run(Map)}, reporting progress to {@code monitor}, which may stop the run by throwing (see
     * {@link RunMonitor}). The CPU backends report after every operation and stop before the next one;
     * backends that run a graph as one asynchronous submission (CUDA) report only {@code 0} before and
     * {@code 1} after: a run can then be stopped before it starts, not in the middle.
     *
     * @throws IllegalArgumentException if an input is missing or has the wrong length
     * @throws RuntimeException         whatever {@code monitor} throws, the run abandoned
     */
    default Map<String, HostTensor> run(Map<String, float[]> inputs, RunMonitor monitor) {
        try (ExecutionContext c = newContext()) {
            return c.run(RunRequest.of(inputs).withMonitor(monitor)).host();
        }
    }

    /** Frees what compiling bound to the graph (contexts are closed by their owners). */
    @Override
    void close();
}
