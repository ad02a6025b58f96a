package org.sam3j.backend.openblas;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The OpenBLAS library of the JavaCPP presets ({@code org.bytedeco:openblas}, CBLAS without LAPACK): loads it
 * once, remembers why it did not load, and wraps the few calls the backend makes.
 */
public final class OpenBlas {
    /** The environment variable that makes OpenBLAS run the kernels it names instead of choosing them. */
    static final String CORETYPE = "OPENBLAS_CORETYPE";
    private static final Object LOCK = new Object();
    private static volatile boolean tried;
    private static volatile String failure;
    private static volatile long loadNanos;

    private OpenBlas() {}

    /** Loads the native library (once); true if it is usable. Never throws. */
    public static boolean load() {
        if (tried) return failure == null;
        synchronized (LOCK) {
            if (!tried) {
                long t0 = System.nanoTime();
                try {
                    Loader.load(openblas_nolapack.class);
                    // one tiny product proves that the symbols resolve
                    try (FloatPointer a = new FloatPointer(1f, 2f); FloatPointer b = new FloatPointer(3f, 4f);
                         FloatPointer c = new FloatPointer(1)) {
                        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                                openblas_nolapack.CblasNoTrans, 1, 1, 2, 1f, a, 2, b, 1, 0f, c, 1);
                        if (c.get(0) != 11f) throw new IllegalStateException("cblas_sgemm gave " + c.get(0) + " for 1·3 + 2·4");
                    }
                    failure = null;
                } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ...
                    failure = describe(t);
                }
                loadNanos = System.nanoTime() - t0;
                tried = true;
            }
        }
        return failure == null;
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder("the OpenBLAS natives (org.bytedeco:openblas:" + "0.3.31-1.5.13, "
                + Loader.getPlatform() + ") did not load: ");
        sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        Throwable c = t.getCause();
        if (c != null && c != t) sb.append(" (").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(')');
        return sb.toString();
    }

    /** Whether the library is loaded and usable (loads it if not tried yet). */
    public static boolean isAvailable() {
        return load();
    }

    /** Why the library is unusable, or null. */
    public static String failure() {
        load();
        return failure;
    }

    /** Time the first {@link #load()} took (extracting and loading the library), in nanoseconds. */
    public static long loadNanos() {
        return loadNanos;
    }

    /** The OpenBLAS version string of the bindings, e.g. {@code OpenBLAS 0.3.31}. */
    public static String version() {
        return openblas_nolapack.OPENBLAS_VERSION.trim();
    }

    /**
     * The kernels the loaded OpenBLAS runs, as it names them ({@code openblas_get_corename}: {@code Haswell},
     * {@code Zen}, {@code SkylakeX}, {@code Cooperlake}, ...), or null where OpenBLAS or sam3j's JNI library (which
     * makes the call: the presets do not bind it) did not load.
     */
    public static String kernels() {
        if (!load()) return null;
        try {
            Loader.load(CpuKernels.class);
            Pointer fn = Loader.addressof("openblas_get_corename");
            BytePointer name = fn == null || fn.isNull() ? null : CpuKernels.s3cpu_openblas_core_name(fn);
            return name == null || name.isNull() ? null : name.getString().trim();
        } catch (Throwable t) { // UnsatisfiedLinkError: sam3j's JNI library was not built (no g++ at build time)
            return null;
        }
    }

    /**
     * {@link #kernels()} for the backend's description ({@code sam3 info}), saying when {@value #CORETYPE} chose them
     * rather than OpenBLAS's own look at the CPU; empty where the name is unknown. OpenBLAS picks its kernels once, as
     * it loads: a variable left over from another machine can run a CPU with AVX-512 on the AVX2 kernels at half the
     * speed (measured on a Zen 5: SGEMM 200 against 110 ms), and this makes that visible.
     */
    static String describeKernels() {
        String k = kernels();
        if (k == null) return "";
        String forced = System.getenv(CORETYPE);
        return " (" + k + " kernels" + (forced != null ? ", chosen by " + CORETYPE + "=" + forced : "") + ")";
    }

    static void requireLoaded() {
        if (!load()) throw new IllegalStateException(failure);
    }

    /**
     * Sets OpenBLAS's own thread count (process-wide: OpenBLAS has one setting for every caller).
     */
    public static void setThreads(int threads) {
        requireLoaded();
        openblas_nolapack.blas_set_num_threads(Math.max(1, threads));
    }

    /** {@code C = alpha · op(A) · op(B) + beta · C}, row-major, on native memory. */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatPointer a, int lda,
                      FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
