package org.sam3j.io;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Brings a file into the operating system's page cache in one sequential pass on a background thread, so that a
 * model's memory-mapped weights come from the disk at its sequential speed while the model starts, instead of one
 * page fault at a time when each layer first runs.
 *
 * <p>The file is copied to {@code /dev/null} by the kernel ({@link FileChannel#transferTo}, {@code sendfile} on
 * Linux): no byte passes through this process and nothing is mapped into its memory; the pages stay in the page cache
 * (reclaimable), where the model's mappings find them. A file that is cached already costs about 20 ms of CPU per
 * GiB. Where there is no {@code /dev/null}, nothing is read ahead. Advisory: an error ends the pass quietly (logged at
 * debug level); the model's own reads report their errors as before.
 */
public final class Readahead implements AutoCloseable {
    private static final Logger LOG = Log.get(Readahead.class);
    /** Bytes handed to the kernel at a time (between two looks at {@link #close()}'s request). */
    static final long CHUNK = 16L << 20;
    private static final Path DEV_NULL = Path.of("/dev/null");

    /** Called after each chunk with the bytes read so far (tests pace the pass with it). */
    @FunctionalInterface
    interface Progress {
        void chunkDone(long bytes) throws InterruptedException;
    }

    private final Path file;
    private final FileChannel in;
    private final FileChannel sink;
    private final Progress progress;
    private final Thread thread;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong read = new AtomicLong();
    private volatile boolean stopped;

    private Readahead(Path file, FileChannel in, FileChannel sink, Progress progress) {
        this.file = file;
        this.in = in;
        this.sink = sink;
        this.progress = progress;
        this.thread = new Thread(this::run, "sam3j-readahead");
        thread.setDaemon(true); // never keeps a JVM alive; close() stops it with the model
    }

    /**
     * Starts reading {@code file} into the page cache.
     *
     * @throws IOException if the file (or {@code /dev/null}) cannot be opened
     */
    public static Readahead start(Path file) throws IOException {
        return start(file, bytes -> { });
    }

    static Readahead start(Path file, Progress progress) throws IOException {
        FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        FileChannel sink;
        try {
            sink = FileChannel.open(DEV_NULL, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        Readahead r = new Readahead(file, in, sink, progress);
        r.thread.start();
        return r;
    }

    private void run() {
        long t0 = System.nanoTime();
        try (FileChannel src = in; FileChannel dst = sink) {
            long size = src.size();
            for (long pos = 0; pos < size && !stopped; ) {
                long n = src.transferTo(pos, Math.min(CHUNK, size - pos), dst);
                if (n <= 0) break; // the file shrank
                pos += n;
                progress.chunkDone(read.addAndGet(n));
            }
            LOG.debug("readahead of {}: {} MiB in {} ms{}", file, read.get() >> 20,
                    (System.nanoTime() - t0) / 1_000_000, stopped ? " (stopped)" : "");
        } catch (ClosedChannelException | InterruptedException e) { // close()'s interrupt
            LOG.debug("readahead of {} stopped after {} MiB", file, read.get() >> 20);
        } catch (IOException | RuntimeException e) {
            LOG.debug("readahead of {} ended: {}", file, e.toString());
        } finally {
            done.countDown();
        }
    }

    /** Bytes passed through the page cache so far. */
    public long bytesRead() {
        return read.get();
    }

    /** Waits for the pass to end; true if it did within the time. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    /** Stops the pass (a transfer in progress is interrupted) and waits for its thread; idempotent. */
    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
