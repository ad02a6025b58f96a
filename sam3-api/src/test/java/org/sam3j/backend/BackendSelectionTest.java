package org.sam3j.backend;

import org.sam3j.BackendOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.sam3j.Precision;
import org.sam3j.backend.cpu.CpuBackend;

/** Backend names with a device ({@code cuda:1}), and options checked against the provider before creating anything. */
class BackendSelectionTest {
    private static BackendOptions precision(Precision p) {
        return BackendOptions.builder().precision(p).build();
    }

    @Test
    void namesMayCarryADevice() {
        assertEquals(new Backends.Spec("cuda", OptionalInt.of(1)), Backends.parse("cuda:1"));
        assertEquals(new Backends.Spec("cuda", OptionalInt.empty()), Backends.parse(" CUDA "));
        assertEquals(new Backends.Spec("openblas", OptionalInt.of(0)), Backends.parse("openblas:0"));
        assertEquals("cuda:1", Backends.parse("cuda:1").toString());
    }

    @Test
    void aMalformedNameIsOneClearError() {
        for (String bad : new String[] {"", "cuda:", "cuda:x", ":1", "cu da", "cuda:-1", "cuda:1:2", "auto:0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("bad backend '" + bad + "'"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.select("cuda:x", BackendOptions.defaults()));
        assertTrue(e.getMessage().contains("expected NAME or NAME:DEVICE"), e.getMessage());
    }

    @Test
    void cpuEmulatesReducedPrecisionsAndRefusesOtherDevices() {
        for (Precision p : EnumSet.of(Precision.FP16, Precision.BF16)) {
            try (Backend b = Backends.create("cpu", precision(p))) {
                assertEquals(p, b.options().precision());
                assertEquals(p, b.graphPrecision(), "the model builds its graphs in that precision");
            }
        }
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> Backends.select("cpu:1", BackendOptions.defaults()));
        assertEquals("backend 'cpu' has no device 1 (one device, 0)", d.getMessage());
    }

    @Test
    void aProviderRefusesAPrecisionItDoesNotList() {
        BackendProvider fp32Only = new BackendProvider() {
            @Override public String name() { return "plain"; }
            @Override public String description() { return "test"; }
            @Override public int priority() { return -1; }
            @Override public boolean isAvailable() { return true; }
            @Override public String unavailableReason() { return null; }
            @Override public Backend create(BackendOptions options) { throw new AssertionError(); }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fp32Only.check(precision(Precision.BF16)));
        assertEquals("backend 'plain' runs fp32 only, not bf16", e.getMessage());
    }

    @Test
    void theBestBackendRefusingAPrecisionSaysItWasChosenAutomatically() {
        Backends.Selection best = Backends.select("auto", BackendOptions.defaults());
        assertTrue(best.automatic());
        if (!best.provider().precisions().contains(Precision.BF16)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.select("auto", precision(Precision.BF16)));
            assertTrue(e.getMessage().contains("runs fp32 only, not bf16") && e.getMessage().contains("best backend available"),
                    e.getMessage());
        }
    }

    @Test
    void extrasOfTheProviderAreCheckedThoseOfOthersIgnored() {
        BackendOptions forCuda = BackendOptions.builder().threads(1).extra("cuda.profile", "true").build();
        try (Backend b = Backends.create("cpu", forCuda)) {
            assertEquals("cpu", b.name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.select("cpu", BackendOptions.builder().extra("cpu.fast", "yes").build()));
        assertEquals("unknown option 'cpu.fast' for backend 'cpu' (it takes none)", e.getMessage());
    }

    @Test
    void aCreatedBackendReportsTheOptionsItRunsWith() {
        Backends.Selection s = Backends.select("cpu:0", BackendOptions.builder().threads(3).build());
        assertFalse(s.automatic());
        assertEquals("cpu (device 0, fp32, 3 threads)", s.toString());
        try (Backend b = s.create()) {
            assertEquals(BackendOptions.builder().threads(3).build(), b.options());
        }
        try (Backend b = Backends.create("cpu", 0)) { // 0: every processor, resolved
            assertEquals(Runtime.getRuntime().availableProcessors(), b.options().threads());
            assertEquals(((CpuBackend) b).threads(), b.options().threads());
        }
    }

    @Test
    void statusesSayWhichPrecisionsAndDevices() {
        BackendStatus cpu = Backends.statuses().stream().filter(s -> s.name().equals("cpu")).findFirst().orElseThrow();
        assertEquals(EnumSet.allOf(Precision.class), cpu.precisions(), "FP16 and BF16 emulated");
        assertEquals(1, cpu.devices());
    }
}
