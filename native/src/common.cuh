// Shared helpers of the sam3cuda kernels: element-type conversion, dtype dispatch, launch helpers and
// the host-side argument error channel.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "index_math.h"
#include "sam3cuda.h"

namespace s3c {

// ---------------------------------------------------------------- element types

template <typename T>
__device__ __forceinline__ float to_f(T v);
template <>
__device__ __forceinline__ float to_f<float>(float v) { return v; }
template <>
__device__ __forceinline__ float to_f<__half>(__half v) { return __half2float(v); }
template <>
__device__ __forceinline__ float to_f<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T from_f(float v);
template <>
__device__ __forceinline__ float from_f<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half from_f<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

/** Bytes of one element of a dtype code, 0 for an unknown code. */
inline int dtype_size(int dtype) {
    switch (dtype) {
        case S3C_F32: return 4;
        case S3C_F16:
        case S3C_BF16: return 2;
        default: return 0;
    }
}

/**
 * Runs BODY with T bound to the C++ type of `dtype`; an unknown code returns
 * S3C_ERR_INVALID_ARGUMENT from the enclosing function.
 */
#define S3C_DISPATCH(dtype, T, ...)                                   \
    switch (dtype) {                                                  \
        case S3C_F32: { using T = float; __VA_ARGS__; } break;        \
        case S3C_F16: { using T = __half; __VA_ARGS__; } break;       \
        case S3C_BF16: { using T = __nv_bfloat16; __VA_ARGS__; } break; \
        default: return ::s3c::invalid("unknown dtype %d", (int)(dtype)); \
    }

// ---------------------------------------------------------------- host side

/** Records a message for s3c_last_message() and returns S3C_ERR_INVALID_ARGUMENT. */
int invalid(const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** The launch status: the error of the launch just made, if any. */
inline int launched() { return (int)cudaGetLastError(); }

inline cudaStream_t as_stream(void* s) { return (cudaStream_t)s; }

/** Threads per block of the simple element-wise kernels. */
constexpr int kThreads = 256;
/** Grid cap of grid-stride kernels (enough to fill any current GPU many times over). */
constexpr long long kMaxBlocks = 1 << 20;

inline unsigned blocks_for(long long n, int threads = kThreads) {
    long long b = s3c_host_blocks(n, threads, kMaxBlocks);
    return (unsigned)(b < 1 ? 1 : b);
}

/** Grid-stride loop over [0, n). */
#define S3C_GRID_LOOP(i, n)                                                         \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)

// ---------------------------------------------------------------- reductions

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/** Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result. */
__device__ __forceinline__ float block_sum(float v, float* shared32) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();  // shared32 may still be read by a previous call
    if (lane == 0) shared32[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    float t = lane < warps ? shared32[lane] : 0.f;
    return warp_sum(t);
}

__device__ __forceinline__ float block_max(float v, float* shared32) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) shared32[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    float t = lane < warps ? shared32[lane] : -INFINITY;
    return warp_max(t);
}

}  // namespace s3c
