// sam3j's CPU attention kernel: fp32 scaled dot-product attention with an online softmax ("flash" attention) on
// AVX2 + FMA, header-only. The OpenBLAS backend (sam3-native/openblas, class CpuKernels) compiles it into its JNI
// library with JavaCPP's Builder (native/cpu-jni.sh); native/test/cpu_attention_test.cpp checks it against a
// double-precision reference in every build.
//
// Why native: on AVX2 machines JDK 17's C2 runs every Java attention kernel at 30-46 GFLOP/s and OpenBLAS's
// products around a softmax reach about 60 (heads of 32 and 64 are too thin for its panels); this kernel keeps a
// tile of scores in registers and L1 and runs at about twice that
// (sam3-bench/results/native-attention-2026-12-03).
//
// C API (all functions are safe to call from any thread; they keep no state):
//
//   int s3cpu_supported(void)
//       1 when this CPU and OS run the kernel (x86-64 with AVX2 and FMA), else 0.
//
//   long long s3cpu_attention_scratch(int tk, int d, int dv)
//       floats of scratch memory s3cpu_attention_f32 needs for tk keys.
//
//   int s3cpu_attention_f32(const float* q, long long ldq, const float* k, long long ldk,
//                           const float* v, long long ldv, float* y, long long ldy,
//                           int tq, int tk, int d, int dv, float scale, float* scratch)
//       one head: y[i] = sum_j softmax_j(scale * q[i].k[j]) v[j] for the tq query rows of q (ldq floats apart),
//       the tk key rows of k (ldk apart) and value rows of v (ldv apart), writing the tq rows of y (ldy apart).
//       Heads of d = dv = 32 or 64 channels, tk >= 1. scratch: s3cpu_attention_scratch(tk, d, dv) floats, not
//       shared with a concurrent call. Returns 0, or -1 (nothing written) for another shape or a CPU without
//       AVX2/FMA.
//
//   int s3cpu_attention_f32_at(const float* q, long long qOff, long long ldq, const float* k, long long kOff,
//                              long long ldk, const float* v, long long vOff, long long ldv, float* y, long long yOff,
//                              long long ldy, const float* bias, long long biasOff, long long ldBias, int tq, int tk,
//                              int d, int run, int gridW, float scale, float* scratch)
//       one head on q + qOff, k + kOff, v + vOff and y + yOff, the form the OpenBLAS backend calls on its Java arrays
//       in place (a JNI critical region; see cpu_sgemm.h): y[i] = sum_j softmax_j(scale * q[i].k[j] + bias[i, j]) v[j].
//       bias: null, or rows of tk values from bias + biasOff, ldBias apart (0: one row for every query); -inf masks
//       a key (a query whose keys are all masked gets NaN, as PyTorch's). Row r of each operand lies
//       ((r / run) * gridW + r % run) rows of its ld* floats from the first: the tokens of a run x run window of a
//       token grid gridW tokens wide, read and written in place; run = gridW = 1 for consecutive rows. Returns as
//       s3cpu_attention_f32, and -1 for bad offsets or rows.
#ifndef SAM3J_CPU_ATTENTION_H
#define SAM3J_CPU_ATTENTION_H

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define S3CPU_X86 1
#include <immintrin.h>
#define S3CPU_AVX2 __attribute__((target("avx2,fma")))
#else
#define S3CPU_X86 0
#endif

namespace s3cpu {

/** Queries per tile: 6 rows × 16 keys of scores are 12 of the 16 vector registers. */
constexpr int TILE_QUERIES = 6;
/**
 * Keys per step of the online softmax for heads of D channels: a step's packed keys and values are 64 KiB (they stay
 * in L2 while every tile of a block of queries reads them), 256 keys for heads of 32 and 128 for heads of 64. Longer
 * steps spend less on the softmax's per-step work (maxima, rescaling), but for heads of 64 steps of 256 keys ran
 * slower than 128 (sam3-bench/results/zen3-attention-steps-2026-12-06).
 */
template <int D>
constexpr int step_keys() { return 8192 / D; }
/**
 * Floats from one row of a step's transposed keys to the next: the step's keys plus 16. The scores read a column of
 * 16 keys down all D rows; rows a power of two apart would fall into a few sets of the L1 cache (8 for 128 keys, 4 for
 * 256), which those D lines alone fill.
 */
template <int D>
constexpr int kt_ld() { return step_keys<D>() + 16; }
/** Keys per group of score columns (two 8-float vectors). */
constexpr int KEY_GROUP = 16;

/**
 * The degree-6 minimax polynomial of 2^f for f in [-0.5, 0.5], highest power first (Horner's rule): relative error
 * about 2e-7. Shared by the AVX2 kernel here and the AVX-512 one of cpu_bf16_attention.h.
 */
constexpr float EXP2_POLY[7] = {1.535336188319500e-4f, 1.339887440266574e-3f, 9.618437357674640e-3f,
                                5.550332471162809e-2f, 2.402264791363012e-1f, 6.931472028550421e-1f, 1.0f};

/**
 * Rows of one head: row r at ((r / run) · gridw + r % run) · ld floats from base (a window, or consecutive rows). The
 * AMX kernels of cpu_bf16_attention.h address theirs alike.
 */
struct Rows {
    const float* base;
    long long ld;
    int run;
    int gridw;

    const float* at(int r) const { return base + ((long long) (r / run) * gridw + r % run) * ld; }
};

#if S3CPU_X86
/**
 * 2^x for x <= 0: degree-6 minimax polynomial on the fraction ({@code EXP2_POLY}), relative error about 2e-7. Below
 * -126.5 (and for -inf) the exponent field is 0, so the result is exactly 0 (no subnormals).
 */
S3CPU_AVX2 static inline __m256 exp2_ps(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-127.0f));
    __m256 whole = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 f = _mm256_sub_ps(x, whole);   // in [-0.5, 0.5]
    __m256 p = _mm256_set1_ps(EXP2_POLY[0]);
    for (int i = 1; i < 7; i++) p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EXP2_POLY[i]));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(whole), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

S3CPU_AVX2 static inline float hmax(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}

S3CPU_AVX2 static inline float hsum(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}

/**
 * The running state of one tile of up to TILE_QUERIES queries: the queries pre-scaled by scale·log2(e) (so that the
 * softmax uses 2^x), the running maxima and sums, and the unnormalised output.
 */
template <int D>
struct alignas(32) TileState {
    float q[TILE_QUERIES][D];
    float o[TILE_QUERIES][D];
    float m[TILE_QUERIES];
    float l[TILE_QUERIES];
};

/**
 * One step of the online softmax for one tile: the scores against kc keys (kt: the step's keys transposed, D rows
 * kt_ld floats apart; vp: their values, kc rows of D floats), plus the bias (null, or each query's row of the step's kc
 * values) times log2 e, the new maxima, the weights, and o += p · v.
 */
template <int D>
S3CPU_AVX2 static void tile_step(TileState<D>& st, const float* kt, const float* vp, int kc,
                                 const float* const* bias) {
    constexpr int KT_LD = kt_ld<D>();
    alignas(32) float s[TILE_QUERIES][step_keys<D>()];
    const __m256 minusInf = _mm256_set1_ps(-INFINITY);
    const __m256 log2e = _mm256_set1_ps(1.4426950408889634f);
    const int kcp = (kc + KEY_GROUP - 1) / KEY_GROUP * KEY_GROUP;
    // scores s = q · kᵀ, 6 queries × 16 keys in registers (named, not an array: GCC kept an array of accumulators in
    // memory too, one store per multiply-add); the row maxima on the way
    __m256 mx0 = minusInf, mx1 = minusInf, mx2 = minusInf, mx3 = minusInf, mx4 = minusInf, mx5 = minusInf;
    for (int j = 0; j < kcp; j += KEY_GROUP) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        const float* kp = kt + j;
        for (int x = 0; x < D; x++) {
            const __m256 k0 = _mm256_load_ps(kp + x * KT_LD), k1 = _mm256_load_ps(kp + x * KT_LD + 8);
            __m256 qb = _mm256_broadcast_ss(&st.q[0][x]);
            a0 = _mm256_fmadd_ps(qb, k0, a0);
            b0 = _mm256_fmadd_ps(qb, k1, b0);
            qb = _mm256_broadcast_ss(&st.q[1][x]);
            a1 = _mm256_fmadd_ps(qb, k0, a1);
            b1 = _mm256_fmadd_ps(qb, k1, b1);
            qb = _mm256_broadcast_ss(&st.q[2][x]);
            a2 = _mm256_fmadd_ps(qb, k0, a2);
            b2 = _mm256_fmadd_ps(qb, k1, b2);
            qb = _mm256_broadcast_ss(&st.q[3][x]);
            a3 = _mm256_fmadd_ps(qb, k0, a3);
            b3 = _mm256_fmadd_ps(qb, k1, b3);
            qb = _mm256_broadcast_ss(&st.q[4][x]);
            a4 = _mm256_fmadd_ps(qb, k0, a4);
            b4 = _mm256_fmadd_ps(qb, k1, b4);
            qb = _mm256_broadcast_ss(&st.q[5][x]);
            a5 = _mm256_fmadd_ps(qb, k0, a5);
            b5 = _mm256_fmadd_ps(qb, k1, b5);
        }
        if (bias) {
            // the scores are in units of log2 (q was scaled by log2 e): bias · log2 e; a short last group reads its
            // kc - j values only (the padded keys are set to -inf below)
            const int n = kc - j < KEY_GROUP ? kc - j : KEY_GROUP;
#define S3CPU_ADD_BIAS(i)                                                                              \
            if (n == KEY_GROUP) {                                                                      \
                a##i = _mm256_fmadd_ps(_mm256_loadu_ps(bias[i] + j), log2e, a##i);                      \
                b##i = _mm256_fmadd_ps(_mm256_loadu_ps(bias[i] + j + 8), log2e, b##i);                  \
            } else {                                                                                   \
                alignas(32) float t[KEY_GROUP] = {0};                                                  \
                for (int u = 0; u < n; u++) t[u] = bias[i][j + u];                                     \
                a##i = _mm256_fmadd_ps(_mm256_load_ps(t), log2e, a##i);                                \
                b##i = _mm256_fmadd_ps(_mm256_load_ps(t + 8), log2e, b##i);                            \
            }
            S3CPU_ADD_BIAS(0) S3CPU_ADD_BIAS(1) S3CPU_ADD_BIAS(2) S3CPU_ADD_BIAS(3) S3CPU_ADD_BIAS(4) S3CPU_ADD_BIAS(5)
#undef S3CPU_ADD_BIAS
        }
        _mm256_store_ps(&s[0][j], a0); _mm256_store_ps(&s[0][j + 8], b0);
        _mm256_store_ps(&s[1][j], a1); _mm256_store_ps(&s[1][j + 8], b1);
        _mm256_store_ps(&s[2][j], a2); _mm256_store_ps(&s[2][j + 8], b2);
        _mm256_store_ps(&s[3][j], a3); _mm256_store_ps(&s[3][j + 8], b3);
        _mm256_store_ps(&s[4][j], a4); _mm256_store_ps(&s[4][j + 8], b4);
        _mm256_store_ps(&s[5][j], a5); _mm256_store_ps(&s[5][j + 8], b5);
        mx0 = _mm256_max_ps(mx0, _mm256_max_ps(a0, b0));
        mx1 = _mm256_max_ps(mx1, _mm256_max_ps(a1, b1));
        mx2 = _mm256_max_ps(mx2, _mm256_max_ps(a2, b2));
        mx3 = _mm256_max_ps(mx3, _mm256_max_ps(a3, b3));
        mx4 = _mm256_max_ps(mx4, _mm256_max_ps(a4, b4));
        mx5 = _mm256_max_ps(mx5, _mm256_max_ps(a5, b5));
    }
    // the padded keys of the last step (their keys are zero, so their scores are 0, which may exceed every real one):
    // -inf, so that they weigh exactly 0; the maxima of that group again without them
    if (kcp != kc) {
        const int j = kcp - KEY_GROUP;
        float rowMax[TILE_QUERIES];
        for (int i = 0; i < TILE_QUERIES; i++) {
            for (int t = kc - j; t < KEY_GROUP; t++) s[i][j + t] = -INFINITY;
            rowMax[i] = -INFINITY;
            for (int jj = 0; jj < kcp; jj++) rowMax[i] = s[i][jj] > rowMax[i] ? s[i][jj] : rowMax[i];
        }
        mx0 = _mm256_set1_ps(rowMax[0]);
        mx1 = _mm256_set1_ps(rowMax[1]);
        mx2 = _mm256_set1_ps(rowMax[2]);
        mx3 = _mm256_set1_ps(rowMax[3]);
        mx4 = _mm256_set1_ps(rowMax[4]);
        mx5 = _mm256_set1_ps(rowMax[5]);
    }
    const float rowMaxima[TILE_QUERIES] = {hmax(mx0), hmax(mx1), hmax(mx2), hmax(mx3), hmax(mx4), hmax(mx5)};
    // weights 2^(s - m) against the new maxima, sums, the output rescaled where a maximum moved
    for (int i = 0; i < TILE_QUERIES; i++) {
        const float mNew = st.m[i] > rowMaxima[i] ? st.m[i] : rowMaxima[i];
        if (mNew == -INFINITY) {
            // every key so far masked by a bias of -inf: nothing to add yet (and no -inf - -inf)
            memset(s[i], 0, sizeof(float) * kcp);
            continue;
        }
        const float corr = exp2f(st.m[i] - mNew);
        const __m256 mv = _mm256_set1_ps(mNew);
        __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
        for (int j = 0; j < kcp; j += 16) {
            __m256 p0 = exp2_ps(_mm256_sub_ps(_mm256_load_ps(&s[i][j]), mv));
            __m256 p1 = exp2_ps(_mm256_sub_ps(_mm256_load_ps(&s[i][j + 8]), mv));
            _mm256_store_ps(&s[i][j], p0);
            _mm256_store_ps(&s[i][j + 8], p1);
            sum0 = _mm256_add_ps(sum0, p0);
            sum1 = _mm256_add_ps(sum1, p1);
        }
        st.l[i] = st.l[i] * corr + hsum(_mm256_add_ps(sum0, sum1));
        st.m[i] = mNew;
        if (corr != 1.f) {
            const __m256 cv = _mm256_set1_ps(corr);
            for (int x = 0; x < D; x += 8) _mm256_store_ps(&st.o[i][x], _mm256_mul_ps(cv, _mm256_load_ps(&st.o[i][x])));
        }
    }
    // o += p · v, 3 queries × 32 channels in registers (named, as above)
    for (int c0 = 0; c0 < D; c0 += 32) {
        for (int i0 = 0; i0 < TILE_QUERIES; i0 += 3) {
            float* o0 = &st.o[i0][c0];
            float* o1 = &st.o[i0 + 1][c0];
            float* o2 = &st.o[i0 + 2][c0];
            __m256 c00 = _mm256_load_ps(o0), c01 = _mm256_load_ps(o0 + 8), c02 = _mm256_load_ps(o0 + 16), c03 = _mm256_load_ps(o0 + 24);
            __m256 c10 = _mm256_load_ps(o1), c11 = _mm256_load_ps(o1 + 8), c12 = _mm256_load_ps(o1 + 16), c13 = _mm256_load_ps(o1 + 24);
            __m256 c20 = _mm256_load_ps(o2), c21 = _mm256_load_ps(o2 + 8), c22 = _mm256_load_ps(o2 + 16), c23 = _mm256_load_ps(o2 + 24);
            const float* p0 = s[i0];
            const float* p1 = s[i0 + 1];
            const float* p2 = s[i0 + 2];
            const float* vr = vp + c0;
            for (int j = 0; j < kc; j++, vr += D) {
                const __m256 v0 = _mm256_load_ps(vr), v1 = _mm256_load_ps(vr + 8);
                const __m256 v2 = _mm256_load_ps(vr + 16), v3 = _mm256_load_ps(vr + 24);
                __m256 pb = _mm256_broadcast_ss(p0 + j);
                c00 = _mm256_fmadd_ps(pb, v0, c00);
                c01 = _mm256_fmadd_ps(pb, v1, c01);
                c02 = _mm256_fmadd_ps(pb, v2, c02);
                c03 = _mm256_fmadd_ps(pb, v3, c03);
                pb = _mm256_broadcast_ss(p1 + j);
                c10 = _mm256_fmadd_ps(pb, v0, c10);
                c11 = _mm256_fmadd_ps(pb, v1, c11);
                c12 = _mm256_fmadd_ps(pb, v2, c12);
                c13 = _mm256_fmadd_ps(pb, v3, c13);
                pb = _mm256_broadcast_ss(p2 + j);
                c20 = _mm256_fmadd_ps(pb, v0, c20);
                c21 = _mm256_fmadd_ps(pb, v1, c21);
                c22 = _mm256_fmadd_ps(pb, v2, c22);
                c23 = _mm256_fmadd_ps(pb, v3, c23);
            }
            _mm256_store_ps(o0, c00); _mm256_store_ps(o0 + 8, c01); _mm256_store_ps(o0 + 16, c02); _mm256_store_ps(o0 + 24, c03);
            _mm256_store_ps(o1, c10); _mm256_store_ps(o1 + 8, c11); _mm256_store_ps(o1 + 16, c12); _mm256_store_ps(o1 + 24, c13);
            _mm256_store_ps(o2, c20); _mm256_store_ps(o2 + 8, c21); _mm256_store_ps(o2 + 16, c22); _mm256_store_ps(o2 + 24, c23);
        }
    }
}

/** Floats of one step of packed keys (D rows kt_ld apart) and values (step_keys rows of D). */
template <int D>
constexpr long long step_floats() { return (long long) D * (kt_ld<D>() + step_keys<D>()); }

/** Writes the transpose of the 8 × 8 block at column x of the rows r[0..7] to 8 rows of out, ld floats apart. */
S3CPU_AVX2 static inline void transpose8(const float* const* r, int x, float* out, long long ld) {
    const __m256 a0 = _mm256_loadu_ps(r[0] + x), a1 = _mm256_loadu_ps(r[1] + x), a2 = _mm256_loadu_ps(r[2] + x);
    const __m256 a3 = _mm256_loadu_ps(r[3] + x), a4 = _mm256_loadu_ps(r[4] + x), a5 = _mm256_loadu_ps(r[5] + x);
    const __m256 a6 = _mm256_loadu_ps(r[6] + x), a7 = _mm256_loadu_ps(r[7] + x);
    const __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
    const __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
    const __m256 t4 = _mm256_unpacklo_ps(a4, a5), t5 = _mm256_unpackhi_ps(a4, a5);
    const __m256 t6 = _mm256_unpacklo_ps(a6, a7), t7 = _mm256_unpackhi_ps(a6, a7);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_store_ps(out, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_store_ps(out + ld, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_store_ps(out + 2 * ld, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_store_ps(out + 3 * ld, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_store_ps(out + 4 * ld, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_store_ps(out + 5 * ld, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_store_ps(out + 6 * ld, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_store_ps(out + 7 * ld, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/**
 * Packs the keys and values step by step, each step's keys transposed (D rows kt_ld floats apart, padding zero; 8 × 8
 * blocks in registers) followed by its values (rows of D floats), so that a step is one block of step_floats floats.
 */
template <int D>
S3CPU_AVX2 static void pack(const Rows& k, const Rows& v, int tk, float* packed) {
    constexpr int STEP = step_keys<D>(), KT_LD = kt_ld<D>();
    for (int j0 = 0, step = 0; j0 < tk; j0 += STEP, step++) {
        const int kc = tk - j0 < STEP ? tk - j0 : STEP;
        float* kt = packed + step * step_floats<D>();
        float* vp = kt + D * KT_LD;
        int j = 0;
        for (; j + 8 <= kc; j += 8) {
            const float* r[8];
            for (int u = 0; u < 8; u++) r[u] = k.at(j0 + j + u);
            for (int x = 0; x < D; x += 8) transpose8(r, x, kt + x * KT_LD + j, KT_LD);
        }
        for (; j < kc; j++) {
            const float* kr = k.at(j0 + j);
            for (int x = 0; x < D; x++) kt[x * KT_LD + j] = kr[x];
        }
        for (int x = 0; x < D; x++) {
            for (int jj = kc; jj < STEP; jj++) kt[x * KT_LD + jj] = 0.f;
        }
        for (int j = 0; j < kc; j++) memcpy(vp + (long long) j * D, v.at(j0 + j), sizeof(float) * D);
    }
}

/** Queries per block: the tiles that share each step of keys and values while it is in L1/L2. */
constexpr int BLOCK_QUERIES = 96;

template <int D>
S3CPU_AVX2 static void attention(const Rows& q, const Rows& k, const Rows& v, const Rows& y, const float* bias,
                                 long long ldbias, int tq, int tk, float scale, float* scratch) {
    static_assert(sizeof(TileState<D>) <= sizeof(float) * (2 * TILE_QUERIES * D + 2 * TILE_QUERIES + 8),
                  "s3cpu_attention_scratch counts fewer floats per tile state");
    // 32-byte alignment for the packed steps and the states (scratch has room for it)
    float* packed = reinterpret_cast<float*>((reinterpret_cast<unsigned long long>(scratch) + 31) & ~31ULL);
    pack<D>(k, v, tk, packed);
    constexpr int STEP = step_keys<D>();
    TileState<D>* states = reinterpret_cast<TileState<D>*>(packed + ((tk + STEP - 1) / STEP) * step_floats<D>());
    const float c = scale * 1.4426950408889634f;
    for (int b0 = 0; b0 < tq; b0 += BLOCK_QUERIES) {
        const int nb = tq - b0 < BLOCK_QUERIES ? tq - b0 : BLOCK_QUERIES;
        const int tiles = (nb + TILE_QUERIES - 1) / TILE_QUERIES;
        for (int t = 0; t < tiles; t++) {
            TileState<D>& st = states[t];
            for (int i = 0; i < TILE_QUERIES; i++) {
                const int qi = t * TILE_QUERIES + i;
                const float* qr = qi < nb ? q.at(b0 + qi) : nullptr;
                for (int x = 0; x < D; x++) st.q[i][x] = qr ? qr[x] * c : 0.f;
                for (int x = 0; x < D; x++) st.o[i][x] = 0.f;
                st.m[i] = -INFINITY;
                st.l[i] = 0.f;
            }
        }
        for (int j0 = 0, step = 0; j0 < tk; j0 += STEP, step++) {
            const int kc = tk - j0 < STEP ? tk - j0 : STEP;
            const float* kt = packed + step * step_floats<D>();
            for (int t = 0; t < tiles; t++) {
                // each query's bias row at this step (padding rows past tq read the last query's: in bounds, and
                // their results are dropped)
                const float* rows[TILE_QUERIES];
                if (bias) {
                    for (int i = 0; i < TILE_QUERIES; i++) {
                        const int r = b0 + t * TILE_QUERIES + i;
                        rows[i] = bias + (long long) (r < tq ? r : tq - 1) * ldbias + j0;
                    }
                }
                tile_step<D>(states[t], kt, kt + D * kt_ld<D>(), kc, bias ? rows : nullptr);
            }
        }
        for (int t = 0; t < tiles; t++) {
            const TileState<D>& st = states[t];
            for (int i = 0; i < TILE_QUERIES && t * TILE_QUERIES + i < nb; i++) {
                const float inv = 1.f / st.l[i];
                float* yr = const_cast<float*>(y.at(b0 + t * TILE_QUERIES + i));
                for (int x = 0; x < D; x++) yr[x] = st.o[i][x] * inv;
            }
        }
    }
}
#endif

}  // namespace s3cpu

static inline int s3cpu_supported(void) {
#if S3CPU_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
#else
    return 0;
#endif
}

static inline long long s3cpu_attention_scratch(int tk, int d, int dv) {
    // the packed steps of keys and values, then one state per tile of a block of queries (plus room to align it)
    // (heads of 64 take steps of their own length; every other size is counted as heads of 32, more than enough)
    const long long per = d > dv ? d : dv;
    const long long step = per == 64 ? s3cpu::step_keys<64>() : s3cpu::step_keys<32>();
    const long long steps = ((long long) (tk > 0 ? tk : 0) + step - 1) / step;
    const long long tiles = s3cpu::BLOCK_QUERIES / s3cpu::TILE_QUERIES;
    return steps * per * (2 * step + 16) + tiles * (2 * s3cpu::TILE_QUERIES * per + 2 * s3cpu::TILE_QUERIES + 8) + 8;
}

/** s3cpu_attention_f32_at's checks and dispatch on Rows (y written through its const row pointers). */
static inline int s3cpu_attention_rows(const float* q, long long ldq, const float* k, long long ldk, const float* v,
                                       long long ldv, float* y, long long ldy, const float* bias, long long ldbias,
                                       int tq, int tk, int d, int dv, int run, int gridw, float scale, float* scratch) {
#if S3CPU_X86
    if (tq < 0 || tk < 1 || d != dv || run < 1 || gridw < run || (bias != nullptr && ldbias < 0) ||
        !s3cpu_supported()) {
        return -1;
    }
    const s3cpu::Rows qr{q, ldq, run, gridw}, kr{k, ldk, run, gridw}, vr{v, ldv, run, gridw}, yr{y, ldy, run, gridw};
    if (d == 32) {
        s3cpu::attention<32>(qr, kr, vr, yr, bias, ldbias, tq, tk, scale, scratch);
        return 0;
    }
    if (d == 64) {
        s3cpu::attention<64>(qr, kr, vr, yr, bias, ldbias, tq, tk, scale, scratch);
        return 0;
    }
#else
    (void) q; (void) ldq; (void) k; (void) ldk; (void) v; (void) ldv; (void) y; (void) ldy; (void) bias;
    (void) ldbias; (void) tq; (void) tk; (void) d; (void) dv; (void) run; (void) gridw; (void) scale; (void) scratch;
#endif
    return -1;
}

static inline int s3cpu_attention_f32(const float* q, long long ldq, const float* k, long long ldk, const float* v,
                                      long long ldv, float* y, long long ldy, int tq, int tk, int d, int dv,
                                      float scale, float* scratch) {
    return s3cpu_attention_rows(q, ldq, k, ldk, v, ldv, y, ldy, nullptr, 0, tq, tk, d, dv, 1, 1, scale, scratch);
}

static inline int s3cpu_attention_f32_at(const float* q, long long qOff, long long ldq, const float* k, long long kOff,
                                         long long ldk, const float* v, long long vOff, long long ldv, float* y,
                                         long long yOff, long long ldy, const float* bias, long long biasOff,
                                         long long ldBias, int tq, int tk, int d, int run, int gridW, float scale,
                                         float* scratch) {
    if (qOff < 0 || kOff < 0 || vOff < 0 || yOff < 0 || (bias != nullptr && biasOff < 0)) return -1;
    return s3cpu_attention_rows(q + qOff, ldq, k + kOff, ldk, v + vOff, ldv, y + yOff, ldy,
                                bias ? bias + biasOff : nullptr, ldBias, tq, tk, d, d, run, gridW, scale, scratch);
}

#endif
