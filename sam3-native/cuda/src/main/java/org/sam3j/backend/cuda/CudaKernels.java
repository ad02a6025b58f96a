package org.sam3j.backend.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP bindings to {@code native/include/sam3cuda.h}, the C API of sam3j's CUDA kernels
 * ({@code libsam3cuda.so}). The JNI glue is generated and compiled at build time by
 * {@code native/jni.sh} when nvcc was available; otherwise loading this class fails and
 * {@link CudaRuntime} reports why.
 *
 * <p>Device pointers and streams are passed as addresses ({@code long}); host arrays as Java arrays.
 * Every function returns a {@code cudaError_t} (0 on success) or {@link #S3C_ERR_INVALID_ARGUMENT};
 * see the header for the semantics of each kernel. Use {@link CudaRuntime} rather than loading this
 * class directly: it turns a missing library, driver or GPU into a clear reason.
 */
@Platform(value = "linux-x86_64", include = "sam3cuda.h", link = "sam3cuda")
public final class CudaKernels {
    static {
        Loader.load();
    }

    private CudaKernels() {}

    /** Element types. */
    public static final int S3C_F32 = 0, S3C_F16 = 1, S3C_BF16 = 2;
    /** Host-side argument error (see {@link #s3c_last_message()}). */
    public static final int S3C_ERR_INVALID_ARGUMENT = 10001;
    /** Unary functions of {@link #s3c_unary}. */
    public static final int S3C_UNARY_IDENTITY = 0, S3C_UNARY_SCALE = 1, S3C_UNARY_GELU = 2, S3C_UNARY_RELU = 3,
            S3C_UNARY_SIGMOID = 4, S3C_UNARY_SIN = 5, S3C_UNARY_COS = 6, S3C_UNARY_EXP = 7, S3C_UNARY_LOG = 8,
            S3C_UNARY_LOG2 = 9, S3C_UNARY_ABS = 10, S3C_UNARY_SIGN = 11, S3C_UNARY_CLAMP = 12, S3C_UNARY_AFFINE = 13,
            S3C_UNARY_THRESHOLD = 14;
    /** Binary operations of {@link #s3c_binary}. */
    public static final int S3C_BINARY_ADD = 0, S3C_BINARY_MUL = 1;
    /** Most dimensions of broadcasting and permutation. */
    public static final int S3C_MAX_RANK = 8;
    /** Attention token patterns. */
    public static final int S3C_ATTN_FULL = 0, S3C_ATTN_WINDOW = 1, S3C_ATTN_DILATED = 2;

    // ------------------------------------------------------------------ runtime

    public static native int s3c_version();

    public static native @Cast("const char*") BytePointer s3c_architectures();

    public static native int s3c_runtime_version();

    public static native @Cast("const char*") BytePointer s3c_error_string(int code);

    public static native @Cast("const char*") BytePointer s3c_last_message();

    public static native int s3c_device_count(int[] count);

    public static native int s3c_set_device(int device);

    public static native int s3c_stream_synchronize(@Cast("void*") long stream);

    /** Path of the shared object providing the kernels' CUDA runtime (libcudart.so.13; host only). */
    public static native @Cast("const char*") BytePointer s3c_cudart_library();

    // ------------------------------------------------------------------ element-wise

    public static native int s3c_convert(@Cast("const void*") long x, int xtype, @Cast("void*") long y, int ytype,
                                         long n, @Cast("void*") long stream);

    public static native int s3c_unary(@Cast("const void*") long x, @Cast("void*") long y, long n, int op, float a,
                                       float b, int dtype, @Cast("void*") long stream);

    public static native int s3c_binary(@Cast("const void*") long a, @Cast("const void*") long b,
                                        @Cast("void*") long y, int op, int rank, int[] shape,
                                        @Cast("const long long*") long[] aStrides,
                                        @Cast("const long long*") long[] bStrides, int dtype,
                                        @Cast("void*") long stream);

    // ------------------------------------------------------------------ normalisation

    public static native int s3c_layer_norm(@Cast("const void*") long x, @Cast("const void*") long gamma,
                                            @Cast("const void*") long beta, @Cast("void*") long y, int rows, int cols,
                                            float eps, int dtype, @Cast("void*") long stream);

    public static native int s3c_group_norm(@Cast("const void*") long x, @Cast("const void*") long gamma,
                                            @Cast("const void*") long beta, @Cast("void*") long y, int n, int hw,
                                            int c, int groups, float eps, @Cast("float*") long stats, int dtype,
                                            @Cast("void*") long stream);

    public static native int s3c_softmax(@Cast("const void*") long x, @Cast("void*") long y, int rows, int cols,
                                         int dtype, @Cast("void*") long stream);

    // ------------------------------------------------------------------ layout

    public static native int s3c_permute(@Cast("const void*") long x, @Cast("void*") long y, int rank, int[] inShape,
                                         int[] perm, int dtype, @Cast("void*") long stream);

    // ------------------------------------------------------------------ attention

    /** {@code s3c_attention_args}: the arguments of {@link #s3c_attention}, in native memory. */
    @Name("s3c_attention_args")
    public static final class AttentionArgs extends Pointer {
        static {
            Loader.load();
        }

        /** Allocates one zeroed argument struct (freed with {@link #close()} or by the garbage collector). */
        public AttentionArgs() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Cast("const void*") long q();
        public native AttentionArgs q(@Cast("const void*") long v);
        public native @Cast("const void*") long k();
        public native AttentionArgs k(@Cast("const void*") long v);
        public native @Cast("const void*") long v();
        public native AttentionArgs v(@Cast("const void*") long v);
        public native @Cast("const void*") long bias();
        public native AttentionArgs bias(@Cast("const void*") long v);
        public native @Cast("void*") long y();
        public native AttentionArgs y(@Cast("void*") long v);

        public native @Cast("long long") long q_sb(); public native AttentionArgs q_sb(long v);
        public native @Cast("long long") long q_st(); public native AttentionArgs q_st(long v);
        public native @Cast("long long") long q_sh(); public native AttentionArgs q_sh(long v);
        public native @Cast("long long") long k_sb(); public native AttentionArgs k_sb(long v);
        public native @Cast("long long") long k_st(); public native AttentionArgs k_st(long v);
        public native @Cast("long long") long k_sh(); public native AttentionArgs k_sh(long v);
        public native @Cast("long long") long v_sb(); public native AttentionArgs v_sb(long v);
        public native @Cast("long long") long v_st(); public native AttentionArgs v_st(long v);
        public native @Cast("long long") long v_sh(); public native AttentionArgs v_sh(long v);
        public native @Cast("long long") long y_sb(); public native AttentionArgs y_sb(long v);
        public native @Cast("long long") long y_st(); public native AttentionArgs y_st(long v);
        public native @Cast("long long") long y_sh(); public native AttentionArgs y_sh(long v);
        public native @Cast("long long") long bias_sb(); public native AttentionArgs bias_sb(long v);
        public native @Cast("long long") long bias_sh(); public native AttentionArgs bias_sh(long v);
        public native @Cast("long long") long bias_sq(); public native AttentionArgs bias_sq(long v);

        public native int batch(); public native AttentionArgs batch(int v);
        public native int tq(); public native AttentionArgs tq(int v);
        public native int tk(); public native AttentionArgs tk(int v);
        public native int heads(); public native AttentionArgs heads(int v);
        public native int d(); public native AttentionArgs d(int v);
        public native int dv(); public native AttentionArgs dv(int v);
        public native float scale(); public native AttentionArgs scale(float v);
        public native int pattern(); public native AttentionArgs pattern(int v);
        public native int grid_h(); public native AttentionArgs grid_h(int v);
        public native int grid_w(); public native AttentionArgs grid_w(int v);
        public native int win_h(); public native AttentionArgs win_h(int v);
        public native int win_w(); public native AttentionArgs win_w(int v);
        public native int seg_len(); public native AttentionArgs seg_len(int v);
        public native int dilation(); public native AttentionArgs dilation(int v);
        public native @Cast("const float*") long rope_cos(); public native AttentionArgs rope_cos(@Cast("const float*") long v);
        public native @Cast("const float*") long rope_sin(); public native AttentionArgs rope_sin(@Cast("const float*") long v);
        public native int rope_rows(); public native AttentionArgs rope_rows(int v);
        public native int rope_q(); public native AttentionArgs rope_q(int v);
        public native int rope_k(); public native AttentionArgs rope_k(int v);
        public native int dtype(); public native AttentionArgs dtype(int v);
    }

    public static native void s3c_attention_defaults(AttentionArgs a, int batch, int tq, int tk, int heads, int d,
                                                     int dv, float scale, int dtype);

    public static native int s3c_attention_check(@Cast("const s3c_attention_args*") AttentionArgs a);

    public static native int s3c_attention(@Cast("const s3c_attention_args*") AttentionArgs a,
                                           @Cast("void*") long stream);

    public static native int s3c_rope(@Cast("const void*") long x, @Cast("const float*") long cos,
                                      @Cast("const float*") long sin, @Cast("void*") long y, int batch, int t,
                                      int heads, int d, int dtype, @Cast("void*") long stream);

    // ------------------------------------------------------------------ convolution helpers

    public static native int s3c_im2col(@Cast("const void*") long x, @Cast("void*") long cols, int n, int h, int w,
                                        int c, int kh, int kw, int stride, int pad, int ho, int wo, long row0,
                                        long rows, int dtype, @Cast("void*") long stream);

    public static native int s3c_conv_transpose2x2_scatter(@Cast("const void*") long tmp,
                                                           @Cast("const void*") long bias, @Cast("void*") long y,
                                                           int n, int h, int w, int cout, long row0, long rows,
                                                           int dtype, @Cast("void*") long stream);

    // ------------------------------------------------------------------ resampling and pooling

    public static native int s3c_upsample_nearest(@Cast("const void*") long x, @Cast("void*") long y, int n, int h,
                                                  int w, int c, int factor, int dtype, @Cast("void*") long stream);

    public static native int s3c_resize_bilinear(@Cast("const void*") long x, @Cast("void*") long y, int n, int h,
                                                 int w, int c, int ho, int wo, int dtype, @Cast("void*") long stream);

    public static native int s3c_max_pool2x2(@Cast("const void*") long x, @Cast("void*") long y, int n, int h, int w,
                                             int c, int dtype, @Cast("void*") long stream);

    public static native int s3c_roi_align(@Cast("const void*") long x, @Cast("const float*") long boxes,
                                           @Cast("void*") long y, int h, int w, int c, int k, int s,
                                           float spatialScale, int samplingRatio, int dtype,
                                           @Cast("void*") long stream);

    public static native int s3c_gather(@Cast("const void*") long table, @Cast("const float*") long idx,
                                        @Cast("void*") long y, int v, int d, long n, @Cast("int*") long errorFlag,
                                        int dtype, @Cast("void*") long stream);

    // ------------------------------------------------------------------ image pre- and post-processing

    public static native int s3c_host_resize_taps(int inSize, int outSize);

    public static native int s3c_host_resize_filter(int inSize, int outSize, int[] start, int[] count, float[] weights);

    public static native int s3c_preprocess_rgb8(@Cast("const unsigned char*") long rgb, int w, int h,
                                                 @Cast("float*") long tmp, @Cast("void*") long out, int outW, int outH,
                                                 @Cast("const int*") long xStart, @Cast("const int*") long xCount,
                                                 @Cast("const float*") long xWeights, int xTaps,
                                                 @Cast("const int*") long yStart, @Cast("const int*") long yCount,
                                                 @Cast("const float*") long yWeights, int yTaps, int nchw, int dtype,
                                                 @Cast("void*") long stream);

    public static native int s3c_upsample_masks(@Cast("const void*") long logits, int n, int h, int w, int oh, int ow,
                                                float threshold, @Cast("float*") long outLogits,
                                                @Cast("unsigned char*") long outMask, int dtype,
                                                @Cast("void*") long stream);

    // ------------------------------------------------------------------ host-side index math

    public static native int s3c_host_window_count(int gridH, int gridW, int winH, int winW);

    public static native int s3c_host_window_length(int gridH, int gridW, int winH, int winW, int window);

    public static native int s3c_host_window_token(int gridH, int gridW, int winH, int winW, int window, int i);

    public static native int s3c_host_window_rope_row(int gridH, int gridW, int winH, int winW, int window, int i);

    public static native int s3c_host_dilated_segments(int t, int segLen);

    public static native int s3c_host_dilated_length(int t, int segLen, int dilation, int segment, int head);

    public static native int s3c_host_dilated_token(int t, int segLen, int dilation, int segment, int head, int i);

    public static native int s3c_host_attention_launch(@Cast("const s3c_attention_args*") AttentionArgs a, int[] grid3,
                                                       int[] threads, int[] smemBytes, int[] headBucket,
                                                       int[] threadsPerQuery);

    public static native @Cast("long long") long s3c_host_blocks(@Cast("long long") long n, int threads,
                                                                 @Cast("long long") long maxBlocks);
}
