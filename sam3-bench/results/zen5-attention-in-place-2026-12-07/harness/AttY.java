package org.sam3j.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

public final class AttY {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length(), STRIP = 2 * LANES;

    static void inScalar(float[] x, int off, int ld, int rows, int w, int d, float scale, float[] qS) {
        for (int i0 = 0; i0 < w; i0 += STRIP) {
            final int n = Math.min(STRIP, rows - i0), base = i0 * d;
            for (int p = 0; p < d; p++) {
                final int row = base + p * STRIP;
                for (int i = 0, src = off + i0 * ld + p; i < n; i++, src += ld) qS[row + i] = x[src] * scale;
                if (n < STRIP) Arrays.fill(qS, row + n, row + STRIP, 0f);
            }
        }
    }
    static void inGather(float[] x, int off, int ld, int rows, int w, int d, float scale, float[] qS) {
        final int[] apart = new int[LANES];
        for (int i = 0; i < LANES; i++) apart[i] = i * ld;
        for (int i0 = 0; i0 < w; i0 += STRIP) {
            final int base = i0 * d;
            for (int p = 0, src = off + i0 * ld; p < d; p++, src++) {
                final int row = base + p * STRIP;
                FloatVector.fromArray(F, x, src, apart, 0).mul(scale).intoArray(qS, row);
                FloatVector.fromArray(F, x, src + LANES * ld, apart, 0).mul(scale).intoArray(qS, row + LANES);
            }
        }
    }
    static void inRows(float[] x, int off, int ld, int rows, int w, int d, float scale, float[] qS) {
        for (int i0 = 0; i0 < w; i0 += STRIP) {
            final int n = Math.min(STRIP, rows - i0), base = i0 * d;
            for (int i = 0; i < n; i++) {
                final int src = off + (i0 + i) * ld, dst = base + i;
                for (int p = 0; p < d; p++) qS[dst + p * STRIP] = x[src + p] * scale;
            }
        }
    }
    static void inScatter(float[] x, int off, int ld, int rows, int w, int d, float scale, float[] qS) {
        final int[] apart = new int[LANES];
        for (int i = 0; i < LANES; i++) apart[i] = i * STRIP;
        final int vectors = d / LANES * LANES;
        for (int i0 = 0; i0 < w; i0 += STRIP) {
            final int n = Math.min(STRIP, rows - i0), base = i0 * d;
            for (int i = 0; i < n; i++) {
                final int src = off + (i0 + i) * ld, dst = base + i;
                for (int p = 0; p < vectors; p += LANES) {
                    FloatVector.fromArray(F, x, src + p).mul(scale).intoArray(qS, dst + p * STRIP, apart, 0);
                }
            }
        }
    }
    static void outScalar(float[] oS, float[] inv, int rows, int dv, float[] y, int off, int ld) {
        for (int i0 = 0; i0 < rows; i0 += STRIP) {
            final int n = Math.min(STRIP, rows - i0), base = i0 * dv;
            for (int i = 0; i < n; i++) {
                final float f = inv[i0 + i];
                final int dst = off + (i0 + i) * ld;
                for (int c = 0; c < dv; c++) y[dst + c] = oS[base + c * STRIP + i] * f;
            }
        }
    }
    public static void main(String[] a) {
        int rows = 576, d = 64, ld = 1024;
        float[] x = new float[rows * ld + 64], qS = new float[rows * d], oS = new float[rows * d], inv = new float[rows], y = new float[rows * ld];
        Arrays.fill(x, 1.5f); Arrays.fill(oS, 2f); Arrays.fill(inv, 0.5f);
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < 1000; r++) inScalar(x, r % 64, ld, rows, rows, d, 0.125f, qS);
            long t1 = System.nanoTime();
            for (int r = 0; r < 1000; r++) inGather(x, r % 64, ld, rows, rows, d, 0.125f, qS);
            long t2 = System.nanoTime();
            for (int r = 0; r < 1000; r++) outScalar(oS, inv, rows, d, y, r % 64, ld);
            long t3 = System.nanoTime();
            for (int r = 0; r < 1000; r++) inRows(x, r % 64, ld, rows, rows, d, 0.125f, qS);
            long t5 = System.nanoTime();
            for (int r = 0; r < 1000; r++) inScatter(x, r % 64, ld, rows, rows, d, 0.125f, qS);
            long t6 = System.nanoTime();
            System.out.printf("in rows %.1f us, in scatter %.1f us  ", (t5 - t3) / 1e6, (t6 - t5) / 1e6);
            t3 = System.nanoTime();
            for (int r = 0; r < 1000; r++) Arrays.fill(oS, 0, d * rows, 0f);
            long t4 = System.nanoTime();
            System.out.printf("in scalar %.1f us, in gather %.1f us, out scalar %.1f us, fill %.1f us%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6);
        }
    }
}
