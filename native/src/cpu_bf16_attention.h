// sam3j's BF16 attention on the CPU, header-only: one head's softmax(scale · q·kᵀ + bias) · v with an online
// softmax ("flash" attention), both products on Intel AMX's tile unit or with AVX512-BF16's dot products (the same
// steps, each tile instruction done by vector ones: Avx512Tiles), the softmax in FP32 on AVX-512. Compiled into the
// OpenBLAS backend's JNI library with cpu_bf16_gemm.h (native/cpu-jni.sh); native/test/cpu_bf16_gemm_test.cpp checks
// it against a double-precision reference.
//
// Numerics (a BF16 graph's attention, org.sam3j.graph.PrecisionPolicy): q, k and v are BF16 values (rounded to
// nearest here, which leaves values that already are unchanged); the scores are exact products summed in FP32; the
// softmax's maxima, exponentials and sums are FP32; the probabilities are rounded to BF16 as the second product's
// operand (as GPU flash-attention kernels do), the output summed in FP32, divided by the FP32 sum and stored rounded
// to BF16 (as the graph stores the attention's value, held as a float). The running
// maximum that the probabilities are taken against may trail the true one by up to 2^8 (see attention()): the same
// softmax, but the largest probability of a row is then not exactly 1 before its rounding.
//
// C API:
//
//   long long s3cpu_bf16_attention_scratch(int tk, int d)
//       bytes of scratch memory one s3cpu_bf16_attention call needs for tk keys of d channels.
//
//   int s3cpu_bf16_attention_at(const float* q, long long qoff, long long ldq, const float* k, long long koff,
//                               long long ldk, const float* v, long long voff, long long ldv, float* y,
//                               long long yoff, long long ldy, const float* bias, long long biasoff,
//                               long long ldbias, int tq, int tk, int d, int run, int gridw, float scale,
//                               void* scratch, int kernel)
//       one head: y[i] = sum_j softmax_j(scale · q[i]·k[j] + bias[i, j]) v[j] for the tq query rows of q + qoff, the
//       tk key rows of k + koff and value rows of v + voff, writing the tq rows of y + yoff. bias: null, or FP32
//       rows of tk values from bias + biasoff, ldbias apart (0: one row for every query; -inf masks a key). Row r of
//       each of q, k, v, y lies at
//       ((r / run) · gridw + r % run) rows of its ld* floats from the first: tokens of a run x run window of a
//       token grid gridw tokens wide, read and written in place; run = gridw = 1 for consecutive rows. Heads of
//       d = 32 or 64 channels (keys and values alike), tk >= 1. scratch: not shared with a concurrent call. kernel:
//       S3CPU_BF16_AMX or S3CPU_BF16_AVX512 (cpu_bf16_gemm.h; the same exact products, summed in another order).
//       Returns 0, or -1 (nothing written) for another shape or a kernel this CPU/OS does not run.
#ifndef SAM3J_CPU_BF16_ATTENTION_H
#define SAM3J_CPU_BF16_ATTENTION_H

#include <math.h>

#include "cpu_attention.h"
#include "cpu_bf16_gemm.h"

// GCC 12 takes the AVX-512 reductions' undefined pass-through operands for uninitialised values
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace s3amx {

/** Keys per step of the online softmax: two B tiles' worth of scores, so each row's maximum is checked once. */
constexpr int KEYS = 2 * STEP;

/** Bytes of each part of the scratch memory. */
struct AttentionScratch {
    long long keys;    // packed k: round32(tk) x d BF16, B tiles of 16 keys x 32 channels
    long long values;  // packed v: round32(tk) x d BF16, B tiles of 32 keys x 16 channels
    long long query;   // a block of 16 queries: d BF16 each, A tiles of 32 channels
    long long scores;  // 16 x 64 FP32 scores of a step of keys
    long long probs;   // 16 x 64 BF16 probabilities (two A tiles side by side)
    long long out;     // 16 x d FP32 output, where the tiles that accumulate it are rescaled or finished
    long long stats;   // 16 FP32 maxima, 16 factors, 16 x 16 FP32 partial sums

    explicit AttentionScratch(int tk, int d) {
        long long keysPadded = round32(tk);
        keys = keysPadded * d * 2;
        values = keysPadded * d * 2;
        query = (long long)TILE * d * 2;
        scores = (long long)TILE * KEYS * 4;
        probs = (long long)TILE * KEYS * 2;
        out = (long long)TILE * d * 4;
        stats = (2LL * TILE + TILE * TILE) * 4;
    }

    long long total() const { return keys + values + query + scores + probs + out + stats + 64 * 7; }
};

#if S3AMX_X86
/**
 * 2^x in FP32 by the AVX2 kernel's polynomial of the fraction (s3cpu::EXP2_POLY), relative error ~2e-7, and exactly
 * 0 for x <= -125 (and -inf, NaN): no subnormal result, whose uses (the sums, the rounding) take microcode assists
 * (the fusion encoder's cross-attention to a text with padded tokens, a bias of -inf, took 8.8 ms a layer, 2.2 ms
 * without). Against probabilities near 1, values below 2^-125 vanish in FP32's sums anyway.
 */
S3AMX_TARGET static inline __m512 exp2_ps(__m512 x) {
    const __mmask16 normal = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-125.0f), _CMP_GT_OQ);
    __m512 whole = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_sub_ps(x, whole);  // in [-0.5, 0.5]
    __m512 p = _mm512_set1_ps(s3cpu::EXP2_POLY[0]);
    for (int i = 1; i < 7; i++) p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(s3cpu::EXP2_POLY[i]));
    return _mm512_maskz_scalef_ps(normal, p, whole);  // p * 2^whole
}

/** TILE_OP(T, OP) runs OP(n) for the tile n == T (a template argument): AMX's tile instructions take literals. */
#define S3AMX_TILE_OP(T, OP)   \
    switch (T) {               \
        case 0: OP(0); break;  \
        case 1: OP(1); break;  \
        case 2: OP(2); break;  \
        case 3: OP(3); break;  \
        case 4: OP(4); break;  \
        case 5: OP(5); break;  \
        case 6: OP(6); break;  \
        default: OP(7); break; \
    }

/**
 * The tile unit as attention() uses it: tiles 0-5 accumulate 16 x 16 FP32 values, tile 6 holds an A operand (16 rows
 * of 32 BF16 values), tile 7 a B operand (16 rows of 16 pairs), and dp<C>() adds A · B to tile C.
 */
struct AmxTiles {
    S3AMX_TARGET void begin() { configure(); }
    S3AMX_TARGET void end() { _tile_release(); }
    template <int T>
    S3AMX_TARGET void zero() {
#define S3AMX_OP(n) _tile_zero(n)
        S3AMX_TILE_OP(T, S3AMX_OP)
#undef S3AMX_OP
    }
    template <int T>
    S3AMX_TARGET void load(const void* p, long long stride) {
#define S3AMX_OP(n) _tile_loadd(n, p, stride)
        S3AMX_TILE_OP(T, S3AMX_OP)
#undef S3AMX_OP
    }
    template <int T>
    S3AMX_TARGET void store(void* p, long long stride) {
#define S3AMX_OP(n) _tile_stored(n, p, stride)
        S3AMX_TILE_OP(T, S3AMX_OP)
#undef S3AMX_OP
    }
    template <int C>
    S3AMX_TARGET void dp() {
#define S3AMX_OP(n) _tile_dpbf16ps(n, 6, 7)
        S3AMX_TILE_OP(C, S3AMX_OP)
#undef S3AMX_OP
    }
};

/**
 * The same tiles on AVX512-BF16 (a CPU without AMX): the accumulators in memory (L1), the operands as pointers, and
 * each TDPBF16PS as 256 VDPBF16PS with the 16 rows of C in registers (the same exact products as on AMX, summed in
 * FP32 pair by pair). Sixteen independent sums keep the dot products' pipeline full; 8 rows at a time left it
 * waiting on their latency (one thread, heads of 64: 176 against 240-267 GFLOP/s on a Zen 5).
 */
struct Avx512Tiles {
    alignas(64) float acc[6][TILE * TILE];
    const char* a = nullptr;
    const char* b = nullptr;
    long long aStride = 0, bStride = 0;

    void begin() {}
    void end() {}
    template <int T>
    S3AMX_TARGET void zero() {
        static_assert(T < 6, "operand tiles are only loaded");
        for (int r = 0; r < TILE; r++) _mm512_store_ps(acc[T] + r * TILE, _mm512_setzero_ps());
    }
    template <int T>
    S3AMX_TARGET void load(const void* p, long long stride) {
        if (T == 6) {
            a = (const char*)p;
            aStride = stride;
        } else if (T == 7) {
            b = (const char*)p;
            bStride = stride;
        } else {
            for (int r = 0; r < TILE; r++) {
                _mm512_store_ps(acc[T % 6] + r * TILE, _mm512_loadu_ps((const char*)p + r * stride));
            }
        }
    }
    template <int T>
    S3AMX_TARGET void store(void* p, long long stride) {
        static_assert(T < 6, "operand tiles are only loaded");
        for (int r = 0; r < TILE; r++) _mm512_storeu_ps((char*)p + r * stride, _mm512_load_ps(acc[T] + r * TILE));
    }
    template <int C>
    S3AMX_TARGET void dp() {
        static_assert(C < 6, "only tiles 0-5 accumulate");
        float* c = acc[C];
        __m512 s[TILE];
        for (int i = 0; i < TILE; i++) s[i] = _mm512_load_ps(c + i * TILE);
#pragma GCC unroll 16
        for (int pr = 0; pr < TILE; pr++) {
            __m512bh y = (__m512bh)_mm512_loadu_si512(b + pr * bStride);
#pragma GCC unroll 16
            for (int i = 0; i < TILE; i++) {
                int pair;
                memcpy(&pair, a + i * aStride + 4 * pr, 4);
                s[i] = _mm512_dpbf16_ps(s[i], y, (__m512bh)_mm512_set1_epi32(pair));
            }
        }
        for (int i = 0; i < TILE; i++) _mm512_store_ps(c + i * TILE, s[i]);
    }
};

/** Rows of one head: row r at ((r / run) · gridw + r % run) · ld floats from base (cpu_attention.h). */
using Rows = s3cpu::Rows;

/**
 * Keys [0, tk) of k (d channels each) as B tiles of 16 keys x 32 channels, padding 0: whole blocks of 16
 * keys as the product's transposed weights are packed (cpu_bf16_gemm.h), the last partial block value by value.
 */
S3AMX_TARGET static void pack_keys(const Rows& k, int tk, int d, uint16_t* out) {
    const int steps = d / STEP, blocks = (int)(round32(tk) / TILE);
    for (int kb = 0; kb < blocks; kb++) {
        for (int s = 0; s < steps; s++) {
            uint16_t* tile = out + ((long long)kb * steps + s) * (TILE * STEP);
            if ((kb + 1) * TILE <= tk) {
                const float* col[TILE];
                for (int c = 0; c < TILE; c++) col[c] = k.at(kb * TILE + c) + s * STEP;
                pack_tile_columns(col, tile);
                continue;
            }
            for (int c = 0; c < TILE; c++) {  // column c of the tile: key kb * 16 + c
                int key = kb * TILE + c;
                const float* row = key < tk ? k.at(key) + s * STEP : nullptr;
                for (int r = 0; r < TILE; r++) {
                    tile[r * STEP + 2 * c] = to_bf16(row ? row[2 * r] : 0.0f);
                    tile[r * STEP + 2 * c + 1] = to_bf16(row ? row[2 * r + 1] : 0.0f);
                }
            }
        }
    }
}

/**
 * Values [0, tk) of v (d channels each) as B tiles of 32 keys x 16 channels, padding 0: row r of a tile
 * holds keys 2r and 2r + 1 channel by channel, so each pair of rows of v is read once, rounded and interleaved.
 */
S3AMX_TARGET static void pack_values(const Rows& v, int tk, int d, uint16_t* out) {
    const int cblocks = d / TILE, ksteps = (int)(round32(tk) / STEP);
    // [a0 .. a15 b0 .. b15] -> [a0 b0 a1 b1 ...]
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int ks = 0; ks < ksteps; ks++) {
        for (int r = 0; r < TILE; r++) {
            int key = ks * STEP + 2 * r;
            const float* even = key < tk ? v.at(key) : nullptr;
            const float* odd = key + 1 < tk ? v.at(key + 1) : nullptr;
            for (int cb = 0; cb < cblocks; cb++) {
                __m512 a = even ? _mm512_loadu_ps(even + cb * TILE) : _mm512_setzero_ps();
                __m512 b = odd ? _mm512_loadu_ps(odd + cb * TILE) : _mm512_setzero_ps();
                __m512i pairs = _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(b, a));
                _mm512_storeu_si512(out + ((long long)ks * cblocks + cb) * (TILE * STEP) + r * STEP, pairs);
            }
        }
    }
}

/**
 * OP(t, cb) for each tile t = 2 + cb of the output (cb: a block of 16 output channels, d / 16 of them), t written out
 * as the immediate the tile instructions need.
 */
#define S3AMX_OUT_TILES(OP) \
    do {                    \
        OP(2, 0);           \
        OP(3, 1);           \
        if (cblocks > 2) {  \
            OP(4, 2);       \
            OP(5, 3);       \
        }                   \
    } while (0)

/**
 * The kernel: for each block of 16 queries, steps of 64 keys. The scores of a step (two tiles of 16 x 16 per half)
 * go through L1 to the softmax on AVX-512; the output stays in tiles 2-5 across the steps.
 *
 * The softmax keeps, per query row, a running maximum m (in units of log2: scores times scale · log2 e) that may
 * be stale: a step's probabilities are 2^(x - m), and m moves (rescaling the row's output and sums) only where a
 * score of the step exceeds it by more than SLACK. Probabilities up to 2^SLACK are as exact in FP32 and BF16 as
 * those up to 1 (rounding is relative), and the final division by the row's sum, taken against the same m, cancels
 * the factor; so the result is the softmax's, and the output tiles are stored and reloaded only on the rare step
 * that raises a maximum, not on every step. Each row's sum stays a vector of 16 partial sums until the end.
 */
template <class Tiles>
S3AMX_TARGET static int attention(Tiles& tiles, const Rows& q, const Rows& k, const Rows& v, const Rows& y,
                                  const float* bias, long long ldbias, int tq, int tk, int d, float scale,
                                  void* scratch) {
    AttentionScratch sizes(tk, d);
    char* at = (char*)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    uint16_t* keys = (uint16_t*)at;
    at += (sizes.keys + 63) / 64 * 64;
    uint16_t* values = (uint16_t*)at;
    at += (sizes.values + 63) / 64 * 64;
    uint16_t* query = (uint16_t*)at;
    at += (sizes.query + 63) / 64 * 64;
    float* scores = (float*)at;
    at += (sizes.scores + 63) / 64 * 64;
    uint16_t* probs = (uint16_t*)at;
    at += (sizes.probs + 63) / 64 * 64;
    float* out = (float*)at;
    at += (sizes.out + 63) / 64 * 64;
    float* maxima = (float*)at;
    float* factors = maxima + TILE;
    float* sums = factors + TILE;  // 16 rows of 16 partial sums

    pack_keys(k, tk, d, keys);
    pack_values(v, tk, d, values);
    const int steps = d / STEP, cblocks = d / TILE, ksteps = (int)(round32(tk) / STEP);
    const long long tileShorts = TILE * STEP;
    const long long outStride = (long long)d * 4;
    // a stale maximum lets a probability reach 2^SLACK before the row is rescaled
    const float SLACK = 8.0f;
    const float log2e = 1.4426950408889634f;
    const __m512 minf = _mm512_set1_ps(-INFINITY), vscale = _mm512_set1_ps(scale * log2e);
    const __m512 vlog2e = _mm512_set1_ps(log2e);
    tiles.begin();
    for (int q0 = 0; q0 < tq; q0 += TILE) {
        int rows = tq - q0 < TILE ? tq - q0 : TILE;
        // the block's queries as A tiles (rows beyond tq zero)
        for (int r = 0; r < TILE; r++) {
            for (int s = 0; s < steps; s++) {
                uint16_t* dst = query + s * tileShorts + r * STEP;
                if (r < rows) {
                    const float* src = q.at(q0 + r) + s * STEP;
                    _mm512_storeu_si512(dst, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + 16),
                                                                         _mm512_loadu_ps(src)));
                } else {
                    _mm512_storeu_si512(dst, _mm512_setzero_si512());
                }
            }
            maxima[r] = -INFINITY;
            _mm512_storeu_ps(sums + r * TILE, _mm512_setzero_ps());
        }
#define S3AMX_ZERO(t, cb) tiles.template zero<t>()
        S3AMX_OUT_TILES(S3AMX_ZERO);
        for (int ks = 0; ks < ksteps; ks += 2) {
            const int halves = ks + 1 < ksteps ? 2 : 1;
            // scores: half h holds keys ks·32 + h·32 .. + 32, as columns h·32 .. of the 16 x 64 block
            for (int h = 0; h < halves; h++) {
                tiles.template zero<0>();
                tiles.template zero<1>();
                for (int s = 0; s < steps; s++) {
                    tiles.template load<6>(query + s * tileShorts, 64);
                    tiles.template load<7>(keys + ((long long)(2 * (ks + h)) * steps + s) * tileShorts, 64);
                    tiles.template dp<0>();
                    tiles.template load<7>(keys + ((long long)(2 * (ks + h) + 1) * steps + s) * tileShorts, 64);
                    tiles.template dp<1>();
                }
                tiles.template store<0>(scores + h * STEP, KEYS * 4);
                tiles.template store<1>(scores + h * STEP + TILE, KEYS * 4);
            }
            // keys beyond tk (the last step's padding, or a missing second half) get no probability
            const int valid = tk - ks * STEP;
            __mmask16 mask[4];
            for (int i = 0; i < 4; i++) mask[i] = columns_mask(valid - i * TILE);
            // pass 1: rows whose maximum moves by more than SLACK
            bool rescale = false;
            for (int r = 0; r < TILE; r++) {
                // x = (scale · score + bias) · log2 e, -inf for keys beyond tk; kept for pass 2
                float* row = scores + r * KEYS;
                __m512 x0 = _mm512_mask_mul_ps(minf, mask[0], _mm512_loadu_ps(row), vscale);
                __m512 x1 = _mm512_mask_mul_ps(minf, mask[1], _mm512_loadu_ps(row + 16), vscale);
                __m512 x2 = _mm512_mask_mul_ps(minf, mask[2], _mm512_loadu_ps(row + 32), vscale);
                __m512 x3 = _mm512_mask_mul_ps(minf, mask[3], _mm512_loadu_ps(row + 48), vscale);
                if (bias) {
                    // (padding rows past tq read the last query's row: in bounds, and their results are dropped)
                    const float* b = bias + (q0 + r < tq ? q0 + r : tq - 1) * ldbias + ks * STEP;
                    x0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask[0], b), vlog2e, x0);
                    x1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask[1], b + 16), vlog2e, x1);
                    x2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask[2], b + 32), vlog2e, x2);
                    x3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask[3], b + 48), vlog2e, x3);
                }
                _mm512_storeu_ps(row, x0);
                _mm512_storeu_ps(row + 16, x1);
                _mm512_storeu_ps(row + 32, x2);
                _mm512_storeu_ps(row + 48, x3);
                __m512 top = _mm512_max_ps(_mm512_max_ps(x0, x1), _mm512_max_ps(x2, x3));
                factors[r] = 1.0f;
                if (_mm512_cmp_ps_mask(top, _mm512_set1_ps(maxima[r] + SLACK), _CMP_GT_OQ) == 0) continue;
                float mNew = _mm512_reduce_max_ps(top);
                // a row's first step has no output or sums to rescale
                if (maxima[r] != -INFINITY) {
                    factors[r] = exp2f(maxima[r] - mNew);
                    rescale = true;
                }
                maxima[r] = mNew;
            }
            if (rescale) {
#define S3AMX_STORE_OUT(t, cb) tiles.template store<t>(out + (cb) * TILE, outStride)
                S3AMX_OUT_TILES(S3AMX_STORE_OUT);
                for (int r = 0; r < TILE; r++) {
                    if (factors[r] == 1.0f) continue;
                    __m512 f = _mm512_set1_ps(factors[r]);
                    for (int c = 0; c < d; c += 16) {
                        _mm512_storeu_ps(out + r * d + c, _mm512_mul_ps(_mm512_loadu_ps(out + r * d + c), f));
                    }
                    _mm512_storeu_ps(sums + r * TILE, _mm512_mul_ps(_mm512_loadu_ps(sums + r * TILE), f));
                }
#define S3AMX_LOAD_OUT(t, cb) tiles.template load<t>(out + (cb) * TILE, outStride)
                S3AMX_OUT_TILES(S3AMX_LOAD_OUT);
            }
            // pass 2: probabilities 2^(x - m), rounded to BF16 for the second product, and the FP32 sums
            for (int r = 0; r < TILE; r++) {
                const float* row = scores + r * KEYS;
                if (maxima[r] == -INFINITY) {
                    // every key so far masked by a bias of -inf: nothing to add yet
                    _mm512_storeu_si512(probs + r * KEYS, _mm512_setzero_si512());
                    _mm512_storeu_si512(probs + r * KEYS + STEP, _mm512_setzero_si512());
                    continue;
                }
                const __m512 m = _mm512_set1_ps(maxima[r]);
                // (keys beyond tk hold -inf from pass 1: probability 0)
                __m512 p0 = exp2_ps(_mm512_sub_ps(_mm512_loadu_ps(row), m));
                __m512 p1 = exp2_ps(_mm512_sub_ps(_mm512_loadu_ps(row + 16), m));
                __m512 sum = _mm512_add_ps(_mm512_loadu_ps(sums + r * TILE), _mm512_add_ps(p0, p1));
                _mm512_storeu_si512(probs + r * KEYS, (__m512i)_mm512_cvtne2ps_pbh(p1, p0));
                if (halves == 2) {
                    __m512 p2 = exp2_ps(_mm512_sub_ps(_mm512_loadu_ps(row + 32), m));
                    __m512 p3 = exp2_ps(_mm512_sub_ps(_mm512_loadu_ps(row + 48), m));
                    sum = _mm512_add_ps(sum, _mm512_add_ps(p2, p3));
                    _mm512_storeu_si512(probs + r * KEYS + STEP, (__m512i)_mm512_cvtne2ps_pbh(p3, p2));
                }
                _mm512_storeu_ps(sums + r * TILE, sum);
            }
            // the output tiles += probabilities · values
            for (int h = 0; h < halves; h++) {
                tiles.template load<6>(probs + h * STEP, KEYS * 2);
#define S3AMX_ACCUMULATE(t, cb)                                                                      \
    tiles.template load<7>(values + ((long long)(ks + h) * cblocks + (cb)) * tileShorts, 64);        \
    tiles.template dp<t>()
                S3AMX_OUT_TILES(S3AMX_ACCUMULATE);
            }
        }
        S3AMX_OUT_TILES(S3AMX_STORE_OUT);
        for (int r = 0; r < rows; r++) {
            __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(_mm512_loadu_ps(sums + r * TILE)));
            float* row = (float*)y.at(q0 + r);
            for (int c = 0; c < d; c += 16) {
                // rounded to BF16 as a BF16 graph stores the attention's value (held as a float)
                _mm512_storeu_ps(row + c, round_bf16_ps(_mm512_mul_ps(_mm512_loadu_ps(out + r * d + c), inv)));
            }
        }
    }
#undef S3AMX_ZERO
#undef S3AMX_STORE_OUT
#undef S3AMX_LOAD_OUT
#undef S3AMX_ACCUMULATE
    tiles.end();
    return 0;
}
#undef S3AMX_OUT_TILES
#undef S3AMX_TILE_OP
#endif

}  // namespace s3amx

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static inline long long s3cpu_bf16_attention_scratch(int tk, int d) {
    if (tk < 1 || (d != 32 && d != 64)) return 0;
    return s3amx::AttentionScratch(tk, d).total();
}

static inline int s3cpu_bf16_attention_at(const float* q, long long qoff, long long ldq, const float* k,
                                          long long koff, long long ldk, const float* v, long long voff,
                                          long long ldv, float* y, long long yoff, long long ldy, const float* bias,
                                          long long biasoff, long long ldbias, int tq, int tk, int d, int run,
                                          int gridw, float scale, void* scratch, int kernel) {
#if S3AMX_X86
    if (q == nullptr || k == nullptr || v == nullptr || y == nullptr || scratch == nullptr || tq < 0 || tk < 1 ||
        (d != 32 && d != 64) || ldq < d || ldk < d || ldv < d || ldy < d || qoff < 0 || koff < 0 || voff < 0 ||
        yoff < 0 || run < 1 || gridw < run || (bias != nullptr && (biasoff < 0 || ldbias < 0)) ||
        !s3cpu_bf16_runs(kernel)) {
        return -1;
    }
    if (tq == 0) return 0;
    using s3amx::Rows;
    const Rows rq{q + qoff, ldq, run, gridw}, rk{k + koff, ldk, run, gridw}, rv{v + voff, ldv, run, gridw},
        ry{y + yoff, ldy, run, gridw};
    const float* b = bias ? bias + biasoff : nullptr;
    if (kernel == S3CPU_BF16_AMX) {
        s3amx::AmxTiles tiles;
        return s3amx::attention(tiles, rq, rk, rv, ry, b, ldbias, tq, tk, d, scale, scratch);
    }
    s3amx::Avx512Tiles tiles;
    return s3amx::attention(tiles, rq, rk, rv, ry, b, ldbias, tq, tk, d, scale, scratch);
#else
    (void)q; (void)qoff; (void)ldq; (void)k; (void)koff; (void)ldk; (void)v; (void)voff; (void)ldv; (void)y;
    (void)yoff; (void)ldy; (void)bias; (void)biasoff; (void)ldbias; (void)tq; (void)tk; (void)d; (void)run;
    (void)gridw; (void)scale; (void)scratch; (void)kernel;
    return -1;
#endif
}

#endif
