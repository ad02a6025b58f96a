package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sam3j.testing.SharedData;

/**
 * {@code sam3 verify --backend}: every CPU backend (and ONNX Runtime, from sam3-onnx) passes, an unknown name is a
 * one-line error.
 */
class VerifyBackendTest {
    private static String tiny() {
        return SharedData.resolve("fixtures/sam3/tiny").toString();
    }

    @Test
    void cpuBackendsPass() {
        for (String name : new String[] {"openblas", "cpu", "onnxruntime"}) {
            CliRun r = CliRun.of("verify", "--fixtures", tiny(), "--only", "input,backbone.vision_pos_enc", "--backend", name);
            assertEquals(0, r.status(), r.out() + r.err());
            assertTrue(r.out().contains("backend " + name), r.out());
            assertTrue(r.out().matches("(?s).*verify: [1-9]\\d* passed, 0 failed, 0 skipped.*"), r.out());
        }
    }

    @Test
    void unknownBackendIsAClearError() {
        CliRun r = CliRun.of("verify", "--fixtures", tiny(), "--backend", "tpu");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("unknown backend 'tpu'"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
