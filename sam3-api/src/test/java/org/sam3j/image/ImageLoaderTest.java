package org.sam3j.image;

import org.sam3j.RgbImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.testing.SharedData;

class ImageLoaderTest {
    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ helpers

    /** 48x32 test card: 3x2 blocks of 16x16 in distinct, saturated colours (survive JPEG well). */
    private static final int[][] BLOCK_COLOURS = {
        {0xE01010, 0x10E010, 0x1010E0},
        {0xE0E010, 0x10E0E0, 0xF0F0F0},
    };

    private static BufferedImage testCard() {
        BufferedImage img = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                img.setRGB(x, y, BLOCK_COLOURS[y / 16][x / 16]);
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    /** An APP1 "Exif" segment holding one IFD0 entry: Orientation (0x0112, SHORT) = value. */
    private static byte[] exifApp1(int orientation, boolean bigEndian) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4);
        tiff.order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
        tiff.put(bigEndian ? (byte) 'M' : (byte) 'I').put(bigEndian ? (byte) 'M' : (byte) 'I');
        tiff.putShort((short) 42).putInt(8);        // TIFF header, IFD0 at offset 8
        tiff.putShort((short) 1);                    // one entry
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1); // Orientation, SHORT, count 1
        tiff.putShort((short) orientation).putShort((short) 0);      // value, padded to 4 bytes
        tiff.putInt(0);                              // no next IFD
        byte[] body = tiff.array();
        byte[] header = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        int len = 2 + header.length + body.length;
        ByteBuffer seg = ByteBuffer.allocate(2 + len);
        seg.put((byte) 0xFF).put((byte) 0xE1).putShort((short) len).put(header).put(body);
        return seg.array();
    }

    /** Inserts a segment right after SOI. */
    private static byte[] withSegment(byte[] jpeg, byte[] segment) {
        assertEquals((byte) 0xFF, jpeg[0]);
        assertEquals((byte) 0xD8, jpeg[1]);
        byte[] out = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(segment, 0, out, 2, segment.length);
        System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
        return out;
    }

    /** Independent statement of the EXIF transforms: where stored pixel (x, y) of a w x h image goes. */
    private static int[] destination(int orientation, int x, int y, int w, int h) {
        return switch (orientation) {
            case 1 -> new int[] {x, y};
            case 2 -> new int[] {w - 1 - x, y};         // mirror horizontally
            case 3 -> new int[] {w - 1 - x, h - 1 - y}; // rotate 180
            case 4 -> new int[] {x, h - 1 - y};         // mirror vertically
            case 5 -> new int[] {y, x};                 // transpose
            case 6 -> new int[] {h - 1 - y, x};         // rotate 90 clockwise
            case 7 -> new int[] {h - 1 - y, w - 1 - x}; // transverse
            case 8 -> new int[] {y, w - 1 - x};         // rotate 90 counter-clockwise
            default -> throw new IllegalArgumentException();
        };
    }

    private static void assertNear(int expectedRgb, int actualRgb, String what) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int e = expectedRgb >> shift & 0xFF;
            int a = actualRgb >> shift & 0xFF;
            assertTrue(Math.abs(e - a) <= 24, what + ": expected ~" + Integer.toHexString(expectedRgb) + " got "
                    + Integer.toHexString(actualRgb));
        }
    }

    // ------------------------------------------------------------------ EXIF orientation

    @ParameterizedTest(name = "orientation {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void appliesExifOrientation(int orientation) throws IOException {
        byte[] plain = encode(testCard(), "jpg");
        RgbImage stored = ImageLoader.read(plain);
        assertEquals(48, stored.width());
        assertEquals(32, stored.height());

        for (boolean bigEndian : new boolean[] {true, false}) {
            byte[] tagged = withSegment(plain, exifApp1(orientation, bigEndian));
            Path file = tmp.resolve("o" + orientation + (bigEndian ? "mm" : "ii") + ".jpg");
            Files.write(file, tagged);

            RgbImage upright = ImageLoader.read(file);
            boolean swap = orientation >= 5;
            assertEquals(swap ? 32 : 48, upright.width());
            assertEquals(swap ? 48 : 32, upright.height());
            // every pixel, exactly: same JPEG data, so the same decoded pixels, only moved
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 48; x++) {
                    int[] d = destination(orientation, x, y, 48, 32);
                    assertEquals(stored.rgbAt(x, y), upright.rgbAt(d[0], d[1]),
                            "orientation " + orientation + " pixel " + x + "," + y);
                }
            }
            // and semantically: the stored top-left block (red) ends up where a viewer expects it
            int red = BLOCK_COLOURS[0][0];
            if (orientation == 1 || orientation == 5) assertNear(red, upright.rgbAt(8, 8), "top-left");
            if (orientation == 2 || orientation == 6) assertNear(red, upright.rgbAt(upright.width() - 9, 8), "top-right");
            if (orientation == 3 || orientation == 7) {
                assertNear(red, upright.rgbAt(upright.width() - 9, upright.height() - 9), "bottom-right");
            }
            if (orientation == 4 || orientation == 8) assertNear(red, upright.rgbAt(8, upright.height() - 9), "bottom-left");

            // the same through byte[] and InputStream, and switched off
            assertEquals(upright, ImageLoader.read(tagged));
            assertEquals(upright, ImageLoader.read(new ByteArrayInputStream(tagged)));
            assertEquals(stored, ImageLoader.read(file, false));
            assertEquals(stored, ImageLoader.read(tagged, false));
        }
    }

    @Test
    void invalidOrientationValueIsIgnored() throws IOException {
        byte[] plain = encode(testCard(), "jpg");
        RgbImage stored = ImageLoader.read(plain);
        assertEquals(stored, ImageLoader.read(withSegment(plain, exifApp1(9, true))));
        assertEquals(stored, ImageLoader.read(withSegment(plain, exifApp1(0, false))));
    }

    @Test
    void exifOrientationTransformMatchesPilNames() {
        // 2x1 image [A, B]: orientation 6 (PIL ROTATE_270 = 90 degrees clockwise) gives a 1x2 column [A; B]
        byte[] px = {1, 1, 1, 2, 2, 2};
        RgbImage img = RgbImage.of(2, 1, px);
        RgbImage r6 = ExifOrientation.apply(img, 6);
        assertEquals(1, r6.width());
        assertEquals(2, r6.height());
        assertEquals(1, r6.get(0, 0, 0));
        assertEquals(2, r6.get(0, 1, 0));
        RgbImage r8 = ExifOrientation.apply(img, 8); // 90 degrees counter-clockwise: [B; A]
        assertEquals(2, r8.get(0, 0, 0));
        assertEquals(1, r8.get(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> ExifOrientation.apply(img, 0));
    }

    // ------------------------------------------------------------------ errors

    @Test
    void missingFileIsNoSuchFileException() {
        Path missing = tmp.resolve("does-not-exist.jpg");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ImageLoader.read(missing));
        assertEquals(missing.toString(), e.getFile());
    }

    @Test
    void truncatedJpegIsRejected() throws IOException {
        byte[] full = Files.readAllBytes(SharedData.resolve("images/truck.jpg"));
        for (int cut : new int[] {full.length / 2, full.length - 100, 1000}) {
            Path file = tmp.resolve("truncated-" + cut + ".jpg");
            Files.write(file, Arrays.copyOf(full, cut));
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageLoader.read(file));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertEquals(file.toString(), e.source());
        }
        // only the header
        assertThrows(ImageFormatException.class, () -> ImageLoader.read(Arrays.copyOf(full, 200)));
    }

    @Test
    void corruptJpegHeaderIsRejected() throws IOException {
        byte[] jpeg = encode(testCard(), "jpg");
        // find SOF0 and claim 4 components of an impossible sampling
        for (int i = 2; i < jpeg.length - 1; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                byte[] bad = jpeg.clone();
                bad[i + 9] = 0; // number of components = 0
                Path file = tmp.resolve("corrupt.jpg");
                Files.write(file, bad);
                ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageLoader.read(file));
                assertTrue(e.getMessage().contains("corrupt.jpg"), e.getMessage());
                return;
            }
        }
        throw new AssertionError("no SOF0 marker in test JPEG");
    }

    @Test
    void nonImageFileIsRejected() throws IOException {
        Path file = tmp.resolve("notes.txt");
        Files.writeString(file, "this is not an image, just some text\n");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageLoader.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not an image"), e.getMessage());
        // the message names the formats that decode here, WebP among them
        assertTrue(e.getMessage().contains("(JPEG, PNG, WebP, BMP, GIF"), e.getMessage());
        assertTrue(ImageLoader.supportedFormats().contains("WebP"));

        Path empty = tmp.resolve("empty.png");
        Files.write(empty, new byte[0]);
        assertThrows(ImageFormatException.class, () -> ImageLoader.read(empty));
        assertThrows(ImageFormatException.class, () -> ImageLoader.read(tmp)); // a directory
    }

    /** A PNG chunk with its CRC. */
    private static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt(data.length).put(t).put(data).putInt((int) crc.getValue());
        return b.array();
    }

    @Test
    void zeroSizeImageIsRejected() throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(0).putInt(1);
        ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        png.write(chunk("IHDR", ihdr.array()));
        png.write(chunk("IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}));
        png.write(chunk("IEND", new byte[0]));
        Path file = tmp.resolve("zero.png");
        Files.write(file, png.toByteArray());
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageLoader.read(file));
        assertTrue(e.getMessage().contains("zero.png"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RgbImage.of(0, 5, new byte[0]));
    }

    // ------------------------------------------------------------------ pixel formats

    @Test
    void pngWithAlphaDropsAlpha() throws IOException {
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        int[] colours = {0x00FF0000, 0x8000FF00, 0xFF0000FF, 0x10123456, 0xFFABCDEF, 0x01FEDCBA};
        for (int i = 0; i < 6; i++) argb.setRGB(i % 3, i / 3, colours[i]);
        RgbImage img = ImageLoader.read(encode(argb, "png"));
        assertEquals(3, img.width());
        assertEquals(2, img.height());
        for (int i = 0; i < 6; i++) {
            assertEquals(colours[i] & 0xFFFFFF, img.rgbAt(i % 3, i / 3), "pixel " + i);
        }
    }

    @Test
    void grayscaleIsReplicatedWithoutColourConversion() throws IOException {
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = gray.getRaster();
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) r.setSample(x, y, 0, y * 16 + x);
        RgbImage png = ImageLoader.read(encode(gray, "png"));
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int v = y * 16 + x;
                assertEquals(v << 16 | v << 8 | v, png.rgbAt(x, y), "gray " + v);
            }
        }
        // grayscale JPEG: three equal channels (values approximately the source, JPEG is lossy)
        RgbImage jpg = ImageLoader.read(encode(gray, "jpg"));
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                assertEquals(jpg.get(x, y, 0), jpg.get(x, y, 1));
                assertEquals(jpg.get(x, y, 0), jpg.get(x, y, 2));
            }
        }
        // 16-bit grey keeps the high byte
        BufferedImage g16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(0, 0, 0, 0x1234);
        g16.getRaster().setSample(1, 0, 0, 0xFFFF);
        RgbImage p16 = ImageLoader.read(encode(g16, "png"));
        assertEquals(0x121212, p16.rgbAt(0, 0));
        assertEquals(0xFFFFFF, p16.rgbAt(1, 0));
    }

    @Test
    void palettedImagesAreLookedUp() throws IOException {
        byte[] reds = {(byte) 255, 0, 12};
        byte[] greens = {0, (byte) 255, 34};
        byte[] blues = {0, 0, 56};
        IndexColorModel icm = new IndexColorModel(8, 3, reds, greens, blues);
        BufferedImage indexed = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        for (int x = 0; x < 3; x++) indexed.getRaster().setSample(x, 0, 0, 2 - x);
        // (not BMP: the JDK's BMP writer mangles small palettes)
        for (String format : new String[] {"png", "gif"}) {
            RgbImage img = ImageLoader.read(encode(indexed, format));
            assertEquals(0x0C2238, img.rgbAt(0, 0), format);
            assertEquals(0x00FF00, img.rgbAt(1, 0), format);
            assertEquals(0xFF0000, img.rgbAt(2, 0), format);
        }
    }

    @Test
    void bufferedImageTypesConvertToRgb() {
        int[] types = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_BGR,
            BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_4BYTE_ABGR};
        for (int type : types) {
            BufferedImage bi = new BufferedImage(2, 2, type);
            bi.setRGB(0, 0, 0xFFF80000);
            bi.setRGB(1, 0, 0xFF00FC00);
            bi.setRGB(0, 1, 0xFF0000F8);
            bi.setRGB(1, 1, 0xFF808080);
            RgbImage img = ImageLoader.fromBufferedImage(bi);
            assertEquals(0xF80000, img.rgbAt(0, 0), "type " + type);
            assertEquals(0x00FC00, img.rgbAt(1, 0), "type " + type);
            assertEquals(0x0000F8, img.rgbAt(0, 1), "type " + type);
            assertEquals(0x808080, img.rgbAt(1, 1), "type " + type);
        }
    }

    @Test
    void bmpIsDecoded() throws IOException {
        RgbImage img = ImageLoader.read(encode(testCard(), "bmp"));
        RgbImage png = ImageLoader.read(encode(testCard(), "png"));
        assertEquals(png, img);
        assertEquals(BLOCK_COLOURS[1][2], img.rgbAt(47, 31));
    }

    @Test
    void rgbImageIsImmutable() {
        byte[] px = {1, 2, 3, 4, 5, 6};
        RgbImage img = RgbImage.of(2, 1, px);
        px[0] = 99;
        assertEquals(1, img.get(0, 0, 0));
        byte[] copy = img.rgb();
        copy[1] = 99;
        assertEquals(2, img.get(0, 0, 1));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, img.rgb());
        assertEquals(0x040506, img.rgbAt(1, 0));
        assertThrows(IllegalArgumentException.class, () -> RgbImage.of(2, 2, px));
        assertThrows(IndexOutOfBoundsException.class, () -> img.get(2, 0, 0));
        assertEquals(img, RgbImage.from(img.toBufferedImage()));
    }

    @Test
    void decodesTheFixturePhoto() throws IOException {
        RgbImage img = ImageLoader.read(SharedData.resolve("images/truck.jpg"));
        assertEquals(1800, img.width());
        assertEquals(1200, img.height());
    }

    @Test
    void webpLosslessAndLossyDecode() throws Exception {
        // 1x1 WebP images (the lossless VP8L and lossy VP8 probes that browsers' feature tests use)
        for (String b64 : new String[] {"UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
                "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"}) {
            byte[] webp = java.util.Base64.getDecoder().decode(b64);
            RgbImage img = ImageLoader.read(webp);
            assertEquals(1, img.width());
            assertEquals(1, img.height());
            Path f = tmp.resolve("x.webp");
            Files.write(f, webp);
            assertEquals(1, ImageLoader.read(f).width());
        }
    }
}
