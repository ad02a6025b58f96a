package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The balancing core of {@link CudaPredictorPool}, with stand-in replicas (no GPU). */
class LeastLoadedPoolTest {
    @Test
    void requestsGoToTheShortestQueue() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LeastLoadedPool<String> pool = new LeastLoadedPool<>(List.of("gpu0", "gpu1", "gpu2"), "test")) {
            List<CompletableFuture<String>> blocked = new ArrayList<>();
            // three long requests: one per replica
            for (int i = 0; i < 3; i++) {
                blocked.add(pool.submit(r -> {
                    await(release);
                    return r;
                }));
            }
            assertArrayEquals(new int[] {1, 1, 1}, pool.queueLengths());
            for (CompletableFuture<String> f : blocked) assertTrue(!f.isDone(), "still running");
            // more requests spread evenly while all are busy
            List<CompletableFuture<String>> more = new ArrayList<>();
            for (int i = 0; i < 6; i++) more.add(pool.submit(r -> r));
            assertArrayEquals(new int[] {3, 3, 3}, pool.queueLengths());
            release.countDown();
            List<String> served = new ArrayList<>();
            for (CompletableFuture<String> f : blocked) served.add(f.get(10, TimeUnit.SECONDS));
            for (CompletableFuture<String> f : more) served.add(f.get(10, TimeUnit.SECONDS));
            for (String g : List.of("gpu0", "gpu1", "gpu2")) {
                assertEquals(3, served.stream().filter(g::equals).count(), g + " served");
            }
            assertArrayEquals(new int[] {0, 0, 0}, pool.queueLengths());
        }
    }

    @Test
    void aBusyReplicaIsAvoided() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LeastLoadedPool<Integer> pool = new LeastLoadedPool<>(List.of(0, 1), "test")) {
            CompletableFuture<Integer> slow = pool.submit(r -> {
                await(release);
                return r;
            });
            // while replica 0 is busy, every quick request goes to replica 1 once it is free again
            for (int i = 0; i < 5; i++) assertEquals(1, pool.submit(r -> r).get(10, TimeUnit.SECONDS));
            release.countDown();
            assertEquals(0, slow.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void failuresReachTheCallerAndFreeTheSlot() throws Exception {
        try (LeastLoadedPool<Integer> pool = new LeastLoadedPool<>(List.of(7), "test")) {
            CompletableFuture<Integer> f = pool.submit(r -> {
                throw new IllegalStateException("boom");
            });
            Exception e = assertThrows(Exception.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException);
            assertArrayEquals(new int[] {0}, pool.queueLengths());
        }
        assertThrows(IllegalArgumentException.class, () -> new LeastLoadedPool<>(List.of(), "test"));
    }

    private static void await(CountDownLatch l) {
        try {
            if (!l.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
