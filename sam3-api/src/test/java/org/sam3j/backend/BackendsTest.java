package org.sam3j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;

/** Backend selection without sam3-native: the pure-Java backend, names, and the fallback when a backend cannot run. */
class BackendsTest {
    /** A provider whose natives "did not load". */
    private static final class Broken implements BackendProvider {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public String description() {
            return "never runs";
        }

        @Override
        public int priority() {
            return 10;
        }

        @Override
        public boolean isAvailable() {
            return false;
        }

        @Override
        public String unavailableReason() {
            return "libbroken.so did not load";
        }

        @Override
        public Backend create(int threads) {
            throw new AssertionError("not available");
        }
    }

    @Test
    void pureJavaBackendIsAlwaysThere() {
        assertTrue(Backends.names().contains("cpu"), Backends.names().toString());
        try (Backend b = Backends.create("cpu", 2)) {
            assertEquals("cpu", b.name());
            assertEquals(2, ((CpuBackend) b).threads());
        }
        if (System.getProperty(Backends.PROPERTY) == null && System.getenv(Backends.ENV) == null
                && Backends.names().equals(List.of("cpu"))) {
            assertEquals("cpu", Backends.defaultName());
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("tpu", 1));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'") && e.getMessage().contains("cpu"), e.getMessage());
    }

    @Test
    void anUnavailableBackendFallsBackToPureJavaOrSaysWhy() {
        List<BackendProvider> candidates = List.of(new Broken(), Backends.provider("cpu"));
        assertEquals("cpu", Backends.best(candidates).name());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create(new Broken(), 1));
        assertTrue(e.getMessage().contains("libbroken.so did not load") && e.getMessage().contains("'cpu' runs everywhere"),
                e.getMessage());
    }
}
