// Fused ("flash") attention with online softmax over three token patterns (full, 2-D windows read in
// place, LongNet dilated segments), RoPE applied on load, optional broadcast bias; and the standalone
// RoPE kernel. See s3c_attention_args in sam3cuda.h for the exact semantics.
//
// Kernel layout (SIMT, float32 accumulation; a tensor-core version is future work):
//  - one block = 128 threads = one (batch, group, head) and a tile of queries of that group's sequence
//    (group = window or segment; one group for FULL);
//  - a query is handled by tpq = bucket/32 adjacent lanes, each holding 32 of its channels, interleaved
//    (channel c·tpq + lane), so that lanes read consecutive shared-memory words; partial dot products
//    are summed with shuffles inside the tpq lanes;
//  - keys and values are staged 32 at a time in shared memory as float32 (RoPE applied to keys there);
//  - online softmax in base 2: q is pre-scaled by scale·log2(e), the bias by log2(e); a running maximum
//    m and sum l per query, the accumulator rescaled by 2^(m_old - m_new) when the maximum grows, with
//    fully masked tiles (-inf) handled without NaN.
#include "common.cuh"

namespace s3c {
namespace {

constexpr float kLog2e = 1.4426950408889634f;

/** The sequence one block works on: its length and the token / RoPE row of each local index. */
struct Sequence {
    int pattern;
    WindowGrid win;
    Dilated dil;
    int group;
    int head;

    __device__ __forceinline__ int token(int i) const {
        if (pattern == S3C_ATTN_WINDOW) return win.token(group, i);
        if (pattern == S3C_ATTN_DILATED) return dil.token(group, head, i);
        return i;
    }
    __device__ __forceinline__ int rope_row(int i, int tok) const {
        return pattern == S3C_ATTN_WINDOW ? win.rope_row(group, i) : tok;
    }
};

/** Element `d` of a row after RoPE (pairs (2i, 2i+1) rotated by the table row), read as float. */
template <typename T>
__device__ __forceinline__ float load_roped(const T* row, int d, bool rope, const float* cos_t, const float* sin_t,
                                            int table_row, int half) {
    float v = to_f<T>(row[d]);
    if (!rope) return v;
    float pv = to_f<T>(row[d ^ 1]);
    float c = cos_t[(long long)table_row * half + (d >> 1)];
    float s = sin_t[(long long)table_row * half + (d >> 1)];
    return (d & 1) ? pv * s + v * c : v * c - pv * s;
}

template <typename T, int BUCKET>
__global__ void __launch_bounds__(kAttnThreads) attention_kernel(s3c_attention_args a, int groups) {
    constexpr int TPQ = BUCKET / 32;
    constexpr int QPB = kAttnThreads / TPQ;
    constexpr int CH = BUCKET / TPQ;  // 32 channels per lane
    constexpr int BK = kAttnKeyTile;
    extern __shared__ float smem[];
    float* ks = smem;                // [BK][BUCKET]
    float* vs = smem + BK * BUCKET;  // [BK][BUCKET]

    const int b = blockIdx.z / groups;
    const int h = blockIdx.y;
    Sequence seq{a.pattern, WindowGrid{a.grid_h, a.grid_w, a.win_h, a.win_w}, Dilated{a.tq, a.seg_len, a.dilation},
                 (int)(blockIdx.z - b * groups), h};
    int len_q, len_k;
    if (a.pattern == S3C_ATTN_WINDOW) {
        len_q = len_k = seq.win.length(seq.group);
    } else if (a.pattern == S3C_ATTN_DILATED) {
        len_q = len_k = seq.dil.length(seq.group, h);
    } else {
        len_q = a.tq;
        len_k = a.tk;
    }
    const int q0 = blockIdx.x * QPB;
    if (q0 >= len_q) return;  // uniform over the block, before any barrier

    const int lane = threadIdx.x % TPQ;
    const int qi = q0 + threadIdx.x / TPQ;
    const bool valid = qi < len_q;
    const int half = a.d / 2;

    // ---- the query, roped and pre-scaled, 32 channels per lane
    float q[CH];
    const int qtok = valid ? seq.token(qi) : 0;
    {
        const T* qp = (const T*)a.q + b * a.q_sb + (long long)qtok * a.q_st + (long long)h * a.q_sh;
        const int row = seq.rope_row(qi, qtok);
        const float qscale = a.scale * kLog2e;
#pragma unroll
        for (int c = 0; c < CH; c++) {
            int d = c * TPQ + lane;
            float v = (valid && d < a.d) ? load_roped(qp, d, a.rope_q != 0, a.rope_cos, a.rope_sin, row, half) : 0.f;
            q[c] = v * qscale;
        }
    }
    const T* bias_row = nullptr;
    if (a.bias != nullptr && valid) {
        bias_row = (const T*)a.bias + b * a.bias_sb + (long long)h * a.bias_sh + (long long)qi * a.bias_sq;
    }

    float m = -INFINITY;
    float l = 0.f;
    float o[CH];
#pragma unroll
    for (int c = 0; c < CH; c++) o[c] = 0.f;

    for (int k0 = 0; k0 < len_k; k0 += BK) {
        const int nk = min(BK, len_k - k0);
        // ---- stage BK keys (roped) and values as float32
        for (int e = threadIdx.x; e < BK * BUCKET; e += kAttnThreads) {
            int j = e / BUCKET;
            int d = e - j * BUCKET;
            float kv = 0.f, vv = 0.f;
            if (j < nk) {
                int ki = k0 + j;
                int ktok = seq.token(ki);
                if (d < a.d) {
                    const T* kp = (const T*)a.k + b * a.k_sb + (long long)ktok * a.k_st + (long long)h * a.k_sh;
                    kv = load_roped(kp, d, a.rope_k != 0, a.rope_cos, a.rope_sin, seq.rope_row(ki, ktok), half);
                }
                if (d < a.dv) {
                    const T* vp = (const T*)a.v + b * a.v_sb + (long long)ktok * a.v_st + (long long)h * a.v_sh;
                    vv = to_f<T>(vp[d]);
                }
            }
            ks[e] = kv;
            vs[e] = vv;
        }
        __syncthreads();

        // ---- scores of the tile (base-2 logits)
        float s[BK];
        float tile_max = -INFINITY;
#pragma unroll
        for (int j = 0; j < BK; j++) {
            float part = 0.f;
#pragma unroll
            for (int c = 0; c < CH; c++) part = fmaf(q[c], ks[j * BUCKET + c * TPQ + lane], part);
#pragma unroll
            for (int off = TPQ / 2; off > 0; off >>= 1) part += __shfl_xor_sync(0xffffffffu, part, off);
            if (j < nk) {
                if (bias_row != nullptr) part = fmaf(kLog2e, to_f<T>(bias_row[k0 + j]), part);
            } else {
                part = -INFINITY;
            }
            s[j] = part;
            tile_max = fmaxf(tile_max, part);
        }

        // ---- online softmax update
        const float m_new = fmaxf(m, tile_max);
        const float m_use = m_new == -INFINITY ? 0.f : m_new;  // a fully masked prefix stays at l = 0
        const float alpha = exp2f(m - m_use);                  // m = -inf gives 0
        l *= alpha;
#pragma unroll
        for (int c = 0; c < CH; c++) o[c] *= alpha;
#pragma unroll
        for (int j = 0; j < BK; j++) {
            float p = exp2f(s[j] - m_use);
            l += p;
#pragma unroll
            for (int c = 0; c < CH; c++) o[c] = fmaf(p, vs[j * BUCKET + c * TPQ + lane], o[c]);
        }
        m = m_new;
        __syncthreads();  // the tile is overwritten next
    }

    if (valid) {
        const float inv = l > 0.f ? 1.f / l : 0.f;
        T* yp = (T*)a.y + b * a.y_sb + (long long)qtok * a.y_st + (long long)h * a.y_sh;
#pragma unroll
        for (int c = 0; c < CH; c++) {
            int d = c * TPQ + lane;
            if (d < a.dv) yp[d] = from_f<T>(o[c] * inv);
        }
    }
}

/** y[b, t, h, 0:dv] = 0 through strides (tokens a dilated head does not select). */
template <typename T>
__global__ void zero_heads_kernel(T* y, long long y_sb, long long y_st, long long y_sh, int t, int heads, int dv,
                                  long long n) {
    S3C_GRID_LOOP(i, n) {
        int d = (int)(i % dv);
        long long r = i / dv;
        int h = (int)(r % heads);
        r /= heads;
        int tt = (int)(r % t);
        long long b = r / t;
        y[b * y_sb + (long long)tt * y_st + (long long)h * y_sh + d] = from_f<T>(0.f);
    }
}

template <typename T>
__global__ void rope_kernel(const T* x, const float* cos_t, const float* sin_t, T* y, long long pairs, int t,
                            int heads, int half) {
    S3C_GRID_LOOP(p, pairs) {
        int i = (int)(p % half);
        long long bth = p / half;
        int tt = (int)((bth / heads) % t);
        long long base = bth * 2 * half + 2 * i;
        float x0 = to_f<T>(x[base]);
        float x1 = to_f<T>(x[base + 1]);
        float c = cos_t[(long long)tt * half + i];
        float s = sin_t[(long long)tt * half + i];
        y[base] = from_f<T>(x0 * c - x1 * s);
        y[base + 1] = from_f<T>(x0 * s + x1 * c);
    }
}

template <typename T>
int launch_attention(const s3c_attention_args* a, cudaStream_t s) {
    int groups, max_len;
    attn_groups_and_length(*a, &groups, &max_len);
    int bucket = attn_head_bucket(a->d, a->dv);
    dim3 grid(ceil_div(max_len, attn_queries_per_block(bucket)), a->heads, a->batch * groups);
    int smem = attn_smem_bytes(bucket);
    if (a->pattern == S3C_ATTN_DILATED) {
        long long n = (long long)a->batch * a->tq * a->heads * a->dv;
        zero_heads_kernel<T><<<blocks_for(n), kThreads, 0, s>>>((T*)a->y, a->y_sb, a->y_st, a->y_sh, a->tq, a->heads,
                                                                a->dv, n);
    }
    switch (bucket) {
        case 32: attention_kernel<T, 32><<<grid, kAttnThreads, smem, s>>>(*a, groups); break;
        case 64: attention_kernel<T, 64><<<grid, kAttnThreads, smem, s>>>(*a, groups); break;
        default: attention_kernel<T, 128><<<grid, kAttnThreads, smem, s>>>(*a, groups); break;
    }
    return launched();
}

}  // namespace
}  // namespace s3c

using namespace s3c;

extern "C" {

int s3c_attention(const s3c_attention_args* a, void* stream) {
    int e = s3c_attention_check(a);
    if (e != 0) return e;
    S3C_DISPATCH(a->dtype, T, return launch_attention<T>(a, as_stream(stream)));
    return 0;
}

int s3c_rope(const void* x, const float* cos_table, const float* sin_table, void* y, int batch, int t, int heads,
             int d, int dtype, void* stream) {
    if (batch <= 0 || t <= 0 || heads <= 0 || d <= 0 || d % 2 != 0) {
        return invalid("rope: B %d, T %d, H %d, D %d (D must be even)", batch, t, heads, d);
    }
    long long pairs = (long long)batch * t * heads * (d / 2);
    S3C_DISPATCH(dtype, T,
                 rope_kernel<T><<<blocks_for(pairs), kThreads, 0, as_stream(stream)>>>(
                     (const T*)x, cos_table, sin_table, (T*)y, pairs, t, heads, d / 2));
    return launched();
}

}  // extern "C"
