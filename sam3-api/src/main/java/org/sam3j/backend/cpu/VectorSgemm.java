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
 * is contiguous ({@link Sgemm.PackedMatrix}) and A's rows are copied {@link Sgemm#KC} floats apart, so HotSpot hoists
 * the bounds checks out of the loop and addresses the 8 elements of A from one register with constant displacements
 * (seen in the compiled code: per step of K, 8 broadcasts, 2 loads, 16 multiply-adds and 5 instructions of
 * bookkeeping). On the Intel AVX-512 development VM (SGEMM 5184 × 4736 × 1024, 2 threads), reading A in place, 8 rows
 * a row stride apart, and B a panel's width apart ran at 144 GFLOP/s; with A copied and B in strips, 209; with
 * {@link Sgemm}'s Goto order and C's rows in one array, 230–243; with the packed matrix on cache lines
 * ({@link Sgemm#LINE_START}), 256–259 (JMH; OpenBLAS: 277–286; the VM's multiply-add peak, measured, about 420).
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
     * {@code C(r, j) = fma(a[r·KC + p], b[sb + p·32 + j], C(r, j))} for {@code r < ROWS}, {@code p} from 0 up to
     * {@code kc} (in that order) and the strip's 32 columns {@code j}, where {@code C(r, j)} is
     * {@code acc[at + r·NC + j]}: one tile of {@value #ROWS} rows of C times one strip of a packed K block
     * ({@link Sgemm.PackedMatrix}), which lies row by row from {@code sb}. A panel whose width is an odd multiple of 16
     * ends with a strip of 16, which {@link #lastStrip} multiplies.
     *
     * <p>C's rows are one array at fixed distances from one index, as A's are: with an array per row, the eight
     * references stayed live across the loop, and in about half of fresh processes C2 then spilled the strip's base
     * into a vector register and back on every step of K (two more instructions on the ports that do the
     * multiply-adds), which cost 12–15 %.
     *
     * @param a   the tile's {@value #ROWS} rows of A, {@link Sgemm#KC} floats apart ({@link Sgemm#tileOfA})
     * @param sb  where the strip starts in {@code b}
     * @param acc C's rows, {@link Sgemm#NC} floats apart; the tile's first row from {@code at}, at the strip's column
     */
    static void kernel(float[] a, float[] b, int sb, int kc, float[] acc, int at) {
        final int a1 = Sgemm.KC, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1, a5 = 5 * a1, a6 = 6 * a1, a7 = 7 * a1;
        final int n = Sgemm.NC;
        FloatVector s00 = FloatVector.fromArray(F, acc, at), s01 = FloatVector.fromArray(F, acc, at + LANES);
        FloatVector s10 = FloatVector.fromArray(F, acc, at + n), s11 = FloatVector.fromArray(F, acc, at + n + LANES);
        FloatVector s20 = FloatVector.fromArray(F, acc, at + 2 * n);
        FloatVector s21 = FloatVector.fromArray(F, acc, at + 2 * n + LANES);
        FloatVector s30 = FloatVector.fromArray(F, acc, at + 3 * n);
        FloatVector s31 = FloatVector.fromArray(F, acc, at + 3 * n + LANES);
        FloatVector s40 = FloatVector.fromArray(F, acc, at + 4 * n);
        FloatVector s41 = FloatVector.fromArray(F, acc, at + 4 * n + LANES);
        FloatVector s50 = FloatVector.fromArray(F, acc, at + 5 * n);
        FloatVector s51 = FloatVector.fromArray(F, acc, at + 5 * n + LANES);
        FloatVector s60 = FloatVector.fromArray(F, acc, at + 6 * n);
        FloatVector s61 = FloatVector.fromArray(F, acc, at + 6 * n + LANES);
        FloatVector s70 = FloatVector.fromArray(F, acc, at + 7 * n);
        FloatVector s71 = FloatVector.fromArray(F, acc, at + 7 * n + LANES);
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
        s00.intoArray(acc, at);
        s01.intoArray(acc, at + LANES);
        s10.intoArray(acc, at + n);
        s11.intoArray(acc, at + n + LANES);
        s20.intoArray(acc, at + 2 * n);
        s21.intoArray(acc, at + 2 * n + LANES);
        s30.intoArray(acc, at + 3 * n);
        s31.intoArray(acc, at + 3 * n + LANES);
        s40.intoArray(acc, at + 4 * n);
        s41.intoArray(acc, at + 4 * n + LANES);
        s50.intoArray(acc, at + 5 * n);
        s51.intoArray(acc, at + 5 * n + LANES);
        s60.intoArray(acc, at + 6 * n);
        s61.intoArray(acc, at + 6 * n + LANES);
        s70.intoArray(acc, at + 7 * n);
        s71.intoArray(acc, at + 7 * n + LANES);
    }

    /**
     * {@link #kernel}'s last strip when the panel's width is an odd multiple of 16: one vector of columns, the strip
     * from {@code sb}, C's rows as for {@link #kernel}. A method of its own: compiled into {@link #kernel}, it was
     * measured to slow the main loop by 12–15 % (SGEMM 5184 × 4736 × 1024, 2 threads, on a kernel first compiled on a
     * panel with such a strip).
     */
    static void lastStrip(float[] a, float[] b, int sb, int kc, float[] acc, int at) {
        final int a1 = Sgemm.KC, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1, a5 = 5 * a1, a6 = 6 * a1, a7 = 7 * a1;
        final int n = Sgemm.NC;
        FloatVector s0 = FloatVector.fromArray(F, acc, at), s1 = FloatVector.fromArray(F, acc, at + n);
        FloatVector s2 = FloatVector.fromArray(F, acc, at + 2 * n), s3 = FloatVector.fromArray(F, acc, at + 3 * n);
        FloatVector s4 = FloatVector.fromArray(F, acc, at + 4 * n), s5 = FloatVector.fromArray(F, acc, at + 5 * n);
        FloatVector s6 = FloatVector.fromArray(F, acc, at + 6 * n), s7 = FloatVector.fromArray(F, acc, at + 7 * n);
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
        s0.intoArray(acc, at);
        s1.intoArray(acc, at + n);
        s2.intoArray(acc, at + 2 * n);
        s3.intoArray(acc, at + 3 * n);
        s4.intoArray(acc, at + 4 * n);
        s5.intoArray(acc, at + 5 * n);
        s6.intoArray(acc, at + 6 * n);
        s7.intoArray(acc, at + 7 * n);
    }

    /**
     * One row of C: {@code acc[at + j] = fma(a[ai + p·aCs], b[strip(j) + p·sw(j) + j % 32], acc[at + j])} for
     * {@code p} from 0 up to {@code kc} (in that order) and {@code j < w}, over the K block from {@code bOff} (its
     * strips one after another, as {@link #kernel} reads them); for the rows of a block that do not fill a tile, A
     * read in place.
     *
     * @param w the panel's padded width, a multiple of 16 (and of the vector length)
     */
    static void row(float[] a, int ai, int aCs, float[] b, int bOff, int kc, float[] acc, int at, int w) {
        int j = 0;
        for (; j + 2 * LANES <= w; j += 2 * LANES) {
            final int sb = bOff + j * kc;
            FloatVector s0 = FloatVector.fromArray(F, acc, at + j), s1 = FloatVector.fromArray(F, acc, at + j + LANES);
            for (int p = 0; p < kc; p++) {
                final int bp = sb + p * (2 * LANES);
                final FloatVector y = FloatVector.broadcast(F, a[ai + p * aCs]);
                s0 = y.fma(FloatVector.fromArray(F, b, bp), s0);
                s1 = y.fma(FloatVector.fromArray(F, b, bp + LANES), s1);
            }
            s0.intoArray(acc, at + j);
            s1.intoArray(acc, at + j + LANES);
        }
        if (j < w) {
            final int sb = bOff + j * kc;
            FloatVector s0 = FloatVector.fromArray(F, acc, at + j);
            for (int p = 0; p < kc; p++) {
                s0 = FloatVector.broadcast(F, a[ai + p * aCs]).fma(FloatVector.fromArray(F, b, sb + p * LANES), s0);
            }
            s0.intoArray(acc, at + j);
        }
    }
}
