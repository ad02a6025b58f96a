// Element-wise kernels: dtype conversion, the unary functions (GELU, ReLU, sigmoid, SCALE and the
// UNARY kinds), broadcasting add/mul, softmax over rows, and axis permutation.
#include "common.cuh"

namespace s3c {
namespace {

// ---------------------------------------------------------------- conversion

template <typename Tin, typename Tout>
__global__ void convert_kernel(const Tin* __restrict__ x, Tout* __restrict__ y, long long n) {
    S3C_GRID_LOOP(i, n) { y[i] = from_f<Tout>(to_f<Tin>(x[i])); }
}

template <typename Tin>
int convert_to(const Tin* x, void* y, int ytype, long long n, cudaStream_t s) {
    S3C_DISPATCH(ytype, Tout, convert_kernel<Tin, Tout><<<blocks_for(n), kThreads, 0, s>>>(x, (Tout*)y, n));
    return launched();
}

// ---------------------------------------------------------------- unary

/** One S3C_UNARY_* function in float32 (op is uniform across a launch, so the switch does not diverge). */
__device__ __forceinline__ float unary_f(int op, float x, float a, float b) {
    switch (op) {
        case S3C_UNARY_IDENTITY: return x;
        case S3C_UNARY_SCALE: return a * x;
        case S3C_UNARY_GELU: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
        case S3C_UNARY_RELU: return fmaxf(x, 0.f);
        case S3C_UNARY_SIGMOID: return 1.f / (1.f + expf(-x));
        case S3C_UNARY_SIN: return sinf(x);
        case S3C_UNARY_COS: return cosf(x);
        case S3C_UNARY_EXP: return expf(x);
        case S3C_UNARY_LOG: return logf(x);
        case S3C_UNARY_LOG2: return log2f(x);
        case S3C_UNARY_ABS: return fabsf(x);
        case S3C_UNARY_SIGN: return x > 0.f ? 1.f : (x < 0.f ? -1.f : x);
        case S3C_UNARY_CLAMP: return x < a ? a : (x > b ? b : x);
        case S3C_UNARY_AFFINE: return a * x + b;
        case S3C_UNARY_THRESHOLD: return x > a ? 1.f : 0.f;
        default: return x;
    }
}

template <typename T>
__global__ void unary_kernel(const T* x, T* y, long long n, int op, float a, float b) {
    // no __restrict__: y may alias x (in-place nodes of the memory plan)
    S3C_GRID_LOOP(i, n) { y[i] = from_f<T>(unary_f(op, to_f<T>(x[i]), a, b)); }
}

// ---------------------------------------------------------------- binary with broadcasting

struct Bcast {
    int rank;
    int shape[S3C_MAX_RANK];
    long long sa[S3C_MAX_RANK];
    long long sb[S3C_MAX_RANK];
};

__device__ __forceinline__ float binary_f(int op, float a, float b) { return op == S3C_BINARY_MUL ? a * b : a + b; }

/** Same shapes, both contiguous. */
template <typename T>
__global__ void binary_flat_kernel(const T* a, const T* b, T* y, long long n, int op) {
    S3C_GRID_LOOP(i, n) { y[i] = from_f<T>(binary_f(op, to_f<T>(a[i]), to_f<T>(b[i]))); }
}

/** a contiguous with y's shape, b a contiguous suffix repeated with period `period` (bias rows, etc.). */
template <typename T>
__global__ void binary_period_kernel(const T* a, const T* b, T* y, long long n, long long period, int op) {
    S3C_GRID_LOOP(i, n) { y[i] = from_f<T>(binary_f(op, to_f<T>(a[i]), to_f<T>(b[i % period]))); }
}

/** General case: the output index decomposed over the shape, operand offsets from strides. */
template <typename T>
__global__ void binary_general_kernel(const T* a, const T* b, T* y, long long n, Bcast g, int op) {
    S3C_GRID_LOOP(i, n) {
        long long rem = i;
        long long oa = 0, ob = 0;
        for (int d = g.rank - 1; d >= 0; d--) {
            long long idx = rem % g.shape[d];
            rem /= g.shape[d];
            oa += idx * g.sa[d];
            ob += idx * g.sb[d];
        }
        y[i] = from_f<T>(binary_f(op, to_f<T>(a[oa]), to_f<T>(b[ob])));
    }
}

/** Whether strides are the contiguous strides of shape (axes of size 1 ignored). */
bool contiguous(int rank, const int* shape, const long long* st) {
    long long s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        if (shape[d] != 1 && st[d] != s) return false;
        s *= shape[d];
    }
    return true;
}

/**
 * Whether st is "zeros, then the contiguous strides of a suffix": returns that suffix's element count
 * (the period), or 0.
 */
long long period_of(int rank, const int* shape, const long long* st) {
    long long s = 1;
    int d = rank - 1;
    for (; d >= 0; d--) {
        if (shape[d] == 1) continue;
        if (st[d] != s) break;
        s *= shape[d];
    }
    for (; d >= 0; d--) {
        if (shape[d] != 1 && st[d] != 0) return 0;
    }
    return s;
}

// ---------------------------------------------------------------- softmax

template <typename T>
__global__ void softmax_kernel(const T* x, T* y, int cols) {
    __shared__ float red[32];
    const T* row = x + (long long)blockIdx.x * cols;
    T* out = y + (long long)blockIdx.x * cols;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, to_f<T>(row[j]));
    m = block_max(m, red);
    float s = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(to_f<T>(row[j]) - m);
    s = block_sum(s, red);
    float inv = 1.f / s;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) out[j] = from_f<T>(expf(to_f<T>(row[j]) - m) * inv);
}

// ---------------------------------------------------------------- permute

struct Perm {
    int rank;
    int out_shape[S3C_MAX_RANK];
    long long in_stride[S3C_MAX_RANK];  // input stride of each output axis
};

template <typename T>
__global__ void permute_kernel(const T* __restrict__ x, T* __restrict__ y, long long n, Perm p) {
    S3C_GRID_LOOP(i, n) {
        long long rem = i;
        long long off = 0;
        for (int d = p.rank - 1; d >= 0; d--) {
            long long idx = rem % p.out_shape[d];
            rem /= p.out_shape[d];
            off += idx * p.in_stride[d];
        }
        y[i] = x[off];
    }
}

}  // namespace
}  // namespace s3c

using namespace s3c;

extern "C" {

int s3c_convert(const void* x, int xtype, void* y, int ytype, long long n, void* stream) {
    if (n <= 0) return 0;
    cudaStream_t s = as_stream(stream);
    S3C_DISPATCH(xtype, Tin, return convert_to<Tin>((const Tin*)x, y, ytype, n, s));
    return 0;
}

int s3c_unary(const void* x, void* y, long long n, int op, float a, float b, int dtype, void* stream) {
    if (op < S3C_UNARY_IDENTITY || op > S3C_UNARY_THRESHOLD) return invalid("unary: unknown op %d", op);
    if (n <= 0) return 0;
    S3C_DISPATCH(dtype, T,
                 unary_kernel<T><<<blocks_for(n), kThreads, 0, as_stream(stream)>>>((const T*)x, (T*)y, n, op, a, b));
    return launched();
}

int s3c_binary(const void* a, const void* b, void* y, int op, int rank, const int* shape,
               const long long* a_strides, const long long* b_strides, int dtype, void* stream) {
    if (op != S3C_BINARY_ADD && op != S3C_BINARY_MUL) return invalid("binary: unknown op %d", op);
    if (rank < 1 || rank > S3C_MAX_RANK) return invalid("binary: rank %d outside 1..%d", rank, S3C_MAX_RANK);
    Bcast g;
    g.rank = rank;
    long long n = 1;
    for (int d = 0; d < rank; d++) {
        if (shape[d] <= 0) return invalid("binary: dimension %d is %d", d, shape[d]);
        g.shape[d] = shape[d];
        g.sa[d] = a_strides[d];
        g.sb[d] = b_strides[d];
        n *= shape[d];
    }
    cudaStream_t s = as_stream(stream);
    bool ca = contiguous(rank, shape, a_strides);
    bool cb = contiguous(rank, shape, b_strides);
    long long pb = ca ? period_of(rank, shape, b_strides) : 0;
    S3C_DISPATCH(dtype, T, {
        if (ca && cb) {
            binary_flat_kernel<T><<<blocks_for(n), kThreads, 0, s>>>((const T*)a, (const T*)b, (T*)y, n, op);
        } else if (pb > 0) {
            binary_period_kernel<T><<<blocks_for(n), kThreads, 0, s>>>((const T*)a, (const T*)b, (T*)y, n, pb, op);
        } else {
            binary_general_kernel<T><<<blocks_for(n), kThreads, 0, s>>>((const T*)a, (const T*)b, (T*)y, n, g, op);
        }
    });
    return launched();
}

int s3c_softmax(const void* x, void* y, int rows, int cols, int dtype, void* stream) {
    if (rows <= 0 || cols <= 0) return invalid("softmax: %d x %d", rows, cols);
    S3C_DISPATCH(dtype, T, softmax_kernel<T><<<rows, kThreads, 0, as_stream(stream)>>>((const T*)x, (T*)y, cols));
    return launched();
}

int s3c_permute(const void* x, void* y, int rank, const int* in_shape, const int* perm, int dtype, void* stream) {
    if (rank < 1 || rank > S3C_MAX_RANK) return invalid("permute: rank %d outside 1..%d", rank, S3C_MAX_RANK);
    long long in_stride[S3C_MAX_RANK];
    long long st = 1;
    for (int d = rank - 1; d >= 0; d--) {
        if (in_shape[d] <= 0) return invalid("permute: dimension %d is %d", d, in_shape[d]);
        in_stride[d] = st;
        st *= in_shape[d];
    }
    Perm p;
    p.rank = rank;
    unsigned seen = 0;
    for (int d = 0; d < rank; d++) {
        int a = perm[d];
        if (a < 0 || a >= rank || (seen >> a & 1u)) return invalid("permute: invalid permutation at axis %d", d);
        seen |= 1u << a;
        p.out_shape[d] = in_shape[a];
        p.in_stride[d] = in_stride[a];
    }
    long long n = st;
    S3C_DISPATCH(dtype, T,
                 permute_kernel<T><<<blocks_for(n), kThreads, 0, as_stream(stream)>>>((const T*)x, (T*)y, n, p));
    return launched();
}

}  // extern "C"
