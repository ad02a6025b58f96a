package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Sgemm} against a double-precision reference, over odd shapes, strides and flags. */
class SgemmTest {
    private static Parallel par1;
    private static Parallel par3;

    @BeforeAll
    static void pools() {
        par1 = new Parallel(1);
        par3 = new Parallel(3);
    }

    @AfterAll
    static void close() {
        par1.close();
        par3.close();
    }

    /** One problem: random A, B, C, bias with padding around them and strides larger than rows. */
    private static final class Case {
        final int m, n, k;
        final boolean transB, hasBias, accumulate;
        final int aOff, lda, bOff, ldb, cOff, ldc;
        final float[] a, b, c0, bias;

        Case(Random r, int m, int n, int k, boolean transB, boolean hasBias, boolean accumulate, boolean padded) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.transB = transB;
            this.hasBias = hasBias;
            this.accumulate = accumulate;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            aOff = padded ? 3 : 0;
            lda = k + (padded ? 5 : 0);
            bOff = padded ? 7 : 0;
            ldb = bCols + (padded ? 2 : 0);
            cOff = padded ? 11 : 0;
            ldc = n + (padded ? 3 : 0);
            a = random(r, aOff + Math.max(0, (m - 1)) * lda + k + 4);
            b = random(r, bOff + Math.max(0, (bRows - 1)) * ldb + bCols + 4);
            c0 = random(r, cOff + Math.max(0, (m - 1)) * ldc + n + 4);
            bias = hasBias ? random(r, n) : null;
        }

        double[] reference() {
            double[] ref = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        s += (double) a[aOff + i * lda + p] * bv;
                    }
                    if (bias != null) s += bias[j];
                    if (accumulate) s += c0[cOff + i * ldc + j];
                    ref[i * n + j] = s;
                }
            }
            return ref;
        }

        /** Sum of magnitudes of the terms of each output, the scale for the tolerance. */
        double[] magnitude() {
            double[] mag = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        s += Math.abs((double) a[aOff + i * lda + p] * bv);
                    }
                    if (bias != null) s += Math.abs(bias[j]);
                    if (accumulate) s += Math.abs(c0[cOff + i * ldc + j]);
                    mag[i * n + j] = s;
                }
            }
            return mag;
        }

        float[] run(Parallel par, boolean packed) {
            float[] c = c0.clone();
            if (packed) {
                Sgemm.PackedMatrix pm = Sgemm.pack(par, b, bOff, ldb, transB, k, n);
                assertEquals(k, pm.k());
                assertEquals(n, pm.n());
                Sgemm.gemm(par, m, a, aOff, lda, pm, c, cOff, ldc, bias, accumulate);
            } else {
                Sgemm.gemm(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias, accumulate);
            }
            return c;
        }

        void check(float[] c, String what) {
            double[] ref = reference();
            double[] mag = magnitude();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double want = ref[i * n + j];
                    double got = c[cOff + i * ldc + j];
                    double tol = 1e-6 * (mag[i * n + j] + 1e-30) + 2e-6 * Math.abs(want);
                    if (!(Math.abs(got - want) <= tol)) {
                        fail(what + " " + this + " at (" + i + "," + j + "): got " + got + " want " + want);
                    }
                }
            }
            // Nothing outside the C window may change.
            for (int x = 0; x < c.length; x++) {
                int rel = x - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside && Float.floatToRawIntBits(c[x]) != Float.floatToRawIntBits(c0[x])) {
                    fail(what + " " + this + " wrote outside C at " + x);
                }
            }
        }

        @Override
        public String toString() {
            return "[m=" + m + " n=" + n + " k=" + k + " transB=" + transB + " bias=" + hasBias
                    + " acc=" + accumulate + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + "]";
        }
    }

    private static float[] random(Random r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = r.nextFloat() * 2f - 1f;
        return x;
    }

    private static void checkAll(Case cs) {
        cs.check(cs.run(par1, false), "1 thread");
        cs.check(cs.run(par3, false), "3 threads");
        cs.check(cs.run(par1, true), "packed, 1 thread");
        cs.check(cs.run(par3, true), "packed, 3 threads");
    }

    @Test
    void oddShapes() {
        Random r = new Random(42);
        int[] sizes = {1, 2, 3, 4, 5, 17, 63, 65};
        for (int m : sizes) {
            for (int n : sizes) {
                for (int k : sizes) {
                    boolean transB = r.nextBoolean();
                    boolean bias = r.nextBoolean();
                    boolean acc = r.nextBoolean();
                    boolean padded = r.nextBoolean();
                    checkAll(new Case(r, m, n, k, transB, bias, acc, padded));
                }
            }
        }
    }

    @Test
    void allFlagCombinations() {
        Random r = new Random(7);
        for (int flags = 0; flags < 16; flags++) {
            boolean transB = (flags & 1) != 0, bias = (flags & 2) != 0, acc = (flags & 4) != 0, padded = (flags & 8) != 0;
            checkAll(new Case(r, 37, 45, 29, transB, bias, acc, padded));
            checkAll(new Case(r, 9, 127, 3, transB, bias, acc, padded));
        }
    }

    @Test
    void largerThanOneBlock() {
        // Crosses the K block (256), the panel width (512) and the row block (128).
        Random r = new Random(3);
        checkAll(new Case(r, 131, 1000, 300, true, true, false, true));
        checkAll(new Case(r, 127, 529, 513, false, false, true, true));
        checkAll(new Case(r, 200, 256, 257, true, true, true, false));
    }

    @Test
    void vectorAndRankOne() {
        Random r = new Random(5);
        for (boolean transB : new boolean[] {false, true}) {
            checkAll(new Case(r, 1, 1000, 127, transB, true, false, true)); // M = 1
            checkAll(new Case(r, 3, 300, 1000, transB, false, true, true));
            checkAll(new Case(r, 70, 90, 1, transB, true, true, true)); // K = 1
            checkAll(new Case(r, 64, 1, 200, transB, false, false, true)); // N = 1
        }
    }

    @Test
    void narrowOutputIsComputedTransposed() {
        // N narrow and M large: computed internally as Cᵀ = op(B)ᵀ · Aᵀ.
        Random r = new Random(19);
        for (int flags = 0; flags < 16; flags++) {
            boolean transB = (flags & 1) != 0, bias = (flags & 2) != 0, acc = (flags & 4) != 0, padded = (flags & 8) != 0;
            checkAll(new Case(r, 300, 64, 67, transB, bias, acc, padded));
        }
        checkAll(new Case(r, 257, 1, 300, false, true, true, true));
        checkAll(new Case(r, 600, 17, 5, true, true, false, true));
        checkAll(new Case(r, 520, 255, 2, false, false, true, false));
    }

    /**
     * An op(B) too large to keep packed between calls (over {@link Sgemm#MAX_RETAINED_PACK} floats) is packed one
     * panel at a time by the task that multiplies it: the same values as the packed product, to the bit.
     */
    @Test
    void largeUnpackedOperandIsStreamedPanelByPanel() {
        Random r = new Random(23);
        int k = 1100, n = 4200;
        assertTrue(Sgemm.packedFloats(k, n) > Sgemm.MAX_RETAINED_PACK);
        for (int flags = 0; flags < 4; flags++) {
            boolean transB = (flags & 1) != 0, acc = (flags & 2) != 0;
            Case cs = new Case(r, 37, n, k, transB, !acc, acc, flags == 3);
            checkAll(cs);
            float[] packed = cs.run(par3, true);
            for (Parallel par : new Parallel[] {par1, par3}) {
                float[] streamed = cs.run(par, false);
                for (int x = 0; x < packed.length; x++) {
                    assertEquals(Float.floatToRawIntBits(packed[x]), Float.floatToRawIntBits(streamed[x]), cs + " at " + x);
                }
            }
        }
    }

    @Test
    void emptyInnerDimensionGivesBias() {
        Random r = new Random(9);
        for (boolean acc : new boolean[] {false, true}) {
            Case cs = new Case(r, 5, 7, 0, true, true, acc, true);
            checkAll(cs);
        }
    }

    @Test
    void attentionShapes() {
        Random r = new Random(11);
        // Q·Kᵀ: K = 64, B not packed, transposed.
        checkAll(new Case(r, 64, 576, 64, true, false, false, false));
        // P·V: N = 64, K = 576.
        checkAll(new Case(r, 96, 64, 576, false, false, false, false));
    }

    @Test
    void packedMatrixIsReusable() {
        Random r = new Random(13);
        int m = 33, n = 70, k = 41;
        float[] w = random(r, n * k);
        Sgemm.PackedMatrix pm = Sgemm.pack(w, 0, k, true, k, n);
        for (int rep = 0; rep < 3; rep++) {
            float[] a = random(r, m * k);
            float[] c = new float[m * n];
            Sgemm.gemm(par3, m, a, 0, k, pm, c, 0, n, null, false);
            float[] c2 = new float[m * n];
            Sgemm.gemm(par1, m, n, k, a, 0, k, w, 0, k, true, c2, 0, n, null, false);
            for (int x = 0; x < c.length; x++) assertEquals(c2[x], c[x], 1e-5f * (1 + Math.abs(c2[x])));
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        Random r = new Random(17);
        Case cs = new Case(r, 150, 700, 300, true, true, false, false);
        float[] c1 = cs.run(par1, false);
        float[] c3 = cs.run(par3, false);
        for (int x = 0; x < c1.length; x++) {
            assertTrue(Float.floatToRawIntBits(c1[x]) == Float.floatToRawIntBits(c3[x]), "index " + x);
        }
    }

    /**
     * Packing from a buffer (as from the checkpoint's memory mapping) gives exactly the panels of packing from an
     * array, for both layouts, padded panels, several panels and K blocks, on one and on several workers.
     */
    @Test
    void packFromBufferEqualsPackFromArray() {
        Random r = new Random(13);
        int[][] shapes = {{1, 1}, {7, 33}, {300, 17}, {257, 1100}, {1024, 560}, {40, 2000}};
        for (int[] kn : shapes) {
            int k = kn[0], n = kn[1];
            float[] b = new float[k * n];
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocateDirect(b.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(b);
            java.nio.FloatBuffer direct = bytes.asFloatBuffer().asReadOnlyBuffer();
            for (boolean transB : new boolean[] {true, false}) {
                for (Parallel par : new Parallel[] {null, par3}) {
                    Sgemm.PackedMatrix want = Sgemm.pack(par, b, 0, transB ? k : n, transB, k, n);
                    for (java.nio.FloatBuffer fb : new java.nio.FloatBuffer[] {direct, java.nio.FloatBuffer.wrap(b)}) {
                        Sgemm.PackedMatrix got = Sgemm.pack(par, fb, transB, k, n);
                        String what = k + "x" + n + " transB=" + transB + " par=" + (par != null) + " direct=" + fb.isDirect();
                        assertEquals(want.panels, got.panels, what);
                        assertArrayEquals(want.offset, got.offset, what);
                        assertArrayEquals(want.data, got.data, what);
                    }
                }
            }
        }
    }

    /** Packed into a share of a larger array: the same values, neighbours untouched; no room is a clear error. */
    @Test
    void packIntoRoomEqualsPackAlone() {
        Random r = new Random(17);
        int k = 70, n = 530; // two panels with tails
        float[] b = new float[k * n];
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
        long size = Sgemm.packedFloats(k, n);
        for (boolean transB : new boolean[] {true, false}) {
            Sgemm.PackedMatrix alone = Sgemm.pack(par3, b, 0, transB ? k : n, transB, k, n);
            assertEquals(Sgemm.LINE_START + size, alone.data.length);
            float[] room = new float[(int) size + 20];
            Arrays.fill(room, 7f);
            java.nio.FloatBuffer fb = java.nio.FloatBuffer.wrap(b);
            Sgemm.PackedMatrix in = transB ? Sgemm.pack(par3, fb, true, k, n, room, 9)
                    : Sgemm.pack(par3, b, 0, n, false, k, n, room, 9);
            assertTrue(room == in.data, "packed into the room given");
            assertArrayEquals(packed(alone), Arrays.copyOfRange(room, 9, 9 + (int) size));
            for (int i = 0; i < 9; i++) assertEquals(7f, room[i]);
            for (int i = 9 + (int) size; i < room.length; i++) assertEquals(7f, room[i]);
            float[] a = new float[13 * k], c1 = new float[13 * n], c2 = new float[13 * n];
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
            Sgemm.gemm(par3, 13, a, 0, k, alone, c1, 0, n, null, false);
            Sgemm.gemm(par3, 13, a, 0, k, in, c2, 0, n, null, false);
            assertArrayEquals(c1, c2);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.pack(null, b, 0, n, false, k, n, new float[(int) size], 1));
        assertEquals("no room for a packed 70 x 530 matrix (" + size + " floats) at 1 of " + size, e.getMessage());
    }

    /**
     * Every value of op(B) where {@link Sgemm#at} says it is, every padding value 0, and no float of the packed array
     * left out or written twice: K blocks of 256 rows, strips of 32 columns with a last one of 16, from a B read by
     * rows, transposed, or from a buffer, and from a reader (as a checkpoint's weight is).
     */
    /** The floats of a matrix packed into an array of its own: from {@link Sgemm#LINE_START} to the end. */
    static float[] packed(Sgemm.PackedMatrix pm) {
        assertEquals(Sgemm.LINE_START, pm.offset[0], "an array of its own");
        return Arrays.copyOfRange(pm.data, pm.offset[0], pm.data.length);
    }

    @Test
    void packedMatricesFollowTheDocumentedLayout() {
        Random r = new Random(23);
        for (int k : new int[] {1, 3, 256, 300, 513}) {
            for (int n : new int[] {5, 16, 40, 600}) {
                float[] b = new float[k * n];
                for (int i = 0; i < b.length; i++) b[i] = 1 + r.nextFloat(); // never 0, so padding shows
                for (boolean transB : new boolean[] {false, true}) {
                    java.nio.FloatBuffer fb = java.nio.FloatBuffer.wrap(b);
                    Sgemm.PackedMatrix[] packs = {Sgemm.pack(par3, b, 0, transB ? k : n, transB, k, n),
                            Sgemm.pack(par3, fb, transB, k, n), Sgemm.pack(par1, fb, transB, k, n)};
                    for (Sgemm.PackedMatrix pm : packs) {
                        String what = "k " + k + " n " + n + (transB ? " transposed" : "");
                        int[] seen = new int[pm.data.length];
                        for (int q = 0; q < pm.panels; q++) {
                            int nc = pm.colStart[q + 1] - pm.colStart[q];
                            for (int p = 0; p < k; p++) {
                                for (int j = 0; j < pm.width[q]; j++) {
                                    int at = Sgemm.at(pm.offset[q], pm.width[q], k, p, j);
                                    int col = pm.colStart[q] + j;
                                    float want = j >= nc ? 0f : transB ? b[col * k + p] : b[p * n + col];
                                    if (pm.data[at] != want) fail(what + ": (" + p + ", " + col + ") " + pm.data[at] + " != " + want);
                                    seen[at]++;
                                }
                            }
                        }
                        // an array of its own: the matrix from Sgemm.LINE_START (64 bytes in), every float after that used once
                        assertEquals(Sgemm.LINE_START, pm.offset[0], what);
                        for (int i = 0; i < seen.length; i++) {
                            int want = i < Sgemm.LINE_START ? 0 : 1;
                            if (seen[i] != want) fail(what + ": float " + i + " of the packed array is at " + seen[i] + " places");
                        }
                    }
                }
            }
        }
    }
}
