package org.sam3j.weights;

/**
 * Reads a parameter's float32 values piece by piece from the checkpoint file, not through a memory mapping
 * ({@link WeightStore#floatReader}). Safe to call from several threads at once; valid while its store is open.
 */
@FunctionalInterface
public interface FloatReader {
    /**
     * Copies values {@code [from, from + len)} of the parameter (row-major) into {@code dst} from {@code off}.
     *
     * @throws WeightLoadingException if the file cannot be read
     * @throws IndexOutOfBoundsException if the range leaves the parameter or {@code dst}
     */
    void read(long from, float[] dst, int off, int len);
}
