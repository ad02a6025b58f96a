package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.backend.cpu.CpuBackend;

/** Backend selection with sam3-openblas on the class path (and no sam3-cuda). */
class BackendsTest {
    @Test
    void openBlasLoadsHereAndIsTheDefault() {
        assertTrue(OpenBlasBackend.isAvailable(), "OpenBLAS natives: " + OpenBlasBackend.unavailableReason());
        assertTrue(Backends.names().contains("openblas"), Backends.names().toString());
        assertTrue(Backends.names().contains("cpu"), Backends.names().toString());
        if (System.getProperty(Backends.PROPERTY) == null && System.getenv(Backends.ENV) == null) {
            assertEquals("openblas", Backends.defaultName());
        }
        assertEquals("openblas", Backends.best().name());
    }

    @Test
    void backendsByName() {
        try (Backend b = Backends.create("openblas", 2)) {
            assertEquals("openblas", b.name());
            assertEquals(2, ((CpuBackend) b).threads());
            assertEquals("openblas", ((CpuBackend) b).gemm().name());
        }
        try (Backend b = Backends.create("CPU", 1)) {
            assertEquals("cpu", b.name());
            assertEquals("java", ((CpuBackend) b).gemm().name());
        }
        try (Backend b = Backends.create("auto", 1)) {
            assertEquals("openblas", b.name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("tpu", 1));
        assertTrue(e.getMessage().contains("openblas") && e.getMessage().contains("cpu"), e.getMessage());
    }
}
