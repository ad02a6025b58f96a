package org.sam3j;

/**
 * An axis-aligned box in original-image pixel coordinates: {@code (x0, y0)} is the top-left corner and
 * {@code (x1, y1)} the bottom-right one. Coordinates are continuous (pixel edges), so a box covering
 * exactly the pixel at column 3 and row 5 is {@code (3, 5, 4, 6)}. Coordinates may lie outside the
 * image (predicted boxes are not clipped, as in the reference implementation); use
 * {@link #clip(int, int)} for a box inside it.
 *
 * <p>Immutable; two boxes are equal when their four coordinates are equal (as by
 * {@link Float#compare(float, float)}).
 *
 * @param x0 left edge
 * @param y0 top edge
 * @param x1 right edge, {@code >= x0}
 * @param y1 bottom edge, {@code >= y0}
 */
public record Box(float x0, float y0, float x1, float y1) {
    /**
     * Validates the coordinates.
     *
     * @throws IllegalArgumentException if a coordinate is not finite, or {@code x1 < x0} or {@code y1 < y0}
     */
    public Box {
        if (!Float.isFinite(x0) || !Float.isFinite(y0) || !Float.isFinite(x1) || !Float.isFinite(y1)) {
            throw new IllegalArgumentException("box coordinates must be finite, got " + describe(x0, y0, x1, y1));
        }
        if (x1 < x0) {
            throw new IllegalArgumentException("box x1 < x0: " + describe(x0, y0, x1, y1));
        }
        if (y1 < y0) {
            throw new IllegalArgumentException("box y1 < y0: " + describe(x0, y0, x1, y1));
        }
    }

    /**
     * A box from normalised centre/size coordinates (the detector's {@code pred_boxes} format), scaled to
     * an image of {@code imageWidth × imageHeight} pixels exactly as the reference post-processing does,
     * in float arithmetic: {@code x0 = (cx − 0.5·w)·W}, {@code y0 = (cy − 0.5·h)·H},
     * {@code x1 = (cx + 0.5·w)·W}, {@code y1 = (cy + 0.5·h)·H}.
     *
     * @param cx          centre x, normally in [0, 1]
     * @param cy          centre y, normally in [0, 1]
     * @param w           width, normally in [0, 1]
     * @param h           height, normally in [0, 1]
     * @param imageWidth  original image width in pixels, at least 1
     * @param imageHeight original image height in pixels, at least 1
     * @throws IllegalArgumentException if the image size is not positive or the result is not a valid box
     *                                  (non-finite input, negative width or height)
     */
    public static Box fromCxCyWhNormalized(float cx, float cy, float w, float h, int imageWidth, int imageHeight) {
        if (imageWidth <= 0 || imageHeight <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + imageWidth + "x" + imageHeight);
        }
        float sw = imageWidth;
        float sh = imageHeight;
        float hw = 0.5f * w;
        float hh = 0.5f * h;
        return new Box((cx - hw) * sw, (cy - hh) * sh, (cx + hw) * sw, (cy + hh) * sh);
    }

    /** Width {@code x1 − x0}. */
    public float width() {
        return x1 - x0;
    }

    /** Height {@code y1 − y0}. */
    public float height() {
        return y1 - y0;
    }

    /** Area {@code width · height}, in square pixels. */
    public double area() {
        return (double) width() * height();
    }

    /**
     * This box clipped to {@code [0, imageWidth] × [0, imageHeight]} (a box entirely outside becomes an
     * empty box on the nearest edge).
     *
     * @throws IllegalArgumentException if the image size is not positive
     */
    public Box clip(int imageWidth, int imageHeight) {
        if (imageWidth <= 0 || imageHeight <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + imageWidth + "x" + imageHeight);
        }
        float cx0 = clamp(x0, imageWidth);
        float cy0 = clamp(y0, imageHeight);
        return new Box(cx0, cy0, Math.max(cx0, clamp(x1, imageWidth)), Math.max(cy0, clamp(y1, imageHeight)));
    }

    /** The coordinates as a new array {@code {x0, y0, x1, y1}}. */
    public float[] toArray() {
        return new float[] {x0, y0, x1, y1};
    }

    private static float clamp(float v, int max) {
        return Math.min(Math.max(v, 0f), max);
    }

    private static String describe(float x0, float y0, float x1, float y1) {
        return "(" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")";
    }
}
