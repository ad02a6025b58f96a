// OpenBLAS's cblas_sgemm on Java arrays in place, for the OpenBLAS backend (sam3-native/openblas, class CpuKernels,
// which JavaCPP compiles into its JNI library with the attention kernels; native/cpu-jni.sh). Header-only.
//
// Why: JavaCPP hands a Java array to native code with GetFloatArrayElements, which copies the whole array in and out,
// so the backend used to stage every product: copy the rows of A into native memory, pre-fill native rows of C with
// the bias, multiply, copy C back. OpenBLAS packs its operands into its own blocks anyway, so those copies were a
// second pass over A and two over C. CpuKernels declares the call below as a JavaCPP critical region
// (GetPrimitiveArrayCritical: the arena's array itself, no copy; the garbage collector waits while the call runs), and
// OpenBLAS reads A and writes C where they lie.
//
// The library does not link OpenBLAS: the Java side finds cblas_sgemm among the libraries JavaCPP has loaded (the
// presets' OpenBLAS, Loader.addressof) and passes its address, so this library still loads where OpenBLAS does not.
//
// C API (safe to call from any thread; keeps no state):
//
//   int s3cpu_sgemm_at(void* cblas_sgemm, const float* a, long long aOff, int lda, const float* b, long long bOff,
//                      int ldb, int transB, int m, int n, int k, float beta, float* c, long long cOff, int ldc)
//       C = A · op(B) + beta · C, row-major: the m × k matrix A from a + aOff (rows lda floats apart), op(B) k × n from
//       b + bOff (B stored k × n, ldb apart, or n × k transposed when transB is 1), C m × n from c + cOff (ldc apart),
//       through the CBLAS function at cblas_sgemm. Returns 0, or -1 (nothing written) for a null function, negative
//       sizes or leading dimensions too small for their rows.
#ifndef SAM3J_CPU_SGEMM_H
#define SAM3J_CPU_SGEMM_H

/** CBLAS's cblas_sgemm; its enumerations are passed as their int values (CBLAS 101 row-major, 111 no, 112 transpose). */
typedef void (*s3cpu_cblas_sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha,
                                     const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);

static inline int s3cpu_sgemm_at(void* cblas_sgemm, const float* a, long long aOff, int lda, const float* b,
                                 long long bOff, int ldb, int transB, int m, int n, int k, float beta, float* c,
                                 long long cOff, int ldc) {
    const int bRow = transB ? k : n;
    if (cblas_sgemm == 0 || m < 0 || n < 0 || k < 0 || lda < (k > 1 ? k : 1) || ldb < (bRow > 1 ? bRow : 1)
        || ldc < (n > 1 ? n : 1)) {
        return -1;
    }
    reinterpret_cast<s3cpu_cblas_sgemm_fn>(cblas_sgemm)(101, 111, transB ? 112 : 111, m, n, k, 1.0f, a + aOff, lda,
                                                        b + bOff, ldb, beta, c + cOff, ldc);
    return 0;
}

#endif
