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
//
//   int s3cpu_rows_gemm_at(const float* a, long long aOff, int lda, const float* b, long long bOff, int ldb, int m,
//                          int n, int k, float beta, float* c, long long cOff, int ldc)
//       C = A · Bᵀ + beta · C for a few rows of A (1 <= m <= S3CPU_ROWS_MAX) and B stored n × k (a weight's rows, ldb
//       apart), each row of B read once and multiplied with every row of A, AVX2 + FMA. Why: OpenBLAS packs B for every
//       call, so a product of 8 rows (the text encoder's on a short phrase) read each weight about three times and ran
//       at a third of the memory's rate. Returns 0, or -1 (nothing written) for other sizes or a CPU without AVX2/FMA.
//
//   const char* s3cpu_openblas_core_name(void* openblas_get_corename)
//       The name of the kernels the loaded OpenBLAS runs (Haswell, Zen, SkylakeX, Cooperlake, ...), from its
//       openblas_get_corename at the given address (which the presets do not bind), or null for a null address.
#ifndef SAM3J_CPU_SGEMM_H
#define SAM3J_CPU_SGEMM_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define S3CPU_ROWS_X86 1
#else
#define S3CPU_ROWS_X86 0
#endif

/** The most rows of A s3cpu_rows_gemm_at takes: one accumulator per row, eight of the sixteen vector registers. */
#define S3CPU_ROWS_MAX 8

/** CBLAS's cblas_sgemm; its enumerations are passed as their int values (CBLAS 101 row-major, 111 no, 112 transpose). */
typedef void (*s3cpu_cblas_sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha,
                                     const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);

typedef char* (*s3cpu_openblas_corename_fn)(void);

static inline const char* s3cpu_openblas_core_name(void* openblas_get_corename) {
    return openblas_get_corename ? reinterpret_cast<s3cpu_openblas_corename_fn>(openblas_get_corename)() : 0;
}

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

#if S3CPU_ROWS_X86
namespace s3cpu_rows {

/** C's M rows at column j: the dot products of A's rows with row j of B, 8 channels at a time, then the tail. */
template <int M>
__attribute__((target("avx2,fma"))) static void column(const float* a, long long lda, const float* bj, int k,
                                                       float beta, float* c, long long ldc) {
    __m256 acc[M];
    for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
    int x = 0;
    for (; x + 8 <= k; x += 8) {
        const __m256 bv = _mm256_loadu_ps(bj + x);
        for (int i = 0; i < M; i++) acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i * lda + x), bv, acc[i]);
    }
    for (int i = 0; i < M; i++) {
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        float sum = _mm_cvtss_f32(h);
        const float* ai = a + i * lda;
        for (int t = x; t < k; t++) sum += ai[t] * bj[t];
        c[i * ldc] = beta == 0.f ? sum : sum + beta * c[i * ldc];
    }
}

/** Every column of C: one row of B at a time, read once for all M rows of A. */
template <int M>
static void columns(const float* a, long long lda, const float* b, long long ldb, int n, int k, float beta, float* c,
                    long long ldc) {
    for (int j = 0; j < n; j++) column<M>(a, lda, b + j * ldb, k, beta, c + j, ldc);
}

}  // namespace s3cpu_rows
#endif

static inline int s3cpu_rows_gemm_at(const float* a, long long aOff, int lda, const float* b, long long bOff, int ldb,
                                     int m, int n, int k, float beta, float* c, long long cOff, int ldc) {
#if S3CPU_ROWS_X86
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || m < 1 || m > S3CPU_ROWS_MAX || n < 0
        || k < 0 || aOff < 0 || bOff < 0 || cOff < 0 || lda < (k > 1 ? k : 1) || ldb < (k > 1 ? k : 1)
        || ldc < (n > 1 ? n : 1)) {
        return -1;
    }
    a += aOff;
    b += bOff;
    c += cOff;
    switch (m) {
        case 1: s3cpu_rows::columns<1>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        case 2: s3cpu_rows::columns<2>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        case 3: s3cpu_rows::columns<3>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        case 4: s3cpu_rows::columns<4>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        case 5: s3cpu_rows::columns<5>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        case 6: s3cpu_rows::columns<6>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        case 7: s3cpu_rows::columns<7>(a, lda, b, ldb, n, k, beta, c, ldc); break;
        default: s3cpu_rows::columns<8>(a, lda, b, ldb, n, k, beta, c, ldc); break;
    }
    return 0;
#else
    (void) a; (void) aOff; (void) lda; (void) b; (void) bOff; (void) ldb; (void) m; (void) n; (void) k; (void) beta;
    (void) c; (void) cOff; (void) ldc;
    return -1;
#endif
}

#endif
