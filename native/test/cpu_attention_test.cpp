// Checks native/src/cpu_attention.h against a double-precision reference: heads of 32 and 64 read in place from
// interleaved rows, query and key counts that are not multiples of the tiles, one key, several softmax steps, a bias
// (per query or one row for all, -inf masking keys, a query with every key masked), windows of a token grid read
// and written in place, the refusals (another head size, dv != d, bad rows), and that no call writes past the scratch
// s3cpu_attention_scratch asked for. Run by `make host-tests`
// (native/build.sh test) in every build.
#include "cpu_attention.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

static int failures = 0;

static void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("FAIL %s\n", what);
        failures++;
    }
}

// the reference for one head of rows given by index (qRow(i), kRow(j): token indices), bias rows ldb apart or null;
// the largest |error| of y, and whether every row whose keys are all masked is NaN in y
struct Worst {
    double error = 0;
    bool maskedNaN = true;
};

template <typename QRow, typename KRow>
static Worst reference(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                       const std::vector<float>& y, int tq, int tk, int h, int d, int vRow, float scale,
                       const float* bias, long ldb, QRow qRow, KRow kRow) {
    Worst w;
    for (int i = 0; i < tq; i++) {
        const size_t qi = qRow(i);
        for (int hi = 0; hi < h; hi++) {
            std::vector<double> s(tk);
            double mx = -INFINITY;
            for (int j = 0; j < tk; j++) {
                double a = 0;
                for (int x = 0; x < d; x++) a += (double) q[(qi * h + hi) * d + x] * k[(kRow(j) * h + hi) * d + x];
                s[j] = a * scale + (bias ? bias[(size_t) i * ldb + j] : 0.0);
                mx = std::max(mx, s[j]);
            }
            if (mx == -INFINITY) {
                for (int x = 0; x < d; x++) w.maskedNaN &= std::isnan(y[(qi * h + hi) * d + x]);
                continue;
            }
            double sum = 0;
            for (int j = 0; j < tk; j++) sum += s[j] = std::exp(s[j] - mx);
            for (int x = 0; x < d; x++) {
                double o = 0;
                for (int j = 0; j < tk; j++) o += s[j] * v[kRow(j) * vRow + hi * d + x];
                float got = y[(qi * h + hi) * d + x];
                w.error = std::max(w.error, std::isnan(got) ? INFINITY : std::abs(o / sum - got));
            }
        }
    }
    return w;
}

/** Floats past the scratch a kernel asked for, set to 1e30 and checked afterwards. */
constexpr size_t GUARD = 64;

static bool guardIntact(const std::vector<float>& scratch, size_t need) {
    for (size_t i = need; i < scratch.size(); i++) {
        if (scratch[i] != 1e30f) return false;
    }
    return true;
}

static std::vector<float> normal(size_t n, std::mt19937& rng) {
    std::normal_distribution<float> dist(0.f, 1.f);
    std::vector<float> a(n);
    for (float& x : a) x = dist(rng);
    return a;
}

// heads interleaved as the backend has them: token rows of h·d floats (values rows vRow ≥ h·d apart); bias 0: none,
// 1: a row per query, 2: one row for every query; masked: every third key of the bias -inf, and with a row per query
// all keys of query 1 and all but the last key of query 2 (whole softmax steps with nothing to add)
static void run(int tq, int tk, int h, int d, int vRow, float scale, std::mt19937& rng, int bias = 0) {
    std::vector<float> q = normal((size_t) tq * h * d, rng), k = normal((size_t) tk * h * d, rng);
    std::vector<float> v = normal((size_t) tk * vRow, rng), y((size_t) tq * h * d, -7.f);
    std::vector<float> b = normal((size_t) (bias == 1 ? tq : 1) * tk, rng);
    for (size_t j = 0; j < b.size(); j += 3) b[j] = -INFINITY;
    if (bias == 1 && tq > 1) for (int j = 0; j < tk; j++) b[(size_t) tk + j] = -INFINITY;
    if (bias == 1 && tq > 2) for (int j = 0; j + 1 < tk; j++) b[(size_t) 2 * tk + j] = -INFINITY;
    const long ldb = bias == 1 ? tk : 0;
    // dirty on purpose, and followed by a guard the kernel must not write (the scratch it asked for is enough)
    const size_t need = (size_t) s3cpu_attention_scratch(tk, d, d);
    std::vector<float> scratch(need + GUARD, 1e30f);
    for (int hi = 0; hi < h; hi++) {
        int rc = bias == 0
                ? s3cpu_attention_f32(q.data() + hi * d, (long long) h * d, k.data() + hi * d, (long long) h * d,
                                      v.data() + hi * d, vRow, y.data() + hi * d, (long long) h * d, tq, tk, d, d,
                                      scale, scratch.data())
                : s3cpu_attention_f32_at(q.data(), hi * d, (long long) h * d, k.data(), hi * d, (long long) h * d,
                                         v.data(), hi * d, vRow, y.data(), hi * d, (long long) h * d, b.data(), 0, ldb,
                                         tq, tk, d, 1, 1, scale, scratch.data());
        check(rc == 0, "the kernel accepts the shape");
    }
    check(guardIntact(scratch, need), "the kernel writes only the scratch it asked for");
    auto same = [](int i) { return (size_t) i; };
    Worst w = reference(q, k, v, y, tq, tk, h, d, vRow, scale, bias ? b.data() : nullptr, ldb, same, same);
    char what[200];
    std::snprintf(what, sizeof what, "tq=%d tk=%d h=%d d=%d vRow=%d bias=%d: max |error| %.3g <= 2e-5", tq, tk, h, d,
                  vRow, bias, w.error);
    check(w.error <= 2e-5, what);
    std::printf("  %s\n", what);
    if (bias == 1 && tq > 1) check(w.maskedNaN, "a query with every key masked is NaN");
}

// the windows of a gridH x gridW token grid (windows of win x win tokens) read and written in place; y outside the
// windowed rows untouched
static void windows(int gridH, int gridW, int win, int h, int d, std::mt19937& rng) {
    const int tokens = gridH * gridW, n = win * win;
    std::vector<float> q = normal((size_t) tokens * h * d, rng), k = normal((size_t) tokens * h * d, rng);
    std::vector<float> v = normal((size_t) tokens * h * d, rng), y((size_t) tokens * h * d, -7.f);
    const size_t need = (size_t) s3cpu_attention_scratch(n, d, d);
    std::vector<float> scratch(need + GUARD, 1e30f);
    const float scale = 1.f / std::sqrt((float) d);
    double worst = 0;
    bool others = true;
    for (int wy = 0; wy + win <= gridH; wy += win) {
        for (int wx = 0; wx + win <= gridW; wx += win) {
            const long long first = (long long) wy * gridW + wx, ld = (long long) h * d;
            for (int hi = 0; hi < h; hi++) {
                int rc = s3cpu_attention_f32_at(q.data(), first * ld + hi * d, ld, k.data(), first * ld + hi * d, ld,
                                                v.data(), first * ld + hi * d, ld, y.data(), first * ld + hi * d, ld,
                                                nullptr, 0, 0, n, n, d, win, gridW, scale, scratch.data());
                check(rc == 0, "the kernel accepts a window");
            }
            auto row = [&](int r) { return (size_t) (first + (long long) (r / win) * gridW + r % win); };
            worst = std::max(worst, reference(q, k, v, y, n, n, h, d, h * d, scale, nullptr, 0, row, row).error);
        }
    }
    // the grid's last columns and rows beyond whole windows were not written
    for (int t = 0; t < tokens; t++) {
        if (t / gridW < gridH / win * win && t % gridW < gridW / win * win) continue;
        for (int x = 0; x < h * d; x++) others &= y[(size_t) t * h * d + x] == -7.f;
    }
    char what[160];
    std::snprintf(what, sizeof what, "windows %dx%d of a %dx%d grid, h=%d d=%d: max |error| %.3g <= 2e-5", win, win,
                  gridH, gridW, h, d, worst);
    check(worst <= 2e-5, what);
    check(others, "tokens outside the windows are left as they were");
    check(guardIntact(scratch, need), "the kernel writes only the scratch it asked for (windows)");
    std::printf("  %s\n", what);
}

int main() {
    if (!s3cpu_supported()) {
        std::printf("cpu_attention_test: SKIPPED (this CPU lacks AVX2/FMA)\n");
        return 0;
    }
    std::mt19937 rng(7);
    run(13, 300, 3, 32, 3 * 32, 1.f / std::sqrt(32.f), rng);     // tails of both tiles, two softmax steps
    run(6, 1, 2, 64, 2 * 64, 0.125f, rng);                       // one key
    run(40, 577, 2, 64, 3 * 2 * 64, 0.125f, rng);                // values read in place from a fused qkv row
    run(7, 1030, 1, 32, 32, 2.5f, rng);                          // peaked softmax: maxima move between steps
    run(5, 128, 1, 64, 64, 0.125f, rng);                         // exactly one step of heads of 64 (128 keys)
    run(5, 129, 2, 64, 2 * 64, 0.125f, rng);                     // a step of heads of 64 and one key
    run(3, 257, 1, 32, 32, 0.25f, rng);                          // a step of heads of 32 (256 keys) and one key
    run(13, 300, 3, 32, 3 * 32, 0.25f, rng, 1);                  // a bias per query, -inf keys, a masked query
    run(201, 530, 2, 32, 2 * 32, 0.25f, rng, 2);                 // one bias row for every query
    run(9, 7, 2, 64, 2 * 64, 0.125f, rng, 1);                    // a bias in a single short group of keys
    windows(14, 15, 7, 2, 64, rng);                              // 4 windows of 49 tokens, a column left over
    windows(12, 12, 12, 1, 32, rng);                             // one window of 144 tokens: whole grid rows
    std::vector<float> buf(1 << 16);
    check(s3cpu_attention_f32(buf.data(), 48, buf.data(), 48, buf.data(), 48, buf.data(), 48, 4, 4, 48, 48, 1.f,
                              buf.data()) == -1, "heads of 48 are refused");
    check(s3cpu_attention_f32(buf.data(), 64, buf.data(), 64, buf.data(), 64, buf.data(), 64, 4, 4, 64, 32, 1.f,
                              buf.data()) == -1, "dv != d is refused");
    check(s3cpu_attention_f32(buf.data(), 64, buf.data(), 64, buf.data(), 64, buf.data(), 64, 4, 0, 64, 64, 1.f,
                              buf.data()) == -1, "no keys is refused");
    check(s3cpu_attention_f32_at(buf.data(), 0, 64, buf.data(), 0, 64, buf.data(), 0, 64, buf.data(), 0, 64,
                                 nullptr, 0, 0, 4, 4, 64, 2, 1, 1.f, buf.data()) == -1, "runs wider than the grid are refused");
    check(s3cpu_attention_f32_at(buf.data(), -1, 64, buf.data(), 0, 64, buf.data(), 0, 64, buf.data(), 0, 64,
                                 nullptr, 0, 0, 4, 4, 64, 1, 1, 1.f, buf.data()) == -1, "negative offsets are refused");
    std::printf("cpu_attention_test: %s\n", failures == 0 ? "OK" : "FAILED");
    return failures == 0 ? 0 : 1;
}
