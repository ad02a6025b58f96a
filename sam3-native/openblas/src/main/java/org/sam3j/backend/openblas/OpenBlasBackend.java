package org.sam3j.backend.openblas;

import org.sam3j.backend.Backend;
import org.sam3j.backend.cpu.CpuBackend;

/**
 * The OpenBLAS CPU backend: the {@link CpuBackend} with its matrix products ({@code LINEAR}, {@code MATMUL},
 * convolutions, transposed convolutions) on OpenBLAS through {@link OpenBlasGemm}; every other operation runs
 * on the pure-Java kernels. Select it by name ({@code openblas}) through {@link org.sam3j.backend.Backends}, or
 * create it here.
 */
public final class OpenBlasBackend {
    /** The backend's name. */
    public static final String NAME = "openblas";
    /** System property choosing the threading of products: {@code workers} (default) or {@code openblas}. */
    public static final String THREADING_PROPERTY = "sam3j.openblas.threading";

    private OpenBlasBackend() {}

    /** Whether OpenBLAS loads here. */
    public static boolean isAvailable() {
        return OpenBlas.isAvailable();
    }

    /** Why OpenBLAS does not load here, or null. */
    public static String unavailableReason() {
        return OpenBlas.failure();
    }

    /** A backend on every available processor. */
    public static CpuBackend create() {
        return create(0);
    }

    /**
     * A backend with {@code threads} threads (0: every available processor), threading as set by
     * {@value #THREADING_PROPERTY}.
     *
     * @throws IllegalStateException if OpenBLAS does not load (the message says why)
     */
    public static CpuBackend create(int threads) {
        String t = System.getProperty(THREADING_PROPERTY, "workers");
        return create(threads, OpenBlasGemm.Threading.parse(t));
    }

    /** A backend with {@code threads} threads (0: all) and the given threading of products. */
    public static CpuBackend create(int threads, OpenBlasGemm.Threading threading) {
        if (!OpenBlas.isAvailable()) {
            throw new IllegalStateException("OpenBLAS backend unavailable: " + OpenBlas.failure()
                    + " (the pure-Java backend 'cpu' runs everywhere)");
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return new CpuBackend(NAME, n, new OpenBlasGemm(n, threading));
    }

    /** Makes the backend known to {@link org.sam3j.backend.Backends} (registered as a service). */
    public static final class Provider implements org.sam3j.backend.BackendProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "CPU, matrix products on " + (OpenBlas.isAvailable() ? OpenBlas.version() : "OpenBLAS");
        }

        @Override
        public int priority() {
            return 10;
        }

        @Override
        public boolean isAvailable() {
            return OpenBlas.isAvailable();
        }

        @Override
        public String unavailableReason() {
            return OpenBlas.failure();
        }

        @Override
        public Backend create(int threads) {
            return OpenBlasBackend.create(threads);
        }
    }
}
