package org.sam3j.backend;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sam3j.TransferBytes;

/**
 * The run state of one caller (a predictor, a verify run) across graphs: one {@link ExecutionContext} per
 * compiled graph it runs, created on first use and kept, all recording into one {@link TransferCounter}
 * that the caller reads per stage. Scopes made with {@link #newScope} count into it too (the caller owns
 * and closes them).
 *
 * <p>Thread-safe for lookups; each context still runs one call at a time, so a session serves one caller.
 * {@link #close()} frees every context (not the graphs, not the scopes).
 */
public final class RunSession implements AutoCloseable {
    private final TransferCounter counter = new TransferCounter();
    private final Map<CompiledGraph, ExecutionContext> contexts = new IdentityHashMap<>();
    private boolean closed;

    /** The context of {@code graph} in this session, created on first use. */
    public synchronized ExecutionContext context(CompiledGraph graph) {
        Objects.requireNonNull(graph, "graph");
        if (closed) throw new IllegalStateException("run session is closed");
        return contexts.computeIfAbsent(graph, g -> g.newContext(counter));
    }

    /**
     * Frees the context of {@code graph}, if any (the next run creates a new one): for graphs that run
     * rarely and need much activation memory, such as the image encoder.
     */
    public void release(CompiledGraph graph) {
        ExecutionContext c;
        synchronized (this) {
            c = contexts.remove(graph);
        }
        if (c != null) c.close();
    }

    /** A new resident scope on {@code backend} counting into this session (owned by the caller). */
    public ResidentScope newScope(Backend backend) {
        return new ResidentScope(backend, counter);
    }

    /** The session's transfer counter. */
    public TransferCounter counter() {
        return counter;
    }

    /** Bytes moved so far by the session's contexts and scopes. */
    public TransferBytes transferred() {
        return counter.total();
    }

    /** Number of contexts created so far (one per graph run). */
    public synchronized int contextCount() {
        return contexts.size();
    }

    /** Frees every context; idempotent. */
    @Override
    public void close() {
        List<ExecutionContext> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = new ArrayList<>(contexts.values());
            contexts.clear();
        }
        for (ExecutionContext c : all) c.close();
    }
}
