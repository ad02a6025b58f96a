package org.sam3j.backend.openblas;

import java.util.Set;
import org.sam3j.BackendOptions;
import org.sam3j.backend.Backend;
import org.sam3j.backend.cpu.CpuBackend;

/**
 * The OpenBLAS CPU backend: the {@link CpuBackend} with its matrix products ({@code LINEAR}, {@code MATMUL},
 * convolutions, transposed convolutions) on OpenBLAS through {@link OpenBlasGemm}, and attention with heads of 32 or
 * 64 on sam3j's native AVX2 kernel where the Java kernel is not on the Vector API ({@link NativeAttention},
 * {@link OpenBlasGemm#ATTENTION_PROPERTY}), and at BF16 precision the products of weights and attention on Intel AMX,
 * or with AVX512-BF16, where the CPU has either ({@link Bf16Gemm}); every other operation runs on the pure-Java
 * kernels. Select it by name ({@code openblas}) through {@link org.sam3j.backend.Backends}, or create it here.
 */
public final class OpenBlasBackend {
    /** The backend's name. */
    public static final String NAME = "openblas";
    /** System property choosing the threading of products: {@code workers} (default) or {@code openblas}. */
    public static final String THREADING_PROPERTY = "sam3j.openblas.threading";
    /** Extra of {@link BackendOptions} choosing the threading of products (wins over {@value #THREADING_PROPERTY}). */
    public static final String THREADING_OPTION = "openblas.threading";
    private static final String THREADING_EXTRA = "threading";

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
        return create(BackendOptions.builder().threads(threads).build());
    }

    /** A backend with {@code threads} threads (0: all) and the given threading of products. */
    public static CpuBackend create(int threads, OpenBlasGemm.Threading threading) {
        return create(BackendOptions.builder().threads(threads).build(), threading);
    }

    /**
     * A backend with the threads of {@code options} (0: all) and the threading of products of its extra
     * {@value #THREADING_OPTION} ({@code workers} or {@code openblas}), else of {@value #THREADING_PROPERTY}, else
     * {@code workers}.
     *
     * @throws IllegalArgumentException if the options ask for a device other than 0 or carry an unknown
     *                                  {@code openblas.*} extra
     * @throws IllegalStateException    if OpenBLAS does not load (the message says why)
     */
    public static CpuBackend create(BackendOptions options) {
        Provider p = new Provider();
        p.check(options);
        return create(options, p.threading(options));
    }

    private static CpuBackend create(BackendOptions options, OpenBlasGemm.Threading threading) {
        if (!OpenBlas.isAvailable()) {
            throw new IllegalStateException("OpenBLAS backend unavailable: " + OpenBlas.failure()
                    + " (the pure-Java backend 'cpu' runs everywhere)");
        }
        int n = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        return new CpuBackend(NAME, options.toBuilder().threads(n).build(), new OpenBlasGemm(n, threading));
    }

    /** Makes the backend known to {@link org.sam3j.backend.Backends} (registered as a service). */
    public static final class Provider implements org.sam3j.backend.BackendProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "CPU, matrix products on "
                    + (OpenBlas.isAvailable() ? OpenBlas.version() + OpenBlas.describeKernels() : "OpenBLAS")
                    + (InPlaceSgemm.unavailableReason() == null ? " in place"
                            : " staged (" + InPlaceSgemm.unavailableReason() + ")")
                    + ", " + OpenBlasGemm.describeAttention()
                    + "; " + Bf16Gemm.describe();
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

        /**
         * FP32; BF16 with its products of weights on AMX or AVX512-BF16 where the CPU has either ({@link Bf16Gemm}), else emulated;
         * FP16 emulated (the numerics of a reduced-precision device, for accuracy checks).
         */
        @Override
        public Set<org.sam3j.Precision> precisions() {
            return java.util.EnumSet.allOf(org.sam3j.Precision.class);
        }

        /** {@code threading}: see {@link OpenBlasBackend#THREADING_OPTION}. */
        @Override
        public Set<String> extraKeys() {
            return Set.of(THREADING_EXTRA);
        }

        /** Also refuses a bad {@value OpenBlasBackend#THREADING_OPTION}. */
        @Override
        public void check(BackendOptions options) {
            org.sam3j.backend.BackendProvider.super.check(options);
            threading(options);
        }

        OpenBlasGemm.Threading threading(BackendOptions options) {
            String t = options.extras(NAME).get(THREADING_EXTRA);
            String from = THREADING_OPTION;
            if (t == null) {
                t = System.getProperty(THREADING_PROPERTY, "workers");
                from = "-D" + THREADING_PROPERTY;
            }
            try {
                return OpenBlasGemm.Threading.parse(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(from + " must be workers or openblas, got '" + t + "'");
            }
        }

        /** See {@link OpenBlasBackend#create(BackendOptions)}. */
        @Override
        public Backend create(BackendOptions options) {
            return OpenBlasBackend.create(options);
        }
    }
}
