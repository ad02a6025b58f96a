package org.sam3j.postprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link BilinearResize} against values worked out by hand with PyTorch's align_corners=False rule. */
class BilinearResizeTest {
    @Test
    void sameSizeIsIdentity() {
        float[] src = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(src, BilinearResize.resize(src, 2, 3, 2, 3));
    }

    @Test
    void upsampleRowByTwo() {
        // out i -> src max((i + 0.5) / 2 - 0.5, 0): 0, 0.25, 0.75, 1.25 (clamped to the last column)
        assertArrayEquals(new float[] {0, 1, 3, 4}, BilinearResize.resize(new float[] {0, 4}, 1, 2, 1, 4));
    }

    @Test
    void upsample2dIsSeparable() {
        float[] src = {0, 4, 8, 12}; // [[0, 4], [8, 12]]
        float[] out = BilinearResize.resize(src, 2, 2, 4, 4);
        float[] w = {1, 0.75f, 0.25f, 0}; // weight of the first row/column at output 0..3
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                float row0 = w[j] * 0 + (1 - w[j]) * 4;
                float row1 = w[j] * 8 + (1 - w[j]) * 12;
                assertEquals(w[i] * row0 + (1 - w[i]) * row1, out[i * 4 + j], 1e-6f, i + "," + j);
            }
        }
    }

    @Test
    void downsampleAveragesPairs() {
        // scale 2: out 0 -> src 0.5, out 1 -> src 2.5
        assertArrayEquals(new float[] {1.5f, 5.5f}, BilinearResize.resize(new float[] {1, 2, 5, 6}, 1, 4, 1, 2));
    }

    @Test
    void offsetsWriteOnlyTheirRegion() {
        float[] src = {9, 9, 0, 4, 9};
        float[] dst = new float[7];
        java.util.Arrays.fill(dst, -1);
        BilinearResize.resize(src, 2, 1, 2, dst, 2, 1, 4);
        assertArrayEquals(new float[] {-1, -1, 0, 1, 3, 4, -1}, dst);
    }

    @Test
    void thresholdedRowsAreTheResizedMapThresholded() {
        // widths that start rows inside a word, on a word boundary, below one word and across several; sign changes
        // everywhere, zeros, NaN, and offsets into a longer array
        java.util.Random rnd = new java.util.Random(3);
        int[][] sizes = {{288, 288, 1200, 1800}, {288, 288, 64, 64}, {5, 7, 13, 3}, {7, 5, 9, 130}, {1, 9, 4, 63},
            {9, 1, 3, 65}, {3, 3, 1, 1}};
        for (int[] z : sizes) {
            int h = z[0], w = z[1], outH = z[2], outW = z[3];
            int off = 5;
            float[] src = new float[off + h * w + 3];
            for (int i = 0; i < src.length; i++) {
                double u = rnd.nextDouble();
                src[i] = u < 0.05 ? 0f : u < 0.07 ? Float.NaN : (float) rnd.nextGaussian();
            }
            // bands of source rows with nothing above 0 (-0, NaN, -∞ among them), whose output rows are skipped
            for (int r = 0; r < h; r++) {
                if (r % 5 < 2) continue;
                for (int c = off + r * w; c < off + (r + 1) * w; c++) {
                    src[c] = c % 7 == 0 ? -0f : c % 11 == 0 ? Float.NaN : c % 13 == 0 ? Float.NEGATIVE_INFINITY : -Math.abs(src[c]);
                }
            }
            float[] full = new float[outH * outW];
            BilinearResize.resize(src, off, h, w, full, 0, outH, outW);
            for (float min : new float[] {Math.nextUp(0f), 0f, 0.25f}) {
                long[] bits = BilinearResize.resizeAtLeast(src, off, h, w, outH, outW, min);
                assertEquals((full.length + 63) / 64, bits.length);
                java.util.BitSet got = java.util.BitSet.valueOf(bits);
                for (int i = 0; i < full.length; i++) {
                    assertEquals(full[i] >= min, got.get(i), h + "x" + w + " -> " + outH + "x" + outW + " min " + min + " at " + i);
                }
                assertTrue(got.length() <= full.length, "no bit past the last pixel");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> BilinearResize.resizeAtLeast(new float[8], 1, 2, 4, 3, 3, 0f));
        assertThrows(IllegalArgumentException.class, () -> BilinearResize.resizeAtLeast(new float[8], 0, 2, 4, 0, 3, 0f));
    }

    @Test
    void badSizes() {
        assertThrows(IllegalArgumentException.class, () -> BilinearResize.resize(new float[4], 2, 2, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> BilinearResize.resize(new float[5], 2, 2, 4, 4));
    }

    @Test
    void separablePassesEqualTheFourNeighbourBlendBitForBit() {
        java.util.Random rnd = new java.util.Random(7);
        int[][] sizes = {{288, 288, 1200, 1800}, {288, 288, 100, 75}, {5, 7, 13, 3}, {7, 5, 7, 5}, {1, 9, 4, 2}, {9, 1, 2, 4}};
        for (int[] z : sizes) {
            int h = z[0], w = z[1], outH = z[2], outW = z[3];
            float[] src = new float[h * w];
            for (int i = 0; i < src.length; i++) src[i] = (float) (rnd.nextGaussian() * 10);
            float[] got = BilinearResize.resize(src, h, w, outH, outW);
            float[] want = fourNeighbours(src, h, w, outH, outW);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                        h + "x" + w + " -> " + outH + "x" + outW + " at " + i);
            }
        }
    }

    /** The definition: a·(c·s00 + d·s01) + b·(c·s10 + d·s11) per output pixel, neighbours clamped. */
    private static float[] fourNeighbours(float[] src, int h, int w, int outH, int outW) {
        float[] out = new float[outH * outW];
        for (int i = 0; i < outH; i++) {
            float[] y = neighbours(h, outH, i);
            int y0 = (int) y[0], y1 = (int) y[1];
            float b = y[2], a = 1f - b;
            for (int j = 0; j < outW; j++) {
                float[] x = neighbours(w, outW, j);
                int x0 = (int) x[0], x1 = (int) x[1];
                float d = x[2], c = 1f - d;
                out[i * outW + j] = a * (c * src[y0 * w + x0] + d * src[y0 * w + x1])
                        + b * (c * src[y1 * w + x0] + d * src[y1 * w + x1]);
            }
        }
        return out;
    }

    /** Output index {@code i} of {@code out} over an axis of {@code in}: lower and upper neighbour, fraction. */
    private static float[] neighbours(int in, int out, int i) {
        float s = Math.max((float) in / out * (i + 0.5f) - 0.5f, 0f);
        int lo = (int) s;
        return new float[] {lo, lo < in - 1 ? lo + 1 : lo, s - lo};
    }
}
