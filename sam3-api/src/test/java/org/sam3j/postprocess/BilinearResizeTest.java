package org.sam3j.postprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
