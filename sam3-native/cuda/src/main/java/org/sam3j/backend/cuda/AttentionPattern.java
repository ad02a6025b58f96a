package org.sam3j.backend.cuda;

/**
 * The token patterns of the fused attention kernel, with the host-side index math that the kernel
 * runs on the device ({@code native/src/index_math.h}); see {@code s3c_attention_args} in
 * {@code sam3cuda.h}. An attention problem ("sequence") is one (batch, group, head): the group is a
 * window or a segment, or the whole sequence for {@link Full}.
 */
public sealed interface AttentionPattern {
    /** Attention problems per batch entry for {@code t} tokens (grid z = batch · groups). */
    int groups(int t);

    /** Tokens of sequence (group, head). */
    int length(int t, int group, int head);

    /** Token index of local index {@code i} of (group, head). */
    int token(int t, int group, int head, int i);

    /** Row of the RoPE tables for local index {@code i} of (group, head). */
    int ropeRow(int t, int group, int head, int i);

    /** Longest sequence of any (group, head). */
    int maxLength(int t);

    /** Writes the pattern's fields into kernel arguments. */
    void apply(CudaKernels.AttentionArgs a);

    /** Every query sees every key. */
    static AttentionPattern full() {
        return Full.INSTANCE;
    }

    /** Windows of {@code winH × winW} tokens over a {@code gridH × gridW} grid (row-major tokens). */
    static AttentionPattern windowed(int gridH, int gridW, int winH, int winW) {
        return new Windowed(gridH, gridW, winH, winW);
    }

    /** LongNet segments of {@code segLen} tokens with dilation {@code dilation}; head h uses offset h mod dilation. */
    static AttentionPattern dilated(int segLen, int dilation) {
        return new Dilated(segLen, dilation);
    }

    /** The full pattern. */
    enum Full implements AttentionPattern {
        INSTANCE;

        @Override public int groups(int t) { return 1; }
        @Override public int length(int t, int group, int head) { return t; }
        @Override public int token(int t, int group, int head, int i) { return i; }
        @Override public int ropeRow(int t, int group, int head, int i) { return i; }
        @Override public int maxLength(int t) { return t; }

        @Override
        public void apply(CudaKernels.AttentionArgs a) {
            a.pattern(CudaKernels.S3C_ATTN_FULL);
        }
    }

    /**
     * 2-D windows, edge windows smaller where the grid does not divide: window {@code (wy, wx)}, local
     * index {@code i = ly·ww + lx} ({@code ww} that window's width) is token
     * {@code (wy·winH + ly)·gridW + wx·winW + lx}; its RoPE row is {@code ly·winW + lx}.
     */
    record Windowed(int gridH, int gridW, int winH, int winW) implements AttentionPattern {
        public Windowed {
            if (gridH <= 0 || gridW <= 0 || winH <= 0 || winW <= 0) {
                throw new IllegalArgumentException("window " + winH + "x" + winW + " on grid " + gridH + "x" + gridW);
            }
        }

        int windowsX() {
            return (gridW + winW - 1) / winW;
        }

        int height(int wy) {
            return Math.min(winH, gridH - wy * winH);
        }

        int width(int wx) {
            return Math.min(winW, gridW - wx * winW);
        }

        @Override
        public int groups(int t) {
            return ((gridH + winH - 1) / winH) * windowsX();
        }

        @Override
        public int length(int t, int group, int head) {
            return height(group / windowsX()) * width(group % windowsX());
        }

        @Override
        public int token(int t, int group, int head, int i) {
            int wy = group / windowsX();
            int wx = group % windowsX();
            int ww = width(wx);
            return (wy * winH + i / ww) * gridW + wx * winW + i % ww;
        }

        @Override
        public int ropeRow(int t, int group, int head, int i) {
            int ww = width(group % windowsX());
            return (i / ww) * winW + i % ww;
        }

        @Override
        public int maxLength(int t) {
            return Math.min(winH, gridH) * Math.min(winW, gridW);
        }

        @Override
        public void apply(CudaKernels.AttentionArgs a) {
            a.pattern(CudaKernels.S3C_ATTN_WINDOW).grid_h(gridH).grid_w(gridW).win_h(winH).win_w(winW);
        }
    }

    /**
     * Dilated segments: segment {@code s} holds tokens {@code [s·segLen, min((s+1)·segLen, T))}; head
     * {@code h} attends among {@code s·segLen + g + i·dilation} with {@code g = h mod dilation}; tokens a
     * head does not select get zeros for that head. RoPE rows are token indices.
     */
    record Dilated(int segLen, int dilation) implements AttentionPattern {
        public Dilated {
            if (segLen <= 0 || dilation <= 0) throw new IllegalArgumentException("segment " + segLen + ", dilation " + dilation);
        }

        @Override
        public int groups(int t) {
            return (t + segLen - 1) / segLen;
        }

        @Override
        public int length(int t, int group, int head) {
            int n = Math.min(segLen, t - group * segLen);
            int g = head % dilation;
            return n > g ? (n - g + dilation - 1) / dilation : 0;
        }

        @Override
        public int token(int t, int group, int head, int i) {
            return group * segLen + head % dilation + i * dilation;
        }

        @Override
        public int ropeRow(int t, int group, int head, int i) {
            return token(t, group, head, i);
        }

        @Override
        public int maxLength(int t) {
            return (Math.min(segLen, t) + dilation - 1) / dilation;
        }

        @Override
        public void apply(CudaKernels.AttentionArgs a) {
            a.pattern(CudaKernels.S3C_ATTN_DILATED).seg_len(segLen).dilation(dilation);
        }
    }

    /**
     * The attention kernel's launch configuration for {@code t} query tokens, heads of {@code d}/{@code dv}
     * channels (mirrors {@code s3c_host_attention_launch}).
     *
     * @param grid            blocks along x (query tiles), y (heads), z (batch · groups)
     * @param headBucket      largest head size of the instantiation used (32, 64 or 128)
     * @param threadsPerQuery lanes cooperating on one query
     */
    record Launch(int[] grid, int threads, int smemBytes, int headBucket, int threadsPerQuery) {
        static final int THREADS = 128;
        static final int KEY_TILE = 32;

        /** The configuration, or an exception for head sizes above 128. */
        static Launch of(AttentionPattern pattern, int batch, int t, int heads, int d, int dv) {
            int m = Math.max(d, dv);
            int bucket = m <= 32 ? 32 : m <= 64 ? 64 : m <= 128 ? 128 : 0;
            if (bucket == 0) throw new IllegalArgumentException("head size " + m + " above 128");
            int tpq = bucket / 32;
            int qpb = THREADS / tpq;
            int len = pattern.maxLength(t);
            return new Launch(new int[] {(len + qpb - 1) / qpb, heads, batch * pattern.groups(t)}, THREADS,
                    2 * KEY_TILE * bucket * 4, bucket, tpq);
        }
    }
}
