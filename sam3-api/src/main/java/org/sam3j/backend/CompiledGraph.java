package org.sam3j.backend;

import java.util.Map;

/** A graph compiled by a {@link Backend}, ready to run. Not thread-safe: one run at a time. */
public interface CompiledGraph extends AutoCloseable {
    /** The memory plan (planned peak activation memory, schedule). */
    MemoryPlan plan();

    /**
     * Runs the graph.
     *
     * @param inputs a float32 row-major array for every graph input, by name
     * @return every marked output, by name, in fresh arrays owned by the caller
     * @throws IllegalArgumentException if an input is missing or has the wrong length
     */
    Map<String, HostTensor> run(Map<String, float[]> inputs);

    /**
     * Runs the graph, reporting progress to {@code monitor}, which may stop the run by throwing (see
     * {@link RunMonitor}). The CPU backends report after every operation and stop before the next one.
     * This default, used by backends that run a graph as one asynchronous submission (CUDA), only reports
     * {@code 0} before and {@code 1} after {@link #run(Map)}: a run can then be stopped before it starts,
     * not in the middle.
     *
     * @throws IllegalArgumentException if an input is missing or has the wrong length
     * @throws RuntimeException         whatever {@code monitor} throws, the run abandoned
     */
    default Map<String, HostTensor> run(Map<String, float[]> inputs, RunMonitor monitor) {
        monitor.progress(0);
        Map<String, HostTensor> out = run(inputs);
        monitor.progress(1);
        return out;
    }

    /**
     * Wall time of the last run per operation kind ({@code LINEAR}, {@code ATTENTION}, ...), in
     * nanoseconds, largest first; empty before the first run or where the backend does not measure.
     */
    default Map<String, Long> lastRunNanosByOp() {
        return Map.of();
    }

    /** Frees the graph's activation memory. */
    @Override
    void close();
}
