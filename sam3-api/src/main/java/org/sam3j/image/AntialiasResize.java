package org.sam3j.image;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Antialiased bilinear resizing of interleaved 8-bit images, reproducing PyTorch's
 * {@code interpolate(mode="bilinear", antialias=True, align_corners=False)} in either of the two
 * arithmetics of {@link ResizeKernel}. See {@link ImagePreprocessor#resizeBilinearAntialias} for the
 * public entry points and the description of the filter.
 */
final class AntialiasResize {
    /** Samples of output per parallel task below which a pass runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1 << 16;

    private AntialiasResize() {}

    static byte[] resize(byte[] pixels, int w, int h, int channels, int outW, int outH, ResizeKernel kernel) {
        if (w == outW && h == outH) {
            return pixels.clone();
        }
        return switch (kernel) {
            case FLOAT32 -> resizeFloat(pixels, w, h, channels, outW, outH);
            case UINT8_FIXED_POINT -> resizeFixed(pixels, w, h, channels, outW, outH);
        };
    }

    // ---------------------------------------------------------------- float32 path

    private static byte[] resizeFloat(byte[] pixels, int w, int h, int ch, int outW, int outH) {
        float[] cur = new float[pixels.length];
        for (int i = 0; i < cur.length; i++) {
            cur[i] = pixels[i] & 0xFF;
        }
        cur = resizeFloats(cur, w, h, ch, outW, outH);
        byte[] result = new byte[cur.length];
        for (int i = 0; i < cur.length; i++) {
            // torch.round_ (half to even), then the cast to uint8
            double r = Math.rint(cur[i]);
            result[i] = (byte) (r <= 0 ? 0 : r >= 255 ? 255 : (int) r);
        }
        return result;
    }

    /** The float32 path on float samples (a float tensor's antialiased interpolation), without rounding. */
    static float[] resizeFloats(float[] cur, int w, int h, int ch, int outW, int outH) {
        if (w != outW) {
            FloatFilter fx = FloatFilter.of(w, outW);
            float[] tmp = new float[outW * h * ch];
            float[] in = cur;
            forRows(h, (long) outW * ch, (y0, y1) -> horizontalFloat(in, w, ch, fx, tmp, y0, y1));
            cur = tmp;
        }
        if (h != outH) {
            FloatFilter fy = FloatFilter.of(h, outH);
            float[] out = new float[outW * outH * ch];
            float[] in = cur;
            forRows(outH, (long) outW * ch, (y0, y1) -> verticalFloat(in, outW * ch, fy, out, y0, y1));
            cur = out;
        }
        return cur;
    }

    private static void horizontalFloat(float[] in, int w, int ch, FloatFilter f, float[] out, int y0, int y1) {
        int outW = f.outSize;
        int k = f.taps;
        int inRow = w * ch;
        for (int y = y0; y < y1; y++) {
            int o = y * outW * ch;
            for (int x = 0; x < outW; x++) {
                int s0 = y * inRow + f.start[x] * ch;
                int wb = x * k;
                int n = f.count[x];
                float w0 = f.weights[wb];
                for (int c = 0; c < ch; c++) {
                    int s = s0 + c;
                    float acc = in[s] * w0;
                    for (int j = 1; j < n; j++) {
                        s += ch;
                        acc = fma(in[s], f.weights[wb + j], acc);
                    }
                    out[o++] = acc;
                }
            }
        }
    }

    private static void verticalFloat(float[] in, int rowLen, FloatFilter f, float[] out, int y0, int y1) {
        int k = f.taps;
        for (int y = y0; y < y1; y++) {
            int o = y * rowLen;
            int n = f.count[y];
            int wb = y * k;
            int base = f.start[y] * rowLen;
            float w0 = f.weights[wb];
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = in[base + i] * w0;
            }
            for (int j = 1; j < n; j++) {
                float wj = f.weights[wb + j];
                int b = base + j * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    out[o + i] = fma(in[b + i], wj, out[o + i]);
                }
            }
        }
    }

    /**
     * {@code a * b + c} rounded once to float (what a fused multiply-add instruction computes), without
     * depending on {@link Math#fma(float, float, float)} being an intrinsic: the product is exact in
     * double, so the double sum is wrong only when its rounding lands exactly on a float tie; that case is
     * resolved with the exact error of the sum.
     */
    static float fma(float a, float b, float c) {
        double p = (double) a * b;
        double s = p + c;
        if ((Double.doubleToRawLongBits(s) & 0x1FFF_FFFFL) != 0x1000_0000L) {
            return (float) s;
        }
        // s sits on a float tie: decide from the sign of the rounding error of p + c (Knuth's TwoSum).
        double bv = s - p;
        double err = (p - (s - bv)) + (c - bv);
        if (err > 0) {
            return (float) Math.nextUp(s);
        } else if (err < 0) {
            return (float) Math.nextDown(s);
        }
        return (float) s;
    }

    /** Per-axis weights of the float32 path, computed in float exactly as PyTorch does for float input. */
    static final class FloatFilter {
        final int outSize;
        final int taps;
        final int[] start;
        final int[] count;
        final float[] weights;

        private FloatFilter(int outSize, int taps, int[] start, int[] count, float[] weights) {
            this.outSize = outSize;
            this.taps = taps;
            this.start = start;
            this.count = count;
            this.weights = weights;
        }

        static FloatFilter of(int inSize, int outSize) {
            // Mixed float/double expressions mirror the C++ promotions of the reference
            // (float scalars, double literals), so that every rounding happens where it happens there.
            float scale = (float) inSize / (float) outSize;
            float support = scale >= 1.0 ? (float) (1.0 * scale) : 1.0f;
            float invScale = scale >= 1.0 ? (float) (1.0 / scale) : 1.0f;
            int taps = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            float[] wts = new float[outSize * taps];
            for (int i = 0; i < outSize; i++) {
                float center = (float) (scale * (i + 0.5));
                long lo = Math.max((long) ((double) (center - support) + 0.5), 0L);
                long hi = Math.min((long) ((double) (center + support) + 0.5), (long) inSize);
                int n = (int) Math.max(0L, Math.min(hi - lo, taps));
                float total = 0f;
                for (int j = 0; j < n; j++) {
                    float d = (float) (j + lo) - center;
                    float t = Math.abs((float) (((double) d + 0.5) * invScale));
                    float wj = t < 1.0 ? (float) (1.0 - t) : 0f;
                    wts[i * taps + j] = wj;
                    total += wj;
                }
                if (total != 0f) {
                    for (int j = 0; j < n; j++) {
                        wts[i * taps + j] /= total;
                    }
                }
                start[i] = (int) lo;
                count[i] = n;
            }
            return new FloatFilter(outSize, taps, start, count, wts);
        }
    }

    // ---------------------------------------------------------------- fixed-point path

    private static byte[] resizeFixed(byte[] pixels, int w, int h, int ch, int outW, int outH) {
        byte[] cur = pixels;
        if (w != outW) {
            FixedFilter fx = FixedFilter.of(w, outW);
            byte[] tmp = new byte[outW * h * ch];
            byte[] in = cur;
            forRows(h, (long) outW * ch, (y0, y1) -> horizontalFixed(in, w, ch, fx, tmp, y0, y1));
            cur = tmp;
        }
        if (h != outH) {
            FixedFilter fy = FixedFilter.of(h, outH);
            byte[] out = new byte[outW * outH * ch];
            byte[] in = cur;
            forRows(outH, (long) outW * ch, (y0, y1) -> verticalFixed(in, outW * ch, fy, out, y0, y1));
            cur = out;
        }
        return cur;
    }

    private static void horizontalFixed(byte[] in, int w, int ch, FixedFilter f, byte[] out, int y0, int y1) {
        int outW = f.outSize;
        int k = f.taps;
        int shift = f.precision;
        int half = 1 << (shift - 1);
        int inRow = w * ch;
        for (int y = y0; y < y1; y++) {
            int o = y * outW * ch;
            for (int x = 0; x < outW; x++) {
                int s0 = y * inRow + f.start[x] * ch;
                int wb = x * k;
                int n = f.count[x];
                for (int c = 0; c < ch; c++) {
                    int acc = half;
                    int s = s0 + c;
                    for (int j = 0; j < n; j++, s += ch) {
                        acc += f.weights[wb + j] * (in[s] & 0xFF);
                    }
                    out[o++] = clampToByte(acc >> shift);
                }
            }
        }
    }

    private static void verticalFixed(byte[] in, int rowLen, FixedFilter f, byte[] out, int y0, int y1) {
        int k = f.taps;
        int shift = f.precision;
        int half = 1 << (shift - 1);
        int[] acc = new int[rowLen];
        for (int y = y0; y < y1; y++) {
            Arrays.fill(acc, half);
            int n = f.count[y];
            int wb = y * k;
            for (int j = 0; j < n; j++) {
                int wj = f.weights[wb + j];
                int base = (f.start[y] + j) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += wj * (in[base + i] & 0xFF);
                }
            }
            int o = y * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = clampToByte(acc[i] >> shift);
            }
        }
    }

    private static byte clampToByte(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * Per-axis weights of the fixed-point path: computed in double, normalised, then quantised to int16
     * with the precision PyTorch derives from the axis's largest weight.
     */
    static final class FixedFilter {
        final int outSize;
        final int taps;
        final int precision;
        final int[] start;
        final int[] count;
        final int[] weights;

        private FixedFilter(int outSize, int taps, int precision, int[] start, int[] count, int[] weights) {
            this.outSize = outSize;
            this.taps = taps;
            this.precision = precision;
            this.start = start;
            this.count = count;
            this.weights = weights;
        }

        static FixedFilter of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double support = scale >= 1.0 ? scale : 1.0;
            double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
            int taps = (int) Math.ceil(support) * 2 + 1;
            double[] wd = new double[outSize * taps];
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            double maxWeight = 0.0;
            for (int i = 0; i < outSize; i++) {
                double center = scale * (i + 0.5);
                long lo = Math.max((long) (center - support + 0.5), 0L);
                long hi = Math.min((long) (center + support + 0.5), (long) inSize);
                int n = (int) Math.max(0L, Math.min(hi - lo, taps));
                double total = 0.0;
                for (int j = 0; j < n; j++) {
                    double t = Math.abs(((double) (j + lo) - center + 0.5) * invScale);
                    double wj = t < 1.0 ? 1.0 - t : 0.0;
                    wd[i * taps + j] = wj;
                    total += wj;
                }
                if (total != 0.0) {
                    for (int j = 0; j < n; j++) {
                        wd[i * taps + j] /= total;
                        maxWeight = Math.max(maxWeight, wd[i * taps + j]);
                    }
                }
                start[i] = (int) lo;
                count[i] = n;
            }
            // the largest precision (at most 22 bits) for which the largest weight still fits in int16
            int precision;
            for (precision = 0; precision < 22; precision++) {
                int next = (int) (0.5 + maxWeight * (1 << (precision + 1)));
                if (next >= (1 << 15)) {
                    break;
                }
            }
            int[] wq = new int[wd.length];
            double unit = 1 << precision;
            for (int i = 0; i < wd.length; i++) {
                double v = wd[i] * unit;
                wq[i] = (short) (v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v));
            }
            return new FixedFilter(outSize, taps, precision, start, count, wq);
        }
    }

    // ---------------------------------------------------------------- threading

    private interface RowRange {
        void run(int y0, int y1);
    }

    /** Runs rows [0, rows) in blocks, on the common fork-join pool when the work is large enough. */
    private static void forRows(int rows, long samplesPerRow, RowRange body) {
        int threads = Runtime.getRuntime().availableProcessors();
        if (threads <= 1 || rows < 2 || rows * samplesPerRow < PARALLEL_THRESHOLD) {
            body.run(0, rows);
            return;
        }
        int blocks = Math.min(rows, threads * 4);
        IntStream.range(0, blocks).parallel().forEach(b -> body.run(
                (int) ((long) rows * b / blocks), (int) ((long) rows * (b + 1) / blocks)));
    }
}
