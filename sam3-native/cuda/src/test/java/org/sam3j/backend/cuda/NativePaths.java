package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the native build put its outputs, and skips with the reason when it did not build them. Tests
 * also run from the GPU bundle, outside any checkout: there only the kernels packaged in the jar exist.
 */
final class NativePaths {
    private NativePaths() {}

    /** The {@code native/} module of the checkout the tests run in, or null outside a checkout. */
    static Path checkoutNative() {
        Path d = Paths.get("").toAbsolutePath();
        while (d != null) {
            if (Files.isRegularFile(d.resolve("native/include/sam3cuda.h"))) return d.resolve("native");
            d = d.getParent();
        }
        return null;
    }

    /** The {@code native/} module; skips the calling test outside a source checkout. */
    static Path nativeDir() {
        Path n = checkoutNative();
        assumeTrue(n != null, "not run from a source checkout: no native/include/sam3cuda.h above "
                + Paths.get("").toAbsolutePath());
        return n;
    }

    static Path header() {
        return nativeDir().resolve("include/sam3cuda.h");
    }

    static Path library() {
        return nativeDir().resolve("target/native/lib/libsam3cuda.so");
    }

    /** Why the native build did not build the library (its SKIPPED note), or null. */
    static String skippedReason() {
        Path n = checkoutNative();
        if (n == null) return null;
        Path skipped = n.resolve("target/native/SKIPPED");
        try {
            return Files.isRegularFile(skipped) ? Files.readString(skipped).trim() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Skips the calling test, with the reason, when libsam3cuda.so was not built (no -Pcuda, or no nvcc). */
    static void assumeLibraryBuilt() {
        String why = "libsam3cuda.so not built (the Maven profile cuda builds it: -Pcuda)";
        String skipped = skippedReason();
        assumeTrue(Files.isRegularFile(library()), skipped != null ? why + ": " + skipped : why);
    }

    /** Skips the calling test when the kernel library does not load (it needs no GPU to load). */
    static void assumeKernelsLoad() {
        String why = CudaRuntime.kernelsUnavailableReason();
        String skipped = skippedReason();
        assumeTrue(why == null, skipped != null ? why + " (native build: " + skipped + ")" : why);
    }
}
