package org.sam3j.image;

import org.sam3j.RgbImage;

/**
 * Pillow's {@code Image.resize(size, filter)} of an 8-bit image with its convolution filters (support widened by
 * the scale when downscaling: antialiased), in Pillow's own fixed-point arithmetic: per output sample the filter
 * weights are computed in double, normalised, quantised to 22 fractional bits; the horizontal pass runs first and
 * is rounded and clamped to uint8, then the vertical pass. The official SAM 3 video code loads frames this way
 * (the tracker with Pillow's default RGB filter, bicubic; the detector+tracker path through torchvision's
 * {@code resize} of a PIL image, bilinear), so the results equal the reference bit for bit on the same decoded
 * pixels.
 */
public final class PillowResize {
    /** Pillow's resampling filters used by the reference. */
    public enum Filter {
        /** {@code Image.BILINEAR}: triangle, support 1. */
        BILINEAR(1.0),
        /** {@code Image.BICUBIC}: cubic convolution with {@code a = −0.5}, support 2 (Pillow's RGB default). */
        BICUBIC(2.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            return this == BILINEAR ? bilinear(x) : bicubic(x);
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_A = -0.5;

    private PillowResize() {}

    /** Resizes an RGB image ({@code Image.resize((outW, outH), filter)}). */
    public static RgbImage resize(RgbImage image, int outW, int outH, Filter filter) {
        return RgbImage.of(outW, outH, resize(image.rgb(), image.width(), image.height(), 3, outW, outH, filter));
    }

    /**
     * Resizes interleaved 8-bit samples.
     *
     * @param pixels   {@code h · w · channels} samples, row-major, channels interleaved
     * @param channels samples per pixel
     * @param filter   the resampling filter
     * @return {@code outH · outW · channels} samples
     * @throws IllegalArgumentException if a size is not positive or the array has the wrong length
     */
    public static byte[] resize(byte[] pixels, int w, int h, int channels, int outW, int outH, Filter filter) {
        if (w <= 0 || h <= 0 || outW <= 0 || outH <= 0 || channels <= 0) {
            throw new IllegalArgumentException("sizes " + w + "x" + h + " -> " + outW + "x" + outH);
        }
        if (pixels.length != (long) w * h * channels) {
            throw new IllegalArgumentException(pixels.length + " samples for " + w + "x" + h + "x" + channels);
        }
        Coeffs cx = Coeffs.of(w, outW, filter);
        Coeffs cy = Coeffs.of(h, outH, filter);
        // horizontal pass over the rows the vertical pass reads (all of them for a full-image resize)
        byte[] tmp = new byte[h * outW * channels];
        for (int y = 0; y < h; y++) {
            int rowIn = y * w * channels;
            int rowOut = y * outW * channels;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = cx.min[xx];
                int n = cx.size[xx];
                int ko = xx * cx.stride;
                for (int c = 0; c < channels; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < n; x++) {
                        ss += (pixels[rowIn + (xmin + x) * channels + c] & 0xFF) * cx.k[ko + x];
                    }
                    tmp[rowOut + xx * channels + c] = clip8(ss);
                }
            }
        }
        byte[] out = new byte[outH * outW * channels];
        int rowLen = outW * channels;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = cy.min[yy];
            int n = cy.size[yy];
            int ko = yy * cy.stride;
            for (int i = 0; i < rowLen; i++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < n; y++) ss += (tmp[(ymin + y) * rowLen + i] & 0xFF) * cy.k[ko + y];
                out[yy * rowLen + i] = clip8(ss);
            }
        }
        return out;
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;   // arithmetic shift: floor, as Pillow's lookup table index
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    private static double bilinear(double x) {
        x = Math.abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double bicubic(double x) {
        x = Math.abs(x);
        if (x < 1.0) return ((BICUBIC_A + 2.0) * x - (BICUBIC_A + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
        return 0.0;
    }

    /** Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for one axis. */
    private static final class Coeffs {
        final int[] min;
        final int[] size;
        final int[] k;
        final int stride;

        private Coeffs(int[] min, int[] size, int[] k, int stride) {
            this.min = min;
            this.size = size;
            this.k = k;
            this.stride = stride;
        }

        static Coeffs of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] min = new int[outSize];
            int[] size = new int[outSize];
            int[] k = new int[outSize * ksize];
            double[] pre = new double[ksize];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) xmin = 0;
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) xmax = inSize;
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double wv = filter.weight((x + xmin - center + 0.5) * ss);
                    pre[x] = wv;
                    ww += wv;
                }
                for (int x = 0; x < xmax; x++) {
                    double v = ww != 0.0 ? pre[x] / ww : pre[x];
                    k[xx * ksize + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
                }
                min[xx] = xmin;
                size[xx] = xmax;
            }
            return new Coeffs(min, size, k, ksize);
        }
    }
}
