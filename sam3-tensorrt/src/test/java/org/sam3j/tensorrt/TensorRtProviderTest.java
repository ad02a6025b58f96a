package org.sam3j.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.BackendStatus;
import org.sam3j.backend.Backends;
import org.sam3j.tensorrt.TensorRtRuntime.Gpu;
import org.sam3j.tensorrt.TensorRtRuntime.Status;

/** The {@code tensorrt} provider: registered, never chosen unnamed, refusing with what is missing. */
class TensorRtProviderTest {
    @Test
    void registeredWithItsStatusAndNeverChosenUnnamed() {
        BackendStatus s = Backends.statuses().stream().filter(b -> b.name().equals("tensorrt")).findFirst().orElseThrow();
        assertFalse(s.available());
        assertEquals(new TensorRtProvider().unavailableReason(), s.unavailableReason());
        assertEquals(EnumSet.allOf(Precision.class), s.precisions());
        assertTrue(s.priority() < Backends.provider("cpu").priority());
        assertEquals("cpu", Backends.best().name());
    }

    @Test
    void selectingItByNameSaysWhatIsMissing() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("tensorrt", 1));
        assertTrue(e.getMessage().contains(new TensorRtProvider().unavailableReason()), e.getMessage());
        IllegalStateException direct = assertThrows(IllegalStateException.class,
                () -> new TensorRtProvider().create(BackendOptions.defaults()));
        assertEquals("backend 'tensorrt' cannot run here: " + new TensorRtProvider().unavailableReason(), direct.getMessage());
    }

    @Test
    void whereTensorRtAndAGpuArePresentExecutionIsTheMissingPiece() {
        TensorRtProvider p = new TensorRtProvider(() -> new Status(null, "10.15.1", List.of(new Gpu(0, "NVIDIA H200", "9.0"))));
        assertFalse(p.isAvailable());
        assertEquals(TensorRtProvider.EXECUTION_MISSING, p.unavailableReason());
        TensorRtProvider missing = new TensorRtProvider(() -> new Status("libnvinfer.so.10 is not loadable", null, List.of()));
        assertEquals("libnvinfer.so.10 is not loadable", missing.unavailableReason());
    }

    @Test
    void optionsAreCheckedBeforeTheUnavailability() {
        TensorRtProvider p = new TensorRtProvider();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> p.create(BackendOptions.builder().extra("tensorrt.int8", "true").build()));
        assertTrue(unknown.getMessage().startsWith("unknown option 'tensorrt.int8' for backend 'tensorrt'"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> p.check(BackendOptions.builder().extra(BuildSettings.WORKSPACE_OPTION, "big").build()));
        p.check(BackendOptions.builder().precision(Precision.BF16).extra(BuildSettings.TYPING_OPTION, "flags")
                .extra("cuda.profile", "true").build()); // another provider's extras are ignored
    }
}
