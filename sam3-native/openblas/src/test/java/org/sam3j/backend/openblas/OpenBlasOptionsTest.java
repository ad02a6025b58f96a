package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.backend.cpu.CpuBackend;

/** The OpenBLAS provider under {@link BackendOptions}: threads, the threading extra, FP16/BF16 emulated. */
class OpenBlasOptionsTest {
    @Test
    void threadingComesFromItsExtra() {
        BackendOptions o = BackendOptions.builder().threads(2).extra(OpenBlasBackend.THREADING_OPTION, "openblas").build();
        try (Backend b = Backends.create("openblas", o)) {
            assertEquals(OpenBlasGemm.Threading.OPENBLAS, ((OpenBlasGemm) ((CpuBackend) b).gemm()).threading());
            assertEquals(o, b.options());
        }
        try (Backend b = Backends.create("openblas", BackendOptions.builder().threads(1).build())) {
            assertEquals(OpenBlasGemm.Threading.WORKERS, ((OpenBlasGemm) ((CpuBackend) b).gemm()).threading());
        }
    }

    @Test
    void badOptionsAreRefusedBeforeCreating() {
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> Backends.select("openblas",
                BackendOptions.builder().extra(OpenBlasBackend.THREADING_OPTION, "many").build()));
        assertEquals("openblas.threading must be workers or openblas, got 'many'", t.getMessage());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Backends.select("openblas",
                BackendOptions.builder().extra("openblas.thread", "workers").build()));
        assertEquals("unknown option 'openblas.thread' for backend 'openblas' (it knows openblas.threading)", x.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> Backends.select("openblas:1",
                BackendOptions.builder().precision(Precision.FP16).build()));
        assertEquals("backend 'openblas' has no device 1 (one device, 0)", d.getMessage());
        assertEquals(Set.of(Precision.values()), Backends.provider("openblas").precisions(), "FP16 and BF16 emulated");
    }
}
