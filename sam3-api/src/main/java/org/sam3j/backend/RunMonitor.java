package org.sam3j.backend;

/**
 * Observes a {@link CompiledGraph#run(java.util.Map, RunMonitor) run} and may stop it. The backend calls
 * {@link #progress(double)} on the running thread with the fraction of the graph's work done (by
 * {@link org.sam3j.graph.OpCost#work}): {@code 0} before the first operation, after operations as the
 * backend can tell (the CPU backends: after every operation), and {@code 1} after the last. Fractions
 * never decrease.
 *
 * <p>To stop a run, throw from {@code progress} (a {@link java.util.concurrent.CancellationException}
 * for cancellation): the backend runs no further operation, propagates the exception and leaves no
 * partial output behind; the compiled graph stays usable and its next run starts afresh. Calls are made
 * between operations, so they should return quickly; there is no per-element overhead.
 */
@FunctionalInterface
public interface RunMonitor {
    /** A monitor that does nothing. */
    RunMonitor NONE = fraction -> { };

    /**
     * The fraction of the run's work done so far.
     *
     * @param fraction in {@code [0, 1]}
     */
    void progress(double fraction);
}
