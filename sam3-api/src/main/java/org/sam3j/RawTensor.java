package org.sam3j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A raw model output (float32, row-major), as {@link MaskResult#rawOutputs()} hands it out for debugging and
 * dumps: a read-only view, so the model's array is shared without a copy and cannot be changed through it.
 */
public final class RawTensor {
    private final int[] shape;
    private final float[] data;

    private RawTensor(int[] shape, float[] data) {
        this.shape = shape;
        this.data = data;
    }

    /**
     * A tensor from a shape and its values (both copied).
     *
     * @throws IllegalArgumentException if a dimension is negative or the value count is not the shape's product
     */
    public static RawTensor of(int[] shape, float[] data) {
        return wrap(shape.clone(), data.clone());
    }

    /** Wraps arrays the caller hands over and will not modify again. */
    static RawTensor wrap(int[] shape, float[] data) {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, got " + data.length);
        }
        return new RawTensor(shape, data);
    }

    /** The dimensions (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of values. */
    public int numel() {
        return data.length;
    }

    /** A read-only view of the values, row-major, positioned at 0. */
    public FloatBuffer buffer() {
        return FloatBuffer.wrap(data).asReadOnlyBuffer();
    }

    /** A copy of the values, row-major. */
    public float[] toArray() {
        return data.clone();
    }

    /** Shape only, e.g. {@code RawTensor[1, 200, 4]}. */
    @Override
    public String toString() {
        return "RawTensor" + Arrays.toString(shape);
    }
}
