package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CUDA Graph state machine of a compiled graph with recorded captures, launches and destroys:
 * a failed replay is discarded (destroyed, never launched again), the next run is eager and the one
 * after re-captures. Host-side only; nothing here ran on a GPU.
 */
class CudaGraphReplayTest {
    private final List<String> log = new ArrayList<>();
    private int graphs;
    /** The next launch of each captured graph fails while this is set. */
    private boolean launchFails;
    private boolean captureFails;

    private final class FakeGraph implements CudaGraphReplay.Executable {
        final int id = ++graphs;
        boolean destroyed;

        @Override
        public void launch() {
            if (destroyed) throw new AssertionError("launch of destroyed graph " + id);
            log.add("launch " + id);
            if (launchFails) throw new CudaException("cudaGraphLaunch failed: unspecified launch failure (719)", 719);
        }

        @Override
        public void destroy() {
            if (destroyed) throw new AssertionError("graph " + id + " destroyed twice");
            destroyed = true;
            log.add("destroy " + id);
        }
    }

    private CudaGraphReplay.Executable capture() {
        if (captureFails) {
            log.add("capture failed");
            throw new CudaException("cudaStreamEndCapture failed: operation not permitted when stream is capturing (900)",
                    900);
        }
        FakeGraph g = new FakeGraph();
        log.add("capture " + g.id);
        return g;
    }

    private void run(CudaGraphReplay r) {
        r.run(() -> log.add("eager"), this::capture);
    }

    @Test
    void warmUpThenCaptureThenReplay() {
        CudaGraphReplay r = new CudaGraphReplay(true, 2);
        run(r);
        run(r);
        run(r);
        assertEquals(List.of("eager", "capture 1", "launch 1", "launch 1"), log);
        assertTrue(r.replaying());
        r.close();
        assertEquals("destroy 1", log.get(log.size() - 1));
        assertFalse(r.replaying());
        r.close(); // idempotent
    }

    @Test
    void aFailedLaunchIsDiscardedNotReplayed() {
        CudaGraphReplay r = new CudaGraphReplay(true, 3);
        run(r);
        run(r); // capture 1, launch 1
        launchFails = true;
        CudaException e = assertThrows(CudaException.class, () -> run(r));
        assertEquals(719, e.code());
        assertEquals(List.of("eager", "capture 1", "launch 1", "launch 1", "destroy 1"), log);
        assertFalse(r.replaying());
        assertEquals(1, r.discards());
        launchFails = false;
        log.clear();
        run(r); // eager, not a replay of the discarded graph
        run(r); // re-capture
        run(r);
        assertEquals(List.of("eager", "capture 2", "launch 2", "launch 2"), log);
        assertNull(r.disabledReason());
        assertEquals(2, r.captures());
    }

    @Test
    void aRunThatFaultsAfterTheReplayDiscardsTheGraph() {
        CudaGraphReplay r = new CudaGraphReplay(true, 3);
        run(r);
        run(r);
        run(r);
        // the synchronisation after the replay reports a fault
        CudaException fault = new CudaException("running the graph failed: an illegal memory access (700)", 700);
        r.runFailed(fault);
        assertEquals("destroy 1", log.get(log.size() - 1));
        assertFalse(r.replaying());
        assertEquals(CudaGraphReplay.Action.EAGER, r.next());
    }

    @Test
    void aFailureBeforeTheLaunchKeepsTheGraph() {
        CudaGraphReplay r = new CudaGraphReplay(true, 2);
        run(r);
        r.runSucceeded();
        run(r);
        r.runSucceeded();
        // the next run fails in its input upload, before its steps
        r.runFailed(new CudaException("upload of input x failed (1)", 1));
        assertTrue(r.replaying(), "a good graph is not discarded for an upload error");
        assertEquals(0, r.discards());
        run(r);
        assertEquals(List.of("eager", "capture 1", "launch 1", "launch 1"), log);
    }

    @Test
    void aFailedEagerRunKeepsNoGraphAndDestroysNothing() {
        CudaGraphReplay r = new CudaGraphReplay(true, 2);
        run(r);
        r.runFailed(new CudaException("x", 1));
        assertEquals(List.of("eager"), log);
        assertEquals(CudaGraphReplay.Action.CAPTURE, r.next());
    }

    @Test
    void repeatedDiscardsTurnCudaGraphsOff() {
        CudaGraphReplay r = new CudaGraphReplay(true, 2);
        launchFails = true;
        run(r);
        assertThrows(CudaException.class, () -> run(r)); // capture 1, launch fails
        run(r);
        assertThrows(CudaException.class, () -> run(r)); // capture 2, launch fails: second discard
        assertNotNull(r.disabledReason());
        assertTrue(r.disabledReason().contains("discarded 2"), r.disabledReason());
        log.clear();
        launchFails = false;
        run(r);
        run(r);
        assertEquals(List.of("eager", "eager"), log, "eager from now on");
    }

    @Test
    void aFailedCaptureRunsEagerlyAndDisables() {
        CudaGraphReplay r = new CudaGraphReplay(true, 2);
        captureFails = true;
        run(r);
        run(r);
        run(r);
        assertEquals(List.of("eager", "capture failed", "eager", "eager"), log);
        assertTrue(r.disabledReason().startsWith("capture failed: cudaStreamEndCapture"), r.disabledReason());
    }

    @Test
    void disabledMeansAlwaysEager() {
        CudaGraphReplay r = new CudaGraphReplay(false, 2);
        for (int i = 0; i < 3; i++) run(r);
        assertEquals(List.of("eager", "eager", "eager"), log);
    }

    @Test
    void aDestroyFailureIsKeptBesideTheLaunchFailure() {
        CudaGraphReplay r = new CudaGraphReplay(true, 2);
        CudaException destroyFailure = new CudaException("cudaGraphExecDestroy failed (700)", 700);
        run(r);
        r.run(() -> log.add("eager"), () -> new CudaGraphReplay.Executable() {
            int launches;

            @Override
            public void launch() {
                if (++launches == 2) throw new CudaException("cudaGraphLaunch failed (719)", 719);
            }

            @Override
            public void destroy() {
                throw destroyFailure;
            }
        });
        CudaException e = assertThrows(CudaException.class, () -> run(r));
        assertEquals(719, e.code());
        assertSame(destroyFailure, e.getSuppressed()[0]);
        assertFalse(r.replaying());
    }
}
