// Index mapping and launch-configuration math shared by the kernels (device) and the host checks,
// written once so the host tests (test/host_tests.cpp, compiled by g++ without CUDA) exercise the
// exact code the kernels run.
#pragma once

#include "sam3cuda.h"

#if defined(__CUDACC__)
#define S3C_HD __host__ __device__ __forceinline__
#else
#define S3C_HD inline
#endif

namespace s3c {

S3C_HD int ceil_div(int a, int b) { return (a + b - 1) / b; }
S3C_HD long long ceil_div_ll(long long a, long long b) { return (a + b - 1) / b; }

// ---------------------------------------------------------------- 2-D windows

/** Windows of win_h × win_w over a grid_h × grid_w token grid, row-major over windows; edge windows smaller. */
struct WindowGrid {
    int grid_h, grid_w, win_h, win_w;

    S3C_HD int windows_y() const { return ceil_div(grid_h, win_h); }
    S3C_HD int windows_x() const { return ceil_div(grid_w, win_w); }
    S3C_HD int count() const { return windows_y() * windows_x(); }
    /** Height of window `wy` (rows of tokens it covers). */
    S3C_HD int height(int wy) const {
        int r = grid_h - wy * win_h;
        return r < win_h ? r : win_h;
    }
    S3C_HD int width(int wx) const {
        int r = grid_w - wx * win_w;
        return r < win_w ? r : win_w;
    }
    S3C_HD int length(int window) const {
        return height(window / windows_x()) * width(window % windows_x());
    }
    /** Token of local index i (row-major inside the window, rows of that window's width). */
    S3C_HD int token(int window, int i) const {
        int wy = window / windows_x();
        int wx = window % windows_x();
        int ww = width(wx);
        int ly = i / ww;
        int lx = i - ly * ww;
        return (wy * win_h + ly) * grid_w + wx * win_w + lx;
    }
    /** Position of local index i inside a full window: the RoPE table row. */
    S3C_HD int rope_row(int window, int i) const {
        int ww = width(window % windows_x());
        int ly = i / ww;
        int lx = i - ly * ww;
        return ly * win_w + lx;
    }
};

// ---------------------------------------------------------------- dilated segments (LongNet)

/**
 * Segments of seg_len tokens over t tokens; in segment s, head h attends among the tokens
 * s·seg_len + g + i·dilation (i = 0, 1, ...) inside the segment, g = h mod dilation.
 */
struct Dilated {
    int t, seg_len, dilation;

    S3C_HD int segments() const { return ceil_div(t, seg_len); }
    S3C_HD int segment_size(int s) const {
        int r = t - s * seg_len;
        return r < seg_len ? r : seg_len;
    }
    S3C_HD int offset(int head) const { return head % dilation; }
    S3C_HD int length(int s, int head) const {
        int n = segment_size(s);
        int g = offset(head);
        return n > g ? (n - g + dilation - 1) / dilation : 0;
    }
    /** Longest sequence of any (segment, head). */
    S3C_HD int max_length() const { return seg_len < t ? ceil_div(seg_len, dilation) : ceil_div(t, dilation); }
    S3C_HD int token(int s, int head, int i) const { return s * seg_len + offset(head) + i * dilation; }
};

// ---------------------------------------------------------------- attention launch configuration

/** Threads per block of the attention kernel. */
constexpr int kAttnThreads = 128;
/** Keys staged in shared memory per step. */
constexpr int kAttnKeyTile = 32;

/** Head-size bucket (largest D the instantiation handles): 32, 64 or 128; 0 if too large. */
S3C_HD int attn_head_bucket(int d, int dv) {
    int m = d > dv ? d : dv;
    if (m <= 32) return 32;
    if (m <= 64) return 64;
    if (m <= 128) return 128;
    return 0;
}
/** Threads cooperating on one query: each holds bucket / tpq = 32 channels. */
S3C_HD int attn_threads_per_query(int bucket) { return bucket / 32; }
/** Queries per block. */
S3C_HD int attn_queries_per_block(int bucket) { return kAttnThreads / attn_threads_per_query(bucket); }
/**
 * Shared memory: one key tile and one value tile of `bucket` floats per key. Lanes of one query read
 * interleaved channels (c·tpq + lane), i.e. consecutive words, so rows need no padding.
 */
S3C_HD int attn_smem_bytes(int bucket) { return 2 * kAttnKeyTile * bucket * 4; }

/**
 * Attention problems per batch entry (grid z = batch · groups) and the longest query sequence of
 * any group, for an argument set that passed s3c_attention_check.
 */
S3C_HD void attn_groups_and_length(const s3c_attention_args& a, int* groups, int* max_len) {
    if (a.pattern == S3C_ATTN_WINDOW) {
        WindowGrid w{a.grid_h, a.grid_w, a.win_h, a.win_w};
        *groups = w.count();
        int wh = a.win_h < a.grid_h ? a.win_h : a.grid_h;
        int ww = a.win_w < a.grid_w ? a.win_w : a.grid_w;
        *max_len = wh * ww;
    } else if (a.pattern == S3C_ATTN_DILATED) {
        Dilated d{a.tq, a.seg_len, a.dilation};
        *groups = d.segments();
        *max_len = d.max_length();
    } else {
        *groups = 1;
        *max_len = a.tq;
    }
}

}  // namespace s3c
