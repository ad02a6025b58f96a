package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels' warm-up (once per JVM, so in a fresh one): a backend whose engine computes its products
 * elsewhere (OpenBLAS's) warms the attention and GELU kernels but not the products' ones, which the first pure-Java
 * backend then does.
 */
class VectorKernelsWarmUpTest {
    @Test
    void theProductsKernelsWarmUpOnlyForTheEngineThatRunsThem() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--add-modules", "jdk.incubator.vector"));
        String vectors = System.getProperty(CpuBackend.VECTOR_PROPERTY);
        if (vectors != null) cmd.add("-D" + CpuBackend.VECTOR_PROPERTY + "=" + vectors);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WarmUpMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        assertEquals(0, p.exitValue(), out);
        boolean kernels = VectorKernels.SHORT_ATTENTION;
        boolean products = kernels && VectorKernels.PRODUCTS;
        assertEquals("kernels=" + kernels + " products=false\nkernels=" + kernels + " products=" + products + "\n", out);
    }
}
