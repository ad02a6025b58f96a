package org.sam3j;

/**
 * Asks running calls to stop: pass it in {@link CallOptions}, then {@link #cancel()} from any thread
 * (or from the call's {@link ProgressListener}). A cancelled call throws
 * {@link java.util.concurrent.CancellationException} at its next check, which for an image encode on
 * the CPU backends is the end of the graph operation under way. Cancellation is permanent: use a new
 * token for the next call. Thread-safe.
 */
public final class CancellationToken {
    private volatile boolean cancelled;

    /** A token that is not cancelled. */
    public CancellationToken() {}

    /** Cancels every call that uses this token, now and later. Idempotent. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelled;
    }

    /** {@code CancellationToken[cancelled]} or {@code CancellationToken[active]}. */
    @Override
    public String toString() {
        return "CancellationToken[" + (cancelled ? "cancelled" : "active") + "]";
    }
}
