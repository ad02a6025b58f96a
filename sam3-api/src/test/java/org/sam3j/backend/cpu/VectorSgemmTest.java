package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorSgemm} against the auto-vectorised kernels of {@link Sgemm}: the same floats, bit for bit, for panel
 * widths with and without a one-vector tail, K ranges inside and across blocks, and A read by rows or by columns;
 * then whole products through {@link Sgemm#gemm} (on whichever kernel this JVM runs) against a scalar loop of fused
 * multiply-adds in the same order. The build's tests run with {@code --add-modules jdk.incubator.vector}.
 */
class VectorSgemmTest {
    private final Random rnd = new Random(5);

    private float[] rand(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    @Test
    void kernelsMatchTheAutoVectorisedKernelsBitForBit() {
        // its 8-row × 2-vector block covers a strip of 32 columns only with 16-float vectors; elsewhere (AVX2) the
        // products never call it (VectorSgemm.usable(), checked by productsDispatchToTheVectorKernel…)
        assumeTrue(VectorSgemm.usable(), "VectorSgemm needs 16-float vectors (AVX-512); this JVM's hold "
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length());
        for (int k : new int[] {1, 2, 7, 300}) {
            for (int w : new int[] {16, 32, 48, 256, 496, 512}) checkPanel(false, k, w);
        }
    }

    @Test
    void avx2KernelsMatchTheAutoVectorisedKernelsBitForBit() {
        // 8-float vectors run on any processor with AVX2 or AVX-512, so these run wherever the module is
        for (int k : new int[] {1, 2, 7, 300}) {
            for (int w : new int[] {16, 32, 48, 256, 496, 512}) checkPanel(true, k, w);
        }
    }

    /**
     * The kernels on every K block of one packed panel: {@code narrow}, the AVX2 ones ({@link VectorSgemm#halfStrip}
     * twice a strip, {@link VectorSgemm#row8}), else the AVX-512 ones; against 8 rows of the auto-vectorised kernels.
     */
    private void checkPanel(boolean narrow, int k, int w) {
        int rows = narrow ? VectorSgemm.NARROW_ROWS : 8;
        int refRows = 8; // the auto-vectorised kernels take rows 4 at a time
        // a panel packed as the products pack it (K blocks of strips), and its rows as the auto-vectorised kernels read them
        float[] panel = rand(k * w);
        int panelOff = 7;
        Sgemm.PackedMatrix pm = Sgemm.pack(panel, 0, w, false, k, w);
        float[][] packed = new float[k][];
        for (int p = 0; p < k; p++) packed[p] = java.util.Arrays.copyOfRange(panel, p * w, (p + 1) * w);
        float[] strips = SgemmTest.packed(pm);
        float[] data = new float[panelOff + strips.length];
        System.arraycopy(strips, 0, data, panelOff, strips.length);
        // each K block: [0, k) or, for k = 300, [0, 256) and [256, 300)
        for (int pb = 0; pb < k; pb += Sgemm.KC) {
            int[] range = {pb, Math.min(k, pb + Sgemm.KC)};
            int kc = range[1] - range[0];
            int blockOff = panelOff + range[0] * w;
            for (boolean byColumns : new boolean[] {false, true}) {
                // A [rows, k] at an offset: row-major (aCs = 1) or column-major (aRs = 1), as a transposed A
                int off = 5;
                int aRs = byColumns ? 1 : k + 3, aCs = byColumns ? refRows + 2 : 1;
                float[] a = rand(off + (refRows - 1) * aRs + (k - 1) * aCs + 1);
                float[][] got = new float[rows][];
                float[][] want = new float[refRows][];
                for (int r = 0; r < refRows; r++) {
                    want[r] = rand(w);
                    if (r < rows) got[r] = want[r].clone();
                }
                float[] rowsOfA = Sgemm.tileOfA(a, off + range[0] * aCs, aRs, aCs, kc, rows, new float[rows * Sgemm.KC]);
                int fullStrips = w - w % Sgemm.STRIP;
                // the kernel's rows of C Sgemm.NC floats apart, three rows into the scratch, as a later tile of a row block
                float[] tile = new float[(rows + 3) * Sgemm.NC];
                int at = 3 * Sgemm.NC;
                for (int r = 0; r < rows; r++) System.arraycopy(got[r], 0, tile, at + r * Sgemm.NC, w);
                for (int js = 0; js < fullStrips; js += Sgemm.STRIP) {
                    int sb = blockOff + js * kc;
                    if (narrow) {
                        VectorSgemm.halfStrip(rowsOfA, data, sb, Sgemm.STRIP, kc, tile, at + js);
                        VectorSgemm.halfStrip(rowsOfA, data, sb + 16, Sgemm.STRIP, kc, tile, at + js + 16);
                    } else {
                        VectorSgemm.kernel(rowsOfA, data, sb, kc, tile, at + js);
                    }
                }
                if (fullStrips < w) {
                    int sb = blockOff + fullStrips * kc;
                    if (narrow) {
                        VectorSgemm.halfStrip(rowsOfA, data, sb, 16, kc, tile, at + fullStrips);
                    } else {
                        VectorSgemm.lastStrip(rowsOfA, data, sb, kc, tile, at + fullStrips);
                    }
                }
                for (int r = 0; r < rows; r++) System.arraycopy(tile, at + r * Sgemm.NC, got[r], 0, w);
                // the same rows one at a time
                float[][] single = new float[rows][];
                for (int r = 0; r < rows; r++) {
                    single[r] = new float[w + 5];
                    System.arraycopy(want[r], 0, single[r], 5, w);
                    int ai = off + r * aRs + range[0] * aCs;
                    if (narrow) {
                        VectorSgemm.row8(a, ai, aCs, data, blockOff, kc, single[r], 5, w);
                    } else {
                        VectorSgemm.row(a, ai, aCs, data, blockOff, kc, single[r], 5, w);
                    }
                    single[r] = java.util.Arrays.copyOfRange(single[r], 5, w + 5);
                }
                for (int r = 0; r < refRows; r += Sgemm.MR) {
                    int ai = off + r * aRs;
                    int p = range[0];
                    for (; p + 1 < range[1]; p += 2) {
                        Sgemm.kernel4x2(a, ai + p * aCs, aRs, aCs, packed, p, want[r], want[r + 1], want[r + 2], want[r + 3], w);
                    }
                    if (p < range[1]) Sgemm.kernel4x1(a, ai + p * aCs, aRs, packed, p, want[r], want[r + 1], want[r + 2], want[r + 3], w);
                }
                String what = "w " + w + ", p in [" + range[0] + ", " + range[1] + "), A by " + (byColumns ? "columns" : "rows");
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < w; j++) {
                        if (Float.floatToRawIntBits(got[r][j]) != Float.floatToRawIntBits(want[r][j])) {
                            fail(what + ": row " + r + " column " + j + ": " + got[r][j] + " != " + want[r][j]);
                        }
                        if (Float.floatToRawIntBits(single[r][j]) != Float.floatToRawIntBits(want[r][j])) {
                            fail(what + ", one row: row " + r + " column " + j + ": " + single[r][j] + " != " + want[r][j]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void productsEqualFusedMultiplyAddsInOrderOfK() {
        // row counts around the micro-kernel blocks (8, 5 and 4 rows; 125 of 5-row tiles), K across a block, panels
        // with tails
        try (Parallel par = new Parallel(3)) {
            // 600 rows by narrow N: the unpacked product runs transposed, A packed as B
            for (int m : new int[] {1, 4, 5, 6, 7, 8, 9, 13, 16, 126, 131, 600}) {
                for (int n : new int[] {5, 16, 40, 300}) {
                    for (int k : new int[] {1, 3, 257}) {
                        boolean transB = (m + n + k) % 2 == 0;
                        boolean accumulate = m % 2 == 1;
                        float[] a = rand(m * k), b = rand(k * n), bias = rand(n), c0 = rand(m * n);
                        float[] c = c0.clone();
                        Sgemm.gemm(par, m, a, 0, k, Sgemm.pack(par, b, 0, transB ? k : n, transB, k, n), c, 0, n,
                                bias, accumulate);
                        float[] cUnpacked = c0.clone();
                        // (below SMALL_M rows the unpacked product is a dot-product loop with its own order)
                        if (m >= Sgemm.SMALL_M) {
                            Sgemm.gemm(par, m, n, k, a, 0, k, b, 0, transB ? k : n, transB, cUnpacked, 0, n, bias, accumulate);
                        }
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                float s = accumulate ? c0[i * n + j] + bias[j] : bias[j];
                                for (int p = 0; p < k; p++) {
                                    s = Math.fma(a[i * k + p], transB ? b[j * k + p] : b[p * n + j], s);
                                }
                                String at = "m " + m + " n " + n + " k " + k + " at (" + i + ", " + j + "): ";
                                if (Float.floatToRawIntBits(s) != Float.floatToRawIntBits(c[i * n + j])) {
                                    fail(at + c[i * n + j] + " != " + s);
                                }
                                if (m >= Sgemm.SMALL_M && Float.floatToRawIntBits(s) != Float.floatToRawIntBits(cUnpacked[i * n + j])) {
                                    fail(at + "unpacked " + cUnpacked[i * n + j] + " != " + s);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void productsDispatchToTheVectorKernelWhenTheModuleIsThere() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the tests run with --add-modules jdk.incubator.vector (surefire.argLine)");
        boolean allowed = !"false".equals(System.getProperty(CpuBackend.VECTOR_PROPERTY));
        assertEquals(VectorSgemm.usable() && VectorAttention.usable() && allowed, CpuBackend.vectorKernels());
        // products on the Vector API with 16-float vectors (AVX-512) and with 8-float ones (AVX2), in tiles to match
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        assertEquals(allowed && (lanes == 16 || lanes == 8), CpuBackend.vectorProducts(), lanes + " lanes");
        if (CpuBackend.vectorProducts()) assertEquals(lanes == 16 ? 8 : VectorSgemm.NARROW_ROWS, VectorSgemm.ROWS);
    }

    @Test
    void creatingABackendWarmsTheVectorKernelsUpOncePerJvm() {
        try (CpuBackend cpu = new CpuBackend()) {
            assertEquals(VectorKernels.SHORT_ATTENTION, VectorKernels.warmedUp());
            assertEquals(VectorKernels.SHORT_ATTENTION && VectorKernels.PRODUCTS, VectorKernels.productsWarmedUp(),
                    "the pure-Java engine runs its products on the Vector API kernels");
        }
        assertFalse(VectorKernels.warmUp(true), "the warm-up ran twice");
        assertFalse(VectorKernels.warmUp(false));
    }
}
