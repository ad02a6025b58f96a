package org.sam3j.backend;

import java.util.Arrays;

/**
 * A float32 tensor in host memory: a shape and row-major values. The arrays are shared, not copied.
 *
 * @param shape dimensions
 * @param data  row-major values, {@code product(shape)} of them
 */
public record HostTensor(int[] shape, float[] data) {
    /** Checks that data and shape agree. */
    public HostTensor {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
        }
    }

    /** Number of elements. */
    public int numel() {
        return data.length;
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
