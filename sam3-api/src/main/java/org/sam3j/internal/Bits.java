package org.sam3j.internal;

/**
 * Thresholding floats into a bit set in {@link java.util.BitSet#toLongArray()} order (value {@code i} is bit
 * {@code i & 63} of word {@code i >>> 6}): the one loop behind {@code Mask}'s thresholds and the row-by-row masks of
 * {@code BilinearResize}.
 */
public final class Bits {
    private Bits() {}

    /**
     * Sets bit {@code start + j} of {@code bits} for every {@code values[off + j] >= min}, {@code j < n} (NaN never),
     * leaving the other bits of the words it touches as they are.
     */
    public static void setAtLeast(float[] values, int off, int n, float min, long[] bits, long start) {
        int k = (int) (start >>> 6);
        int bit = (int) (start & 63);
        int j = 0;
        // a word already begun by the values before these: finish it
        if (bit != 0) {
            long word = 0;
            for (; j < n && bit < 64; j++, bit++) word |= (values[off + j] >= min ? 1L : 0L) << bit;
            bits[k] |= word;
            if (bit < 64) return;
            k++;
        }
        // whole words, built in a register: no read-modify-write of the array and no branch per value (noisy logits
        // would mispredict it)
        for (; j + 64 <= n; j += 64, k++) {
            long word = 0;
            for (int b = 0; b < 64; b++) word |= (values[off + j + b] >= min ? 1L : 0L) << b;
            bits[k] |= word;
        }
        if (j < n) {
            long word = 0;
            for (int b = 0; j < n; j++, b++) word |= (values[off + j] >= min ? 1L : 0L) << b;
            bits[k] |= word;
        }
    }
}
