package org.sam3j.backend.openblas;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * OpenBLAS's {@code cblas_sgemm} on Java arrays in place ({@code native/src/cpu_sgemm.h} through {@link CpuKernels}):
 * A and C are the arena's own arrays, pinned for the call, so {@link OpenBlasGemm} need not stage its products (copy A
 * into native memory, multiply into native rows of C, copy C back); where it runs, the engine calls the native
 * attention kernel on the arrays in place too. Found once per JVM: the JNI library of sam3j's
 * kernels and the address of {@code cblas_sgemm} in the OpenBLAS the presets loaded, proven by one tiny product. Where
 * either is missing (the library is built only where g++ was installed), or the system property
 * {@value #PROPERTY} is {@code false}, the engine stages as before. Never throws while loading.
 */
final class InPlaceSgemm {
    /**
     * System property: {@code false} makes the OpenBLAS engine stage every product's and the native attention
     * kernel's operands in native memory.
     */
    static final String PROPERTY = "sam3j.openblas.inplace";

    /** The most rows of A {@link #rows} takes. */
    static final int ROWS_MAX = 8;

    private static final Pointer SGEMM;
    private static final String FAILURE;
    /** Whether this CPU runs {@link #rows} (AVX2 and FMA), where products run in place at all. */
    private static final boolean ROWS;

    static {
        Pointer fn = null;
        String failure;
        try {
            OpenBlas.requireLoaded();
            Loader.load(CpuKernels.class);
            fn = Loader.addressof("cblas_sgemm");
            failure = fn == null || fn.isNull() ? "cblas_sgemm was not found among the loaded libraries" : check(fn);
        } catch (Throwable t) { // UnsatisfiedLinkError (not built: no g++ at build time), IllegalStateException, ...
            failure = "sam3j's JNI library or OpenBLAS did not load (" + t.getClass().getSimpleName() + ": "
                    + t.getMessage() + ")";
        }
        FAILURE = failure;
        SGEMM = failure == null ? fn : null;
        ROWS = failure == null && CpuKernels.s3cpu_supported() == 1;
    }

    private InPlaceSgemm() {}

    /** One product with offsets and padded rows, against its value worked out by hand; null when it matches. */
    private static String check(Pointer fn) {
        float[] a = {9, 1, 2, 9, 3, 4};           // rows [1 2] and [3 4] from offset 1, 3 apart
        float[] b = {5, 6, 7, 8};                 // [[5 6] [7 8]]
        float[] c = {-1, 0, 0, -1, 0, 0, -1};     // rows from offset 1, 3 apart; the -1s must stay
        int rc = CpuKernels.s3cpu_sgemm_at(fn, a, 1, 3, b, 0, 2, 0, 2, 2, 2, 0f, c, 1, 3);
        float[] want = {-1, 19, 22, -1, 43, 50, -1};
        return rc == 0 && java.util.Arrays.equals(c, want) ? null
                : "the in-place product gave " + rc + " " + java.util.Arrays.toString(c) + " for "
                        + java.util.Arrays.toString(want);
    }

    /** Whether products run in place: loaded, proven, and not switched off by {@value #PROPERTY}. */
    static boolean enabled() {
        return FAILURE == null && !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    /** Why products cannot run in place here, or null. */
    static String unavailableReason() {
        return FAILURE;
    }

    /**
     * {@code C = A · op(B) + beta · C}, row-major: A ({@code m × k}) from {@code a[aOff]}, rows {@code lda} apart; B
     * native memory from {@code bOff} floats on, {@code ldb} apart ({@code k × n}, or {@code n × k} when
     * {@code transB}); C from {@code c[cOff]}, {@code ldc} apart. {@code k} must be positive (OpenBLAS skips
     * {@code beta} without one).
     */
    static void sgemm(float[] a, int aOff, int lda, FloatPointer b, long bOff, int ldb, boolean transB, int m, int n,
                      int k, float beta, float[] c, int cOff, int ldc) {
        check(CpuKernels.s3cpu_sgemm_at(SGEMM, a, aOff, lda, b, bOff, ldb, transB ? 1 : 0, m, n, k, beta, c, cOff, ldc),
                m, n, k);
    }

    /** {@link #sgemm(float[], int, int, FloatPointer, long, int, boolean, int, int, int, float, float[], int, int)} with B a Java array. */
    static void sgemm(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, int m, int n, int k,
                      float beta, float[] c, int cOff, int ldc) {
        check(CpuKernels.s3cpu_sgemm_at(SGEMM, a, aOff, lda, b, bOff, ldb, transB ? 1 : 0, m, n, k, beta, c, cOff, ldc),
                m, n, k);
    }

    /**
     * Whether {@link #rows} runs here: sam3j's library and OpenBLAS loaded (as products in place need) and the CPU has
     * AVX2 and FMA. The engine calls it only for products it runs in place.
     */
    static boolean rowsSupported() {
        return ROWS;
    }

    /**
     * {@code C = A · Bᵀ + beta · C} for 1 to {@value #ROWS_MAX} rows of A ({@code m × k} from {@code a[aOff]}, rows
     * {@code lda} apart), B native memory stored {@code n × k} from {@code bOff} floats on ({@code ldb} apart), C from
     * {@code c[cOff]} ({@code ldc} apart): each row of B read once and multiplied with every row of A, where OpenBLAS
     * would pack B first (the text encoder's products of a short phrase: 8 rows by weights of 4 to 16 MiB). Only where
     * {@link #rowsSupported()}.
     */
    static void rows(float[] a, int aOff, int lda, FloatPointer b, long bOff, int ldb, int m, int n, int k, float beta,
                     float[] c, int cOff, int ldc) {
        check(CpuKernels.s3cpu_rows_gemm_at(a, aOff, lda, b, bOff, ldb, m, n, k, beta, c, cOff, ldc), m, n, k);
    }

    /** {@link #rows(float[], int, int, FloatPointer, long, int, int, int, int, float, float[], int, int)} with B a Java array. */
    static void rows(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int m, int n, int k, float beta,
                     float[] c, int cOff, int ldc) {
        check(CpuKernels.s3cpu_rows_gemm_at(a, aOff, lda, b, bOff, ldb, m, n, k, beta, c, cOff, ldc), m, n, k);
    }

    private static void check(int rc, int m, int n, int k) {
        if (rc != 0) throw new IllegalArgumentException("in-place sgemm refused " + m + " × " + n + " × " + k);
    }
}
