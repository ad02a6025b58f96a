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
