package org.sam3j.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of worker threads for data-parallel kernels. One instance per backend; the calling
 * thread takes part in the work, so {@code threads = 1} runs everything on the caller. A loop always
 * completes every chunk: interrupting the caller does not abandon running chunks, it only leaves the
 * thread's interrupt status set when the loop returns.
 *
 * <p>Several threads may run loops at once (execution contexts of one backend running in parallel): their
 * chunks queue on the same workers, each caller runs its first chunk itself and waits only for its own, so
 * every loop completes and no caller can starve another (chunk bodies never start nested loops). How a
 * loop is split depends only on {@code n}, the grain and {@link #threads()}, so results do not depend on
 * what else runs; the cores are shared.
 */
public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop over the half-open range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Body of a parallel loop that also receives the worker index ({@code 0..threads-1}) for scratch buffers. */
    @FunctionalInterface
    public interface WorkerRangeBody {
        void run(int worker, int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    /** @param threads number of threads including the caller (at least 1) */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        if (threads > 1) {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "sam3j-cpu-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            this.pool = Executors.newFixedThreadPool(threads - 1, tf);
        } else {
            this.pool = null;
        }
    }

    /** Number of threads, the caller included. */
    public int threads() {
        return threads;
    }

    /** Body of {@link #forTasks}: one worker's turn, taking task indices from {@code tasks} until it is empty. */
    @FunctionalInterface
    public interface WorkerTasksBody {
        void run(int worker, TaskQueue tasks);
    }

    /** Task indices {@code 0, 1, …} handed out one at a time to the workers of one {@link #forTasks} call. */
    public static final class TaskQueue {
        private final AtomicInteger next = new AtomicInteger();
        private final int tasks;

        private TaskQueue(int tasks) {
            this.tasks = tasks;
        }

        /** The next task index, or -1 once every task has been handed out. */
        public int next() {
            int t = next.getAndIncrement();
            return t < tasks ? t : -1;
        }
    }

    /**
     * Runs tasks {@code [0, tasks)} on at most {@code workers} workers of {@code par} (and no more than its threads
     * or the tasks), each taking the next task when it is done with one, so that a core slowed by other work takes
     * fewer. Per-worker set-up (scratch, staging buffers) goes in the body around its loop. With one worker, or a
     * null pool, the caller runs every task as worker 0.
     */
    public static void forTasks(Parallel par, int workers, int tasks, WorkerTasksBody body) {
        if (tasks <= 0) return;
        TaskQueue queue = new TaskQueue(tasks);
        int n = par == null ? 1 : Math.min(Math.min(workers, par.threads()), tasks);
        if (n <= 1) {
            body.run(0, queue);
        } else {
            par.forRange(n, 1, (w, from, to) -> body.run(w, queue));
        }
    }

    /** Splits {@code [0, n)} into at most {@link #threads()} contiguous chunks and runs them in parallel. */
    public void forRange(int n, RangeBody body) {
        forRange(n, 1, (w, a, b) -> body.run(a, b));
    }

    /**
     * Splits {@code [0, n)} into contiguous chunks of at least {@code grain} items (one per worker at
     * most) and runs them in parallel; the worker index is unique among the chunks of this loop (loops of
     * other callers running at the same time reuse the same indices: per-worker scratch belongs to the caller).
     */
    public void forRange(int n, int grain, WorkerRangeBody body) {
        if (n <= 0) return;
        int chunks = (int) Math.min(threads, Math.max(1, n / (long) Math.max(1, grain)));
        if (chunks <= 1 || pool == null) {
            body.run(0, 0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            final int w = c;
            final int from = (int) ((long) n * c / chunks);
            final int to = (int) ((long) n * (c + 1) / chunks);
            futures.add(pool.submit(() -> body.run(w, from, to)));
        }
        RuntimeException failure = null;
        try {
            body.run(0, 0, (int) ((long) n / chunks));
        } catch (RuntimeException e) {
            failure = e;
        }
        // Wait for every chunk even when interrupted: a chunk left running would go on writing into buffers
        // that the caller's next operation (or next run) reuses. The interrupt status is restored for the
        // caller to act on between operations.
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        Throwable c = e.getCause();
                        failure = c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
                    }
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
