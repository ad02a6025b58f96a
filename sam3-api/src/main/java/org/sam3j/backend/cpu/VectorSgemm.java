package org.sam3j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Sgemm}'s micro-kernels written in the JDK's Vector API ({@code jdk.incubator.vector}), used for blocks of
 * {@link #ROWS} rows of C when {@link VectorKernels#PRODUCTS}: 8 rows by a strip of two 16-float vectors with AVX-512
 * ({@link #kernel}), {@value #NARROW_ROWS} rows by half a strip of two 8-float vectors with AVX2
 * ({@link #halfStrip}, twice a strip). The result is the same to the bit as the
 * auto-vectorised kernels': every element of C still receives {@code fma(a[i][p], b[p][j], c)} for {@code p} in
 * increasing order, starting from the same scratch row; only the schedule differs.
 *
 * <h2>Why</h2>
 * The auto-vectorised kernels keep their accumulators in the scratch rows (C2 on JDK 17 vectorises at most a
 * 4 × 2 block of rank-1 updates), so every pair of multiply-adds costs a load and a store of C; they run at about
 * 60 % of OpenBLAS's SGEMM rate on AVX-512, and at about half of it on a Zen 3 (AVX2). Here 8 rows by two vectors
 * of columns stay in 16 registers for a whole block of K, and each step of K loads two vectors of the packed strip
 * and 8 elements of A.
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
 * On a 2-core Zen 3 (AVX2), {@link #halfStrip} took the same SGEMM from 625–660 ms (the auto-vectorised kernels) to
 * 352–426 ms, 118–143 GFLOP/s, 82–86 % of OpenBLAS's rate in the same run
 * ({@code sam3-bench/results/zen3-java-sgemm-2026-12-06}).
 */
final class VectorSgemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    private static final int LANES = F.length();
    /** The 8-float vectors of the AVX2 kernels ({@link #halfStrip}), whatever this processor prefers. */
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** Rows of a tile of the AVX2 kernels. */
    static final int NARROW_ROWS = 5;
    /** Whether tiles run on the 16-float kernels ({@link #kernel}, AVX-512) rather than the 8-float ones. */
    static final boolean WIDE = LANES == 16 && 2 * LANES == Sgemm.STRIP;
    /** Rows of C per micro-kernel block: 8 on 16-float vectors, {@value #NARROW_ROWS} on 8-float ones. */
    static final int ROWS = WIDE ? 8 : NARROW_ROWS;

    private VectorSgemm() {}

    /**
     * Whether the preferred vectors hold 16 floats (AVX-512): two vectors are one strip of the packed panels
     * ({@link Sgemm#STRIP}), and {@link #kernel} multiplies a tile of 8 rows by it.
     */
    static boolean usable() {
        return WIDE;
    }

    /**
     * Whether the preferred vectors hold 8 floats (AVX2): the products then run on {@link #halfStrip}, a tile of
     * {@value #NARROW_ROWS} rows by half a strip (two vectors), 10 accumulators in AVX2's 16 registers.
     */
    static boolean usableNarrow() {
        return LANES == 8;
    }

    /**
     * One tile of {@link #ROWS} rows times one strip of 32 columns, as {@link #kernel} defines it: on 8-float vectors
     * as two {@link #halfStrip}s, the strip's left and right 16 columns (each reads its own cache lines of the strip).
     * Both halves for one tile before the next tile: running every tile on the left half first was 10 % slower.
     */
    static void strip(float[] a, float[] b, int sb, int kc, float[] acc, int at) {
        if (WIDE) {
            kernel(a, b, sb, kc, acc, at);
        } else {
            halfStrip(a, b, sb, Sgemm.STRIP, kc, acc, at);
            halfStrip(a, b, sb + 16, Sgemm.STRIP, kc, acc, at + 16);
        }
    }

    /** One tile times a panel's last strip when it is 16 wide ({@link #lastStrip}). */
    static void narrowStrip(float[] a, float[] b, int sb, int kc, float[] acc, int at) {
        if (WIDE) {
            lastStrip(a, b, sb, kc, acc, at);
        } else {
            halfStrip(a, b, sb, 16, kc, acc, at);
        }
    }

    /** One row of C over a K block ({@link #row}; {@link #row8} on 8-float vectors). */
    static void oneRow(float[] a, int ai, int aCs, float[] b, int bOff, int kc, float[] acc, int at, int w) {
        if (WIDE) {
            row(a, ai, aCs, b, bOff, kc, acc, at, w);
        } else {
            row8(a, ai, aCs, b, bOff, kc, acc, at, w);
        }
    }

    /**
     * {@code C(r, j) = fma(a[r·KC + p], b[sb + p·stride + j], C(r, j))} for {@code r <} {@value #NARROW_ROWS},
     * {@code p} from 0 up to {@code kc} (in that order) and 16 columns {@code j}, where {@code C(r, j)} is
     * {@code acc[at + r·NC + j]}: the AVX2 micro-kernel, 5 × 2 vectors of 8 floats, B's 16 columns {@code stride}
     * floats a step of K (32 in a full strip, 16 in a last one of 16).
     *
     * <p>Why 5 rows: 6 × 2 (12 accumulators, 2 of B, the broadcasts) fills AVX2's 16 registers exactly, and in the
     * products C2 (JDK 17) scheduled a third broadcast early and spilled an accumulator to the stack on every step
     * of K: 29–31 GFLOP/s on one core of a Zen 3 (SGEMM 5184 × 4736 × 1024), no faster than the auto-vectorised
     * kernels, against 55–70 for 5 × 2. Alone in a loop, 6 × 2 ran at 42–86 from one process to the next, as C2's
     * allocation went; 4 × 2 (8 accumulators, too few to hide the multiply-add's latency) at 31–51.
     */
    static void halfStrip(float[] a, float[] b, int sb, int stride, int kc, float[] acc, int at) {
        final int a1 = Sgemm.KC, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1;
        final int n = Sgemm.NC;
        FloatVector s00 = FloatVector.fromArray(F8, acc, at), s01 = FloatVector.fromArray(F8, acc, at + 8);
        FloatVector s10 = FloatVector.fromArray(F8, acc, at + n), s11 = FloatVector.fromArray(F8, acc, at + n + 8);
        FloatVector s20 = FloatVector.fromArray(F8, acc, at + 2 * n);
        FloatVector s21 = FloatVector.fromArray(F8, acc, at + 2 * n + 8);
        FloatVector s30 = FloatVector.fromArray(F8, acc, at + 3 * n);
        FloatVector s31 = FloatVector.fromArray(F8, acc, at + 3 * n + 8);
        FloatVector s40 = FloatVector.fromArray(F8, acc, at + 4 * n);
        FloatVector s41 = FloatVector.fromArray(F8, acc, at + 4 * n + 8);
        for (int p = 0; p < kc; p++) {
            final int bp = sb + p * stride;
            final FloatVector x0 = FloatVector.fromArray(F8, b, bp), x1 = FloatVector.fromArray(F8, b, bp + 8);
            FloatVector y = FloatVector.broadcast(F8, a[p]);
            s00 = y.fma(x0, s00);
            s01 = y.fma(x1, s01);
            y = FloatVector.broadcast(F8, a[a1 + p]);
            s10 = y.fma(x0, s10);
            s11 = y.fma(x1, s11);
            y = FloatVector.broadcast(F8, a[a2 + p]);
            s20 = y.fma(x0, s20);
            s21 = y.fma(x1, s21);
            y = FloatVector.broadcast(F8, a[a3 + p]);
            s30 = y.fma(x0, s30);
            s31 = y.fma(x1, s31);
            y = FloatVector.broadcast(F8, a[a4 + p]);
            s40 = y.fma(x0, s40);
            s41 = y.fma(x1, s41);
        }
        s00.intoArray(acc, at);
        s01.intoArray(acc, at + 8);
        s10.intoArray(acc, at + n);
        s11.intoArray(acc, at + n + 8);
        s20.intoArray(acc, at + 2 * n);
        s21.intoArray(acc, at + 2 * n + 8);
        s30.intoArray(acc, at + 3 * n);
        s31.intoArray(acc, at + 3 * n + 8);
        s40.intoArray(acc, at + 4 * n);
        s41.intoArray(acc, at + 4 * n + 8);
    }

    /**
     * {@link #row} on 8-float vectors: each strip's columns in four vectors (two in a last strip of 16), one
     * accumulator each.
     */
    static void row8(float[] a, int ai, int aCs, float[] b, int bOff, int kc, float[] acc, int at, int w) {
        int j = 0;
        for (; j + Sgemm.STRIP <= w; j += Sgemm.STRIP) {
            final int sb = bOff + j * kc;
            FloatVector s0 = FloatVector.fromArray(F8, acc, at + j), s1 = FloatVector.fromArray(F8, acc, at + j + 8);
            FloatVector s2 = FloatVector.fromArray(F8, acc, at + j + 16);
            FloatVector s3 = FloatVector.fromArray(F8, acc, at + j + 24);
            for (int p = 0; p < kc; p++) {
                final int bp = sb + p * Sgemm.STRIP;
                final FloatVector y = FloatVector.broadcast(F8, a[ai + p * aCs]);
                s0 = y.fma(FloatVector.fromArray(F8, b, bp), s0);
                s1 = y.fma(FloatVector.fromArray(F8, b, bp + 8), s1);
                s2 = y.fma(FloatVector.fromArray(F8, b, bp + 16), s2);
                s3 = y.fma(FloatVector.fromArray(F8, b, bp + 24), s3);
            }
            s0.intoArray(acc, at + j);
            s1.intoArray(acc, at + j + 8);
            s2.intoArray(acc, at + j + 16);
            s3.intoArray(acc, at + j + 24);
        }
        if (j < w) {
            final int sb = bOff + j * kc;
            FloatVector s0 = FloatVector.fromArray(F8, acc, at + j), s1 = FloatVector.fromArray(F8, acc, at + j + 8);
            for (int p = 0; p < kc; p++) {
                final int bp = sb + p * 16;
                final FloatVector y = FloatVector.broadcast(F8, a[ai + p * aCs]);
                s0 = y.fma(FloatVector.fromArray(F8, b, bp), s0);
                s1 = y.fma(FloatVector.fromArray(F8, b, bp + 8), s1);
            }
            s0.intoArray(acc, at + j);
            s1.intoArray(acc, at + j + 8);
        }
    }

    /**
     * {@code C(r, j) = fma(a[r·KC + p], b[sb + p·32 + j], C(r, j))} for {@code r < ROWS}, {@code p} from 0 up to
     * {@code kc} (in that order) and the strip's 32 columns {@code j}, where {@code C(r, j)} is
     * {@code acc[at + r·NC + j]}: one tile of 8 rows of C times one strip of a packed K block
     * ({@link Sgemm.PackedMatrix}), which lies row by row from {@code sb}. A panel whose width is an odd multiple of 16
     * ends with a strip of 16, which {@link #lastStrip} multiplies.
     *
     * <p>C's rows are one array at fixed distances from one index, as A's are: with an array per row, the eight
     * references stayed live across the loop, and in about half of fresh processes C2 then spilled the strip's base
     * into a vector register and back on every step of K (two more instructions on the ports that do the
     * multiply-adds), which cost 12–15 %.
     *
     * @param a   the tile's 8 rows of A, {@link Sgemm#KC} floats apart ({@link Sgemm#tileOfA})
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
