/*
 * sam3cuda: the CUDA kernels of sam3j's GPU backend, as a plain C API.
 *
 * This header is all that the Java bindings (JavaCPP, org.sam3j.backend.cuda.CudaKernels) see: it
 * includes no CUDA header, device pointers and streams are untyped (void*), and every function is
 * extern "C" with a stable name (prefix s3c_). The library links the *shared* CUDA runtime
 * (libcudart.so.13), the same one JavaCPP's cuda preset loads, so that the process has one runtime:
 * one context per device, one allocator, device pointers and streams valid on both sides (the dynamic
 * linker loads a soname once). It loads on a machine without a GPU or driver as long as
 * libcudart.so.13 is on the library path; the runtime looks for the driver on first use and the
 * functions then return an error code (see s3c_device_count).
 *
 * Conventions
 *  - Return value: a cudaError_t as int (0 = success), or S3C_ERR_INVALID_ARGUMENT for arguments the
 *    host-side checks refuse (the message is kept for s3c_last_message()). Launches are asynchronous on
 *    `stream` (NULL = the legacy default stream); an error of the kernel itself shows at the next
 *    synchronisation.
 *  - Element types (dtype): S3C_F32, S3C_F16, S3C_BF16. Kernels read and write their data operands in
 *    one dtype and compute in float32 (statistics, accumulators, softmax). Auxiliary operands that must
 *    stay exact (RoPE tables, ROI boxes, gather indices, resize filter weights) are always float32.
 *  - Layouts are row-major, images channels-last ([N, H, W, C]) unless stated, attention operands with
 *    interleaved heads ([B, T, H, D]); they are those of org.sam3j.graph.Graph, and every kernel computes
 *    what org.sam3j.backend.cpu.CpuCompiledGraph computes for the same op.
 *  - In-place: element-wise kernels, layer/group norm and RoPE accept y == x.
 *  - Functions named s3c_host_* run on the host only (no CUDA call): they expose the index mapping
 *    and launch-configuration math to tests on machines without a GPU.
 */
#ifndef SAM3CUDA_H
#define SAM3CUDA_H

#ifdef __cplusplus
extern "C" {
#endif

#define S3C_VERSION 1

/* element types */
#define S3C_F32 0
#define S3C_F16 1
#define S3C_BF16 2

/* error code for arguments refused by host-side checks (outside cudaError_t's range) */
#define S3C_ERR_INVALID_ARGUMENT 10001

/* ------------------------------------------------------------------ runtime */

/** S3C_VERSION of the compiled library. */
int s3c_version(void);
/** The GPU architectures compiled in, e.g. "sm_80 sm_90 compute_90" (static string). */
const char* s3c_architectures(void);
/** The CUDA runtime version the library was built with (e.g. 13000). */
int s3c_runtime_version(void);
/** Text of an error code returned by any function here (static string). */
const char* s3c_error_string(int code);
/** Detail of the last S3C_ERR_INVALID_ARGUMENT on this thread (static per-thread buffer). */
const char* s3c_last_message(void);
/**
 * Number of CUDA devices in *count (0 on error). Returns cudaErrorInsufficientDriver (35) or
 * cudaErrorNoDevice (100) where there is no driver or GPU: the clean way to ask "is there a GPU".
 */
int s3c_device_count(int* count);
/** Makes `device` current for this thread (cudaSetDevice of the process's one CUDA runtime). */
int s3c_set_device(int device);
/**
 * Path of the shared object that provides this library's CUDA runtime (dladdr of cudaGetDeviceCount),
 * e.g. "/usr/local/cuda/lib64/libcudart.so.13"; the path of libsam3cuda.so itself would mean a
 * statically linked, second runtime. Host only, needs no driver (static string, "" if unknown).
 */
const char* s3c_cudart_library(void);
/** Waits for all work on `stream`. */
int s3c_stream_synchronize(void* stream);

/* ------------------------------------------------------------------ element-wise */

/** y[i] = (ytype) x[i]: float32/float16/bfloat16 conversions, round to nearest even. */
int s3c_convert(const void* x, int xtype, void* y, int ytype, long long n, void* stream);

/* unary op codes of s3c_unary */
#define S3C_UNARY_IDENTITY 0
#define S3C_UNARY_SCALE 1     /* a·x */
#define S3C_UNARY_GELU 2      /* 0.5·x·(1 + erf(x/√2)) */
#define S3C_UNARY_RELU 3
#define S3C_UNARY_SIGMOID 4
#define S3C_UNARY_SIN 5
#define S3C_UNARY_COS 6
#define S3C_UNARY_EXP 7
#define S3C_UNARY_LOG 8
#define S3C_UNARY_LOG2 9
#define S3C_UNARY_ABS 10
#define S3C_UNARY_SIGN 11     /* -1, 0, 1 (0 for ±0; NaN stays NaN) */
#define S3C_UNARY_CLAMP 12    /* min(max(x, a), b) */
#define S3C_UNARY_AFFINE 13   /* a·x + b */
#define S3C_UNARY_THRESHOLD 14 /* x > a ? 1 : 0 */

/** y[i] = f(x[i]) for one of the S3C_UNARY_* functions with parameters a, b. */
int s3c_unary(const void* x, void* y, long long n, int op, float a, float b, int dtype, void* stream);

#define S3C_BINARY_ADD 0
#define S3C_BINARY_MUL 1
/** Most dimensions of a broadcasting binary operation. */
#define S3C_MAX_RANK 8

/**
 * y = a (op) b with broadcasting. `shape` is y's shape (rank <= S3C_MAX_RANK); a_strides and b_strides
 * are the operands' element strides per output axis, 0 along broadcast axes (host arrays).
 * y is contiguous and may alias a when a is contiguous with y's shape.
 */
int s3c_binary(const void* a, const void* b, void* y, int op, int rank, const int* shape,
               const long long* a_strides, const long long* b_strides, int dtype, void* stream);

/* ------------------------------------------------------------------ normalisation */

/** Layer norm over the last axis of x[rows, cols]: statistics in float32 (two passes). */
int s3c_layer_norm(const void* x, const void* gamma, const void* beta, void* y, int rows, int cols,
                   float eps, int dtype, void* stream);

/**
 * Group norm of x[n, hw, c] (channels-last) with `groups` groups of c/groups channels: mean and
 * variance over all positions of a group (Welford in float32, merged with Chan's formula), then the
 * per-channel affine. `stats` is float32 device scratch of 2·n·groups values.
 */
int s3c_group_norm(const void* x, const void* gamma, const void* beta, void* y, int n, int hw, int c,
                   int groups, float eps, float* stats, int dtype, void* stream);

/** Softmax over the last axis of x[rows, cols] (float32 max and sum). */
int s3c_softmax(const void* x, void* y, int rows, int cols, int dtype, void* stream);

/* ------------------------------------------------------------------ layout */

/** Axis permutation of x (shape in_shape, rank <= S3C_MAX_RANK): y axis i is x axis perm[i]. */
int s3c_permute(const void* x, void* y, int rank, const int* in_shape, const int* perm, int dtype,
                void* stream);

/* ------------------------------------------------------------------ attention */

/* token patterns of s3c_attention */
#define S3C_ATTN_FULL 0     /* every query sees every key */
#define S3C_ATTN_WINDOW 1   /* 2-D windows of a token grid, read in place */
#define S3C_ATTN_DILATED 2  /* LongNet segments with dilation, heads split in offset groups */

/**
 * Arguments of the fused attention kernel: y = softmax(scale · q·kᵀ + bias) · v per head, with
 * optional RoPE applied to q and k as they are loaded, over one of three token patterns.
 *
 * Tensors: q[B, Tq, H, D], k[B, Tk, H, D], v[B, Tk, H, Dv], y[B, Tq, H, Dv], addressed through
 * element strides (the last axis is contiguous), so q, k and v may be views into one packed qkv
 * buffer ([B, T, 3, H·D]: token stride 3·H·D, k at +H·D, v at +2·H·D).
 *
 * Patterns (sequence = the tokens one attention problem runs over):
 *  - FULL: for each (b, h) the sequence is all Tq queries and all Tk keys.
 *  - WINDOW: Tq = Tk = grid_h·grid_w tokens of a row-major grid; windows of win_h × win_w tokens
 *    (edge windows smaller when the grid does not divide) each form a sequence: window (wy, wx),
 *    local index i = ly·ww + lx (ww = that window's width) is token (wy·win_h + ly)·grid_w + wx·win_w + lx.
 *    This is VitBlock's partition → attention → un-partition without the copies.
 *  - DILATED: Tq = Tk = T; segments of seg_len tokens ([s·w, min((s+1)·w, T))); head h uses offset
 *    g = h mod dilation and attends among the tokens s·w + g + i·dilation of each segment (LongNet,
 *    SAM-Lightening); outputs go back to those tokens' positions. Tokens that a head's offset does
 *    not select get 0 for that head (the kernel zeroes y first).
 *
 * RoPE (rope_q / rope_k non-zero): channel pairs (2i, 2i+1) of a head rotate by rope_cos/rope_sin
 * (float32 [rope_rows, D/2]) at row = the token index for FULL and DILATED, and the position inside
 * a full window (ly·win_w + lx) for WINDOW — the tables VitAttention builds.
 *
 * Bias (FULL only): additive logits bias, element (b, h, q, k) at
 * bias + b·bias_sb + h·bias_sh + q·bias_sq + k (strides 0 broadcast: [B|1, H|1, Tq|1, Tk]).
 * Masked keys may be -inf (or a large negative value); every query must keep at least one key.
 *
 * Head sizes: D and Dv up to 128. Accumulation, maximum and sum are float32.
 */
typedef struct s3c_attention_args {
    const void* q;
    const void* k;
    const void* v;
    const void* bias;   /* or NULL */
    void* y;
    long long q_sb, q_st, q_sh;
    long long k_sb, k_st, k_sh;
    long long v_sb, v_st, v_sh;
    long long y_sb, y_st, y_sh;
    long long bias_sb, bias_sh, bias_sq;
    int batch, tq, tk, heads, d, dv;
    float scale;
    int pattern;
    int grid_h, grid_w, win_h, win_w;  /* WINDOW */
    int seg_len, dilation;              /* DILATED */
    const float* rope_cos;
    const float* rope_sin;
    int rope_rows;
    int rope_q, rope_k;
    int dtype;
} s3c_attention_args;

/** Fills `a` with zeros and contiguous strides for the given sizes (pattern FULL, no bias, no RoPE). */
void s3c_attention_defaults(s3c_attention_args* a, int batch, int tq, int tk, int heads, int d, int dv,
                            float scale, int dtype);
/** Host-side validation: 0, or S3C_ERR_INVALID_ARGUMENT with s3c_last_message() saying why. */
int s3c_attention_check(const s3c_attention_args* a);
/** Launches the attention kernel (after s3c_attention_check). */
int s3c_attention(const s3c_attention_args* a, void* stream);

/** Rotary embedding of x[B, T, H, D] with float32 tables cos/sin [T, D/2] (pairs (2i, 2i+1)). */
int s3c_rope(const void* x, const float* cos_table, const float* sin_table, void* y, int batch, int t,
             int heads, int d, int dtype, void* stream);

/* ------------------------------------------------------------------ convolution helpers */

/**
 * im2col of x[N, H, W, C] for a kh×kw convolution (stride, zero padding) with output Ho×Wo: rows
 * [row0, row0 + rows) of the [N·Ho·Wo, kh·kw·C] matrix, columns ordered (i, j, c) to match a weight
 * laid out as [Cout, kh, kw, Cin]. Patch embedding is the case kernel = stride, pad = 0.
 */
int s3c_im2col(const void* x, void* cols, int n, int h, int w, int c, int kh, int kw, int stride, int pad,
               int ho, int wo, long long row0, long long rows, int dtype, void* stream);

/**
 * Second half of a kernel-2 stride-2 transposed convolution: tmp[rows, 2·2·Cout] (input pixel p =
 * row0 + r, columns (i, j, o)) from the GEMM x·W, plus bias (or NULL), scattered to y[N, 2H, 2W, Cout].
 */
int s3c_conv_transpose2x2_scatter(const void* tmp, const void* bias, void* y, int n, int h, int w, int cout,
                                  long long row0, long long rows, int dtype, void* stream);

/* ------------------------------------------------------------------ resampling and pooling */

/** Nearest upsampling of x[N, H, W, C] by an integer factor. */
int s3c_upsample_nearest(const void* x, void* y, int n, int h, int w, int c, int factor, int dtype, void* stream);

/**
 * Bilinear resize of x[N, H, W, C] to [N, Ho, Wo, C], PyTorch align_corners=False without antialias:
 * source coordinate max((i + 0.5)·in/out − 0.5, 0), neighbours clamped (org.sam3j.postprocess.BilinearResize).
 */
int s3c_resize_bilinear(const void* x, void* y, int n, int h, int w, int c, int ho, int wo, int dtype,
                        void* stream);

/** 2×2 max pooling with stride 2 of x[N, H, W, C] (odd trailing row/column dropped). */
int s3c_max_pool2x2(const void* x, void* y, int n, int h, int w, int c, int dtype, void* stream);

/**
 * torchvision roi_align, aligned=False, of boxes[K, 4] (float32 x0, y0, x1, y1 times spatial_scale) on
 * x[1, H, W, C] → y[K, s, s, C]; sampling_ratio <= 0: ceil(roi size / s) samples per bin side.
 */
int s3c_roi_align(const void* x, const float* boxes, void* y, int h, int w, int c, int k, int s,
                  float spatial_scale, int sampling_ratio, int dtype, void* stream);

/**
 * y[i, :] = table[idx[i], :] for n float32 indices into table[V, D]. An index that is not an integer
 * in [0, V) gives a row of zeros and sets *error_flag (device int, may be NULL) to 1.
 */
int s3c_gather(const void* table, const float* idx, void* y, int v, int d, long long n, int* error_flag,
               int dtype, void* stream);

/* ------------------------------------------------------------------ image pre- and post-processing */

/**
 * Per-axis weights of torchvision's antialiased bilinear resize, float32 arithmetic exactly as
 * org.sam3j.image.ImagePreprocessor (FloatFilter): for each of out_size outputs, first tap start[i],
 * tap count count[i] and `taps` weights (taps = s3c_host_resize_taps(in_size, out_size)). Host only.
 */
int s3c_host_resize_taps(int in_size, int out_size);
int s3c_host_resize_filter(int in_size, int out_size, int* start, int* count, float* weights);

/**
 * GPU preprocessing: rgb[h, w, 3] uint8 (device) → antialiased bilinear resize to out_h × out_w
 * (horizontal pass into tmp, float32 [h, out_w, 3]; vertical pass; round half to even; clamp to
 * 0..255), then (v·(1/255) − 0.5) / 0.5, written as [1, 3, out_h, out_w] (nchw = 1) or
 * [1, out_h, out_w, 3] (nchw = 0). Filter tables from s3c_host_resize_filter, uploaded (device).
 * Matches ImagePreprocessor.toModelInput (ResizeKernel.FLOAT32) bit for bit in float32. An axis that
 * keeps its size uses start = i, count = 1, weight 1.
 */
int s3c_preprocess_rgb8(const unsigned char* rgb, int w, int h, float* tmp, void* out, int out_w, int out_h,
                        const int* x_start, const int* x_count, const float* x_weights, int x_taps,
                        const int* y_start, const int* y_count, const float* y_weights, int y_taps,
                        int nchw, int dtype, void* stream);

/**
 * Mask upsampling: logits[n, h, w] (dtype) bilinearly resized (as s3c_resize_bilinear) to [n, oh, ow];
 * writes the float32 logits to out_logits (or skips when NULL) and out_mask[i] = logit > threshold
 * (uint8, or skips when NULL).
 */
int s3c_upsample_masks(const void* logits, int n, int h, int w, int oh, int ow, float threshold,
                       float* out_logits, unsigned char* out_mask, int dtype, void* stream);

/* ------------------------------------------------------------------ host-side index math */

/** Number of windows of a grid_h × grid_w grid in win_h × win_w windows. */
int s3c_host_window_count(int grid_h, int grid_w, int win_h, int win_w);
/** Tokens in window `window` (row-major over windows). */
int s3c_host_window_length(int grid_h, int grid_w, int win_h, int win_w, int window);
/** Token index of local index i of window `window` (see S3C_ATTN_WINDOW), or -1 if out of range. */
int s3c_host_window_token(int grid_h, int grid_w, int win_h, int win_w, int window, int i);
/** RoPE row of local index i of window `window` (position inside a full window). */
int s3c_host_window_rope_row(int grid_h, int grid_w, int win_h, int win_w, int window, int i);
/** Number of segments of a dilated pattern over t tokens. */
int s3c_host_dilated_segments(int t, int seg_len);
/** Tokens head `head` attends among in segment `segment` (offset head mod dilation). */
int s3c_host_dilated_length(int t, int seg_len, int dilation, int segment, int head);
/** Token index of local index i in (segment, head), or -1 if out of range. */
int s3c_host_dilated_token(int t, int seg_len, int dilation, int segment, int head, int i);

/**
 * Launch configuration the attention kernel would use for `a`: grid (x, y, z), threads per block,
 * dynamic shared memory bytes, head-size bucket (max D the instantiation supports) and threads per
 * query. Returns 0, or S3C_ERR_INVALID_ARGUMENT like s3c_attention_check.
 */
int s3c_host_attention_launch(const s3c_attention_args* a, int* grid3, int* threads, int* smem_bytes,
                              int* head_bucket, int* threads_per_query);

/** Blocks of `threads` for n elements, grid-stride capped at max_blocks (element-wise kernels). */
long long s3c_host_blocks(long long n, int threads, long long max_blocks);

#ifdef __cplusplus
}
#endif

#endif /* SAM3CUDA_H */
