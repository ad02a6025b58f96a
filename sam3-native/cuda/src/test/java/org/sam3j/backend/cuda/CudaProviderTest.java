package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sam3j.backend.Backend;
import org.sam3j.backend.BackendStatus;
import org.sam3j.backend.Backends;

/** sam3-cuda on the class path makes the {@code cuda} backend known to {@link Backends}, runnable or not. */
class CudaProviderTest {
    @Test
    void registeredAheadOfTheCpuBackendsWithItsStatus() {
        assertEquals("cuda", Backends.names().get(0), Backends.names().toString());
        BackendStatus s = Backends.statuses().get(0);
        assertEquals(CudaRuntime.available(), s.available());
        assertEquals(CudaRuntime.unavailableReason(), s.unavailableReason());
        assertTrue(s.priority() > Backends.provider("cpu").priority());
    }

    @Test
    void chosenWhenAGpuIsUsableElseSaysWhyNot() {
        if (CudaRuntime.available()) {
            assertEquals("cuda", Backends.best().name());
            try (Backend b = Backends.create("cuda", 1)) {
                assertEquals("cuda", b.name());
                assertEquals(Precision.FP32, ((CudaBackend) b).precision());
            }
        } else {
            assertEquals("cpu", Backends.best().name()); // no sam3-openblas on this module's class path
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("cuda", 1));
            assertTrue(e.getMessage().contains(CudaRuntime.unavailableReason()), e.getMessage());
        }
    }
}
