// Normalisation kernels: layer norm over the last axis and group norm over channels-last images,
// statistics in float32.
#include "common.cuh"

namespace s3c {
namespace {

/** One block per row: mean, then variance around it (two passes, float32), then the affine. */
template <typename T>
__global__ void layer_norm_kernel(const T* x, const T* gamma, const T* beta, T* y, int cols, float eps) {
    __shared__ float red[32];
    const T* row = x + (long long)blockIdx.x * cols;
    T* out = y + (long long)blockIdx.x * cols;
    float s = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += to_f<T>(row[j]);
    float mean = block_sum(s, red) / cols;
    float v = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float d = to_f<T>(row[j]) - mean;
        v += d * d;
    }
    float rstd = rsqrtf(block_sum(v, red) / cols + eps);
    // each thread writes exactly the elements it read: safe when y == x
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        out[j] = from_f<T>((to_f<T>(row[j]) - mean) * rstd * to_f<T>(gamma[j]) + to_f<T>(beta[j]));
    }
}

/** Welford state: count, mean, sum of squared deviations. */
struct Moments {
    float n, mean, m2;
};

__device__ __forceinline__ Moments merge(Moments a, Moments b) {
    float n = a.n + b.n;
    if (n == 0.f) return a;
    float delta = b.mean - a.mean;
    float fb = b.n / n;
    return {n, a.mean + delta * fb, a.m2 + b.m2 + delta * delta * a.n * fb};
}

constexpr int kGroupThreads = 1024;

/** One block per (group, image): Welford per thread over the group's elements, merged over the block. */
template <typename T>
__global__ void group_stats_kernel(const T* x, float* stats, int hw, int c, int groups, float eps) {
    __shared__ Moments part[kGroupThreads / 32];
    int g = blockIdx.x;
    int b = blockIdx.y;
    int cg = c / groups;
    long long count = (long long)hw * cg;
    const T* base = x + (long long)b * hw * c + (long long)g * cg;
    Moments m = {0.f, 0.f, 0.f};
    for (long long e = threadIdx.x; e < count; e += blockDim.x) {
        long long p = e / cg;
        int j = (int)(e - p * cg);
        float v = to_f<T>(base[p * c + j]);
        m.n += 1.f;
        float d = v - m.mean;
        m.mean += d / m.n;
        m.m2 += d * (v - m.mean);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        Moments other = {__shfl_xor_sync(0xffffffffu, m.n, o), __shfl_xor_sync(0xffffffffu, m.mean, o),
                         __shfl_xor_sync(0xffffffffu, m.m2, o)};
        m = merge(m, other);
    }
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = m;
    __syncthreads();
    if (threadIdx.x == 0) {
        Moments t = part[0];
        for (int w = 1; w < (int)(blockDim.x >> 5); w++) t = merge(t, part[w]);
        float var = t.n > 0.f ? t.m2 / t.n : 0.f;
        int ng = b * groups + g;
        stats[2 * ng] = t.mean;
        stats[2 * ng + 1] = rsqrtf(fmaxf(var, 0.f) + eps);
    }
}

template <typename T>
__global__ void group_apply_kernel(const T* x, const T* gamma, const T* beta, T* y, const float* stats,
                                   long long n, int hw, int c, int groups) {
    int cg = c / groups;
    long long image = (long long)hw * c;
    S3C_GRID_LOOP(i, n) {
        int ch = (int)(i % c);
        int ng = (int)(i / image) * groups + ch / cg;
        float v = (to_f<T>(x[i]) - stats[2 * ng]) * stats[2 * ng + 1];
        y[i] = from_f<T>(v * to_f<T>(gamma[ch]) + to_f<T>(beta[ch]));
    }
}

}  // namespace
}  // namespace s3c

using namespace s3c;

extern "C" {

int s3c_layer_norm(const void* x, const void* gamma, const void* beta, void* y, int rows, int cols, float eps,
                   int dtype, void* stream) {
    if (rows <= 0 || cols <= 0) return invalid("layer_norm: %d rows of %d", rows, cols);
    S3C_DISPATCH(dtype, T,
                 layer_norm_kernel<T><<<rows, kThreads, 0, as_stream(stream)>>>((const T*)x, (const T*)gamma,
                                                                             (const T*)beta, (T*)y, cols, eps));
    return launched();
}

int s3c_group_norm(const void* x, const void* gamma, const void* beta, void* y, int n, int hw, int c, int groups,
                   float eps, float* stats, int dtype, void* stream) {
    if (n <= 0 || hw <= 0 || c <= 0 || groups <= 0 || c % groups != 0) {
        return invalid("group_norm: n %d, hw %d, c %d, groups %d", n, hw, c, groups);
    }
    if (n > 65535) return invalid("group_norm: batch %d above 65535", n);
    cudaStream_t s = as_stream(stream);
    long long total = (long long)n * hw * c;
    S3C_DISPATCH(dtype, T, {
        group_stats_kernel<T><<<dim3(groups, n), kGroupThreads, 0, s>>>((const T*)x, stats, hw, c, groups, eps);
        group_apply_kernel<T><<<blocks_for(total), kThreads, 0, s>>>((const T*)x, (const T*)gamma, (const T*)beta,
                                                                     (T*)y, stats, total, hw, c, groups);
    });
    return launched();
}

}  // extern "C"
