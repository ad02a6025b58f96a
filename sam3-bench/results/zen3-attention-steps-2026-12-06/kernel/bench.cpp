// The native attention kernel alone, one thread: HEADS heads of D channels interleaved in token rows (as the backend
// has them), TQ queries against TK keys, the best of REPS calls of every head. Compiled against a given
// cpu_attention.h by kernel.sh (-DHDR="path"). Prints the rate and a checksum of the output (the same for kernels that
// agree to float rounding).
// Usage: bench TQ TK HEADS REPS [D]
#include HDR
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: bench TQ TK HEADS REPS [D]\n");
        return 2;
    }
    const int tq = std::atoi(argv[1]), tk = std::atoi(argv[2]), heads = std::atoi(argv[3]), reps = std::atoi(argv[4]);
    const int d = argc > 5 ? std::atoi(argv[5]) : 64, ld = heads * d;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.f, 1.f);
    std::vector<float> q((size_t) tq * ld), k((size_t) tk * ld), v((size_t) tk * ld), y((size_t) tq * ld);
    for (float& x : q) x = normal(rng);
    for (float& x : k) x = normal(rng);
    for (float& x : v) x = normal(rng);
    std::vector<float> scratch((size_t) s3cpu_attention_scratch(tk, d, d));
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int h = 0; h < heads; h++) {
            if (s3cpu_attention_f32(q.data() + h * d, ld, k.data() + h * d, ld, v.data() + h * d, ld, y.data() + h * d,
                                    ld, tq, tk, d, d, 1.f / std::sqrt((float) d), scratch.data()) != 0) {
                std::fprintf(stderr, "the kernel refused\n");
                return 1;
            }
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = s < best ? s : best;
    }
    double sum = 0;
    for (float x : y) sum += x;
    std::printf("tq=%d tk=%d heads=%d d=%d best %.2f ms %.1f GFLOP/s checksum %.6f\n", tq, tk, heads, d, best * 1e3,
                4.0 * tq * tk * d * heads / best / 1e9, sum);
    return 0;
}
