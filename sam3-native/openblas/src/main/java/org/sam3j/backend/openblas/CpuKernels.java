package org.sam3j.backend.openblas;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP bindings to {@code native/src/cpu_attention.h}, sam3j's own AVX2 attention kernel,
 * {@code native/src/cpu_bf16_gemm.h} and {@code cpu_bf16_attention.h}, its BF16 product and attention (AMX or
 * AVX512-BF16), and {@code cpu_sgemm.h}, OpenBLAS's product on Java arrays in place, a product of a few rows by a
 * transposed B and the name of the kernels OpenBLAS runs (header-only C++; see the headers for the exact semantics).
 * The JNI library is generated and compiled at build time by {@code native/cpu-jni.sh} where g++ is installed;
 * otherwise loading this class fails and {@link NativeAttention} reports why. Use {@link NativeAttention},
 * {@link Bf16Gemm}, {@link InPlaceSgemm} and {@link OpenBlas#kernels()}, not this class.
 */
@Platform(value = "linux-x86_64", include = {"cpu_attention.h", "cpu_bf16_gemm.h", "cpu_bf16_attention.h", "cpu_sgemm.h"})
@NoException
final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {}

    /** 1 when this CPU and OS run the kernel (AVX2 and FMA), else 0. */
    static native int s3cpu_supported();

    /** Floats of scratch memory one {@link #s3cpu_attention_f32} call needs for {@code tk} keys. */
    static native long s3cpu_attention_scratch(int tk, int d, int dv);

    /**
     * One head's attention {@code y = softmax(scale · q·kᵀ) · v} over rows {@code ld*} floats apart; 0, or -1 (nothing
     * written) for heads other than {@code d = dv = 32 or 64}, no keys, or a CPU without AVX2/FMA.
     */
    static native int s3cpu_attention_f32(@Const FloatPointer q, long ldq, @Const FloatPointer k, long ldk,
                                          @Const FloatPointer v, long ldv, FloatPointer y, long ldy, int tq, int tk,
                                          int d, int dv, float scale, FloatPointer scratch);

    /**
     * {@link #s3cpu_attention_f32} on Java arrays in place ({@code GetPrimitiveArrayCritical}: no copies; the collector
     * waits while the call runs), each operand from its offset, with {@code bias} null or rows of {@code tk} values
     * from {@code biasOff}, {@code ldBias} apart (0: one row for every query), added to the scaled scores; row
     * {@code r} of each operand {@code ((r / run) · gridW + r % run) · ld*} floats from its offset (a window of a token
     * grid, or consecutive rows for {@code run = gridW = 1}). 0, or -1 (nothing written) as that function, and for bad
     * offsets or rows.
     */
    @CriticalRegion
    static native int s3cpu_attention_f32_at(@Const float[] q, long qOff, long ldq, @Const float[] k, long kOff,
                                             long ldk, @Const float[] v, long vOff, long ldv, float[] y, long yOff,
                                             long ldy, @Const float[] bias, long biasOff, long ldBias, int tq, int tk,
                                             int d, int run, int gridW, float scale, FloatPointer scratch);

    /**
     * The fastest BF16 product kernel this CPU and OS run: 2 AMX (AMX-TILE, AMX-BF16, AVX512-BF16, the OS's
     * permission), 1 AVX512-BF16, 0 neither ({@link Bf16Gemm#AMX}, {@link Bf16Gemm#AVX512}, {@link Bf16Gemm#NONE}).
     */
    static native int s3cpu_bf16_kernel();

    /** BF16 values {@link #s3cpu_bf16_pack} fills for a {@code k × n} op(B). */
    static native long s3cpu_bf16_packed_shorts(int k, int n);

    /** Packs the blocks {@code [jb0, jb1)} of 16 columns of op(B) as BF16 tiles (see the header). */
    static native void s3cpu_bf16_pack(@Const FloatPointer b, long ldb, int transb, int k, int n, int jb0, int jb1,
                                       @Cast("unsigned short*") ShortPointer packed);

    /** {@link #s3cpu_bf16_gemm_at}'s {@code act}: GELU of each stored value ({@code s3amx::ACT_GELU}). */
    static final int ACT_GELU = 1;

    /** Bytes of scratch memory one {@link #s3cpu_bf16_gemm_at} call needs for an inner dimension {@code k}. */
    static native long s3cpu_bf16_gemm_scratch(int k);

    /**
     * {@code C[:, j0:j1] = bf16(bf16(A) · B[:, j0:j1] (+ bias))} for the {@code m} rows of A with a packed B, products
     * exact, sums in FP32, on Java arrays in place ({@code GetPrimitiveArrayCritical}: no copies; the collector waits
     * while the call runs), A from {@code aOff}, C (its first value) from {@code cOff}; {@code bias} may be null;
     * {@code act} 1 stores GELU of each value ({@link #ACT_GELU}, the Java kernels' floats), 0 the value;
     * {@code kernel} {@link Bf16Gemm#AMX} or {@link Bf16Gemm#AVX512}. 0, or -1 (nothing written) for bad arguments or
     * a kernel this CPU does not run.
     */
    @CriticalRegion
    static native int s3cpu_bf16_gemm_at(@Const float[] a, long aOff, long lda, int m,
                                         @Cast("const unsigned short*") ShortPointer packed, int k, int n, int j0,
                                         int j1, @Const float[] bias, int act, float[] c, long cOff, long ldc,
                                         Pointer scratch, int kernel);

    /** Bytes of scratch memory one {@link #s3cpu_bf16_attention_at} call needs ({@code d} 32 or 64; else 0). */
    static native long s3cpu_bf16_attention_scratch(int tk, int d);

    /**
     * One head's BF16 attention on {@code kernel} ({@link Bf16Gemm#AMX} or {@link Bf16Gemm#AVX512};
     * {@code native/src/cpu_bf16_attention.h}) on Java arrays in place, row
     * {@code r} at {@code ((r / run) · gridW + r % run) · ld*} floats from the offsets (a window of a token grid, or
     * consecutive rows for {@code run = gridW = 1}); {@code bias} null or FP32 rows of {@code tk} values from
     * {@code biasOff}, {@code ldBias} apart (0: one row for every query); 0, or -1 (nothing written) for heads other
     * than 32 or 64 or a kernel this CPU does not run.
     */
    @CriticalRegion
    static native int s3cpu_bf16_attention_at(@Const float[] q, long qOff, long ldq, @Const float[] k, long kOff,
                                              long ldk, @Const float[] v, long vOff, long ldv, float[] y, long yOff,
                                              long ldy, @Const float[] bias, long biasOff, long ldBias, int tq,
                                              int tk, int d, int run, int gridW, float scale, Pointer scratch,
                                              int kernel);

    /**
     * {@code C = A · op(B) + beta · C} through the CBLAS {@code cblas_sgemm} at {@code sgemm}, row-major, on Java
     * arrays in place ({@code GetPrimitiveArrayCritical}: no copies; the collector waits while the call runs): A from
     * {@code aOff}, B (native memory, e.g. a prepared or memory-mapped weight) from {@code bOff}, C from
     * {@code cOff}. 0, or -1 (nothing written) for a null function or bad sizes.
     */
    @CriticalRegion
    static native int s3cpu_sgemm_at(Pointer sgemm, @Const float[] a, long aOff, int lda, @Const FloatPointer b,
                                     long bOff, int ldb, int transB, int m, int n, int k, float beta, float[] c,
                                     long cOff, int ldc);

    /** {@link #s3cpu_sgemm_at(Pointer, float[], long, int, FloatPointer, long, int, int, int, int, int, float, float[], long, int)} with B a Java array too. */
    @CriticalRegion
    static native int s3cpu_sgemm_at(Pointer sgemm, @Const float[] a, long aOff, int lda, @Const float[] b,
                                     long bOff, int ldb, int transB, int m, int n, int k, float beta, float[] c,
                                     long cOff, int ldc);

    /**
     * {@code C = A · Bᵀ + beta · C} for 1 to 8 rows of A, B stored {@code n × k} (native memory, e.g. a weight), each
     * row of B read once, on Java arrays A and C in place; 0, or -1 (nothing written) for other sizes or a CPU
     * without AVX2/FMA.
     */
    @CriticalRegion
    static native int s3cpu_rows_gemm_at(@Const float[] a, long aOff, int lda, @Const FloatPointer b, long bOff,
                                         int ldb, int m, int n, int k, float beta, float[] c, long cOff, int ldc);

    /** {@link #s3cpu_rows_gemm_at(float[], long, int, FloatPointer, long, int, int, int, int, float, float[], long, int)} with B a Java array too. */
    @CriticalRegion
    static native int s3cpu_rows_gemm_at(@Const float[] a, long aOff, int lda, @Const float[] b, long bOff, int ldb,
                                         int m, int n, int k, float beta, float[] c, long cOff, int ldc);

    /** The name OpenBLAS's {@code openblas_get_corename} at {@code fn} returns, or null for a null address. */
    static native @Cast("const char*") BytePointer s3cpu_openblas_core_name(Pointer fn);
}
