package org.sam3j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Sgemm}'s micro-kernel written in the JDK's Vector API ({@code jdk.incubator.vector}), used for blocks of
 * {@value #ROWS} rows of C when {@link VectorKernels#ENABLED}. The result is the same to the bit as the
 * auto-vectorised kernels': every element of C still receives {@code fma(a[i][p], b[p][j], c)} for {@code p} in
 * increasing order, starting from the same scratch row; only the schedule differs.
 *
 * <h2>Why</h2>
 * The auto-vectorised kernels keep their accumulators in the scratch rows (C2 on JDK 17 vectorises at most a
 * 4 × 2 block of rank-1 updates), so every pair of multiply-adds costs a load and a store of C; they run at about
 * 60 % of OpenBLAS's SGEMM rate on AVX-512. Here {@value #ROWS} rows by two vectors of columns stay in 16 registers
 * for a whole block of K, and each step of K loads two vectors of the packed strip and {@value #ROWS} elements of A.
 * As in {@link VectorAttention}, the vectors never leave this method (a vector passed to a method that is not
 * inlined is boxed).
 *
 * <p>Every index in the loop over K is the loop's counter times a constant plus a value fixed for the loop: B's strip
 * is contiguous ({@link Sgemm.PackedMatrix}) and A's rows are copied {@link Sgemm#KC} floats apart, which lets HotSpot
 * hoist the bounds checks out of the loop and address the 8 elements of A from one register (the expected reason; the
 * compiled code was not inspected, the rates were measured). On the Intel AVX-512 development VM (SGEMM
 * 5184 × 4736 × 1024, 2 threads, JMH), reading A in place, 8 rows a row stride apart, and B a panel's width apart ran
 * at 144 GFLOP/s; as now (with {@link #lastStrip} apart), 209 (OpenBLAS: 271–280).
 */
final class VectorSgemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    private static final int LANES = F.length();
    /** Rows of C per micro-kernel block. */
    static final int ROWS = 8;

    private VectorSgemm() {}

    /**
     * Whether the preferred vectors hold 16 floats (AVX-512): two vectors are one strip of the packed panels
     * ({@link Sgemm#STRIP}). With AVX2's 16 registers of 8 floats the
     * {@value #ROWS} × 2 block spills, and the blocks that fit lost to the auto-vectorised kernels: measured on the
     * AVX-512 machine with {@code -XX:UseAVX=2} (SGEMM 5184 × 4736 × 1024, 2 threads), 6 × 2 took 386 ms against
     * 329 ms and 4 × 2 456 ms against 373 ms.
     */
    static boolean usable() {
        return LANES == 16 && 2 * LANES == Sgemm.STRIP;
    }

    /**
     * {@code acc[r][j] = fma(a[r·KC + p], b[strip(j) + p·sw(j) + j % 32], acc[r][j])} for {@code r < ROWS}, {@code p}
     * from 0 up to {@code kc} (in that order) and {@code j < w}: one K block of a packed panel, stored as strips of
     * 32 columns, strip {@code js} from {@code bOff + js·kc}, row by row. A panel whose width is an odd multiple of
     * 16 ends with a strip of 16, which {@link #lastStrip} multiplies.
     *
     * @param a the block's {@value #ROWS} rows of A, {@link Sgemm#KC} floats apart
     * @param w the width of the strips of 32 columns, a multiple of 32
     */
    static void kernel(float[] a, float[] b, int bOff, int kc, float[][] acc, int w) {
        final float[] c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
        final float[] c4 = acc[4], c5 = acc[5], c6 = acc[6], c7 = acc[7];
        final int a1 = Sgemm.KC, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1, a5 = 5 * a1, a6 = 6 * a1, a7 = 7 * a1;
        int j = 0;
        for (; j + 2 * LANES <= w; j += 2 * LANES) {
            final int j1 = j + LANES;
            final int sb = bOff + j * kc;
            FloatVector s00 = FloatVector.fromArray(F, c0, j), s01 = FloatVector.fromArray(F, c0, j1);
            FloatVector s10 = FloatVector.fromArray(F, c1, j), s11 = FloatVector.fromArray(F, c1, j1);
            FloatVector s20 = FloatVector.fromArray(F, c2, j), s21 = FloatVector.fromArray(F, c2, j1);
            FloatVector s30 = FloatVector.fromArray(F, c3, j), s31 = FloatVector.fromArray(F, c3, j1);
            FloatVector s40 = FloatVector.fromArray(F, c4, j), s41 = FloatVector.fromArray(F, c4, j1);
            FloatVector s50 = FloatVector.fromArray(F, c5, j), s51 = FloatVector.fromArray(F, c5, j1);
            FloatVector s60 = FloatVector.fromArray(F, c6, j), s61 = FloatVector.fromArray(F, c6, j1);
            FloatVector s70 = FloatVector.fromArray(F, c7, j), s71 = FloatVector.fromArray(F, c7, j1);
            for (int p = 0; p < kc; p++) {
                final int bp = sb + p * (2 * LANES);
                final FloatVector x0 = FloatVector.fromArray(F, b, bp), x1 = FloatVector.fromArray(F, b, bp + LANES);
                FloatVector y = FloatVector.broadcast(F, a[p]);
                s00 = y.fma(x0, s00);
                s01 = y.fma(x1, s01);
                y = FloatVector.broadcast(F, a[a1 + p]);
                s10 = y.fma(x0, s10);
                s11 = y.fma(x1, s11);
                y = FloatVector.broadcast(F, a[a2 + p]);
                s20 = y.fma(x0, s20);
                s21 = y.fma(x1, s21);
                y = FloatVector.broadcast(F, a[a3 + p]);
                s30 = y.fma(x0, s30);
                s31 = y.fma(x1, s31);
                y = FloatVector.broadcast(F, a[a4 + p]);
                s40 = y.fma(x0, s40);
                s41 = y.fma(x1, s41);
                y = FloatVector.broadcast(F, a[a5 + p]);
                s50 = y.fma(x0, s50);
                s51 = y.fma(x1, s51);
                y = FloatVector.broadcast(F, a[a6 + p]);
                s60 = y.fma(x0, s60);
                s61 = y.fma(x1, s61);
                y = FloatVector.broadcast(F, a[a7 + p]);
                s70 = y.fma(x0, s70);
                s71 = y.fma(x1, s71);
            }
            s00.intoArray(c0, j);
            s01.intoArray(c0, j1);
            s10.intoArray(c1, j);
            s11.intoArray(c1, j1);
            s20.intoArray(c2, j);
            s21.intoArray(c2, j1);
            s30.intoArray(c3, j);
            s31.intoArray(c3, j1);
            s40.intoArray(c4, j);
            s41.intoArray(c4, j1);
            s50.intoArray(c5, j);
            s51.intoArray(c5, j1);
            s60.intoArray(c6, j);
            s61.intoArray(c6, j1);
            s70.intoArray(c7, j);
            s71.intoArray(c7, j1);
        }
    }

    /**
     * {@link #kernel}'s last strip when the panel's width is an odd multiple of 16: one vector of columns from
     * {@code j}. A method of its own: compiled into {@link #kernel}, it was measured to slow the main loop by 12–15 %
     * (SGEMM 5184 × 4736 × 1024, 2 threads, on a kernel first compiled on a panel with such a strip).
     */
    static void lastStrip(float[] a, float[] b, int bOff, int kc, float[][] acc, int j) {
        final float[] c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
        final float[] c4 = acc[4], c5 = acc[5], c6 = acc[6], c7 = acc[7];
        final int a1 = Sgemm.KC, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1, a5 = 5 * a1, a6 = 6 * a1, a7 = 7 * a1;
        final int sb = bOff + j * kc;
        FloatVector s0 = FloatVector.fromArray(F, c0, j), s1 = FloatVector.fromArray(F, c1, j);
        FloatVector s2 = FloatVector.fromArray(F, c2, j), s3 = FloatVector.fromArray(F, c3, j);
        FloatVector s4 = FloatVector.fromArray(F, c4, j), s5 = FloatVector.fromArray(F, c5, j);
        FloatVector s6 = FloatVector.fromArray(F, c6, j), s7 = FloatVector.fromArray(F, c7, j);
        for (int p = 0; p < kc; p++) {
            final FloatVector x = FloatVector.fromArray(F, b, sb + p * LANES);
            s0 = FloatVector.broadcast(F, a[p]).fma(x, s0);
            s1 = FloatVector.broadcast(F, a[a1 + p]).fma(x, s1);
            s2 = FloatVector.broadcast(F, a[a2 + p]).fma(x, s2);
            s3 = FloatVector.broadcast(F, a[a3 + p]).fma(x, s3);
            s4 = FloatVector.broadcast(F, a[a4 + p]).fma(x, s4);
            s5 = FloatVector.broadcast(F, a[a5 + p]).fma(x, s5);
            s6 = FloatVector.broadcast(F, a[a6 + p]).fma(x, s6);
            s7 = FloatVector.broadcast(F, a[a7 + p]).fma(x, s7);
        }
        s0.intoArray(c0, j);
        s1.intoArray(c1, j);
        s2.intoArray(c2, j);
        s3.intoArray(c3, j);
        s4.intoArray(c4, j);
        s5.intoArray(c5, j);
        s6.intoArray(c6, j);
        s7.intoArray(c7, j);
    }

    /**
     * One row of C: {@code acc[j] = fma(a[ai + p·aCs], b[strip(j) + p·sw(j) + j % 32], acc[j])} for {@code p} from 0
     * up to {@code kc} (in that order) and {@code j < w}, over the K block laid out as for {@link #kernel}; for the
     * rows of a block that do not fill {@link #kernel}, read in place.
     *
     * @param w the panel's padded width, a multiple of 16 (and of the vector length)
     */
    static void row(float[] a, int ai, int aCs, float[] b, int bOff, int kc, float[] acc, int w) {
        int j = 0;
        for (; j + 2 * LANES <= w; j += 2 * LANES) {
            final int j1 = j + LANES;
            final int sb = bOff + j * kc;
            FloatVector s0 = FloatVector.fromArray(F, acc, j), s1 = FloatVector.fromArray(F, acc, j1);
            for (int p = 0; p < kc; p++) {
                final int bp = sb + p * (2 * LANES);
                final FloatVector y = FloatVector.broadcast(F, a[ai + p * aCs]);
                s0 = y.fma(FloatVector.fromArray(F, b, bp), s0);
                s1 = y.fma(FloatVector.fromArray(F, b, bp + LANES), s1);
            }
            s0.intoArray(acc, j);
            s1.intoArray(acc, j1);
        }
        if (j < w) {
            final int sb = bOff + j * kc;
            FloatVector s0 = FloatVector.fromArray(F, acc, j);
            for (int p = 0; p < kc; p++) {
                s0 = FloatVector.broadcast(F, a[ai + p * aCs]).fma(FloatVector.fromArray(F, b, sb + p * LANES), s0);
            }
            s0.intoArray(acc, j);
        }
    }
}
