package org.sam3j.image;

import org.sam3j.RgbImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sam3j.testing.SharedData;

class AntialiasResizeTest {

    private static byte[] randomImage(Random rnd, int w, int h, int ch) {
        byte[] b = new byte[w * h * ch];
        rnd.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @EnumSource(ResizeKernel.class)
    void identitySizeReturnsSamePixelsInNewArray(ResizeKernel kernel) {
        byte[] img = randomImage(new Random(1), 37, 23, 3);
        byte[] out = ImagePreprocessor.resizeBilinearAntialias(img, 37, 23, 37, 23, kernel);
        assertArrayEquals(img, out);
        assertNotSame(img, out);
    }

    @ParameterizedTest
    @EnumSource(ResizeKernel.class)
    void constantImageStaysConstant(ResizeKernel kernel) {
        int[][] sizes = {{1800, 1200, 1008, 1008}, {5, 3, 17, 11}, {64, 64, 7, 130}, {3, 100, 1, 1}, {1, 1, 9, 4},
                {1008, 1008, 1009, 1007}};
        for (int value : new int[] {0, 1, 127, 200, 254, 255}) {
            for (int[] s : sizes) {
                byte[] img = new byte[s[0] * s[1] * 3];
                java.util.Arrays.fill(img, (byte) value);
                byte[] out = ImagePreprocessor.resizeBilinearAntialias(img, s[0], s[1], s[2], s[3], kernel);
                assertEquals(s[2] * s[3] * 3, out.length);
                for (int i = 0; i < out.length; i++) {
                    assertEquals(value, out[i] & 0xFF, () -> "value " + value + " size " + java.util.Arrays.toString(s));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ResizeKernel.class)
    void upscalingInterpolatesLinearlyWithEdgeClamp(ResizeKernel kernel) {
        // 2x1 -> 4x1: output centres at 0.25, 0.75, 1.25, 1.75 input pixels (align_corners=False):
        // 0, 0.25*255 = 63.75, 0.75*255 = 191.25, 255 (edges clamp to the nearest pixel)
        byte[] img = {0, 10, 20, (byte) 255, (byte) 250, (byte) 240};
        byte[] out = ImagePreprocessor.resizeBilinearAntialias(img, 2, 1, 4, 1, kernel);
        int[] got = new int[out.length];
        for (int i = 0; i < out.length; i++) got[i] = out[i] & 0xFF;
        assertArrayEquals(new int[] {0, 10, 20, 64, 70, 75, 191, 190, 185, 255, 250, 240}, got);
        // and vertically: the same filter on the other axis
        byte[] col = ImagePreprocessor.resizeBilinearAntialias(img, 1, 2, 1, 4, kernel);
        assertEquals(64, col[3] & 0xFF);
        assertEquals(191, col[6] & 0xFF);
    }

    @Test
    void downscalingUsesWidenedTriangleFilter() {
        // 4 -> 2 (scale 2): output 0 is centred at 1.0, taps 0..2 with weights 3/7, 3/7, 1/7
        byte[] row = {10, 20, 30, 40};
        for (ResizeKernel k : ResizeKernel.values()) {
            byte[] out = ImagePreprocessor.resizeBilinearAntialias(row, 4, 1, 1, 2, 1, k);
            assertEquals(17, out[0] & 0xFF, k.name()); // (30 + 60 + 30) / 7 = 17.14
            assertEquals(33, out[1] & 0xFF, k.name()); // (20 + 90 + 120) / 7 = 32.86
        }
    }

    /** A direct (non-separable-pass) double-precision evaluation of the same filter. */
    private static double[] referenceResize(byte[] img, int w, int h, int ch, int ow, int oh) {
        double[][] wx = weights(w, ow);
        double[][] wy = weights(h, oh);
        double[] out = new double[ow * oh * ch];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                for (int c = 0; c < ch; c++) {
                    double s = 0;
                    for (int sy = 0; sy < h; sy++) {
                        if (wy[y][sy] == 0) continue;
                        for (int sx = 0; sx < w; sx++) {
                            s += wy[y][sy] * wx[x][sx] * (img[(sy * w + sx) * ch + c] & 0xFF);
                        }
                    }
                    out[(y * ow + x) * ch + c] = s;
                }
            }
        }
        return out;
    }

    /** Dense weight matrix [out][in]: triangle of radius max(scale, 1) centred at scale * (i + 0.5). */
    private static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double radius = Math.max(scale, 1.0);
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++) {
            double centre = scale * (i + 0.5);
            double total = 0;
            for (int j = 0; j < in; j++) {
                // pixel j covers [j, j + 1); its centre is j + 0.5
                double d = Math.abs(j + 0.5 - centre) / radius;
                double wgt = d < 1 ? 1 - d : 0;
                m[i][j] = wgt;
                total += wgt;
            }
            for (int j = 0; j < in; j++) m[i][j] /= total;
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(ResizeKernel.class)
    void agreesWithDirectDoubleEvaluation(ResizeKernel kernel) {
        Random rnd = new Random(42);
        int[][] sizes = {{40, 30, 17, 11}, {13, 9, 40, 31}, {50, 20, 21, 45}, {7, 7, 3, 12}, {64, 48, 63, 47},
                {9, 31, 9, 8}, {31, 9, 8, 9}, {100, 3, 7, 3}};
        for (int[] s : sizes) {
            for (int ch : new int[] {1, 3, 4}) {
                byte[] img = randomImage(rnd, s[0], s[1], ch);
                byte[] ours = ImagePreprocessor.resizeBilinearAntialias(img, s[0], s[1], ch, s[2], s[3], kernel);
                double[] ref = referenceResize(img, s[0], s[1], ch, s[2], s[3]);
                int maxDiff = 0;
                double meanDiff = 0;
                for (int i = 0; i < ref.length; i++) {
                    int r = (int) Math.rint(ref[i]);
                    int d = Math.abs((ours[i] & 0xFF) - r);
                    maxDiff = Math.max(maxDiff, d);
                    meanDiff += Math.abs((ours[i] & 0xFF) - ref[i]);
                }
                meanDiff /= ref.length;
                String what = kernel + " " + java.util.Arrays.toString(s) + " ch=" + ch;
                // float32: only rounding-boundary cases may differ; fixed point also rounds between passes
                assertTrue(maxDiff <= (kernel == ResizeKernel.FLOAT32 ? 1 : 2), what + " max diff " + maxDiff);
                assertTrue(meanDiff < 0.5, what + " mean diff " + meanDiff);
            }
        }
    }

    @Test
    void kernelsDifferByAtMostOneOnAPhoto() throws Exception {
        Path jpg = SharedData.resolve("images/truck.jpg");
        RgbImage img = ImageLoader.read(jpg, false);
        byte[] f = ImagePreprocessor.resizeBilinearAntialias(img.rgb(), img.width(), img.height(), 1008, 1008,
                ResizeKernel.FLOAT32);
        byte[] q = ImagePreprocessor.resizeBilinearAntialias(img.rgb(), img.width(), img.height(), 1008, 1008,
                ResizeKernel.UINT8_FIXED_POINT);
        int max = 0;
        int differ = 0;
        for (int i = 0; i < f.length; i++) {
            int d = Math.abs((f[i] & 0xFF) - (q[i] & 0xFF));
            max = Math.max(max, d);
            if (d != 0) differ++;
        }
        assertTrue(max <= 1, "max difference between kernels " + max);
        assertTrue(differ > 0 && differ < f.length / 4, "differing samples " + differ);
    }

    @Test
    void rejectsBadArguments() {
        byte[] img = new byte[12];
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.resizeBilinearAntialias(img, 2, 3, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.resizeBilinearAntialias(img, 2, 2, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.resizeBilinearAntialias(img, 0, 2, 4, 4));
        assertThrows(NullPointerException.class,
                () -> ImagePreprocessor.resizeBilinearAntialias(img, 2, 2, 4, 4, null));
    }

    @Test
    void fusedMultiplyAddEmulationIsCorrectlyRounded() {
        // a*b + c lands (in double) exactly on a float tie although the exact value is just below it:
        // a plain double computation rounds the tie to even (wrong), a real FMA rounds down.
        float a = 1f + 0x1p-23f;
        float b = 0x1p-24f * (1f - 0x1p-23f);
        float c = 1f + 0x1p-23f;
        assertNotEquals(Math.fma(a, b, c), (float) ((double) a * b + c), "test case must hit a double-rounding tie");
        assertEquals(Math.fma(a, b, c), AntialiasResize.fma(a, b, c));
        // exact value just above a tie
        float c2 = 1f + 3 * 0x1p-23f;
        float b2 = -b;
        assertNotEquals(Math.fma(a, b2, c2), (float) ((double) a * b2 + c2));
        assertEquals(Math.fma(a, b2, c2), AntialiasResize.fma(a, b2, c2));
        // exact ties stay ties-to-even
        assertEquals(Math.fma(1f, 0x1p-24f, 1f + 0x1p-23f), AntialiasResize.fma(1f, 0x1p-24f, 1f + 0x1p-23f));

        Random rnd = new Random(7);
        for (int i = 0; i < 2_000_000; i++) {
            float x = (float) (rnd.nextInt(256) * (rnd.nextBoolean() ? 1 : rnd.nextDouble()));
            float y = (float) Math.scalb(rnd.nextDouble(), -rnd.nextInt(30));
            float z = (float) (rnd.nextDouble() * 256 * (rnd.nextInt(8) == 0 ? -1 : 1));
            assertEquals(Math.fma(x, y, z), AntialiasResize.fma(x, y, z), () -> x + " * " + y + " + " + z);
        }
    }
}
