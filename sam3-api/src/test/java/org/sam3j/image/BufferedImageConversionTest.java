package org.sam3j.image;

import org.sam3j.RgbImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ImageLoader#fromBufferedImage} (what {@code Sam3Predictor.setImage(BufferedImage)} uses) on the
 * standard image types and on custom colour models: samples are taken as stored, channel order follows the
 * colour model, alpha is dropped without compositing, grey is replicated without gamma conversion.
 * Expected pixels are computed from the raster samples written, not from {@code getRGB}.
 */
class BufferedImageConversionTest {
    private static final int W = 13;
    private static final int H = 7;

    /** Random samples written band by band; returns the expected 0xRRGGBB per pixel. */
    private static int[] fillRgbBands(BufferedImage img, int[] bandOfRgb, int bits, long seed) {
        Random rnd = new Random(seed);
        WritableRaster r = img.getRaster();
        int[] expected = new int[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    int v = rnd.nextInt(1 << bits);
                    r.setSample(x, y, bandOfRgb[c], v);
                    rgb = rgb << 8 | (bits > 8 ? v >>> (bits - 8) : v);
                }
                for (int b = 3; b < r.getNumBands(); b++) r.setSample(x, y, b, rnd.nextInt(1 << bits)); // alpha
                expected[y * W + x] = rgb;
            }
        }
        return expected;
    }

    private static void assertPixels(int[] expected, RgbImage img, String what) {
        assertEquals(W, img.width());
        assertEquals(H, img.height());
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                assertEquals(Integer.toHexString(expected[y * W + x]), Integer.toHexString(img.rgbAt(x, y)),
                        what + " at (" + x + ", " + y + ")");
            }
        }
    }

    @Test
    void intArgbDropsAlphaWithoutCompositing() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_ARGB);
        Random rnd = new Random(1);
        int[] expected = new int[W * H];
        for (int i = 0; i < W * H; i++) {
            int argb = rnd.nextInt();
            if (i % 5 == 0) argb &= 0x00FFFFFF; // fully transparent pixels keep their colour
            img.setRGB(i % W, i / W, argb);
            expected[i] = argb & 0xFFFFFF;
        }
        assertPixels(expected, ImageLoader.fromBufferedImage(img), "INT_ARGB");
    }

    @Test
    void intRgbAndBgrAndPackedTypes() {
        Random rnd = new Random(2);
        for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_BGR}) {
            BufferedImage img = new BufferedImage(W, H, type);
            int[] expected = new int[W * H];
            for (int i = 0; i < W * H; i++) {
                int rgb = rnd.nextInt() & 0xFFFFFF;
                img.setRGB(i % W, i / W, rgb); // exact for 8-bit direct colour models
                expected[i] = rgb;
            }
            assertPixels(expected, ImageLoader.fromBufferedImage(img), "type " + type);
        }
        // 5-6-5 and 5-5-5: channels scaled to 8 bits the way the JDK's colour model does (v·255/31)
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_565_RGB);
        img.getRaster().setDataElements(0, 0, new short[] {(short) (31 << 11 | 32 << 5 | 1)});
        assertEquals(0xFF8208, ImageLoader.fromBufferedImage(img).rgbAt(0, 0));
    }

    @Test
    void byteBgrAndAbgrFollowTheColourModelOrder() {
        // TYPE_3BYTE_BGR / TYPE_4BYTE_ABGR rasters have bands R, G, B (, A) over B-G-R(-A)... memory order
        BufferedImage bgr = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
        assertPixels(fillRgbBands(bgr, new int[] {0, 1, 2}, 8, 3), ImageLoader.fromBufferedImage(bgr), "3BYTE_BGR");
        BufferedImage abgr = new BufferedImage(W, H, BufferedImage.TYPE_4BYTE_ABGR);
        assertPixels(fillRgbBands(abgr, new int[] {0, 1, 2}, 8, 4), ImageLoader.fromBufferedImage(abgr), "4BYTE_ABGR");
        // and the bytes really are stored B, G, R
        byte[] data = ((java.awt.image.DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        RgbImage img = ImageLoader.fromBufferedImage(bgr);
        assertEquals(data[2] & 0xFF, img.get(0, 0, 0));
        assertEquals(data[0] & 0xFF, img.get(0, 0, 2));
    }

    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_USHORT_GRAY})
    void greyIsReplicatedWithoutGammaConversion(int type) {
        int bits = type == BufferedImage.TYPE_BYTE_GRAY ? 8 : 16;
        BufferedImage img = new BufferedImage(256, 1, type);
        for (int v = 0; v < 256; v++) img.getRaster().setSample(v, 0, 0, bits == 8 ? v : v << 8 | 0x7F);
        RgbImage rgb = ImageLoader.fromBufferedImage(img);
        for (int v = 0; v < 256; v++) assertEquals(v << 16 | v << 8 | v, rgb.rgbAt(v, 0), "grey " + v);
        // getRGB would have converted linear grey to sRGB: the loader must not
        assertTrue((img.getRGB(64, 0) & 0xFF) != 64, "the JDK's getRGB converts grey; this test would not notice");
    }

    @Test
    void binaryAndIndexedImagesAreLookedUp() {
        BufferedImage bin = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY);
        bin.getRaster().setSample(1, 0, 0, 1);
        RgbImage b = ImageLoader.fromBufferedImage(bin);
        assertEquals(0x000000, b.rgbAt(0, 0));
        assertEquals(0xFFFFFF, b.rgbAt(1, 0));
        BufferedImage idx = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED);
        idx.setRGB(0, 0, 0xFF0000);
        idx.setRGB(1, 0, 0x0000FF);
        RgbImage i = ImageLoader.fromBufferedImage(idx);
        assertEquals(idx.getRGB(0, 0) & 0xFFFFFF, i.rgbAt(0, 0));
        assertEquals(idx.getRGB(1, 0) & 0xFFFFFF, i.rgbAt(1, 0));
    }

    @Test
    void customComponentModels() {
        // 16 bits per channel RGB with alpha: the high byte of each colour sample
        ComponentColorModel rgba16 = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_USHORT);
        BufferedImage deep = new BufferedImage(rgba16, rgba16.createCompatibleWritableRaster(W, H), false, null);
        assertPixels(fillRgbBands(deep, new int[] {0, 1, 2}, 16, 5), ImageLoader.fromBufferedImage(deep), "RGBA 16-bit");

        // grey + alpha (two bands): grey replicated, alpha ignored
        ComponentColorModel ga = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        BufferedImage greyAlpha = new BufferedImage(ga, ga.createCompatibleWritableRaster(2, 1), false, null);
        greyAlpha.getRaster().setPixel(0, 0, new int[] {77, 0});
        greyAlpha.getRaster().setPixel(1, 0, new int[] {200, 255});
        RgbImage g = ImageLoader.fromBufferedImage(greyAlpha);
        assertEquals(0x4D4D4D, g.rgbAt(0, 0));
        assertEquals(0xC8C8C8, g.rgbAt(1, 0));

        // float samples in [0, 1]: through the colour model (getRGB), 8-bit rounding
        ComponentColorModel f = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_FLOAT);
        BufferedImage fl = new BufferedImage(f, f.createCompatibleWritableRaster(1, 1), false, null);
        fl.getRaster().setPixel(0, 0, new float[] {1f, 0.5f, 0f});
        int p = ImageLoader.fromBufferedImage(fl).rgbAt(0, 0);
        assertEquals(0xFF, p >> 16 & 0xFF);
        assertTrue(Math.abs((p >> 8 & 0xFF) - 128) <= 1, Integer.toHexString(p));
        assertEquals(0, p & 0xFF);
    }

    @Test
    void subImagesAndPremultipliedAlpha() {
        BufferedImage big = new BufferedImage(W + 10, H + 6, BufferedImage.TYPE_3BYTE_BGR);
        Random rnd = new Random(6);
        for (int y = 0; y < H + 6; y++) for (int x = 0; x < W + 10; x++) big.setRGB(x, y, rnd.nextInt());
        BufferedImage sub = big.getSubimage(4, 3, W, H);
        int[] expected = new int[W * H];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) expected[y * W + x] = big.getRGB(x + 4, y + 3) & 0xFFFFFF;
        assertPixels(expected, ImageLoader.fromBufferedImage(sub), "sub-image");

        // premultiplied: colours are un-premultiplied (exact for opaque pixels, rounding otherwise)
        BufferedImage pre = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB_PRE);
        pre.setRGB(0, 0, 0xFF123456);
        pre.setRGB(1, 0, 0x80FF8040);
        RgbImage p = ImageLoader.fromBufferedImage(pre);
        assertEquals(0x123456, p.rgbAt(0, 0));
        int c = p.rgbAt(1, 0);
        assertTrue(Math.abs((c >> 16 & 0xFF) - 0xFF) <= 2 && Math.abs((c >> 8 & 0xFF) - 0x80) <= 2
                && Math.abs((c & 0xFF) - 0x40) <= 2, Integer.toHexString(c));
    }
}
