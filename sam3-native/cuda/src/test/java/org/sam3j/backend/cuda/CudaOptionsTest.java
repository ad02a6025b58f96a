package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.backend.Backend;
import org.sam3j.backend.BackendProvider;
import org.sam3j.backend.Backends;

/** The CUDA provider under {@link org.sam3j.BackendOptions}: every precision, devices, its extras. */
class CudaOptionsTest {
    private final BackendProvider cuda = Backends.provider("cuda");

    @Test
    void runsEveryPrecisionOnTheDevicesFound() {
        assertEquals(EnumSet.allOf(org.sam3j.Precision.class), cuda.precisions());
        assertEquals(CudaRuntime.deviceCount(), cuda.devices());
        BackendOptions bf16 = BackendOptions.builder().precision(org.sam3j.Precision.BF16).build();
        if (CudaRuntime.available()) {
            try (Backend b = Backends.create("cuda:0", bf16)) {
                assertEquals(Precision.BF16, ((CudaBackend) b).precision());
                assertEquals(org.sam3j.Precision.BF16, b.options().precision());
                assertEquals(0, b.options().device());
            }
            int n = CudaRuntime.deviceCount();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.select("cuda:" + n, bf16));
            assertTrue(e.getMessage().contains("has no device " + n), e.getMessage());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.select("cuda:1", bf16));
            assertEquals("backend 'cuda' cannot run here: " + CudaRuntime.unavailableReason()
                    + " (the pure-Java backend 'cpu' runs everywhere)", e.getMessage());
        }
    }

    @Test
    void extrasAreCheckedBeforeAnyDeviceWork() {
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> cuda.check(BackendOptions.builder().extra(CudaBackend.PROFILE_OPTION, "yes").build()));
        assertEquals("cuda.profile must be true or false, got 'yes'", flag.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> cuda.check(BackendOptions.builder().extra("cuda.streams", "2").build()));
        assertEquals("unknown option 'cuda.streams' for backend 'cuda' (it knows cuda.graphs, cuda.profile)", unknown.getMessage());
        cuda.check(BackendOptions.builder().extra(CudaBackend.CUDA_GRAPHS_OPTION, "true").extra("openblas.threading", "x").build());
    }
}
