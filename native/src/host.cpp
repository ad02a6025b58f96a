// Host-only part of sam3cuda.h: the argument error channel, index math, launch configuration,
// attention argument checks and the resize filter tables. Plain C++17 without CUDA headers, so that
// test/host_tests.cpp can compile and test it with g++ on machines without nvcc.
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "index_math.h"
#include "sam3cuda.h"

namespace s3c {

static thread_local char g_message[512];

int invalid(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_message, sizeof g_message, fmt, ap);
    va_end(ap);
    return S3C_ERR_INVALID_ARGUMENT;
}

}  // namespace s3c

using s3c::invalid;

extern "C" {

const char* s3c_last_message(void) { return s3c::g_message; }

long long s3c_host_blocks(long long n, int threads, long long max_blocks) {
    if (n <= 0 || threads <= 0) return 0;
    long long b = (n + threads - 1) / threads;
    return b < max_blocks ? b : max_blocks;
}

// ---------------------------------------------------------------- index math

int s3c_host_window_count(int grid_h, int grid_w, int win_h, int win_w) {
    if (grid_h <= 0 || grid_w <= 0 || win_h <= 0 || win_w <= 0) return 0;
    return s3c::WindowGrid{grid_h, grid_w, win_h, win_w}.count();
}

int s3c_host_window_length(int grid_h, int grid_w, int win_h, int win_w, int window) {
    if (window < 0 || window >= s3c_host_window_count(grid_h, grid_w, win_h, win_w)) return 0;
    return s3c::WindowGrid{grid_h, grid_w, win_h, win_w}.length(window);
}

int s3c_host_window_token(int grid_h, int grid_w, int win_h, int win_w, int window, int i) {
    if (i < 0 || i >= s3c_host_window_length(grid_h, grid_w, win_h, win_w, window)) return -1;
    return s3c::WindowGrid{grid_h, grid_w, win_h, win_w}.token(window, i);
}

int s3c_host_window_rope_row(int grid_h, int grid_w, int win_h, int win_w, int window, int i) {
    if (i < 0 || i >= s3c_host_window_length(grid_h, grid_w, win_h, win_w, window)) return -1;
    return s3c::WindowGrid{grid_h, grid_w, win_h, win_w}.rope_row(window, i);
}

int s3c_host_dilated_segments(int t, int seg_len) {
    if (t <= 0 || seg_len <= 0) return 0;
    return s3c::ceil_div(t, seg_len);
}

int s3c_host_dilated_length(int t, int seg_len, int dilation, int segment, int head) {
    if (dilation <= 0 || head < 0 || segment < 0 || segment >= s3c_host_dilated_segments(t, seg_len)) return 0;
    return s3c::Dilated{t, seg_len, dilation}.length(segment, head);
}

int s3c_host_dilated_token(int t, int seg_len, int dilation, int segment, int head, int i) {
    if (i < 0 || i >= s3c_host_dilated_length(t, seg_len, dilation, segment, head)) return -1;
    return s3c::Dilated{t, seg_len, dilation}.token(segment, head, i);
}

// ---------------------------------------------------------------- attention arguments

void s3c_attention_defaults(s3c_attention_args* a, int batch, int tq, int tk, int heads, int d, int dv, float scale,
                            int dtype) {
    *a = s3c_attention_args{};
    a->batch = batch;
    a->tq = tq;
    a->tk = tk;
    a->heads = heads;
    a->d = d;
    a->dv = dv;
    a->scale = scale;
    a->dtype = dtype;
    a->pattern = S3C_ATTN_FULL;
    a->q_sh = d;
    a->q_st = (long long)heads * d;
    a->q_sb = (long long)tq * heads * d;
    a->k_sh = d;
    a->k_st = (long long)heads * d;
    a->k_sb = (long long)tk * heads * d;
    a->v_sh = dv;
    a->v_st = (long long)heads * dv;
    a->v_sb = (long long)tk * heads * dv;
    a->y_sh = dv;
    a->y_st = (long long)heads * dv;
    a->y_sb = (long long)tq * heads * dv;
}

int s3c_attention_check(const s3c_attention_args* a) {
    if (a == nullptr) return invalid("attention: no arguments");
    if (a->batch <= 0 || a->tq <= 0 || a->tk <= 0 || a->heads <= 0 || a->d <= 0 || a->dv <= 0) {
        return invalid("attention: sizes B %d, Tq %d, Tk %d, H %d, D %d, Dv %d must be positive", a->batch, a->tq,
                       a->tk, a->heads, a->d, a->dv);
    }
    if (s3c::attn_head_bucket(a->d, a->dv) == 0) return invalid("attention: head size %d/%d above 128", a->d, a->dv);
    if (a->dtype != S3C_F32 && a->dtype != S3C_F16 && a->dtype != S3C_BF16) {
        return invalid("attention: unknown dtype %d", a->dtype);
    }
    if (!a->q || !a->k || !a->v || !a->y) return invalid("attention: null q, k, v or y");
    int rope_need = 0;
    switch (a->pattern) {
        case S3C_ATTN_FULL:
            if (a->rope_q && a->tq > rope_need) rope_need = a->tq;
            if (a->rope_k && a->tk > rope_need) rope_need = a->tk;
            break;
        case S3C_ATTN_WINDOW:
            if (a->grid_h <= 0 || a->grid_w <= 0 || a->win_h <= 0 || a->win_w <= 0) {
                return invalid("attention: window %dx%d on grid %dx%d", a->win_h, a->win_w, a->grid_h, a->grid_w);
            }
            if (a->tq != a->tk || (long long)a->grid_h * a->grid_w != a->tq) {
                return invalid("attention: windowed needs Tq = Tk = %d x %d tokens, got %d/%d", a->grid_h, a->grid_w,
                               a->tq, a->tk);
            }
            rope_need = a->win_h * a->win_w;
            break;
        case S3C_ATTN_DILATED:
            if (a->seg_len <= 0 || a->dilation <= 0) {
                return invalid("attention: dilated segment %d, dilation %d", a->seg_len, a->dilation);
            }
            if (a->tq != a->tk) return invalid("attention: dilated needs Tq = Tk, got %d/%d", a->tq, a->tk);
            rope_need = a->tq;
            break;
        default:
            return invalid("attention: unknown pattern %d", a->pattern);
    }
    if (a->bias != nullptr && a->pattern != S3C_ATTN_FULL) return invalid("attention: a bias needs the full pattern");
    if (a->rope_q || a->rope_k) {
        if (a->d % 2 != 0) return invalid("attention: RoPE needs an even head size, got %d", a->d);
        if (!a->rope_cos || !a->rope_sin) return invalid("attention: RoPE without tables");
        if (a->rope_rows < rope_need) {
            return invalid("attention: RoPE tables have %d rows, the pattern needs %d", a->rope_rows, rope_need);
        }
    }
    int groups, max_len;
    s3c::attn_groups_and_length(*a, &groups, &max_len);
    if ((long long)a->batch * groups > 65535 || a->heads > 65535) {
        return invalid("attention: batch x groups %lld or heads %d above 65535", (long long)a->batch * groups,
                       a->heads);
    }
    return 0;
}

int s3c_host_attention_launch(const s3c_attention_args* a, int* grid3, int* threads, int* smem_bytes,
                              int* head_bucket, int* threads_per_query) {
    int e = s3c_attention_check(a);
    if (e != 0) return e;
    int groups, max_len;
    s3c::attn_groups_and_length(*a, &groups, &max_len);
    int bucket = s3c::attn_head_bucket(a->d, a->dv);
    grid3[0] = s3c::ceil_div(max_len, s3c::attn_queries_per_block(bucket));
    grid3[1] = a->heads;
    grid3[2] = a->batch * groups;
    *threads = s3c::kAttnThreads;
    *smem_bytes = s3c::attn_smem_bytes(bucket);
    *head_bucket = bucket;
    *threads_per_query = s3c::attn_threads_per_query(bucket);
    return 0;
}

// ---------------------------------------------------------------- resize filter

int s3c_host_resize_taps(int in_size, int out_size) {
    if (in_size <= 0 || out_size <= 0) return 0;
    float scale = (float)in_size / (float)out_size;
    float support = scale >= 1.0 ? (float)(1.0 * scale) : 1.0f;
    return (int)std::ceil((double)support) * 2 + 1;
}

// Mirrors org.sam3j.image.AntialiasResize.FloatFilter.of expression by expression (float scalars,
// double literals), so that each rounding happens where it happens there.
int s3c_host_resize_filter(int in_size, int out_size, int* start, int* count, float* weights) {
    int taps = s3c_host_resize_taps(in_size, out_size);
    if (taps == 0) return invalid("resize filter: sizes %d -> %d", in_size, out_size);
    float scale = (float)in_size / (float)out_size;
    float support = scale >= 1.0 ? (float)(1.0 * scale) : 1.0f;
    float inv_scale = scale >= 1.0 ? (float)(1.0 / scale) : 1.0f;
    for (int i = 0; i < out_size; i++) {
        float center = (float)((double)scale * (i + 0.5));
        long long lo = (long long)((double)(center - support) + 0.5);
        if (lo < 0) lo = 0;
        long long hi = (long long)((double)(center + support) + 0.5);
        if (hi > in_size) hi = in_size;
        long long span = hi - lo < taps ? hi - lo : taps;
        int n = (int)(span > 0 ? span : 0);
        float* w = weights + (long long)i * taps;
        float total = 0.f;
        for (int j = 0; j < taps; j++) w[j] = 0.f;
        for (int j = 0; j < n; j++) {
            float d = (float)(j + lo) - center;
            float t = std::fabs((float)(((double)d + 0.5) * inv_scale));
            float wj = t < 1.0 ? (float)(1.0 - t) : 0.f;
            w[j] = wj;
            total += wj;
        }
        if (total != 0.f) {
            for (int j = 0; j < n; j++) w[j] /= total;
        }
        start[i] = (int)lo;
        count[i] = n;
    }
    return 0;
}

}  // extern "C"
