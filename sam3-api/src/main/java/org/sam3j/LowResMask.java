package org.sam3j;

import java.util.Arrays;
import java.util.Objects;

/**
 * Low-resolution mask logits as the model predicts them, before upsampling to the image size
 * (288 × 288 for SAM 3; the size is not fixed here). Feed one back as a mask prompt to refine an
 * interactive prediction.
 *
 * <p>Immutable: the logits are copied on the way in and on the way out ({@link #get(int, int)} reads one
 * value without copying). A plain heap object that needs no closing; equal when sizes and all values
 * are equal (as by {@link Arrays#equals(float[], float[])}).
 */
public final class LowResMask {
    private final int width;
    private final int height;
    private final float[] logits;

    private LowResMask(int width, int height, float[] logits) {
        this.width = width;
        this.height = height;
        this.logits = logits;
    }

    /**
     * Low-resolution logits from a row-major array (copied).
     *
     * @param logits {@code width * height} values, {@code [y * width + x]}
     * @param width  width, at least 1
     * @param height height, at least 1
     * @throws IllegalArgumentException if a dimension is not positive or the array has the wrong length
     */
    public static LowResMask of(float[] logits, int width, int height) {
        Objects.requireNonNull(logits, "logits");
        return of(logits, 0, width, height);
    }

    /**
     * Low-resolution logits copied from {@code width * height} values of {@code src} starting at
     * {@code offset} (e.g. one query's map inside a {@code [Q, H, W]} tensor).
     *
     * @throws IllegalArgumentException if a dimension is not positive or the range lies outside {@code src}
     */
    public static LowResMask of(float[] src, int offset, int width, int height) {
        Objects.requireNonNull(src, "src");
        Rle.checkSize(height, width);
        long n = (long) width * height;
        if (offset < 0 || offset + n > src.length) {
            throw new IllegalArgumentException("LowResMask: " + width + "x" + height + " values at offset " + offset
                    + " do not fit in an array of " + src.length);
        }
        return new LowResMask(width, height, Arrays.copyOfRange(src, offset, offset + (int) n));
    }

    /** Width in low-resolution pixels. */
    public int width() {
        return width;
    }

    /** Height in low-resolution pixels. */
    public int height() {
        return height;
    }

    /** A copy of the logits, row-major ({@code [y * width + x]}). */
    public float[] logits() {
        return logits.clone();
    }

    /**
     * One logit.
     *
     * @throws IndexOutOfBoundsException if the position is outside the map
     */
    public float get(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        return logits[y * width + x];
    }

    /** Equal when the sizes and all logits are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof LowResMask m && m.width == width && m.height == height && Arrays.equals(m.logits, logits);
    }

    /** A hash of the size and logits, consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(logits);
    }

    /** Size only, e.g. {@code LowResMask[288x288]}. */
    @Override
    public String toString() {
        return "LowResMask[" + width + "x" + height + "]";
    }
}
