// Host-side tests of sam3cuda (g++ only; no CUDA, no GPU): window and dilated index mapping against
// naive definitions, attention argument checks and launch configuration, resize filter tables.
// Run by `make -C native check` (and by the Maven build of native/).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <vector>

#include "index_math.h"
#include "sam3cuda.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        checks++;                                          \
        if (!(cond)) {                                     \
            failures++;                                    \
            std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            std::fprintf(stderr, __VA_ARGS__);             \
            std::fprintf(stderr, "\n");                    \
        }                                                  \
    } while (0)

/**
 * VitBlock's partition, computed the way the graph computes it: reshape [H, W] tokens to
 * [nh, wh, nw, ww], permute to [nh, nw, wh, ww]: window (wy, wx), local (ly, lx) is token
 * (wy·wh + ly)·W + wx·ww + lx. Only for grids the windows tile exactly (the graph's case).
 */
static void test_window_matches_vit_partition() {
    const int gh = 72, gw = 72, ws = 24;
    int nh = gh / ws, nw = gw / ws;
    CHECK(s3c_host_window_count(gh, gw, ws, ws) == nh * nw, "window count");
    // flat index of the permuted tensor [nh, nw, ws, ws] -> source index of [nh, ws, nw, ws]
    for (int wy = 0; wy < nh; wy++)
        for (int wx = 0; wx < nw; wx++)
            for (int ly = 0; ly < ws; ly++)
                for (int lx = 0; lx < ws; lx++) {
                    int window = wy * nw + wx;
                    int local = ly * ws + lx;
                    int src = ((wy * ws + ly) * nw + wx) * ws + lx;  // [nh, ws, nw, ws] row-major == token
                    CHECK(s3c_host_window_token(gh, gw, ws, ws, window, local) == src, "token of w%d i%d", window,
                          local);
                    CHECK(s3c_host_window_rope_row(gh, gw, ws, ws, window, local) == local, "rope row");
                }
}

/** Every token of the grid lies in exactly one window, ragged edges included. */
static void test_window_cover(int gh, int gw, int wh, int ww) {
    std::vector<int> seen(gh * gw, 0);
    int windows = s3c_host_window_count(gh, gw, wh, ww);
    long long total = 0;
    for (int w = 0; w < windows; w++) {
        int len = s3c_host_window_length(gh, gw, wh, ww, w);
        CHECK(len >= 1 && len <= wh * ww, "window %d length %d", w, len);
        total += len;
        for (int i = 0; i < len; i++) {
            int t = s3c_host_window_token(gh, gw, wh, ww, w, i);
            CHECK(t >= 0 && t < gh * gw, "token %d", t);
            if (t >= 0 && t < gh * gw) seen[t]++;
            int row = s3c_host_window_rope_row(gh, gw, wh, ww, w, i);
            CHECK(row >= 0 && row < wh * ww, "rope row %d", row);
            // the rope row is the position inside the (full-size) window
            int ty = t / gw, tx = t % gw;
            CHECK(row == (ty % wh) * ww + (tx % ww), "rope row %d of token %d", row, t);
        }
        CHECK(s3c_host_window_token(gh, gw, wh, ww, w, len) == -1, "past the end");
    }
    CHECK(total == (long long)gh * gw, "grid %dx%d windows %dx%d cover %lld tokens", gh, gw, wh, ww, total);
    for (int t = 0; t < gh * gw; t++) CHECK(seen[t] == 1, "token %d seen %d times", t, seen[t]);
}

/** Naive LongNet selection: token p of segment s is attended by head h iff (p - s·w) mod r == h mod r. */
static void test_dilated(int t, int w, int r, int heads) {
    int segs = s3c_host_dilated_segments(t, w);
    CHECK(segs == (t + w - 1) / w, "segments");
    std::vector<int> covered(t, 0);
    for (int h = 0; h < heads; h++) {
        std::vector<int> mine;
        for (int s = 0; s < segs; s++) {
            int len = s3c_host_dilated_length(t, w, r, s, h);
            std::vector<int> expect;
            for (int p = s * w; p < std::min(t, (s + 1) * w); p++) {
                if ((p - s * w) % r == h % r) expect.push_back(p);
            }
            CHECK(len == (int)expect.size(), "t %d w %d r %d seg %d head %d: length %d, expected %zu", t, w, r, s, h,
                  len, expect.size());
            for (int i = 0; i < len && i < (int)expect.size(); i++) {
                CHECK(s3c_host_dilated_token(t, w, r, s, h, i) == expect[i], "token");
            }
            CHECK(s3c_host_dilated_token(t, w, r, s, h, len) == -1, "past the end");
            int longest = s3c::Dilated{t, w, r}.max_length();
            CHECK(len <= longest, "length %d above max_length %d", len, longest);
        }
        if (h < r) {
            for (int s = 0; s < segs; s++)
                for (int i = 0; i < s3c_host_dilated_length(t, w, r, s, h); i++)
                    covered[s3c_host_dilated_token(t, w, r, s, h, i)]++;
        }
    }
    if (heads >= r) {
        for (int p = 0; p < t; p++) CHECK(covered[p] == 1, "token %d covered %d times by the r offsets", p, covered[p]);
    }
}

static s3c_attention_args args(int b, int t, int h, int d) {
    static float dummy[4];
    s3c_attention_args a;
    s3c_attention_defaults(&a, b, t, t, h, d, d, 0.125f, S3C_F32);
    a.q = a.k = a.v = dummy;
    a.y = dummy;
    return a;
}

static void test_attention_launch() {
    int grid[3], threads, smem, bucket, tpq;
    // SAM 3 ViT global block: 5184 tokens, 16 heads of 64
    s3c_attention_args a = args(1, 5184, 16, 64);
    CHECK(s3c_host_attention_launch(&a, grid, &threads, &smem, &bucket, &tpq) == 0, "%s", s3c_last_message());
    CHECK(bucket == 64 && tpq == 2 && threads == 128, "bucket %d tpq %d threads %d", bucket, tpq, threads);
    CHECK(grid[0] == (5184 + 63) / 64 && grid[1] == 16 && grid[2] == 1, "grid %d %d %d", grid[0], grid[1], grid[2]);
    CHECK(smem == 2 * 32 * 64 * 4, "smem %d", smem);
    // windowed block: 9 windows of 576 tokens
    a.pattern = S3C_ATTN_WINDOW;
    a.grid_h = a.grid_w = 72;
    a.win_h = a.win_w = 24;
    CHECK(s3c_host_attention_launch(&a, grid, &threads, &smem, &bucket, &tpq) == 0, "%s", s3c_last_message());
    CHECK(grid[0] == 9 && grid[2] == 9, "window grid %d %d %d", grid[0], grid[1], grid[2]);
    // dilated: segments of 2048, dilation 4
    a.pattern = S3C_ATTN_DILATED;
    a.seg_len = 2048;
    a.dilation = 4;
    CHECK(s3c_host_attention_launch(&a, grid, &threads, &smem, &bucket, &tpq) == 0, "%s", s3c_last_message());
    CHECK(grid[2] == 3 && grid[0] == 512 / 64, "dilated grid %d %d %d", grid[0], grid[1], grid[2]);
    // detector heads of 32, cross attention 200 queries over 5184 keys
    s3c_attention_args c = args(1, 200, 8, 32);
    c.tk = 5184;
    CHECK(s3c_host_attention_launch(&c, grid, &threads, &smem, &bucket, &tpq) == 0, "%s", s3c_last_message());
    CHECK(bucket == 32 && tpq == 1 && grid[0] == 2, "cross bucket %d grid %d", bucket, grid[0]);
    // head of 128 and an odd head size
    s3c_attention_args e = args(2, 33, 3, 100);
    CHECK(s3c_host_attention_launch(&e, grid, &threads, &smem, &bucket, &tpq) == 0, "%s", s3c_last_message());
    CHECK(bucket == 128 && tpq == 4 && grid[0] == 2 && grid[2] == 2, "bucket %d grid %d", bucket, grid[0]);
}

static void test_attention_check() {
    s3c_attention_args a = args(1, 16, 2, 8);
    CHECK(s3c_attention_check(&a) == 0, "valid args refused: %s", s3c_last_message());
    s3c_attention_args big = args(1, 16, 2, 130);
    CHECK(s3c_attention_check(&big) == S3C_ERR_INVALID_ARGUMENT, "head 130 accepted");
    CHECK(std::strstr(s3c_last_message(), "above 128") != nullptr, "message: %s", s3c_last_message());
    s3c_attention_args w = args(1, 16, 2, 8);
    w.pattern = S3C_ATTN_WINDOW;
    w.grid_h = 4;
    w.grid_w = 5;  // 20 tokens, not 16
    w.win_h = w.win_w = 2;
    CHECK(s3c_attention_check(&w) == S3C_ERR_INVALID_ARGUMENT, "grid mismatch accepted");
    s3c_attention_args r = args(1, 16, 2, 8);
    r.rope_q = 1;
    CHECK(s3c_attention_check(&r) == S3C_ERR_INVALID_ARGUMENT, "rope without tables accepted");
    static float tab[64];
    r.rope_cos = r.rope_sin = tab;
    r.rope_rows = 15;
    CHECK(s3c_attention_check(&r) == S3C_ERR_INVALID_ARGUMENT, "short rope table accepted");
    r.rope_rows = 16;
    CHECK(s3c_attention_check(&r) == 0, "rope refused: %s", s3c_last_message());
    s3c_attention_args odd = args(1, 16, 2, 7);
    odd.rope_k = 1;
    odd.rope_cos = odd.rope_sin = tab;
    odd.rope_rows = 16;
    CHECK(s3c_attention_check(&odd) == S3C_ERR_INVALID_ARGUMENT, "rope on odd head accepted");
    s3c_attention_args bw = args(1, 16, 2, 8);
    bw.pattern = S3C_ATTN_DILATED;
    bw.seg_len = 8;
    bw.dilation = 2;
    bw.bias = tab;
    CHECK(s3c_attention_check(&bw) == S3C_ERR_INVALID_ARGUMENT, "bias with dilated accepted");
    s3c_attention_args x = args(1, 16, 2, 8);
    x.dtype = 7;
    CHECK(s3c_attention_check(&x) == S3C_ERR_INVALID_ARGUMENT, "dtype 7 accepted");
}

static void test_resize_filter() {
    const int sizes[][2] = {{640, 1008}, {1920, 1008}, {1008, 1008}, {37, 1008}, {1008, 17}, {3, 2}};
    for (auto& s : sizes) {
        int in = s[0], out = s[1];
        int taps = s3c_host_resize_taps(in, out);
        CHECK(taps >= 3, "taps %d", taps);
        std::vector<int> start(out), count(out);
        std::vector<float> w((size_t)out * taps);
        CHECK(s3c_host_resize_filter(in, out, start.data(), count.data(), w.data()) == 0, "filter %d->%d", in, out);
        for (int i = 0; i < out; i++) {
            CHECK(count[i] >= 1 && count[i] <= taps, "count %d", count[i]);
            CHECK(start[i] >= 0 && start[i] + count[i] <= in, "taps [%d, %d) outside %d", start[i],
                  start[i] + count[i], in);
            double sum = 0;
            for (int j = 0; j < count[i]; j++) sum += w[(size_t)i * taps + j];
            CHECK(std::fabs(sum - 1.0) < 1e-5, "%d->%d: weights of %d sum to %f", in, out, i, sum);
        }
    }
    // sanity against a hand-computed case: 4 -> 2 (scale 2, support 2): output 0 centred at 1.0
    int start[2], count[2];
    float w[2 * 5];
    CHECK(s3c_host_resize_taps(4, 2) == 5, "taps 4->2");
    s3c_host_resize_filter(4, 2, start, count, w);
    CHECK(start[0] == 0 && count[0] == 3, "4->2 start %d count %d", start[0], count[0]);
    // taps j = 0..2 at d = j - 1; t = |(d + 0.5) / 2| = 0.25, 0.25, 0.75; weights 1 - t normalised by 1.75
    CHECK(std::fabs(w[0] - 0.75f / 1.75f) < 1e-7 && std::fabs(w[2] - 0.25f / 1.75f) < 1e-7, "4->2 weights %g %g %g",
          w[0], w[1], w[2]);
}

static void test_blocks() {
    CHECK(s3c_host_blocks(0, 256, 1 << 20) == 0, "blocks of 0");
    CHECK(s3c_host_blocks(1, 256, 1 << 20) == 1, "blocks of 1");
    CHECK(s3c_host_blocks(257, 256, 1 << 20) == 2, "blocks of 257");
    CHECK(s3c_host_blocks(1LL << 40, 256, 1 << 20) == (1 << 20), "cap");
}

int main() {
    test_window_matches_vit_partition();
    test_window_cover(72, 72, 24, 24);
    test_window_cover(7, 5, 3, 2);
    test_window_cover(1, 9, 4, 4);
    test_window_cover(13, 13, 14, 14);
    const int dil[][4] = {{64, 16, 1, 4}, {64, 16, 2, 4}, {64, 16, 4, 4}, {67, 16, 4, 8}, {5184, 2048, 4, 16},
                          {10, 3, 2, 2},  {10, 20, 3, 3}, {7, 7, 7, 7},  {9, 4, 3, 2}};
    for (auto& d : dil) test_dilated(d[0], d[1], d[2], d[3]);
    test_attention_launch();
    test_attention_check();
    test_resize_filter();
    test_blocks();
    std::printf("host_tests: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
