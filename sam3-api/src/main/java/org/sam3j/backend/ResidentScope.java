package org.sam3j.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Owns {@link ResidentTensor}s of one backend and frees them together when closed, e.g. the image
 * embedding of a predictor (freed when the next image replaces it) or the outputs of one prompt. Downloads
 * from its tensors and uploads through it are recorded in its {@link TransferCounter}.
 *
 * <p>Thread-safe. Closing is idempotent; tensors created or uploaded after closing are refused.
 */
public final class ResidentScope implements AutoCloseable {
    private final Backend backend;
    private final TransferCounter counter;
    private final List<ResidentTensor> owned = new ArrayList<>();
    private boolean closed;

    /**
     * A scope on {@code backend} counting into {@code counter}.
     *
     * @param backend whose memory the tensors live in
     * @param counter records the bytes its tensors move
     */
    public ResidentScope(Backend backend, TransferCounter counter) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.counter = Objects.requireNonNull(counter, "counter");
    }

    /** A scope with a counter of its own. */
    public ResidentScope(Backend backend) {
        this(backend, new TransferCounter());
    }

    /** The backend holding the tensors. */
    public Backend backend() {
        return backend;
    }

    /** The counter downloads and uploads are recorded in. */
    public TransferCounter counter() {
        return counter;
    }

    /** Copies a host tensor into the backend ({@link Backend#upload}); counted as uploaded bytes. */
    public ResidentTensor upload(HostTensor t) {
        Objects.requireNonNull(t, "tensor");
        checkOpen();
        ResidentTensor r = backend.upload(this, t);
        counter.addUploaded(4L * t.numel());
        return r;
    }

    /**
     * Registers a tensor the backend created in this scope (for backend implementations).
     *
     * @throws IllegalStateException if the scope is closed (the tensor is then freed)
     */
    public synchronized <T extends ResidentTensor> T adopt(T t) {
        if (closed) {
            t.close();
            throw new IllegalStateException("resident scope is closed");
        }
        owned.add(t);
        return t;
    }

    /** Bytes held by the tensors not yet freed. */
    public synchronized long bytes() {
        long n = 0;
        for (ResidentTensor t : owned) if (!t.isClosed()) n += t.bytes();
        return n;
    }

    /** Whether the scope was closed. */
    public synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException("resident scope is closed");
    }

    /** Frees every tensor of the scope. */
    @Override
    public void close() {
        List<ResidentTensor> toFree;
        synchronized (this) {
            if (closed) return;
            closed = true;
            toFree = new ArrayList<>(owned);
            owned.clear();
        }
        for (ResidentTensor t : toFree) t.close();
    }

    @Override
    public String toString() {
        return "ResidentScope[" + backend.name() + ", " + bytes() + " bytes" + (isClosed() ? ", closed" : "") + "]";
    }
}
