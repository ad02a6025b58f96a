// Times native/src/cpu_attention.h alone (no staging, no JVM) on the fusion and global shapes; used by rounds.sh.
#include "cpu_attention.h"
#include <vector>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <cmath>
// The kernel alone: T tokens, H heads of D channels, every query against every key, heads split over 2 threads (argv[4]).
int main(int argc, char** argv) {
    int T = atoi(argv[1]), H = atoi(argv[2]), D = atoi(argv[3]), threads = argc > 4 ? atoi(argv[4]) : 2;
    size_t n = (size_t) T * H * D;
    std::vector<float> q(n), k(n), v(n), y(n);
    srand(1); for (size_t i = 0; i < n; i++) { q[i] = rand() / (float) RAND_MAX - .5f; k[i] = rand() / (float) RAND_MAX - .5f; v[i] = rand() / (float) RAND_MAX - .5f; }
    for (int r = 0; r < 6; r++) {
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; t++) ts.emplace_back([&, t] {
            std::vector<float> scratch(s3cpu_attention_scratch(T, D, D));
            for (int h = t; h < H; h += threads)
                s3cpu_attention_f32(q.data() + h * D, H * D, k.data() + h * D, H * D, v.data() + h * D, H * D, y.data() + h * D, H * D, T, T, D, D, 0.17f, scratch.data());
        });
        for (auto& th : ts) th.join();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        printf("%.1f ms %.1f GFLOP/s\n", s * 1e3, 4.0 * T * (double) T * H * D / s / 1e9);
    }
}
