// Image-shaped kernels (channels-last): convolution helpers (im2col, the scatter of a 2×2 stride-2
// transposed convolution), nearest and bilinear resampling, 2×2 max pooling, ROI align, row gather,
// GPU preprocessing of uint8 RGB images and mask upsampling.
#include "common.cuh"

namespace s3c {
namespace {

// ---------------------------------------------------------------- convolution helpers

template <typename T>
__global__ void im2col_kernel(const T* __restrict__ x, T* __restrict__ cols, int h, int w, int c, int kh, int kw,
                              int stride, int pad, int ho, int wo, long long row0, long long n, int kk) {
    S3C_GRID_LOOP(e, n) {
        long long r = e / kk;
        int col = (int)(e - r * kk);
        int ch = col % c;
        int ij = col / c;
        int j = ij % kw;
        int i = ij / kw;
        long long p = row0 + r;
        long long b = p / ((long long)ho * wo);
        int oy = (int)((p / wo) % ho);
        int ox = (int)(p % wo);
        int iy = oy * stride - pad + i;
        int ix = ox * stride - pad + j;
        T v = from_f<T>(0.f);
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = x[((b * h + iy) * w + ix) * c + ch];
        cols[e] = v;
    }
}

template <typename T>
__global__ void conv_t2x2_scatter_kernel(const T* __restrict__ tmp, const T* __restrict__ bias, T* __restrict__ y,
                                         int h, int w, int cout, long long row0, long long n) {
    const int n4 = 4 * cout;
    S3C_GRID_LOOP(e, n) {
        long long r = e / n4;
        int col = (int)(e - r * n4);
        int o = col % cout;
        int ij = col / cout;
        int i = ij >> 1;
        int j = ij & 1;
        long long p = row0 + r;
        long long b = p / ((long long)h * w);
        int iy = (int)((p / w) % h);
        int ix = (int)(p % w);
        float v = to_f<T>(tmp[e]);
        if (bias != nullptr) v += to_f<T>(bias[o]);
        y[((b * 2 * h + 2 * iy + i) * 2 * w + 2 * ix + j) * cout + o] = from_f<T>(v);
    }
}

// ---------------------------------------------------------------- resampling and pooling

template <typename T>
__global__ void upsample_nearest_kernel(const T* __restrict__ x, T* __restrict__ y, int h, int w, int c, int f,
                                        long long n) {
    const int ho = h * f;
    const int wo = w * f;
    S3C_GRID_LOOP(e, n) {
        int ch = (int)(e % c);
        long long r = e / c;
        int ox = (int)(r % wo);
        r /= wo;
        int oy = (int)(r % ho);
        long long b = r / ho;
        y[e] = x[((b * h + oy / f) * w + ox / f) * c + ch];
    }
}

/**
 * One axis of an align_corners=False bilinear resize, in the float operations (and their order) of
 * org.sam3j.postprocess.BilinearResize, without contraction to FMA, so the result is bit-identical.
 */
__device__ __forceinline__ void bilinear_axis(int in, int out, int i, int* lo, int* hi, float* frac) {
    float scale = __fdiv_rn((float)in, (float)out);
    float s = __fsub_rn(__fmul_rn(scale, __fadd_rn((float)i, 0.5f)), 0.5f);
    s = fmaxf(s, 0.f);
    int k = (int)s;
    *lo = k;
    *hi = k < in - 1 ? k + 1 : k;
    *frac = __fsub_rn(s, (float)k);
}

/** a·(c·v00 + d·v01) + b·(c·v10 + d·v11) with a = 1 − b, c = 1 − d, evaluated as the Java reference does. */
__device__ __forceinline__ float bilinear_mix(float v00, float v01, float v10, float v11, float fy, float fx) {
    float a = __fsub_rn(1.f, fy);
    float c = __fsub_rn(1.f, fx);
    float top = __fadd_rn(__fmul_rn(c, v00), __fmul_rn(fx, v01));
    float bot = __fadd_rn(__fmul_rn(c, v10), __fmul_rn(fx, v11));
    return __fadd_rn(__fmul_rn(a, top), __fmul_rn(fy, bot));
}

template <typename T>
__global__ void resize_bilinear_kernel(const T* __restrict__ x, T* __restrict__ y, int h, int w, int c, int ho,
                                       int wo, long long n) {
    S3C_GRID_LOOP(e, n) {
        int ch = (int)(e % c);
        long long r = e / c;
        int ox = (int)(r % wo);
        r /= wo;
        int oy = (int)(r % ho);
        long long b = r / ho;
        int y0, y1, x0, x1;
        float fy, fx;
        bilinear_axis(h, ho, oy, &y0, &y1, &fy);
        bilinear_axis(w, wo, ox, &x0, &x1, &fx);
        const T* img = x + b * h * w * c + ch;
        y[e] = from_f<T>(bilinear_mix(to_f<T>(img[((long long)y0 * w + x0) * c]), to_f<T>(img[((long long)y0 * w + x1) * c]),
                                      to_f<T>(img[((long long)y1 * w + x0) * c]), to_f<T>(img[((long long)y1 * w + x1) * c]),
                                      fy, fx));
    }
}

template <typename T>
__global__ void max_pool2x2_kernel(const T* __restrict__ x, T* __restrict__ y, int h, int w, int c, long long n) {
    const int ho = h / 2;
    const int wo = w / 2;
    S3C_GRID_LOOP(e, n) {
        int ch = (int)(e % c);
        long long r = e / c;
        int ox = (int)(r % wo);
        r /= wo;
        int oy = (int)(r % ho);
        long long b = r / ho;
        long long i00 = ((b * h + 2 * oy) * w + 2 * ox) * c + ch;
        long long i10 = i00 + (long long)w * c;
        float m = fmaxf(fmaxf(to_f<T>(x[i00]), to_f<T>(x[i00 + c])), fmaxf(to_f<T>(x[i10]), to_f<T>(x[i10 + c])));
        y[e] = from_f<T>(m);
    }
}

// ---------------------------------------------------------------- ROI align (torchvision, aligned=False)

template <typename T>
__device__ __forceinline__ float roi_sample(const T* x, int h, int w, int c, int ch, float yy, float xx) {
    if (yy < -1.f || yy > (float)h || xx < -1.f || xx > (float)w) return 0.f;
    if (yy <= 0.f) yy = 0.f;
    if (xx <= 0.f) xx = 0.f;
    int yl = (int)yy;
    int xl = (int)xx;
    int yh, xh;
    if (yl >= h - 1) {
        yh = yl = h - 1;
        yy = (float)yl;
    } else {
        yh = yl + 1;
    }
    if (xl >= w - 1) {
        xh = xl = w - 1;
        xx = (float)xl;
    } else {
        xh = xl + 1;
    }
    float ly = yy - yl, lx = xx - xl;
    float hy = 1.f - ly, hx = 1.f - lx;
    return hy * hx * to_f<T>(x[((long long)yl * w + xl) * c + ch]) + hy * lx * to_f<T>(x[((long long)yl * w + xh) * c + ch]) +
           ly * hx * to_f<T>(x[((long long)yh * w + xl) * c + ch]) + ly * lx * to_f<T>(x[((long long)yh * w + xh) * c + ch]);
}

template <typename T>
__global__ void roi_align_kernel(const T* __restrict__ x, const float* __restrict__ boxes, T* __restrict__ y, int h,
                                 int w, int c, int s, float scale, int ratio, long long n) {
    S3C_GRID_LOOP(e, n) {
        int ch = (int)(e % c);
        long long r = e / c;
        int pw = (int)(r % s);
        r /= s;
        int ph = (int)(r % s);
        long long k = r / s;
        float x0 = boxes[k * 4] * scale;
        float y0 = boxes[k * 4 + 1] * scale;
        float x1 = boxes[k * 4 + 2] * scale;
        float y1 = boxes[k * 4 + 3] * scale;
        float roi_w = fmaxf(x1 - x0, 1.f);
        float roi_h = fmaxf(y1 - y0, 1.f);
        float bin_h = roi_h / s;
        float bin_w = roi_w / s;
        int gh = ratio > 0 ? ratio : (int)ceilf(roi_h / s);
        int gw = ratio > 0 ? ratio : (int)ceilf(roi_w / s);
        float count = (float)max(gh * gw, 1);
        float acc = 0.f;
        for (int iy = 0; iy < gh; iy++) {
            float yy = y0 + ph * bin_h + (iy + .5f) * bin_h / gh;
            for (int ix = 0; ix < gw; ix++) {
                float xx = x0 + pw * bin_w + (ix + .5f) * bin_w / gw;
                acc += roi_sample(x, h, w, c, ch, yy, xx);
            }
        }
        y[e] = from_f<T>(acc / count);
    }
}

// ---------------------------------------------------------------- gather

template <typename T>
__global__ void gather_kernel(const T* __restrict__ table, const float* __restrict__ idx, T* __restrict__ y, int v,
                              int d, long long n, int* error_flag) {
    S3C_GRID_LOOP(e, n) {
        long long i = e / d;
        int col = (int)(e - i * d);
        float f = idx[i];
        int row = (int)f;
        if ((float)row != f || row < 0 || row >= v) {
            y[e] = from_f<T>(0.f);
            if (error_flag != nullptr) *error_flag = 1;
        } else {
            y[e] = table[(long long)row * d + col];
        }
    }
}

// ---------------------------------------------------------------- preprocessing

/** Horizontal antialias pass: uint8 rgb[h, w, 3] → float tmp[h, out_w, 3] (first tap a product, then FMAs). */
__global__ void preprocess_h_kernel(const unsigned char* __restrict__ rgb, int w, float* __restrict__ tmp, int out_w,
                                    const int* __restrict__ start, const int* __restrict__ count,
                                    const float* __restrict__ weights, int taps, long long n) {
    S3C_GRID_LOOP(e, n) {
        int ch = (int)(e % 3);
        long long r = e / 3;
        int ox = (int)(r % out_w);
        long long y = r / out_w;
        const unsigned char* src = rgb + (y * w + start[ox]) * 3 + ch;
        const float* wt = weights + (long long)ox * taps;
        float acc = __fmul_rn((float)src[0], wt[0]);
        for (int j = 1; j < count[ox]; j++) acc = __fmaf_rn((float)src[j * 3], wt[j], acc);
        tmp[e] = acc;
    }
}

/** Vertical pass, rounding half to even, clamping, scaling to [-1, 1], NCHW or NHWC output. */
template <typename T>
__global__ void preprocess_v_kernel(const float* __restrict__ tmp, T* __restrict__ out, int out_w, int out_h,
                                    const int* __restrict__ start, const int* __restrict__ count,
                                    const float* __restrict__ weights, int taps, int nchw, long long n) {
    const float inv255 = (float)(1.0 / 255.0);
    S3C_GRID_LOOP(e, n) {
        int ch = (int)(e % 3);
        long long r = e / 3;
        int ox = (int)(r % out_w);
        int oy = (int)(r / out_w);
        const float* wt = weights + (long long)oy * taps;
        const long long row = (long long)out_w * 3;
        const float* src = tmp + (long long)start[oy] * row + (long long)ox * 3 + ch;
        float acc = __fmul_rn(src[0], wt[0]);
        for (int j = 1; j < count[oy]; j++) acc = __fmaf_rn(src[j * row], wt[j], acc);
        float v = rintf(acc);
        v = v <= 0.f ? 0.f : (v >= 255.f ? 255.f : v);
        float f = __fdiv_rn(__fsub_rn(__fmul_rn(v, inv255), 0.5f), 0.5f);
        long long o = nchw ? ((long long)ch * out_h + oy) * out_w + ox : e;
        out[o] = from_f<T>(f);
    }
}

// ---------------------------------------------------------------- mask upsampling

template <typename T>
__global__ void upsample_masks_kernel(const T* __restrict__ x, int h, int w, int oh, int ow, float threshold,
                                      float* __restrict__ out_logits, unsigned char* __restrict__ out_mask,
                                      long long n) {
    S3C_GRID_LOOP(e, n) {
        int ox = (int)(e % ow);
        long long r = e / ow;
        int oy = (int)(r % oh);
        long long m = r / oh;
        int y0, y1, x0, x1;
        float fy, fx;
        bilinear_axis(h, oh, oy, &y0, &y1, &fy);
        bilinear_axis(w, ow, ox, &x0, &x1, &fx);
        const T* img = x + m * h * w;
        float v = bilinear_mix(to_f<T>(img[(long long)y0 * w + x0]), to_f<T>(img[(long long)y0 * w + x1]),
                               to_f<T>(img[(long long)y1 * w + x0]), to_f<T>(img[(long long)y1 * w + x1]), fy, fx);
        if (out_logits != nullptr) out_logits[e] = v;
        if (out_mask != nullptr) out_mask[e] = v > threshold ? 1 : 0;
    }
}

}  // namespace
}  // namespace s3c

using namespace s3c;

extern "C" {

int s3c_im2col(const void* x, void* cols, int n, int h, int w, int c, int kh, int kw, int stride, int pad, int ho,
               int wo, long long row0, long long rows, int dtype, void* stream) {
    if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0 || ho <= 0 || wo <= 0) {
        return invalid("im2col: input %dx%dx%dx%d, kernel %dx%d, stride %d, pad %d, output %dx%d", n, h, w, c, kh, kw,
                       stride, pad, ho, wo);
    }
    if (row0 < 0 || rows < 0 || row0 + rows > (long long)n * ho * wo) {
        return invalid("im2col: rows [%lld, %lld) outside %lld", row0, row0 + rows, (long long)n * ho * wo);
    }
    int kk = kh * kw * c;
    long long total = rows * kk;
    if (total == 0) return 0;
    S3C_DISPATCH(dtype, T,
                 im2col_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>(
                     (const T*)x, (T*)cols, h, w, c, kh, kw, stride, pad, ho, wo, row0, total, kk));
    return launched();
}

int s3c_conv_transpose2x2_scatter(const void* tmp, const void* bias, void* y, int n, int h, int w, int cout,
                                  long long row0, long long rows, int dtype, void* stream) {
    if (n <= 0 || h <= 0 || w <= 0 || cout <= 0 || row0 < 0 || rows < 0 || row0 + rows > (long long)n * h * w) {
        return invalid("conv_transpose2x2: input %dx%dx%d, cout %d, rows [%lld, %lld)", n, h, w, cout, row0,
                       row0 + rows);
    }
    long long total = rows * 4 * cout;
    if (total == 0) return 0;
    S3C_DISPATCH(dtype, T,
                 conv_t2x2_scatter_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>(
                     (const T*)tmp, (const T*)bias, (T*)y, h, w, cout, row0, total));
    return launched();
}

int s3c_upsample_nearest(const void* x, void* y, int n, int h, int w, int c, int factor, int dtype, void* stream) {
    if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || factor <= 0) {
        return invalid("upsample_nearest: %dx%dx%dx%d by %d", n, h, w, c, factor);
    }
    long long total = (long long)n * h * factor * w * factor * c;
    S3C_DISPATCH(dtype, T,
                 upsample_nearest_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>(
                     (const T*)x, (T*)y, h, w, c, factor, total));
    return launched();
}

int s3c_resize_bilinear(const void* x, void* y, int n, int h, int w, int c, int ho, int wo, int dtype, void* stream) {
    if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || ho <= 0 || wo <= 0) {
        return invalid("resize_bilinear: %dx%dx%dx%d to %dx%d", n, h, w, c, ho, wo);
    }
    long long total = (long long)n * ho * wo * c;
    S3C_DISPATCH(dtype, T,
                 resize_bilinear_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>(
                     (const T*)x, (T*)y, h, w, c, ho, wo, total));
    return launched();
}

int s3c_max_pool2x2(const void* x, void* y, int n, int h, int w, int c, int dtype, void* stream) {
    if (n <= 0 || h < 2 || w < 2 || c <= 0) return invalid("max_pool2x2: %dx%dx%dx%d", n, h, w, c);
    long long total = (long long)n * (h / 2) * (w / 2) * c;
    S3C_DISPATCH(dtype, T,
                 max_pool2x2_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>((const T*)x, (T*)y, h, w,
                                                                                             c, total));
    return launched();
}

int s3c_roi_align(const void* x, const float* boxes, void* y, int h, int w, int c, int k, int s, float spatial_scale,
                  int sampling_ratio, int dtype, void* stream) {
    if (h <= 0 || w <= 0 || c <= 0 || k < 0 || s <= 0) return invalid("roi_align: %dx%dx%d, %d boxes, size %d", h, w, c, k, s);
    long long total = (long long)k * s * s * c;
    if (total == 0) return 0;
    S3C_DISPATCH(dtype, T,
                 roi_align_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>(
                     (const T*)x, boxes, (T*)y, h, w, c, s, spatial_scale, sampling_ratio, total));
    return launched();
}

int s3c_gather(const void* table, const float* idx, void* y, int v, int d, long long n, int* error_flag, int dtype,
               void* stream) {
    if (v <= 0 || d <= 0 || n < 0) return invalid("gather: table %dx%d, %lld indices", v, d, n);
    long long total = n * d;
    if (total == 0) return 0;
    S3C_DISPATCH(dtype, T,
                 gather_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>((const T*)table, idx, (T*)y, v,
                                                                                       d, total, error_flag));
    return launched();
}

int s3c_preprocess_rgb8(const unsigned char* rgb, int w, int h, float* tmp, void* out, int out_w, int out_h,
                        const int* x_start, const int* x_count, const float* x_weights, int x_taps,
                        const int* y_start, const int* y_count, const float* y_weights, int y_taps, int nchw,
                        int dtype, void* stream) {
    if (w <= 0 || h <= 0 || out_w <= 0 || out_h <= 0 || x_taps <= 0 || y_taps <= 0) {
        return invalid("preprocess: %dx%d to %dx%d, taps %d/%d", w, h, out_w, out_h, x_taps, y_taps);
    }
    cudaStream_t s = as_stream(stream);
    long long nh = (long long)h * out_w * 3;
    preprocess_h_kernel<<<blocks_for(nh), kThreads, 0, s>>>(rgb, w, tmp, out_w, x_start, x_count, x_weights, x_taps,
                                                            nh);
    long long nv = (long long)out_h * out_w * 3;
    S3C_DISPATCH(dtype, T,
                 preprocess_v_kernel<T><<<blocks_for(nv), kThreads, 0, s>>>(tmp, (T*)out, out_w, out_h, y_start,
                                                                            y_count, y_weights, y_taps, nchw, nv));
    return launched();
}

int s3c_upsample_masks(const void* logits, int n, int h, int w, int oh, int ow, float threshold, float* out_logits,
                       unsigned char* out_mask, int dtype, void* stream) {
    if (n < 0 || h <= 0 || w <= 0 || oh <= 0 || ow <= 0) return invalid("upsample_masks: %d of %dx%d to %dx%d", n, h, w, oh, ow);
    long long total = (long long)n * oh * ow;
    if (total == 0) return 0;
    S3C_DISPATCH(dtype, T,
                 upsample_masks_kernel<T><<<blocks_for(total), kThreads, 0, as_stream(stream)>>>(
                     (const T*)logits, h, w, oh, ow, threshold, out_logits, out_mask, total));
    return launched();
}

}  // extern "C"
