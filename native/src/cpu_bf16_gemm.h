// sam3j's BF16 matrix product on the CPU, header-only: on Intel AMX (Advanced Matrix Extensions), or with AVX512-BF16's
// dot products (AMD Zen 4 and 5, Intel Cooper Lake) where the CPU has no tile unit. The OpenBLAS backend
// (sam3-native/openblas, class CpuKernels) compiles it into its JNI library with JavaCPP's Builder
// (native/cpu-jni.sh); native/test/cpu_bf16_gemm_test.cpp checks it against a double-precision reference.
//
// Why: a graph at BF16 precision (org.sam3j.graph.PrecisionPolicy) multiplies operands that are BF16 values and
// accumulates in FP32. A product of two BF16 values is exact in FP32, so AMX's TDPBF16PS and AVX512-BF16's
// VDPBF16PS compute the same products as an FP32 GEMM of the rounded values, in another order of addition: at up to
// 20 times the rate of AVX-512 FP32 on the same core (AMX), or twice it (AVX512-BF16: each lane of a vector
// multiplies and adds a pair of values a cycle, where FP32 does one).
//
// C API (safe to call from any thread; no state beyond the process's one-time AMX permission):
//
//   int s3cpu_amx_supported(void)
//       1 when this CPU has AMX-TILE, AMX-BF16 and AVX512-BF16 and the OS lets this process use the tile data
//       (Linux: arch_prctl(ARCH_REQ_XCOMP_PERM)), else 0.
//
//   int s3cpu_bf16_kernel(void)
//       the fastest kernel this CPU and OS run: S3CPU_BF16_AMX (2), S3CPU_BF16_AVX512 (1: AVX512-BF16 with AVX512F,
//       BW and VL, and no AMX) or S3CPU_BF16_NONE (0). A CPU with AMX runs both.
//
//   long long s3cpu_bf16_packed_shorts(int k, int n)
//       BF16 values that s3cpu_bf16_pack fills for a k x n op(B): k and n rounded up to 32.
//
//   void s3cpu_bf16_pack(const float* b, long long ldb, int transb, int k, int n, int jb0, int jb1,
//                        unsigned short* packed)
//       op(B) (k x n; B row-major [k, n], or [n, k] if transb, rows ldb floats apart) rounded to BF16 (nearest,
//       ties to even) into AMX's tile layout: for each block of 16 columns, for each step of 32 rows, a 16 x 32
//       tile whose row r holds the pairs (2r, 2r+1) of the step's rows column by column; padding is 0. Writes the
//       blocks jb0 <= jb < jb1 of the round32(n) / 16 (so that threads can share the packing). A tile row is also
//       the operand of one VDPBF16PS: the same packing serves both kernels.
//
//   long long s3cpu_bf16_gemm_scratch(int k)
//       bytes of scratch memory s3cpu_bf16_gemm needs for an inner dimension k (any alignment).
//
//   int s3cpu_bf16_gemm(const float* a, long long lda, int m, const unsigned short* packed, int k, int n,
//                       int j0, int j1, const float* bias, int act, float* c, long long ldc, void* scratch,
//                       int kernel)
//       C[i, j] = bf16(sum_p bf16(A[i, p]) * B[p, j] (+ bias[j])) for the m rows of A (lda floats apart) and the
//       columns j0 <= j < j1 of the packed op(B) (j0 a multiple of 32), written to those columns of C (c is
//       C[0, 0], rows ldc >= j1 floats apart; other columns untouched). The products are exact and summed in
//       FP32; each value of C is rounded to BF16 (nearest, ties to even) and stored as a float, as a BF16 graph
//       stores a product; act 1 (s3amx::ACT_GELU; 0 none) then stores GELU of that value instead (FP32, as the
//       graph's GELU after the product: the arithmetic of sam3j's Java GELU, org.sam3j.backend.cpu.CpuGelu, so the
//       same floats). scratch: s3cpu_bf16_gemm_scratch(k) bytes, not shared with a concurrent call. kernel:
//       S3CPU_BF16_AMX or S3CPU_BF16_AVX512 (the two sum in different orders, so their values may differ in the
//       last bit of BF16). Returns 0, or -1 (nothing written) for bad arguments or a kernel this CPU/OS does not run.
//
//   int s3cpu_bf16_gemm_at(const float* a, long long aoff, long long lda, int m, const unsigned short* packed,
//                          int k, int n, int j0, int j1, const float* bias, int act, float* c, long long coff,
//                          long long ldc, void* scratch, int kernel)
//       s3cpu_bf16_gemm on a + aoff and c + coff: for callers that hold whole arrays (Java's, in place).
#ifndef SAM3J_CPU_BF16_GEMM_H
#define SAM3J_CPU_BF16_GEMM_H

#include <stdint.h>
#include <string.h>

// AMX intrinsics need GCC 11 or Clang 12; an older compiler builds the refusing stubs
#if defined(__x86_64__) && defined(__linux__) && \
    ((defined(__clang__) && __clang_major__ >= 12) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 11))
#define S3AMX_X86 1
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define S3AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16,avx512bw,avx512vl,prfchw")))
#else
#define S3AMX_X86 0
#endif

/** s3cpu_bf16_kernel's answers, and s3cpu_bf16_gemm's kernel. */
#define S3CPU_BF16_NONE 0
#define S3CPU_BF16_AVX512 1
#define S3CPU_BF16_AMX 2

namespace s3amx {

/** Columns and rows of one tile of C (16 x 16 floats); a step of the inner dimension is 32 BF16 values. */
constexpr int TILE = 16;
constexpr int STEP = 32;
/** Rows of A converted to BF16 at a time: the chunk (at most 128 x 4096 x 2 bytes = 1 MiB) stays in L2. */
constexpr int CHUNK_ROWS = 128;
/** Steps of the inner dimension ahead that B's tiles are prefetched into L1. */
constexpr int PREFETCH_STEPS = 2;

inline long long round32(long long v) { return (v + 31) / 32 * 32; }

/** Activations the product can apply to the values it stores (s3cpu_bf16_gemm's act). */
constexpr int ACT_NONE = 0;
constexpr int ACT_GELU = 1;

/** BF16 nearest to f, ties to even; NaN stays NaN. */
inline uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

#if S3AMX_X86
struct TileConfig {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
};

/** Tiles 0-3: C (16 x 16 floats); 4, 5: A (16 rows x 32 BF16); 6, 7: B (16 pairs of rows x 16 columns). */
S3AMX_TARGET static inline void configure() {
    TileConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) {
        cfg.rows[t] = TILE;
        cfg.colsb[t] = 64;
    }
    _tile_loadconfig(&cfg);
}

/** The lanes of a row of 16 values that lie before value `cols` (none for cols <= 0). */
static inline __mmask16 columns_mask(int cols) {
    return cols <= 0 ? (__mmask16)0 : cols >= TILE ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
}

/**
 * Rows [0, rows) of A, columns [0, k), to BF16 in tile order: for each block of 16 rows, for each step of 32
 * columns, a 16 x 32 tile (1 KiB, so a tile load reads consecutive lines; rows of A a power of two apart would map
 * to a few sets of L1). Columns beyond k and rows up to a multiple of 32 are zero.
 */
S3AMX_TARGET static void convert_rows(const float* a, long long lda, int rows, int k, int kp, uint16_t* out) {
    const int steps = kp / STEP, full = k / STEP * STEP;
    const int padded = (rows + 2 * TILE - 1) / (2 * TILE) * (2 * TILE);
    for (int i = 0; i < padded; i++) {
        uint16_t* dst = out + (long long)(i / TILE) * steps * (TILE * STEP) + (i % TILE) * STEP;
        if (i >= rows) {
            for (int s = 0; s < steps; s++) _mm512_storeu_si512(dst + s * (TILE * STEP), _mm512_setzero_si512());
            continue;
        }
        const float* src = a + i * lda;
        int p = 0;
        for (; p < full; p += STEP) {
            __m512 lo = _mm512_loadu_ps(src + p);
            __m512 hi = _mm512_loadu_ps(src + p + 16);
            _mm512_storeu_si512(dst + (p / STEP) * (TILE * STEP), (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        }
        if (p < k) {
            int left = k - p;
            __mmask16 mlo = columns_mask(left), mhi = columns_mask(left - 16);
            __m512 lo = _mm512_maskz_loadu_ps(mlo, src + p);
            __m512 hi = _mm512_maskz_loadu_ps(mhi, src + p + 16);
            _mm512_storeu_si512(dst + (p / STEP) * (TILE * STEP), (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
            p += STEP;
        }
        for (; p < kp; p += STEP) _mm512_storeu_si512(dst + (p / STEP) * (TILE * STEP), _mm512_setzero_si512());
    }
}

/**
 * Exact (erf) GELU, 0.5 x (1 + erf(x / sqrt 2)), with erf the rational approximation of sam3j's Java kernels
 * (org.sam3j.backend.cpu.CpuGelu, VectorGelu: the argument clamped to [-4, 4], x P(x^2) / Q(x^2)) in the same order
 * of the same fused multiply-adds, so the same floats (a NaN stays NaN).
 */
S3AMX_TARGET static inline __m512 gelu_ps(__m512 v) {
    // min/max with the constant first: a NaN argument is returned, as Java's min/max return NaN (the masked forms:
    // GCC 12 warns of the unmasked ones' undefined pass-through operand)
    __m512 scaled = _mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f));
    __m512 u = _mm512_maskz_max_ps(0xffff, _mm512_set1_ps(-4.0f),
                                   _mm512_maskz_min_ps(0xffff, _mm512_set1_ps(4.0f), scaled));
    __m512 u2 = _mm512_mul_ps(u, u);
    __m512 p = _mm512_fmadd_ps(u2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(u2, p, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(u2, p, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(u2, p, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(u2, p, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(u2, p, _mm512_set1_ps(-1.60960333262415e-02f));
    __m512 q = _mm512_fmadd_ps(u2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(u2, q, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(u2, q, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(u2, q, _mm512_set1_ps(-1.42647390514189e-02f));
    __m512 erf = _mm512_div_ps(_mm512_mul_ps(u, p), q);
    return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.5f)), _mm512_add_ps(erf, _mm512_set1_ps(1.0f)));
}

/** Each value rounded to BF16 (nearest, ties to even) and held as a float, as a BF16 graph stores a value. */
S3AMX_TARGET static inline __m512 round_bf16_ps(__m512 v) {
    __m256bh h = _mm512_cvtneps_pbh(v);
    // (the masked forms: GCC 12 warns of the unmasked ones' undefined pass-through operand)
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, _mm512_maskz_cvtepu16_epi32(0xffff, (__m256i)h), 16));
}

/**
 * Stores one row of 16 sums of C (+ b, the bias of those columns) into the lanes `mask` of c: rounded to BF16
 * (nearest, ties to even) and held as floats, as a BF16 graph stores a product; with ACT_GELU, GELU of that value.
 */
S3AMX_TARGET static inline void store_row(__m512 sums, __m512 b, int act, __mmask16 mask, float* c) {
    __m512 value = round_bf16_ps(_mm512_add_ps(sums, b));
    if (act == ACT_GELU) value = gelu_ps(value);
    _mm512_mask_storeu_ps(c, mask, value);
}

/** Stores a 16 x 16 float tile's rows [0, rows) and columns [0, cols) of `tile` (+ bias) into C (store_row). */
S3AMX_TARGET static inline void store_tile(const float* tile, int rows, int cols, const float* bias, int act, float* c,
                                           long long ldc) {
    __mmask16 mask = columns_mask(cols);
    __m512 b = bias ? _mm512_maskz_loadu_ps(mask, bias) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) store_row(_mm512_loadu_ps(tile + r * TILE), b, act, mask, c + r * ldc);
}

static int permission() {
    const long ARCH_REQ_XCOMP_PERM = 0x1023;
    const long XFEATURE_XTILEDATA = 18;
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 ? 1 : 0;
}
#endif

/** Whether this CPU has AVX512-BF16 and the AVX-512 subsets the kernels use with it (F, BW, VL). */
static inline bool avx512_bf16() {
#if S3AMX_X86
    static const bool supported = [] {
        __builtin_cpu_init();
        unsigned eax, ebx, ecx, edx;
        __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(1));
        return ((eax >> 5) & 1u) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl");
    }();
    return supported;
#else
    return false;
#endif
}
}  // namespace s3amx

static inline int s3cpu_amx_supported(void) {
#if S3AMX_X86
    // the permission is the process's; asking again is harmless, so a static answer is only a cache
    static const int supported = [] {
        __builtin_cpu_init();
        unsigned eax, ebx, ecx, edx;
        __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
        bool tile = (edx >> 24) & 1u, bf16 = (edx >> 22) & 1u;
        if (!(tile && bf16 && s3amx::avx512_bf16())) return 0;
        return s3amx::permission();
    }();
    return supported;
#else
    return 0;
#endif
}

static inline int s3cpu_bf16_kernel(void) {
    return s3cpu_amx_supported() ? S3CPU_BF16_AMX : s3amx::avx512_bf16() ? S3CPU_BF16_AVX512 : S3CPU_BF16_NONE;
}

/** Whether this CPU and OS run the kernel (S3CPU_BF16_AMX or S3CPU_BF16_AVX512); a CPU with AMX runs both. */
static inline bool s3cpu_bf16_runs(int kernel) {
    return (kernel == S3CPU_BF16_AMX || kernel == S3CPU_BF16_AVX512) && kernel <= s3cpu_bf16_kernel();
}

static inline long long s3cpu_bf16_packed_shorts(int k, int n) {
    if (k < 1 || n < 1) return 0;
    return s3amx::round32(k) * s3amx::round32(n);
}

#if S3AMX_X86
namespace s3amx {
/**
 * A whole tile of a transposed B on AVX-512 from its 16 columns of 32 consecutive values each (col[c] the first of
 * column c): each column's 32 values rounded at once, their 16 pairs scattered to the tile's 16 rows.
 */
S3AMX_TARGET static void pack_tile_columns(const float* const* col, uint16_t* tile) {
    const __m512i rows = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(STEP / 2));
    for (int c = 0; c < TILE; c++) {
        __m512i pairs = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(col[c] + 16), _mm512_loadu_ps(col[c]));
        _mm512_i32scatter_epi32((int*)tile + c, rows, pairs, 4);
    }
}

/** A whole tile of a transposed B (16 columns of 32 consecutive values each, all inside B). */
S3AMX_TARGET static void pack_tile_transposed(const float* b, long long ldb, int j0, int p0, uint16_t* tile) {
    const float* col[TILE];
    for (int c = 0; c < TILE; c++) col[c] = b + (j0 + c) * ldb + p0;
    pack_tile_columns(col, tile);
}
}  // namespace s3amx
#endif

static inline void s3cpu_bf16_pack(const float* b, long long ldb, int transb, int k, int n, int jb0, int jb1,
                                   unsigned short* packed) {
    using namespace s3amx;
    int kp = (int)round32(k), np = (int)round32(n);
    int steps = kp / STEP;
    if (jb0 < 0) jb0 = 0;
    if (jb1 > np / TILE) jb1 = np / TILE;
    const bool vector = transb && s3cpu_bf16_kernel() != S3CPU_BF16_NONE;
    for (int jb = jb0; jb < jb1; jb++) {
        for (int s = 0; s < steps; s++) {
            uint16_t* tile = packed + ((long long)jb * steps + s) * (TILE * STEP);
#if S3AMX_X86
            if (vector && (jb + 1) * TILE <= n && (s + 1) * STEP <= k) {
                pack_tile_transposed(b, ldb, jb * TILE, s * STEP, tile);
                continue;
            }
#else
            (void)vector;
#endif
            for (int r = 0; r < TILE; r++) {
                for (int col = 0; col < TILE; col++) {
                    int j = jb * TILE + col;
                    for (int q = 0; q < 2; q++) {
                        int p = s * STEP + 2 * r + q;
                        float v = 0;
                        if (p < k && j < n) v = transb ? b[j * ldb + p] : b[p * ldb + j];
                        tile[r * STEP + col * 2 + q] = to_bf16(v);
                    }
                }
            }
        }
    }
}

static inline long long s3cpu_bf16_gemm_scratch(int k) {
    if (k < 1) return 0;
    // room to align to a cache line, the chunk of A in BF16, then one 16 x 16 float tile of C
    return 64 + (long long)s3amx::CHUNK_ROWS * s3amx::round32(k) * 2 + s3amx::TILE * s3amx::TILE * 4;
}

#if S3AMX_X86
S3AMX_TARGET static int s3amx_gemm(const float* a, long long lda, int m, const unsigned short* packed, int k, int n,
                                   int j0, int j1, const float* bias, int act, float* c, long long ldc, void* scratch) {
    using namespace s3amx;
    (void)n;
    const int kp = (int)round32(k), steps = kp / STEP;
    // tile rows on cache lines: a 64-byte row that straddles two lines costs each tile load twice (malloc, and so a
    // JavaCPP pointer, gives 16-byte alignment; 520 -> 760 GFLOP/s on one core)
    uint16_t* chunk = (uint16_t*)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float* tile = (float*)((char*)chunk + (long long)CHUNK_ROWS * kp * 2);
    const long long tileShorts = TILE * STEP;
    configure();
    for (int i0 = 0; i0 < m; i0 += CHUNK_ROWS) {
        int rows = m - i0 < CHUNK_ROWS ? m - i0 : CHUNK_ROWS;
        convert_rows(a + i0 * lda, lda, rows, k, kp, chunk);
        for (int j = j0; j < j1; j += 2 * TILE) {
            const uint16_t* b0 = packed + (long long)(j / TILE) * steps * tileShorts;
            const uint16_t* b1 = b0 + steps * tileShorts;
            for (int r = 0; r < rows; r += 2 * TILE) {
                const uint16_t* a0 = chunk + (long long)(r / TILE) * steps * tileShorts;
                const uint16_t* a1 = a0 + steps * tileShorts;
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
                for (int s = 0; s < steps; s++) {
                    // B of two steps on into L1: a wide B (the encoder's 3072 and 4096 columns) comes from L3 once
                    // per chunk of rows, and the tile loads wait for it otherwise (575 -> 740 GFLOP/s on one core)
                    if (s + PREFETCH_STEPS < steps) {
                        const char* nb0 = (const char*)(b0 + (s + PREFETCH_STEPS) * tileShorts);
                        const char* nb1 = (const char*)(b1 + (s + PREFETCH_STEPS) * tileShorts);
                        for (int l = 0; l < TILE * STEP * 2; l += 64) {
                            _mm_prefetch(nb0 + l, _MM_HINT_T0);
                            _mm_prefetch(nb1 + l, _MM_HINT_T0);
                        }
                    }
                    // the 32 rows of C this block writes, one a step, fetched for writing: the stores after the
                    // last step would wait for each line otherwise (+10 % on one core, +18 % on two)
                    if (s < 2 * TILE && r + s < rows) {
                        const char* row = (const char*)(c + (i0 + r + s) * ldc + j);
                        __builtin_prefetch(row, 1, 3);
                        __builtin_prefetch(row + 64, 1, 3);
                        __builtin_prefetch(row + 127, 1, 3);
                    }
                    _tile_loadd(4, a0 + s * tileShorts, 64);
                    _tile_loadd(5, a1 + s * tileShorts, 64);
                    _tile_loadd(6, b0 + s * tileShorts, 64);
                    _tile_loadd(7, b1 + s * tileShorts, 64);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                    _tile_dpbf16ps(2, 5, 6);
                    _tile_dpbf16ps(3, 5, 7);
                }
                // the four tiles of C: rows r, r + 16 of the chunk by columns j, j + 16
                for (int t = 0; t < 4; t++) {
                    int tr = r + (t >> 1) * TILE, tc = j + (t & 1) * TILE;
                    int vr = rows - tr, vc = j1 - tc;
                    if (vr <= 0 || vc <= 0) continue;
                    switch (t) {
                        case 0: _tile_stored(0, tile, 64); break;
                        case 1: _tile_stored(1, tile, 64); break;
                        case 2: _tile_stored(2, tile, 64); break;
                        default: _tile_stored(3, tile, 64); break;
                    }
                    store_tile(tile, vr < TILE ? vr : TILE, vc < TILE ? vc : TILE, bias ? bias + tc : nullptr, act,
                               c + (i0 + tr) * ldc + tc, ldc);
                }
            }
        }
    }
    _tile_release();
    return 0;
}
#endif

#if S3AMX_X86
namespace s3amx {
/** Rows of C one block of the AVX512-BF16 kernel holds in registers, by 32 columns: 16 accumulators. */
constexpr int AVX_ROWS = 8;

/** Rows [0, rows) of a 32-column block of C held in registers (+ bias) into C's columns [0, cols) (store_row). */
S3AMX_TARGET static inline void store_rows(const __m512 (&acc)[AVX_ROWS][2], int rows, int cols, const float* bias,
                                           int act, float* c, long long ldc) {
    for (int h = 0; h < 2 && cols > h * TILE; h++) {
        __mmask16 mask = columns_mask(cols - h * TILE);
        __m512 b = bias ? _mm512_maskz_loadu_ps(mask, bias + h * TILE) : _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) store_row(acc[r][h], b, act, mask, c + r * ldc + h * TILE);
    }
}

/**
 * The product on AVX512-BF16: A converted per chunk of rows into the AMX kernel's tile layout (a row's 32 values of
 * a step are one 64-byte line), then blocks of 8 rows x 32 columns of C in 16 registers over the whole inner
 * dimension. A step of a pair of rows is one VDPBF16PS per accumulator: the pair of A's row broadcast to every lane
 * (a 32-bit load), times the packed tile row of B that holds the same pair of rows for 16 columns.
 */
S3AMX_TARGET static int avx512_gemm(const float* a, long long lda, int m, const unsigned short* packed, int k,
                                    const float* bias, int act, float* c, long long ldc, int j0, int j1,
                                    void* scratch) {
    const int kp = (int)round32(k), steps = kp / STEP;
    uint16_t* chunk = (uint16_t*)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    const long long tileShorts = TILE * STEP;
    for (int i0 = 0; i0 < m; i0 += CHUNK_ROWS) {
        int rows = m - i0 < CHUNK_ROWS ? m - i0 : CHUNK_ROWS;
        convert_rows(a + i0 * lda, lda, rows, k, kp, chunk);
        for (int j = j0; j < j1; j += 2 * TILE) {
            const uint16_t* b0 = packed + (long long)(j / TILE) * steps * tileShorts;
            const uint16_t* b1 = b0 + steps * tileShorts;
            for (int r = 0; r < rows; r += AVX_ROWS) {
                // (rows past the chunk's are zeros that convert_rows wrote: read, never stored)
                const uint16_t* a0 = chunk + (long long)(r / TILE) * steps * tileShorts + (r % TILE) * STEP;
                __m512 acc[AVX_ROWS][2];
                for (int i = 0; i < AVX_ROWS; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
                for (int s = 0; s < steps; s++) {
                    const uint16_t* as = a0 + s * tileShorts;
                    const uint16_t* bs0 = b0 + s * tileShorts;
                    const uint16_t* bs1 = b1 + s * tileShorts;
#pragma GCC unroll 16
                    for (int p = 0; p < TILE; p++) {
                        __m512bh y0 = (__m512bh)_mm512_loadu_si512(bs0 + p * STEP);
                        __m512bh y1 = (__m512bh)_mm512_loadu_si512(bs1 + p * STEP);
#pragma GCC unroll 8
                        for (int i = 0; i < AVX_ROWS; i++) {
                            int pair;
                            memcpy(&pair, as + i * STEP + 2 * p, 4);
                            __m512bh x = (__m512bh)_mm512_set1_epi32(pair);
                            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], y0, x);
                            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], y1, x);
                        }
                    }
                }
                int valid = rows - r < AVX_ROWS ? rows - r : AVX_ROWS;
                store_rows(acc, valid, j1 - j < 2 * TILE ? j1 - j : 2 * TILE, bias ? bias + j : nullptr, act,
                           c + (i0 + r) * ldc + j, ldc);
            }
        }
    }
    return 0;
}
}  // namespace s3amx
#endif

static inline int s3cpu_bf16_gemm(const float* a, long long lda, int m, const unsigned short* packed, int k, int n,
                                  int j0, int j1, const float* bias, int act, float* c, long long ldc, void* scratch,
                                  int kernel) {
#if S3AMX_X86
    if (m < 0 || k < 1 || n < 1 || j0 < 0 || j0 % 32 != 0 || j1 > n || j0 > j1 || lda < k || ldc < j1 ||
        (act != s3amx::ACT_NONE && act != s3amx::ACT_GELU) || !s3cpu_bf16_runs(kernel)) {
        return -1;
    }
    if (m == 0 || j0 == j1) return 0;
    if (kernel == S3CPU_BF16_AVX512) {
        return s3amx::avx512_gemm(a, lda, m, packed, k, bias, act, c, ldc, j0, j1, scratch);
    }
    return s3amx_gemm(a, lda, m, packed, k, n, j0, j1, bias, act, c, ldc, scratch);
#else
    (void)a; (void)lda; (void)m; (void)packed; (void)k; (void)n; (void)j0; (void)j1; (void)bias; (void)act; (void)c;
    (void)ldc; (void)scratch; (void)kernel;
    return -1;
#endif
}

static inline int s3cpu_bf16_gemm_at(const float* a, long long aoff, long long lda, int m, const unsigned short* packed,
                                     int k, int n, int j0, int j1, const float* bias, int act, float* c, long long coff,
                                     long long ldc, void* scratch, int kernel) {
    if (a == nullptr || c == nullptr || aoff < 0 || coff < 0) return -1;
    return s3cpu_bf16_gemm(a + aoff, lda, m, packed, k, n, j0, j1, bias, act, c + coff, ldc, scratch, kernel);
}

#endif
