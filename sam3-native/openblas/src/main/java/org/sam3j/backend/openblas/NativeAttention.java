package org.sam3j.backend.openblas;

import org.bytedeco.javacpp.Loader;
import org.sam3j.backend.cpu.AttentionProblem;

/**
 * Whether sam3j's native attention kernel ({@link CpuKernels}, AVX2 + FMA) runs here, and which problems it takes:
 * heads of {@code d = dv = 32} or {@code 64} channels, with a bias where its operands are read in place. Loads the
 * JNI library once; never throws.
 */
public final class NativeAttention {
    private static final String FAILURE = load();

    private NativeAttention() {}

    private static String load() {
        try {
            Loader.load(CpuKernels.class);
            return CpuKernels.s3cpu_supported() == 1 ? null : "this CPU lacks AVX2 or FMA";
        } catch (Throwable t) { // UnsatisfiedLinkError (not built: no g++ at build time), NoClassDefFoundError, ...
            return "sam3j's native attention kernel did not load (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")";
        }
    }

    /** Whether the kernel is loaded and this CPU runs it. */
    public static boolean isAvailable() {
        return FAILURE == null;
    }

    /** Why the kernel is unusable here, or null. */
    public static String unavailableReason() {
        return FAILURE;
    }

    /**
     * Whether the kernel computes {@code p}: available, heads of 32 or 64 channels for keys and values, keys, and no
     * bias unless the operands are read in place ({@code inPlace}: the staged path has no room for one).
     */
    static boolean accepts(AttentionProblem p, boolean inPlace) {
        return FAILURE == null && (p.bias() == null || inPlace) && p.d() == p.dv() && (p.d() == 32 || p.d() == 64)
                && p.tk() > 0;
    }
}
