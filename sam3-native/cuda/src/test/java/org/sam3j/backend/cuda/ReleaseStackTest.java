package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The release logic of compiled graphs, cuBLASLt plans and the backend: newest first, every release
 * attempted after failures, the first failure thrown with the rest suppressed, idempotent. Host-side
 * (the releases are recorded, no GPU; nothing here ran on a GPU).
 */
class ReleaseStackTest {
    private final List<String> released = new ArrayList<>();

    private ReleaseStack.Release ok(String what) {
        return () -> released.add(what);
    }

    private ReleaseStack.Release failing(String what) {
        return () -> {
            released.add(what);
            throw new CudaException(what + " failed: an illegal memory access was encountered (700)", 700);
        };
    }

    @Test
    void releasesNewestFirstOnce() {
        ReleaseStack s = new ReleaseStack();
        s.push("stream", ok("stream"));
        s.push("arena", ok("arena"));
        s.push("plan", ok("plan"));
        assertEquals(3, s.size());
        s.close();
        assertEquals(List.of("plan", "arena", "stream"), released);
        s.close();
        assertEquals(3, released.size(), "idempotent");
        assertTrue(s.isClosed());
    }

    @Test
    void afterADeviceFaultEveryReleaseIsAttempted() {
        // a sticky error: every CUDA call fails; the stream, arena, weights, plan, graph exec, event
        ReleaseStack s = new ReleaseStack();
        for (String w : new String[] {"stream", "arena", "weights", "plan", "graph exec", "event"}) s.push(w, failing(w));
        CudaException e = assertThrows(CudaException.class, s::close);
        assertEquals(List.of("event", "graph exec", "plan", "weights", "arena", "stream"), released);
        assertTrue(e.getMessage().startsWith("event failed"), "the first failure is thrown: " + e.getMessage());
        assertEquals(5, e.getSuppressed().length, "the others are suppressed");
        assertEquals(700, e.code());
        s.close(); // nothing more
        assertEquals(6, released.size());
    }

    @Test
    void aFailureInTheMiddleDoesNotStopTheRest() {
        ReleaseStack s = new ReleaseStack();
        s.push("a", ok("a"));
        s.push("b", failing("b"));
        s.push("c", ok("c"));
        assertThrows(CudaException.class, s::close);
        assertEquals(List.of("c", "b", "a"), released);
    }

    @Test
    void checkedFailuresAreWrappedWithWhatWasReleased() {
        ReleaseStack s = new ReleaseStack();
        s.push("pinned staging", () -> {
            throw new Exception("boom");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, s::close);
        assertTrue(e.getMessage().contains("pinned staging"), e.getMessage());
    }

    @Test
    void releaseAfterAConstructorFailureKeepsTheOriginalError() {
        ReleaseStack s = new ReleaseStack();
        s.push("a", ok("a"));
        s.push("b", failing("b"));
        RuntimeException original = new CudaException("cudaMalloc failed: out of memory (2)", 2);
        assertSame(original, s.releaseAfter(original));
        assertEquals(List.of("b", "a"), released);
        assertEquals(1, original.getSuppressed().length);
        assertTrue(s.isClosed());
    }

    @Test
    void pushingIntoAClosedStackReleasesAtOnce() {
        ReleaseStack s = new ReleaseStack();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.push("late buffer", ok("late buffer")));
        assertEquals(List.of("late buffer"), released, "nothing leaks into a closed owner");
    }

    @Test
    void releaseLastReleasesOnlyTheNewest() {
        ReleaseStack s = new ReleaseStack();
        s.push("a", ok("a"));
        s.push("tmp", ok("tmp"));
        s.releaseLast();
        assertEquals(List.of("tmp"), released);
        s.close();
        assertEquals(List.of("tmp", "a"), released);
    }
}
