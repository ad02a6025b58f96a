package org.sam3j.backend.cpu;

/**
 * Whether the Java kernels written in the JDK's Vector API ({@link VectorSgemm}, {@link VectorAttention}) run in
 * place of the auto-vectorised ones: when the JVM has the module ({@code --add-modules jdk.incubator.vector}), its
 * preferred vectors hold 16 floats (AVX-512), and the system property {@value CpuBackend#VECTOR_PROPERTY} is not
 * {@code false}. Decided once per JVM; the results are the same bit for bit either way. This class names no vector
 * type, so that it loads without the module.
 */
final class VectorKernels {
    /** Whether the Vector API kernels run. */
    static final boolean ENABLED = detect();

    private VectorKernels() {}

    private static boolean detect() {
        if (!Boolean.parseBoolean(System.getProperty(CpuBackend.VECTOR_PROPERTY, "true").trim())) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            return VectorAttention.usable() && VectorSgemm.usable();
        } catch (LinkageError e) {
            return false; // present in the boot layer but not readable from here
        }
    }
}
