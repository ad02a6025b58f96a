package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuFusionTest;

/**
 * The CPU compile step's fusions on the OpenBLAS engine (GELU applied as each row of a product is copied back from
 * native memory): a ViT block gives the unfused run's values bit for bit, with Java workers and with OpenBLAS's own
 * threads.
 */
class OpenBlasFusionTest {
    @AfterAll
    static void resetThreads() {
        OpenBlas.setThreads(1);
    }

    @Test
    void fusedBlockEqualsUnfusedBitForBit() {
        for (OpenBlasGemm.Threading threading : OpenBlasGemm.Threading.values()) {
            var fused = CpuFusionTest.run(() -> OpenBlasBackend.create(2, threading), true);
            var plain = CpuFusionTest.run(() -> OpenBlasBackend.create(2, threading), false);
            assertTrue(fused.getValue().containsAll(List.of("LINEAR+GELU", "ADD+LAYER_NORM", "SLICE+ROPE", "CONV_TRANSPOSE2D+GELU")),
                    fused.getValue().toString());
            assertFalse(fused.getValue().contains("GELU"), fused.getValue().toString());
            assertTrue(plain.getValue().stream().noneMatch(s -> s.contains("+")), plain.getValue().toString());
            for (String name : List.of("norm", "x", "up")) {
                assertArrayEquals(plain.getKey().get(name).data(), fused.getKey().get(name).data(), threading + " " + name);
            }
        }
    }
}
