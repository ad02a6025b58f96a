package org.sam3j.image;

/** The one check of an image's dimensions, made before its pixel array is allocated. */
public final class ImageSizes {
    private ImageSizes() {
    }

    /**
     * Refuses a size that is not positive or whose RGB array would not fit a Java array.
     *
     * @throws IllegalArgumentException naming the size
     */
    public static void check(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image too large: " + width + "x" + height);
        }
    }
}
