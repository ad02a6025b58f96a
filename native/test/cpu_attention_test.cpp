// Checks native/src/cpu_attention.h against a double-precision reference: heads of 32 and 64 read in place from
// interleaved rows, query and key counts that are not multiples of the tiles, one key, several softmax steps, and
// the refusals (another head size, dv != d). Run by `make host-tests` (native/build.sh test) in every build.
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

// heads interleaved as the backend has them: token rows of h·d floats (values rows vRow ≥ h·d apart)
static void run(int tq, int tk, int h, int d, int vRow, float scale, std::mt19937& rng) {
    std::normal_distribution<float> n(0.f, 1.f);
    std::vector<float> q((size_t) tq * h * d), k((size_t) tk * h * d), v((size_t) tk * vRow), y((size_t) tq * h * d, -7.f);
    for (float& x : q) x = n(rng);
    for (float& x : k) x = n(rng);
    for (float& x : v) x = n(rng);
    std::vector<float> scratch((size_t) s3cpu_attention_scratch(tk, d, d) + 1, 1e30f);  // dirty on purpose
    for (int hi = 0; hi < h; hi++) {
        int rc = s3cpu_attention_f32(q.data() + hi * d, (long long) h * d, k.data() + hi * d, (long long) h * d,
                                     v.data() + hi * d, vRow, y.data() + hi * d, (long long) h * d, tq, tk, d, d, scale,
                                     scratch.data());
        check(rc == 0, "the kernel accepts the shape");
    }
    double worst = 0;
    for (int i = 0; i < tq; i++) {
        for (int hi = 0; hi < h; hi++) {
            std::vector<double> s(tk);
            double mx = -1e300;
            for (int j = 0; j < tk; j++) {
                double a = 0;
                for (int x = 0; x < d; x++) a += (double) q[((size_t) i * h + hi) * d + x] * k[((size_t) j * h + hi) * d + x];
                s[j] = a * scale;
                mx = std::max(mx, s[j]);
            }
            double sum = 0;
            for (int j = 0; j < tk; j++) sum += s[j] = std::exp(s[j] - mx);
            for (int x = 0; x < d; x++) {
                double o = 0;
                for (int j = 0; j < tk; j++) o += s[j] * v[(size_t) j * vRow + hi * d + x];
                worst = std::max(worst, std::abs(o / sum - y[((size_t) i * h + hi) * d + x]));
            }
        }
    }
    char what[160];
    std::snprintf(what, sizeof what, "tq=%d tk=%d h=%d d=%d vRow=%d: max |error| %.3g <= 2e-5", tq, tk, h, d, vRow, worst);
    check(worst <= 2e-5, what);
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
    std::vector<float> buf(1 << 16);
    check(s3cpu_attention_f32(buf.data(), 48, buf.data(), 48, buf.data(), 48, buf.data(), 48, 4, 4, 48, 48, 1.f,
                              buf.data()) == -1, "heads of 48 are refused");
    check(s3cpu_attention_f32(buf.data(), 64, buf.data(), 64, buf.data(), 64, buf.data(), 64, 4, 4, 64, 32, 1.f,
                              buf.data()) == -1, "dv != d is refused");
    check(s3cpu_attention_f32(buf.data(), 64, buf.data(), 64, buf.data(), 64, buf.data(), 64, 4, 0, 64, 64, 1.f,
                              buf.data()) == -1, "no keys is refused");
    std::printf("cpu_attention_test: %s\n", failures == 0 ? "OK" : "FAILED");
    return failures == 0 ? 0 : 1;
}
