package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.Backends;

/**
 * sam3-openblas must not make CPU users download CUDA: neither the JavaCPP cuda preset nor the CUDA backend may
 * be on its class path (this test's class path holds every dependency of the module, whatever its scope, so it
 * fails as soon as one of them brings either back).
 */
class NoCudaDependencyTest {
    @Test
    void theCudaPresetIsNotADependency() {
        ClassLoader loader = NoCudaDependencyTest.class.getClassLoader();
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.bytedeco.cuda.global.cudart", false, loader),
                "org.bytedeco:cuda is on sam3-openblas's class path");
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.sam3j.backend.cuda.CudaBackend", false, loader),
                "sam3-cuda is on sam3-openblas's class path");
    }

    @Test
    void onlyTheOpenBlasBackendIsAdded() {
        assertEquals(List.of("openblas", "cpu"), Backends.names());
    }
}
