// Checks native/src/cpu_bf16_gemm.h against a double-precision reference of the same BF16 operands: shapes with
// tails in every dimension, both layouts of B, strided rows, column ranges, bias or none, the BF16 rounding of the
// packing, and the refusals; and native/src/cpu_bf16_attention.h against a double-precision attention of the same
// BF16 operands (heads of 32 and 64 read in place from interleaved rows, query and key counts off the tiles, one
// key, several steps of keys). The products run on every kernel this CPU runs (AMX, AVX512-BF16); on a CPU or OS
// with neither it checks the packing and the refusals and says that the products were not run.
// `cpu_bf16_gemm_test bench` times the encoder's shapes.
#include "cpu_bf16_attention.h"
#include "cpu_bf16_gemm.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

static int failures = 0;

static void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("FAIL %s\n", what);
        failures++;
    }
}

static float bf16(float f) {
    unsigned short h = s3amx::to_bf16(f);
    unsigned u = (unsigned) h << 16;
    float r;
    std::memcpy(&r, &u, 4);
    return r;
}

// org.sam3j.backend.cpu.CpuGelu.gelu, operation for operation
static float gelu(float v) {
    float x = std::max(std::min(v * 0.70710678118654752f, 4.0f), -4.0f);
    float x2 = x * x;
    float p = std::fma(x2, -2.72614225801306e-10f, 2.77068142495902e-08f);
    p = std::fma(x2, p, -2.10102402082508e-06f);
    p = std::fma(x2, p, -5.69250639462346e-05f);
    p = std::fma(x2, p, -7.34990630326855e-04f);
    p = std::fma(x2, p, -2.95459980854025e-03f);
    p = std::fma(x2, p, -1.60960333262415e-02f);
    float q = std::fma(x2, -1.45660718464996e-05f, -2.13374055278905e-04f);
    q = std::fma(x2, q, -1.68282697438203e-03f);
    q = std::fma(x2, q, -7.37332916720468e-03f);
    q = std::fma(x2, q, -1.42647390514189e-02f);
    return 0.5f * v * (1.0f + x * p / q);
}

struct Aligned {
    void* p;
    explicit Aligned(size_t bytes) : p(std::aligned_alloc(64, (bytes + 63) / 64 * 64)) { std::memset(p, 0xff, (bytes + 63) / 64 * 64); }
    ~Aligned() { std::free(p); }
};

static const char* kernelName(int kernel) { return kernel == S3CPU_BF16_AMX ? "AMX" : "AVX512-BF16"; }

static void run(int kernel, int m, int k, int n, int j0, int j1, bool transb, bool withBias, int padA, int padC,
                std::mt19937& rng) {
    std::normal_distribution<float> nd(0.f, 1.f);
    int lda = k + padA, ldc = n + padC, ldb = transb ? k + 3 : n + 5;
    std::vector<float> a((size_t) m * lda), b((size_t) (transb ? n : k) * ldb), bias(n), c((size_t) m * ldc, -7.f);
    for (float& x : a) x = nd(rng);
    for (float& x : b) x = nd(rng);
    for (float& x : bias) x = nd(rng);
    std::vector<unsigned short> packed((size_t) s3cpu_bf16_packed_shorts(k, n));
    int blocks = (int) (s3amx::round32(n) / 16);
    s3cpu_bf16_pack(b.data(), ldb, transb, k, n, 0, blocks / 2, packed.data());  // in two parts, as workers do
    s3cpu_bf16_pack(b.data(), ldb, transb, k, n, blocks / 2, blocks, packed.data());
    // the scratch 16 bytes past a cache line, as malloc gives it (the kernel aligns it itself), and a guard after it
    const size_t scratchBytes = (size_t) s3cpu_bf16_gemm_scratch(k);
    Aligned scratch(16 + scratchBytes + 64);
    unsigned char* guard = (unsigned char*) scratch.p + 16 + scratchBytes;
    std::memset(guard, 0x5a, 64);
    int rc = s3cpu_bf16_gemm(a.data(), lda, m, packed.data(), k, n, j0, j1, withBias ? bias.data() : nullptr, 0,
                             c.data(), ldc, (char*) scratch.p + 16, kernel);
    check(rc == 0, "the kernel accepts the shape");
    bool guarded = true;
    for (int i = 0; i < 64; i++) guarded &= guard[i] == 0x5a;
    check(guarded, "the kernel writes only the scratch memory it asked for");
    double worst = 0;
    bool untouched = true, bf16Values = true;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < ldc; j++) {
            float got = c[(size_t) i * ldc + j];
            if (j < j0 || j >= j1) {
                untouched &= got == -7.f;
                continue;
            }
            double ref = withBias ? bias[j] : 0, mag = std::abs(ref);
            for (int p = 0; p < k; p++) {
                double t = (double) bf16(a[(size_t) i * lda + p]) * bf16(transb ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j]);
                ref += t;
                mag += std::abs(t);
            }
            // FP32 accumulation of k exact products (error within k ulps of the magnitude sum), then rounding to
            // BF16 (half an ulp: 2^-9 of the value, so at most 2^-8 of |ref| + the accumulation's error)
            double acc = mag * k * 6e-8;
            worst = std::max(worst, std::abs(got - ref) / (acc + (std::abs(ref) + acc) / 256 + 1e-30));
            unsigned bits;
            std::memcpy(&bits, &got, 4);
            bf16Values &= (bits & 0xffffu) == 0;
        }
    }
    char what[200];
    std::snprintf(what, sizeof what, "%s m=%d k=%d n=%d cols [%d,%d) transb=%d bias=%d: error %.3g of the bound, "
                  "BF16 values %d, other columns untouched %d", kernelName(kernel), m, k, n, j0, j1, transb, withBias,
                  worst, bf16Values, untouched);
    check(worst <= 1 && bf16Values && untouched, what);
    std::printf("  %s\n", what);
    // GELU in the store: of each stored product value, the Java kernels' floats
    std::vector<float> g((size_t) m * ldc, -7.f);
    rc = s3cpu_bf16_gemm(a.data(), lda, m, packed.data(), k, n, j0, j1, withBias ? bias.data() : nullptr, 1, g.data(),
                         ldc, (char*) scratch.p + 16, kernel);
    bool same = rc == 0;
    for (size_t i = 0; i < g.size(); i++) {
        float want = (int) (i % ldc) >= j0 && (int) (i % ldc) < j1 ? gelu(c[i]) : -7.f;
        same &= std::memcmp(&want, &g[i], 4) == 0;
    }
    check(same, "GELU in the store gives the Java GELU of each product value, bit for bit");
}

// heads interleaved as the backend has them: token rows of h·d floats
// rising: scores grow along the keys (q positive on average, k[j] shifted by 0.02 j), so that the running maxima
// move by more than the kernel's slack again and again and its rescaling runs. window > 0: tq = tk = window², the
// tokens of window (1, 1) of a grid 2 x 3 windows large, read and written in place (y elsewhere untouched)
// bias: 0 none, 1 a row of tk values per query, 2 one row for every query; with a bias, the first 70 keys of query 0
// are masked (-inf: a whole step of 64 keys without a probability) and every seventh key of the others
static void attention(int kernel, int tq, int tk, int h, int d, std::mt19937& rng, bool rising = false,
                      int window = 0, int biasMode = 0) {
    std::normal_distribution<float> nd(0.f, 1.f);
    int ld = h * d;
    int gridw = window > 0 ? 3 * window : 1, run = window > 0 ? window : 1;
    int first = window > 0 ? window * gridw + window : 0;
    int tokens = window > 0 ? 2 * window * gridw : std::max(tq, tk);
    auto token = [&](int r) { return first + (r / run) * gridw + r % run; };
    std::vector<float> q((size_t) tokens * ld), k((size_t) tokens * ld), v((size_t) tokens * ld);
    std::vector<float> y((size_t) tokens * ld, -7.f);
    for (float& x : q) x = nd(rng) + (rising ? 1.0f : 0.0f);
    for (size_t i = 0; i < k.size(); i++) k[i] = nd(rng) + (rising ? 0.02f * (float) (i / ld) : 0.0f);
    for (float& x : v) x = nd(rng);
    float scale = 1.0f / std::sqrt((float) d);
    // one bias per head: [h, rows, tk] with rows tq (mode 1) or 1 (mode 2)
    int biasRows = biasMode == 1 ? tq : 1;
    std::vector<float> bias((size_t) h * biasRows * tk);
    for (size_t i = 0; i < bias.size(); i++) {
        int j = (int) (i % tk), row = (int) (i / tk % biasRows);
        bias[i] = nd(rng);
        if ((row == 0 && j < 70) || j % 7 == 3) bias[i] = -INFINITY;
    }
    auto biasAt = [&](int hi, int i, int j) { return biasMode == 0 ? 0.0 : (double) bias[((size_t) hi * biasRows + (biasMode == 1 ? i : 0)) * tk + j]; };
    Aligned scratch((size_t) s3cpu_bf16_attention_scratch(tk, d));
    for (int hi = 0; hi < h; hi++) {
        long long off = (long long) first * ld + hi * d;
        int rc = s3cpu_bf16_attention_at(q.data(), off, ld, k.data(), off, ld, v.data(), off, ld, y.data(), off, ld,
                                         biasMode ? bias.data() : nullptr, (long long) hi * biasRows * tk,
                                         biasMode == 1 ? tk : 0, tq, tk, d, run, gridw, scale, scratch.p, kernel);
        check(rc == 0, "the attention kernel accepts the shape");
    }
    double worst = 0;
    for (int i = 0; i < tq; i++) {
        for (int hi = 0; hi < h; hi++) {
            const float* qi = &q[(size_t) token(i) * ld + hi * d];
            std::vector<double> s(tk);
            double mx = -1e300;
            for (int j = 0; j < tk; j++) {
                double a = 0;
                for (int x = 0; x < d; x++) a += (double) bf16(qi[x]) * bf16(k[(size_t) token(j) * ld + hi * d + x]);
                s[j] = a * scale + biasAt(hi, i, j);
                mx = std::max(mx, s[j]);
            }
            double sum = 0;
            for (int j = 0; j < tk; j++) sum += s[j] = std::exp(s[j] - mx);
            for (int x = 0; x < d; x++) {
                double o = 0;
                for (int j = 0; j < tk; j++) o += s[j] * bf16(v[(size_t) token(j) * ld + hi * d + x]);
                double e = std::abs(o / sum - y[(size_t) token(i) * ld + hi * d + x]);
                worst = std::max(worst, std::isnan(e) ? INFINITY : e);  // (a NaN would pass std::max unseen)
            }
        }
    }
    // every other token of y untouched
    std::vector<bool> written(tokens, false);
    for (int i = 0; i < tq; i++) written[token(i)] = true;
    bool untouched = true;
    for (int t = 0; t < tokens; t++) {
        for (int x = 0; x < ld && !written[t]; x++) untouched &= y[(size_t) t * ld + x] == -7.f;
    }
    // the probabilities are rounded to BF16 (each by at most 2^-9 of itself) and divided by their unrounded sum: the
    // output moves by at most 2^-9 of the largest value, plus FP32's sums; then it is rounded to BF16 (another 2^-9)
    double vmax = 0;
    for (float x : v) vmax = std::max(vmax, (double) std::abs(bf16(x)));
    double bound = 2 * vmax / 512 * 1.05 + 1e-5;
    bool bf16Values = true;
    for (int i = 0; i < tq; i++) {
        for (int x = 0; x < ld; x++) {
            unsigned bits;
            std::memcpy(&bits, &y[(size_t) token(i) * ld + x], 4);
            bf16Values &= (bits & 0xffffu) == 0;
        }
    }
    char what[220];
    std::snprintf(what, sizeof what, "%s attention tq=%d tk=%d h=%d d=%d window %d bias %d: max |error| %.3g <= %.3g, "
                  "BF16 values %d, other tokens untouched %d", kernelName(kernel), tq, tk, h, d, window, biasMode,
                  worst, bound, bf16Values, untouched);
    check(worst <= bound && bf16Values && untouched, what);
    std::printf("  %s\n", what);
}

static void bench(int kernel, int m, int k, int n) {
    std::vector<float> a((size_t) m * k, 0.5f), b((size_t) n * k, 0.25f), c((size_t) m * n);
    std::vector<unsigned short> packed((size_t) s3cpu_bf16_packed_shorts(k, n));
    s3cpu_bf16_pack(b.data(), k, 1, k, n, 0, n / 16 + 2, packed.data());
    Aligned scratch((size_t) s3cpu_bf16_gemm_scratch(k));
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        s3cpu_bf16_gemm(a.data(), k, m, packed.data(), k, n, 0, n, nullptr, 0, c.data(), n, scratch.p, kernel);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
    }
    std::printf("  %s %d x %d x %d, one thread: %.1f ms, %.0f GFLOP/s (c[0] = %g)\n", kernelName(kernel), m, k, n,
                best * 1e3, 2.0 * m * k * n / best / 1e9, c[0]);
}

static void benchAttention(int kernel, int tq, int tk, int d) {
    std::vector<float> q((size_t) tq * d, 0.1f), k((size_t) tk * d, 0.2f), v((size_t) tk * d, 0.3f), y((size_t) tq * d);
    Aligned scratch((size_t) s3cpu_bf16_attention_scratch(tk, d));
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        s3cpu_bf16_attention_at(q.data(), 0, d, k.data(), 0, d, v.data(), 0, d, y.data(), 0, d, nullptr, 0, 0, tq, tk, d, 1, 1, 0.125f,
                                scratch.p, kernel);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("  %s attention %d x %d, d = %d, one head, one thread: %.2f ms, %.0f GFLOP/s\n", kernelName(kernel), tq,
                tk, d, best * 1e3, 4.0 * tq * tk * d / best / 1e9);
}

int main(int argc, char** argv) {
    // packing rounds to nearest even and lays tiles out as documented, on any CPU
    float b[2 * 33];
    for (int i = 0; i < 66; i++) b[i] = 1.0f + i * (1.0f / 256) + (1.0f / 65536);  // not BF16 values
    std::vector<unsigned short> packed((size_t) s3cpu_bf16_packed_shorts(2, 33));
    check(packed.size() == 32 * 64, "2 x 33 packs into 32 x 64 values");
    s3cpu_bf16_pack(b, 33, 0, 2, 33, 0, 4, packed.data());
    // tile row 0 of column block 1 holds B[0][16 + c] and B[1][16 + c] side by side
    check(packed[512 + 2 * 3] == s3amx::to_bf16(b[19]) && packed[512 + 2 * 3 + 1] == s3amx::to_bf16(b[33 + 19]),
          "a tile row holds the pair of rows of one column");
    check(packed[1024 + 0] == s3amx::to_bf16(b[32]) && packed[1024 + 2] == 0, "column 32 then zero padding");
    check(s3amx::to_bf16(1.0f + 1.0f / 256) == 0x3f80 && s3amx::to_bf16(1.0f + 3.0f / 256) == 0x3f82,
          "ties round to even");
    check(s3cpu_bf16_gemm(nullptr, 4, 1, nullptr, 4, 32, 16, 32, nullptr, 0, nullptr, 32, nullptr, S3CPU_BF16_AVX512) == -1,
          "a column range not starting at a multiple of 32 is refused");
    check(s3cpu_bf16_gemm(nullptr, 3, 1, nullptr, 4, 32, 0, 32, nullptr, 0, nullptr, 32, nullptr, S3CPU_BF16_AVX512) == -1,
          "rows of A shorter than k are refused");
    const int best = s3cpu_bf16_kernel();
    check(best == (s3cpu_amx_supported() ? S3CPU_BF16_AMX : best), "a CPU with AMX names AMX its fastest kernel");
    float one = 1, out = -7;
    std::vector<unsigned short> single((size_t) s3cpu_bf16_packed_shorts(1, 1));
    s3cpu_bf16_pack(&one, 1, 0, 1, 1, 0, 2, single.data());
    Aligned small((size_t) s3cpu_bf16_gemm_scratch(1));
    for (int kernel : {S3CPU_BF16_AVX512, S3CPU_BF16_AMX, 3, 0}) {
        int rc = s3cpu_bf16_gemm(&one, 1, 1, single.data(), 1, 1, 0, 1, nullptr, 0, &out, 1, small.p, kernel);
        check((rc == 0) == (kernel != 0 && kernel <= best), "a kernel runs exactly where this CPU runs it");
    }
    if (best == S3CPU_BF16_NONE) {
        std::printf("cpu_bf16_gemm_test: this CPU or OS has neither AMX-BF16 nor AVX512-BF16; products NOT run "
                    "(packing checked)\n");
        return failures ? 1 : 0;
    }
    if (argc > 1 && std::strcmp(argv[1], "bench") == 0) {
        for (int kernel = best; kernel >= S3CPU_BF16_AVX512; kernel--) {
            benchAttention(kernel, 5184, 5184, 64);
            benchAttention(kernel, 576, 576, 64);
            benchAttention(kernel, 5184, 5184, 32);
            bench(kernel, 2592, 1024, 3072);
            bench(kernel, 2592, 1024, 4096);
            bench(kernel, 2592, 4096, 1024);
            bench(kernel, 2592, 1024, 1024);
        }
        return 0;
    }
    std::mt19937 rng(7);
    for (int kernel = best; kernel >= S3CPU_BF16_AVX512; kernel--) {
        run(kernel, 1, 1, 1, 0, 1, false, false, 0, 0, rng);
        run(kernel, 17, 33, 47, 0, 47, true, true, 3, 2, rng);
        run(kernel, 32, 64, 64, 0, 64, false, true, 0, 0, rng);
        run(kernel, 161, 300, 100, 32, 100, true, true, 1, 5, rng);
        run(kernel, 130, 1024, 96, 0, 64, true, false, 0, 0, rng);     // chunks of 128 rows, a range ending before n
        run(kernel, 300, 77, 250, 64, 96, false, true, 4, 0, rng);
        run(kernel, 13, 64, 80, 32, 80, true, true, 0, 0, rng);        // a last block of 16 columns, rows off 8
        attention(kernel, 1, 1, 1, 32, rng);
        attention(kernel, 37, 70, 2, 64, rng);
        attention(kernel, 100, 300, 3, 32, rng);
        attention(kernel, 16, 32, 1, 64, rng);
        attention(kernel, 40, 500, 2, 64, rng, true);
        attention(kernel, 33, 97, 1, 32, rng, true);
        attention(kernel, 49, 49, 2, 64, rng, false, 7);   // windows of 7 x 7 tokens: runs of 7, keys beyond a tile's 16
        attention(kernel, 64, 64, 1, 32, rng, true, 8);
        attention(kernel, 37, 300, 2, 32, rng, false, 0, 1);  // a bias per query: the decoder's box bias
        attention(kernel, 50, 130, 2, 64, rng, true, 0, 2);   // one row for every query
    }
    check(s3cpu_bf16_attention_at(nullptr, 0, 48, nullptr, 0, 48, nullptr, 0, 48, nullptr, 0, 48, nullptr, 0, 0, 1, 1, 48, 1, 1, 1.f,
                                  nullptr, best) == -1, "heads of 48 are refused");
    std::printf("cpu_bf16_gemm_test: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
