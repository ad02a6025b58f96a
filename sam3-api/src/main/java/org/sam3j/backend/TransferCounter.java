package org.sam3j.backend;

import java.util.concurrent.atomic.AtomicLong;
import org.sam3j.TransferBytes;

/**
 * Counts the bytes crossing a backend's boundary for one caller (a predictor, a verify run): its
 * {@linkplain ExecutionContext execution contexts} and {@linkplain ResidentScope resident scopes} record
 * into it, and the caller reads {@link #total()} before and after a stage to attribute the bytes
 * ({@link TransferBytes#since}). Thread-safe; counts only grow.
 */
public final class TransferCounter {
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong downloaded = new AtomicLong();

    /** Records {@code bytes} moved from the host into the backend. */
    public void addUploaded(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative byte count " + bytes);
        uploaded.addAndGet(bytes);
    }

    /** Records {@code bytes} moved from the backend to the host. */
    public void addDownloaded(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative byte count " + bytes);
        downloaded.addAndGet(bytes);
    }

    /** Everything counted so far. */
    public TransferBytes total() {
        return new TransferBytes(uploaded.get(), downloaded.get());
    }

    @Override
    public String toString() {
        TransferBytes t = total();
        return "TransferCounter[" + t.uploaded() + " B up, " + t.downloaded() + " B down]";
    }
}
