package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A cuBLASLt plan frees what it made when it fails midway, and frees everything on close, through a
 * recording fake of the cuBLASLt calls. Host-side only: no GPU, no cuBLASLt (nothing here ran on a GPU).
 */
class LtGemmTest {
    private static final LtGemm.Shape BATCHED = new LtGemm.Shape(64, 32, 16, true, 4, 64 * 16, 32 * 16, 64 * 32);
    private static final long[] ALIGN = {16, 16, 16};

    private static LtGemm plan(LtApi api, long bias) {
        return new LtGemm(api, Precision.BF16, BATCHED, ALIGN, bias, 0xBEEF00, 1 << 20);
    }

    /** Newest first: what was created, reversed. */
    private static List<String> reversed(List<String> l) {
        List<String> r = new ArrayList<>(l);
        Collections.reverse(r);
        return r;
    }

    @Test
    void aPlanMakesAndKeepsItsHandlesAndFreesThemOnClose() {
        RecordingLtApi api = new RecordingLtApi();
        LtGemm g = plan(api, 0xB1A5);
        // descriptor, 3 layouts, preference, algorithm; the preference is gone once the algorithm is found
        assertEquals(6, api.creates());
        assertEquals(List.of("preference#" + 0x1040), api.destroyed);
        assertEquals(5, api.live.size(), "descriptor, 3 layouts, algorithm: " + api.live);
        g.run(1, 2, 3, 0);
        assertEquals(1, api.matmuls);
        g.close();
        assertTrue(api.live.isEmpty(), "alive after close: " + api.live);
        g.close(); // idempotent
        assertEquals(6, api.destroyed.size());
    }

    @Test
    void thirdCreateFailingDestroysTheTwoBefore() {
        RecordingLtApi api = new RecordingLtApi();
        api.failCreate = 3; // descriptor, layout A, then layout B fails
        CudaException e = assertThrows(CudaException.class, () -> plan(api, 0));
        assertTrue(e.getMessage().contains("layout create failed"), e.getMessage());
        assertEquals(2, api.created.size());
        assertEquals(reversed(api.created), api.destroyed, "destroyed newest first");
        assertTrue(api.live.isEmpty());
    }

    @Test
    void everyFailingCreateLeavesNothingAlive() {
        RecordingLtApi counting = new RecordingLtApi();
        plan(counting, 0x10).close();
        int total = counting.creates();
        assertEquals(6, total);
        for (int fail = 1; fail <= total; fail++) {
            RecordingLtApi api = new RecordingLtApi();
            api.failCreate = fail;
            assertThrows(CudaException.class, () -> plan(api, 0x10), "create " + fail);
            assertEquals(fail - 1, api.created.size());
            assertTrue(api.live.isEmpty(), "create " + fail + " failing leaks " + api.live);
            assertEquals(fail - 1, api.destroyed.size());
        }
    }

    @Test
    void everyFailingAttributeLeavesNothingAlive() {
        RecordingLtApi counting = new RecordingLtApi();
        plan(counting, 0x10).close();
        int total = counting.sets();
        assertTrue(total >= 12, "attribute calls: " + total); // 5 descriptor, 4 layout (batched), 5 preference
        for (int fail = 1; fail <= total; fail++) {
            RecordingLtApi api = new RecordingLtApi();
            api.failSet = fail;
            CudaException e = assertThrows(CudaException.class, () -> plan(api, 0x10), "attribute " + fail);
            assertEquals(7, e.code());
            assertTrue(api.live.isEmpty(), "attribute " + fail + " failing leaks " + api.live);
            assertEquals(reversed(api.created), api.destroyed, "attribute " + fail + ": destroyed newest first");
        }
    }

    @Test
    void failingReleasesAreSuppressedAndAllAttempted() {
        RecordingLtApi api = new RecordingLtApi();
        api.failCreate = 6; // no algorithm: descriptor, 3 layouts and the preference exist
        api.failDestroys = true;
        CudaException e = assertThrows(CudaException.class, () -> plan(api, 0));
        assertTrue(e.getMessage().contains("algorithm create failed"), e.getMessage());
        assertEquals(5, api.destroyed.size(), "every release attempted");
        assertEquals(5, e.getSuppressed().length, "each release failure kept");
        assertTrue(api.live.isEmpty());
    }

    @Test
    void closeAttemptsEveryReleaseAndThrowsTheFirst() {
        RecordingLtApi api = new RecordingLtApi();
        LtGemm g = plan(api, 0);
        api.failDestroys = true;
        CudaException e = assertThrows(CudaException.class, g::close);
        assertTrue(e.getMessage().contains("algorithm"), "newest first: " + e.getMessage());
        assertEquals(4, e.getSuppressed().length, "descriptor, 3 layouts and the algorithm: 5 releases");
        assertTrue(api.live.isEmpty());
        g.close(); // nothing left, nothing thrown
    }
}
