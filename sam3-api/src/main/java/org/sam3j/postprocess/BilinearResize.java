package org.sam3j.postprocess;

import org.sam3j.internal.Bits;

/**
 * Bilinear resizing of single-channel float maps with PyTorch's {@code F.interpolate(mode="bilinear",
 * align_corners=False, antialias=False)} convention: the source coordinate of output pixel {@code i}
 * is {@code max((i + 0.5) · in/out − 0.5, 0)}, neighbours clamped at the last row/column. Used to bring
 * low-resolution mask logits to the original image size.
 */
public final class BilinearResize {
    private BilinearResize() {}

    /**
     * Resizes {@code src[h, w]} (row-major) to {@code [outH, outW]}.
     *
     * @throws IllegalArgumentException if a size is not positive or {@code src} has the wrong length
     */
    public static float[] resize(float[] src, int h, int w, int outH, int outW) {
        float[] dst = new float[checked(src, h, w, outH, outW)];
        resize(src, 0, h, w, dst, 0, outH, outW);
        return dst;
    }

    /** Resizes the map at {@code src[srcOff]} into {@code dst[dstOff]}; see {@link #resize(float[], int, int, int, int)}. */
    public static void resize(float[] src, int srcOff, int h, int w, float[] dst, int dstOff, int outH, int outW) {
        rows(src, srcOff, h, w, outH, outW, null, (i, row) -> System.arraycopy(row, 0, dst, dstOff + i * outW, outW));
    }

    /**
     * The pixels of the resized map (as {@link #resize(float[], int, int, int, int)} computes it) whose value is at
     * least {@code min}, as a bit set in {@link java.util.BitSet#toLongArray()} order: output pixel {@code (y, x)} is
     * bit {@code y·outW + x}. The full-size map is never stored: each output row is thresholded while it is in cache,
     * so that a mask at the original image size costs one pass and no {@code outH × outW} floats.
     *
     * @throws IllegalArgumentException as {@link #resize(float[], int, int, int, int)}, or if {@code src} is too short
     */
    public static long[] resizeAtLeast(float[] src, int srcOff, int h, int w, int outH, int outW, float min) {
        int n = checkSizes(h, w, outH, outW);
        if (srcOff < 0 || srcOff + (long) h * w > src.length) {
            throw new IllegalArgumentException("resize: a " + h + "x" + w + " map at " + srcOff + " overruns " + src.length + " values");
        }
        long[] bits = new long[(int) ((n + 63L) >>> 6)];
        // With min > 0, an output row between two source rows that have nothing above 0 (NaN included) has nothing
        // to set: its values are non-negative blends of values ≤ 0, so ≤ 0, or NaN. Masks are mostly such rows.
        boolean[] empty = null;
        if (min > 0f) {
            empty = new boolean[h];
            for (int r = 0; r < h; r++) {
                boolean any = false;
                for (int c = srcOff + r * w, e = c + w; c < e; c++) any |= src[c] > 0f;
                empty[r] = !any;
            }
        }
        rows(src, srcOff, h, w, outH, outW, empty, (i, row) -> Bits.setAtLeast(row, 0, outW, min, bits, (long) i * outW));
        return bits;
    }

    /** Receives each output row in turn. */
    private interface RowSink {
        void accept(int i, float[] row);
    }

    /**
     * Computes the output rows in order, handing each to {@code sink} in a buffer reused for the next one; when
     * {@code skip} is given, output rows whose two source rows are both marked in it are neither computed nor handed.
     */
    private static void rows(float[] src, int srcOff, int h, int w, int outH, int outW, boolean[] skip, RowSink sink) {
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] lx = new float[outW];
        axis(w, outW, x0, x1, lx);
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] ly = new float[outH];
        axis(h, outH, y0, y1, ly);
        // Separable: each source row is resized along x once (into `upper` / `lower`, reused while the output rows
        // keep reading it), then every output row is one vectorisable blend of two such rows. The operations and
        // their order are those of a·(c·s00 + d·s01) + b·(c·s10 + d·s11), so the result is the same to the bit.
        float[] upper = new float[outW];
        float[] lower = new float[outW];
        float[] out = new float[outW];
        int upperRow = -1;
        int lowerRow = -1;
        for (int i = 0; i < outH; i++) {
            if (skip != null && skip[y0[i]] && skip[y1[i]]) continue;
            if (y0[i] != upperRow) {
                if (y0[i] == lowerRow) {
                    float[] t = upper;
                    upper = lower;
                    lower = t;
                    lowerRow = -1;
                } else {
                    horizontal(src, srcOff + y0[i] * w, x0, x1, lx, upper, outW);
                }
                upperRow = y0[i];
            }
            if (y1[i] != lowerRow) {
                horizontal(src, srcOff + y1[i] * w, x0, x1, lx, lower, outW);
                lowerRow = y1[i];
            }
            float b = ly[i];
            float a = 1f - b;
            for (int j = 0; j < outW; j++) out[j] = a * upper[j] + b * lower[j];
            sink.accept(i, out);
        }
    }

    /** {@code row[j] = c·src[r + x0[j]] + d·src[r + x1[j]]} with {@code d = lx[j]}, {@code c = 1 − d}. */
    private static void horizontal(float[] src, int r, int[] x0, int[] x1, float[] lx, float[] row, int outW) {
        for (int j = 0; j < outW; j++) {
            float d = lx[j];
            float c = 1f - d;
            row[j] = c * src[r + x0[j]] + d * src[r + x1[j]];
        }
    }

    private static void axis(int in, int out, int[] lo, int[] hi, float[] frac) {
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            float s = Math.max(scale * (i + 0.5f) - 0.5f, 0f);
            int k = (int) s;
            lo[i] = k;
            hi[i] = k < in - 1 ? k + 1 : k;
            frac[i] = s - k;
        }
    }

    private static int checked(float[] src, int h, int w, int outH, int outW) {
        int n = checkSizes(h, w, outH, outW);
        if (src.length != (long) h * w) {
            throw new IllegalArgumentException("resize: " + src.length + " values for a " + h + "x" + w + " map");
        }
        return n;
    }

    /** The output's pixel count, after checking that every size is positive and the output fits an array. */
    private static int checkSizes(int h, int w, int outH, int outW) {
        if (h <= 0 || w <= 0 || outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("resize: sizes must be positive, got " + h + "x" + w + " -> " + outH + "x" + outW);
        }
        long n = (long) outH * outW;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("resize: output " + outH + "x" + outW + " too large");
        return (int) n;
    }
}
