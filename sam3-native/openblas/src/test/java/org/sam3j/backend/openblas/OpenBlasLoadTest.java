package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a user reads when the OpenBLAS natives do not load, and which of its kernels run when they do. */
class OpenBlasLoadTest {
    @Test
    void failureMessageNamesTheArtifactThePlatformAndTheCause() {
        String m = OpenBlas.describe(new UnsatisfiedLinkError("no jniopenblas_nolapack in java.library.path"));
        assertTrue(m.contains("org.bytedeco:openblas:0.3.31-1.5.13"), m);
        assertTrue(m.contains("did not load"), m);
        assertTrue(m.contains("UnsatisfiedLinkError: no jniopenblas_nolapack"), m);
    }

    @Test
    void loadsHere() {
        assertTrue(OpenBlas.isAvailable(), OpenBlas.failure());
        assertTrue(OpenBlas.version().startsWith("OpenBLAS 0.3.31"), OpenBlas.version());
    }

    /**
     * The kernels OpenBLAS runs are named in the backend's description, with the environment variable where it chose
     * them: in fresh JVMs, one with {@code OPENBLAS_CORETYPE=Haswell} (kernels every x86-64 CPU the backend supports
     * runs) and one without the variable, where OpenBLAS looks at the CPU itself.
     */
    @Test
    void theDescriptionNamesTheKernelsAndWhoChoseThem() throws Exception {
        assumeTrue(InPlaceSgemm.unavailableReason() == null,
                () -> "sam3j's JNI library: " + InPlaceSgemm.unavailableReason());
        assertNotNull(OpenBlas.kernels(), "openblas_get_corename not found");
        String forced = child("Haswell");
        assertTrue(forced.contains("OpenBLAS 0.3.31 (Haswell kernels, chosen by OPENBLAS_CORETYPE=Haswell)"), forced);
        String own = child(null);
        assertTrue(own.strip().matches(".*OpenBLAS 0\\.3\\.31 \\(\\w+ kernels\\) in place.*"), own);
    }

    /** The description names who computes attention, as the property (and, for auto, this CPU and JVM) choose. */
    @Test
    void theDescriptionNamesWhoComputesAttention() {
        String before = System.getProperty(OpenBlasGemm.ATTENTION_PROPERTY);
        try {
            System.setProperty(OpenBlasGemm.ATTENTION_PROPERTY, "openblas");
            assertEquals("attention as blocked OpenBLAS products", OpenBlasGemm.describeAttention());
            System.setProperty(OpenBlasGemm.ATTENTION_PROPERTY, "java");
            assertTrue(OpenBlasGemm.describeAttention().startsWith("attention on the Java"),
                    OpenBlasGemm.describeAttention());
            System.setProperty(OpenBlasGemm.ATTENTION_PROPERTY, "native");
            assertEquals(NativeAttention.isAvailable() ? "attention on sam3j's native kernel (AVX2)"
                    : "attention on the Java " + (org.sam3j.backend.cpu.CpuBackend.vectorKernels()
                    ? "Vector API kernel (AVX-512)" : "kernel"), OpenBlasGemm.describeAttention());
            System.clearProperty(OpenBlasGemm.ATTENTION_PROPERTY);
            // auto: the Java kernel where all its kernels run on 512-bit vectors, else the native one where it loads
            String auto = OpenBlasGemm.describeAttention();
            assertEquals(org.sam3j.backend.cpu.CpuBackend.vectorKernels() || !NativeAttention.isAvailable(),
                    auto.startsWith("attention on the Java"), auto);
            System.setProperty(OpenBlasGemm.ATTENTION_PROPERTY, "fast");
            assertThrows(IllegalArgumentException.class, OpenBlasGemm::describeAttention);
        } finally {
            if (before == null) {
                System.clearProperty(OpenBlasGemm.ATTENTION_PROPERTY);
            } else {
                System.setProperty(OpenBlasGemm.ATTENTION_PROPERTY, before);
            }
        }
    }

    /** The backend's description in a new JVM with {@code OPENBLAS_CORETYPE} set to {@code env} (null: unset). */
    private static String child(String env) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", cp, Describe.class.getName()))
                .redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.remove(OpenBlas.CORETYPE);
        if (env != null) e.put(OpenBlas.CORETYPE, env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not end");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Prints the OpenBLAS backend's description. */
    static final class Describe {
        public static void main(String[] args) {
            System.out.println(new OpenBlasBackend.Provider().description());
        }
    }
}
