// Checks native/src/cpu_sgemm.h's product of a few rows by a transposed B (s3cpu_rows_gemm_at) against a
// double-precision reference: 1 to 8 rows, channels that are not a multiple of 8 (the scalar tail), offsets and padded
// rows of A, B and C, beta 0 and not, column counts across the 32-column chunks of more than 4 rows, C's padding left
// untouched, and the refusals (no rows, more than 8, leading dimensions too small). Run by `make host-tests`
// (native/build.sh test) in every build; and that s3cpu_openblas_core_name calls the function it is given. (s3cpu_sgemm_at
// only forwards to OpenBLAS: the Java tests check it, and the name of OpenBLAS's kernels.)
#include "cpu_sgemm.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

static int failures = 0;

static void check(bool ok, const char* what, int m, int n, int k) {
    if (!ok) {
        std::printf("FAIL %s (m=%d n=%d k=%d)\n", what, m, n, k);
        failures++;
    }
}

static void run(int m, int n, int k, float beta, std::mt19937& rng) {
    std::normal_distribution<float> normal;
    const int lda = k + 3, ldb = k + 1, ldc = n + 2;
    const long long aOff = 5, bOff = 7, cOff = 3;
    std::vector<float> a(aOff + (size_t) m * lda), b(bOff + (size_t) n * ldb), c(cOff + (size_t) m * ldc + 4);
    for (float& x : a) x = normal(rng);
    for (float& x : b) x = normal(rng);
    for (float& x : c) x = normal(rng);
    const std::vector<float> before = c;
    const int rc = s3cpu_rows_gemm_at(a.data(), aOff, lda, b.data(), bOff, ldb, m, n, k, beta, c.data(), cOff, ldc);
    if (rc != 0) {
        // only a CPU without AVX2/FMA refuses a valid product
        __builtin_cpu_init();
        check(!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"), "refused a valid product", m, n, k);
        return;
    }
    double worst = 0;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double e = beta * (double) before[cOff + (size_t) i * ldc + j];
            for (int t = 0; t < k; t++) e += (double) a[aOff + (size_t) i * lda + t] * b[bOff + (size_t) j * ldb + t];
            worst = std::fmax(worst, std::fabs(e - c[cOff + (size_t) i * ldc + j]) / std::sqrt(k + 1.0));
        }
        for (int j = n; j < ldc && i < m - 1; j++) {
            check(c[cOff + (size_t) i * ldc + j] == before[cOff + (size_t) i * ldc + j], "wrote C's padding", m, n, k);
        }
    }
    check(worst < 1e-5, "differs from the reference", m, n, k);
    for (long long x = 0; x < cOff; x++) check(c[x] == before[x], "wrote before C", m, n, k);
    for (size_t x = cOff + (size_t) (m - 1) * ldc + n; x < c.size(); x++) {
        check(c[x] == before[x], "wrote after C", m, n, k);
    }
}

static char* fake_corename() {
    static char name[] = "Haswell";
    return name;
}

int main() {
    std::mt19937 rng(11);
    for (int m = 1; m <= 8; m++) {
        for (int k : {1, 7, 8, 64, 1003}) {
            run(m, 37, k, 0.f, rng);
            run(m, 70, k, 0.5f, rng);
        }
    }
    run(8, 1, 300, 1.f, rng);
    float a[16] = {0}, b[16] = {0}, c[16] = {0};
    check(s3cpu_rows_gemm_at(a, 0, 2, b, 0, 2, 0, 1, 2, 0.f, c, 0, 1) == -1, "took no rows", 0, 1, 2);
    check(s3cpu_rows_gemm_at(a, 0, 1, b, 0, 1, 9, 1, 1, 0.f, c, 0, 1) == -1, "took 9 rows", 9, 1, 1);
    check(s3cpu_rows_gemm_at(a, 0, 1, b, 0, 2, 1, 1, 2, 0.f, c, 0, 1) == -1, "took lda < k", 1, 1, 2);
    check(s3cpu_rows_gemm_at(a, 0, 2, b, 0, 1, 1, 1, 2, 0.f, c, 0, 1) == -1, "took ldb < k", 1, 1, 2);
    check(s3cpu_rows_gemm_at(a, 0, 2, b, 0, 2, 1, 3, 2, 0.f, c, 0, 2) == -1, "took ldc < n", 1, 3, 2);
    // the core name comes from the function at the address given, and no address gives none
    check(s3cpu_openblas_core_name(nullptr) == nullptr, "named a core without a function", 0, 0, 0);
    const char* name = s3cpu_openblas_core_name(reinterpret_cast<void*>(&fake_corename));
    check(name != nullptr && std::strcmp(name, "Haswell") == 0, "core name not the function's", 0, 0, 0);
    if (failures == 0) std::printf("cpu_sgemm_test: all passed\n");
    return failures == 0 ? 0 : 1;
}
