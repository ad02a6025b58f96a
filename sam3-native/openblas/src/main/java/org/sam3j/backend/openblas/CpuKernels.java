package org.sam3j.backend.openblas;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP bindings to {@code native/src/cpu_attention.h}, sam3j's own AVX2 attention kernel (header-only C++; see
 * the header for the exact semantics). The JNI library is generated and compiled at build time by
 * {@code native/cpu-jni.sh} where g++ is installed; otherwise loading this class fails and {@link NativeAttention}
 * reports why. Use {@link NativeAttention}, not this class.
 */
@Platform(value = "linux-x86_64", include = "cpu_attention.h")
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
}
