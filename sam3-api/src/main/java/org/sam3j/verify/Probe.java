package org.sam3j.verify;

/**
 * The probe positions of the fixture format: {@code (k * 2654435761) mod numel} for {@code k = 0..2047}.
 */
public final class Probe {
    /** Number of probe values stored per tensor. */
    public static final int COUNT = 2048;
    private static final long MULTIPLIER = 2654435761L;

    private Probe() {}

    /** Flat row-major indices probed in a tensor of {@code numel} elements. */
    public static long[] indices(long numel) {
        long[] idx = new long[COUNT];
        for (int k = 0; k < COUNT; k++) {
            idx[k] = Long.remainderUnsigned(k * MULTIPLIER, numel);
        }
        return idx;
    }
}
