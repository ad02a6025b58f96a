package org.sam3j.graph;

import org.sam3j.io.DType;

/** Attribute records of the operations that take parameters beyond their operands. */
public final class Attrs {
    private Attrs() {}

    /** Target type of a {@link Op#CAST}. */
    public record Cast(DType to) {}

    /** Name of an input or weight. */
    public record Named(String name) {}

    /** Values of a constant, row-major. */
    public record Constant(float[] values) {}

    /** Axis permutation: output axis i is input axis {@code perm[i]}. */
    public record Permute(int[] perm) {}

    /** Range {@code [start, end)} along {@code axis}. */
    public record Slice(int axis, int start, int end) {}

    /** Concatenation axis. */
    public record Concat(int axis) {}

    /** Whether the second operand of a matrix product is transposed. */
    public record MatMul(boolean transposeB) {}

    /** Constant factor. */
    public record Scale(float factor) {}

    /** Normalisation epsilon. */
    public record Norm(float eps) {}

    /** Convolution stride and symmetric zero padding. */
    public record Conv(int stride, int padding) {
        /**
         * A convolution weight {@code [Cout, Cin, kh, kw]} (the checkpoint's layout) rearranged as
         * {@code [Cout, kh, kw, Cin]}, the layout that backends with channels-last activations multiply: a tap's
         * weights are then {@code Cin} contiguous values per output channel.
         */
        public static float[] channelsLastWeight(float[] w, int cout, int cin, int kh, int kw) {
            float[] p = new float[w.length];
            for (int o = 0; o < cout; o++)
                for (int c = 0; c < cin; c++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                            p[((o * kh + i) * kw + j) * cin + c] = w[((o * cin + c) * kh + i) * kw + j];
            return p;
        }
    }

    /**
     * Attention logit scale and window: with {@code window > 0} the tokens of q, k and v are a row-major
     * {@code gridH × gridW} grid and every token attends only to the tokens of its own non-overlapping
     * {@code window × window} tile (the grid's sides are multiples of {@code window}); {@code window == 0}
     * (grid 0 × 0) is global attention over all tokens.
     */
    public record Attention(float scale, int window, int gridH, int gridW) {
        /** Validates the window against its grid. */
        public Attention {
            if (window < 0 || gridH < 0 || gridW < 0) {
                throw new IllegalArgumentException("attention window " + window + " on grid " + gridH + "×" + gridW);
            }
            if (window == 0 && (gridH != 0 || gridW != 0)) {
                throw new IllegalArgumentException("global attention takes no grid, got " + gridH + "×" + gridW);
            }
            if (window > 0 && (gridH == 0 || gridW == 0 || gridH % window != 0 || gridW % window != 0)) {
                throw new IllegalArgumentException("attention window " + window + " does not tile the token grid "
                        + gridH + "×" + gridW + " (its sides must be positive multiples of the window; pad the grid)");
            }
        }

        /** Global attention with logit scale {@code scale}. */
        public Attention(float scale) {
            this(scale, 0, 0, 0);
        }

        /** Whether attention is restricted to windows. */
        public boolean windowed() {
            return window > 0;
        }

        /** Windows per grid ({@code 1} for global attention). */
        public int windowCount() {
            return window > 0 ? (gridH / window) * (gridW / window) : 1;
        }

        /** Tokens per window ({@code window²}); meaningful only when {@link #windowed()}. */
        public int windowTokens() {
            return window * window;
        }

        /**
         * The token (counted over all images' grids, row-major, images in turn) at the top-left of window {@code w}
         * (windows numbered row-major per image, images in turn); the window's row {@code r} then starts
         * {@code r · gridW} tokens further. Meaningful only when {@link #windowed()}.
         */
        public int windowStart(int w) {
            int local = w % windowCount();
            int perRow = gridW / window;
            return w / windowCount() * gridH * gridW + (local / perRow * window) * gridW + local % perRow * window;
        }
    }

    /** The function of a {@link Op#UNARY} node. */
    public enum UnaryKind {
        /** sin x. */
        SIN,
        /** cos x. */
        COS,
        /** e^x. */
        EXP,
        /** Natural logarithm. */
        LOG,
        /** Base-2 logarithm. */
        LOG2,
        /** |x|. */
        ABS,
        /** -1, 0 or 1 (as {@code torch.sign}). */
        SIGN,
        /** {@code min(max(x, a), b)}. */
        CLAMP,
        /** {@code a·x + b}. */
        AFFINE
    }

    /** An element-wise function with up to two constant parameters ({@code a}, {@code b}). */
    public record Unary(UnaryKind kind, float a, float b) {}

    /** Group count and epsilon of a group normalisation. */
    public record GroupNorm(int groups, float eps) {}

    /** Integer upsampling factor. */
    public record Upsample(int factor) {}

    /**
     * ROI align parameters: output size, scale applied to box coordinates, and samples per bin
     * (0 or less: adaptive, {@code ceil(roi size / output size)} as torchvision's {@code -1}).
     */
    public record RoiAlign(int outputSize, float spatialScale, int samplingRatio) {}
}
