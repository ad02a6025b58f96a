package org.sam3j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Replicas each served by one worker thread; a task goes to the replica with the fewest tasks queued
 * or running (ties: the next in turn). Thread-safe. The GPU-free core of {@link CudaPredictorPool}.
 *
 * @param <R> the replica type
 */
final class LeastLoadedPool<R> implements AutoCloseable {
    private final List<R> replicas;
    private final int[] pending;
    private final ExecutorService[] workers;
    private int turn;

    LeastLoadedPool(List<R> replicas, String threadName) {
        if (replicas.isEmpty()) throw new IllegalArgumentException("no replicas");
        this.replicas = List.copyOf(replicas);
        this.pending = new int[replicas.size()];
        this.workers = new ExecutorService[replicas.size()];
        for (int i = 0; i < workers.length; i++) {
            String name = threadName + "-" + i;
            workers[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** Runs {@code task} on the least loaded replica's thread. */
    <T> CompletableFuture<T> submit(Function<R, T> task) {
        int i = acquire();
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return task.apply(replicas.get(i));
                } finally {
                    release(i);
                }
            }, workers[i]);
        } catch (RuntimeException e) { // rejected after close
            release(i);
            throw e;
        }
    }

    /** Picks the replica with the fewest pending tasks (ties: round robin) and counts the new task. */
    synchronized int acquire() {
        int n = pending.length;
        int best = -1;
        for (int k = 0; k < n; k++) {
            int i = (turn + k) % n;
            if (best < 0 || pending[i] < pending[best]) best = i;
        }
        pending[best]++;
        turn = (best + 1) % n;
        return best;
    }

    synchronized void release(int i) {
        pending[i]--;
    }

    /** Tasks queued or running per replica. */
    synchronized int[] queueLengths() {
        return pending.clone();
    }

    List<R> replicas() {
        return replicas;
    }

    /** Stops accepting tasks and waits up to a minute for running ones. */
    @Override
    public void close() {
        for (ExecutorService w : workers) w.shutdown();
        List<ExecutorService> left = new ArrayList<>(List.of(workers));
        try {
            for (ExecutorService w : left) w.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
