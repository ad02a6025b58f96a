package org.sam3j;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Objects;
import org.sam3j.image.ImageLoader;
import org.sam3j.image.ImageSizes;

/**
 * An immutable 8-bit RGB image: {@code width × height} pixels stored row by row, three interleaved
 * bytes (R, G, B) per pixel. This is the decoded form the SAM 3 preprocessing starts from (what PIL's
 * {@code Image.convert("RGB")} yields).
 *
 * <p>The pixel array is copied on the way in and on the way out (a few milliseconds even for large images, against seconds of model work); use {@link #get(int, int, int)} for
 * single samples without copying.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    private RgbImage(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /**
     * An image from interleaved RGB bytes (copied).
     *
     * @param width  width in pixels, at least 1
     * @param height height in pixels, at least 1
     * @param rgb    {@code width * height * 3} bytes, row-major, R G B per pixel
     * @throws IllegalArgumentException if a dimension is not positive or the array has the wrong length
     */
    public static RgbImage of(int width, int height, byte[] rgb) {
        Objects.requireNonNull(rgb, "rgb");
        ImageSizes.check(width, height);
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("expected " + ((long) width * height * 3) + " bytes for "
                    + width + "x" + height + " RGB, got " + rgb.length);
        }
        return new RgbImage(width, height, rgb.clone());
    }


    /**
     * Converts a {@link BufferedImage} to plain RGB, as {@link ImageLoader#fromBufferedImage} does
     * (alpha dropped, grey replicated, palette looked up; no EXIF handling).
     *
     * @throws IllegalArgumentException if the image has no pixels
     */
    public static RgbImage from(BufferedImage image) {
        return ImageLoader.fromBufferedImage(image);
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** A copy of the pixels: {@code width * height * 3} bytes, row-major, R G B per pixel. */
    public byte[] rgb() {
        return rgb.clone();
    }

    /**
     * One sample, 0..255.
     *
     * @param x       column, {@code 0 <= x < width}
     * @param y       row, {@code 0 <= y < height}
     * @param channel 0 = red, 1 = green, 2 = blue
     */
    public int get(int x, int y, int channel) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        Objects.checkIndex(channel, 3);
        return rgb[(y * width + x) * 3 + channel] & 0xFF;
    }

    /** The pixel at (x, y) as {@code 0xRRGGBB}. */
    public int rgbAt(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
    }

    /** A new {@link BufferedImage#TYPE_3BYTE_BGR} image with these pixels (for display or saving). */
    public BufferedImage toBufferedImage() {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((java.awt.image.DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            dst[i] = rgb[i + 2];
            dst[i + 1] = rgb[i + 1];
            dst[i + 2] = rgb[i];
        }
        return out;
    }

    /** Equal when the sizes and all pixels are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && other.width == width && other.height == height
                && Arrays.equals(other.rgb, rgb);
    }

    /** A hash of the size and the pixels, consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    /** Size only, e.g. {@code RgbImage[1800x1200]}. */
    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
