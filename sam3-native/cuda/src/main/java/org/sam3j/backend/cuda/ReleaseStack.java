package org.sam3j.backend.cuda;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Native resources (device buffers, streams, events, cuBLASLt descriptors, CUDA graphs) released in
 * reverse order of creation. Every release is attempted even when an earlier one failed, e.g. after a
 * device fault, when every CUDA call returns the same sticky error: the first failure is thrown with the
 * later ones suppressed. Closing twice does nothing.
 *
 * <p>Owners register a resource right after creating it, so that a constructor that fails midway
 * releases exactly what it made ({@link #releaseAfter}). Not thread-safe: owned by one object, which
 * serialises its own close.
 */
final class ReleaseStack implements AutoCloseable {
    /** Releases one resource; may throw (a CUDA error). */
    @FunctionalInterface
    interface Release {
        void release() throws Exception;
    }

    private record Entry(String what, Release release) {}

    private final Deque<Entry> entries = new ArrayDeque<>();
    private boolean closed;

    /**
     * Registers a resource created just now. When the stack is already closed the resource is released
     * at once and {@link IllegalStateException} thrown: nothing can leak into a closed owner.
     */
    void push(String what, Release release) {
        if (closed) {
            IllegalStateException e = new IllegalStateException("already closed: cannot hold " + what);
            try {
                release.release();
            } catch (Exception r) {
                e.addSuppressed(r);
            }
            throw e;
        }
        entries.push(new Entry(what, release));
    }

    /** Releases the most recently registered resource now (a temporary one); throws its failure. */
    void releaseLast() {
        Entry e = entries.pop();
        RuntimeException failure = attempt(e, null);
        if (failure != null) throw failure;
    }

    /** Resources held. */
    int size() {
        return entries.size();
    }

    /** Whether {@link #close()} ran. */
    boolean isClosed() {
        return closed;
    }

    /**
     * Releases everything, newest first; throws the first failure with the others suppressed. Later
     * calls do nothing.
     */
    @Override
    public void close() {
        RuntimeException first = releaseAll(null);
        if (first != null) throw first;
    }

    /**
     * For a constructor that failed with {@code failure}: releases everything, adds each release
     * failure to {@code failure} as suppressed, and returns {@code failure} for the caller to throw.
     */
    <T extends Throwable> T releaseAfter(T failure) {
        releaseAll(failure);
        return failure;
    }

    /** Releases all; failures go to {@code into} (suppressed) or, without it, the first one is returned. */
    private RuntimeException releaseAll(Throwable into) {
        if (closed) return null;
        closed = true;
        RuntimeException first = null;
        while (!entries.isEmpty()) {
            RuntimeException f = attempt(entries.pop(), into);
            if (f == null) continue;
            if (first == null) {
                first = f;
            } else {
                first.addSuppressed(f);
            }
        }
        return first;
    }

    /** Runs one release; a failure is added to {@code into}, or returned when {@code into} is null. */
    private static RuntimeException attempt(Entry e, Throwable into) {
        try {
            e.release().release();
            return null;
        } catch (Exception x) {
            RuntimeException r = x instanceof RuntimeException re ? re
                    : new IllegalStateException("releasing " + e.what() + " failed: " + x.getMessage(), x);
            if (into != null) {
                into.addSuppressed(r);
                return null;
            }
            return r;
        }
    }
}
