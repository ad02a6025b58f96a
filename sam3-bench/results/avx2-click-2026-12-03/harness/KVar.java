package org.sam3j.backend.cpu;
import jdk.incubator.vector.*;
public class KVar {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final int L = 8;
    // A expanded: ax[(p*6 + r)*8 .. +8] = a[r][p] replicated
    static void kx(float[] ax, float[] b, int kc, float[][] acc, int w) {
        final float[] c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3], c4 = acc[4], c5 = acc[5];
        for (int j = 0; j + 16 <= w; j += 16) {
            final int j1 = j + 8;
            FloatVector s00 = FloatVector.fromArray(F, c0, j), s01 = FloatVector.fromArray(F, c0, j1);
            FloatVector s10 = FloatVector.fromArray(F, c1, j), s11 = FloatVector.fromArray(F, c1, j1);
            FloatVector s20 = FloatVector.fromArray(F, c2, j), s21 = FloatVector.fromArray(F, c2, j1);
            FloatVector s30 = FloatVector.fromArray(F, c3, j), s31 = FloatVector.fromArray(F, c3, j1);
            FloatVector s40 = FloatVector.fromArray(F, c4, j), s41 = FloatVector.fromArray(F, c4, j1);
            FloatVector s50 = FloatVector.fromArray(F, c5, j), s51 = FloatVector.fromArray(F, c5, j1);
            for (int p = 0; p < kc; p++) {
                final int bp = p * w;
                final FloatVector x0 = FloatVector.fromArray(F, b, bp + j), x1 = FloatVector.fromArray(F, b, bp + j1);
                final int o = p * 48;
                FloatVector y = FloatVector.fromArray(F, ax, o);
                s00 = y.fma(x0, s00); s01 = y.fma(x1, s01);
                y = FloatVector.fromArray(F, ax, o + 8);
                s10 = y.fma(x0, s10); s11 = y.fma(x1, s11);
                y = FloatVector.fromArray(F, ax, o + 16);
                s20 = y.fma(x0, s20); s21 = y.fma(x1, s21);
                y = FloatVector.fromArray(F, ax, o + 24);
                s30 = y.fma(x0, s30); s31 = y.fma(x1, s31);
                y = FloatVector.fromArray(F, ax, o + 32);
                s40 = y.fma(x0, s40); s41 = y.fma(x1, s41);
                y = FloatVector.fromArray(F, ax, o + 40);
                s50 = y.fma(x0, s50); s51 = y.fma(x1, s51);
            }
            s00.intoArray(c0, j); s01.intoArray(c0, j1); s10.intoArray(c1, j); s11.intoArray(c1, j1);
            s20.intoArray(c2, j); s21.intoArray(c2, j1); s30.intoArray(c3, j); s31.intoArray(c3, j1);
            s40.intoArray(c4, j); s41.intoArray(c4, j1); s50.intoArray(c5, j); s51.intoArray(c5, j1);
        }
    }
    // micro-panel B: b laid out [jchunk][p][16]
    static void km(float[] a, int aRs, float[] b, int kc, float[][] acc, int w) {
        final float[] c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3], c4 = acc[4], c5 = acc[5];
        final int a0 = 0, a1 = aRs, a2 = 2 * aRs, a3 = 3 * aRs, a4 = 4 * aRs, a5 = 5 * aRs;
        for (int j = 0; j + 16 <= w; j += 16) {
            final int j1 = j + 8;
            FloatVector s00 = FloatVector.fromArray(F, c0, j), s01 = FloatVector.fromArray(F, c0, j1);
            FloatVector s10 = FloatVector.fromArray(F, c1, j), s11 = FloatVector.fromArray(F, c1, j1);
            FloatVector s20 = FloatVector.fromArray(F, c2, j), s21 = FloatVector.fromArray(F, c2, j1);
            FloatVector s30 = FloatVector.fromArray(F, c3, j), s31 = FloatVector.fromArray(F, c3, j1);
            FloatVector s40 = FloatVector.fromArray(F, c4, j), s41 = FloatVector.fromArray(F, c4, j1);
            FloatVector s50 = FloatVector.fromArray(F, c5, j), s51 = FloatVector.fromArray(F, c5, j1);
            final int base = j * kc;
            for (int p = 0; p < kc; p++) {
                final int bp = base + p * 16;
                final FloatVector x0 = FloatVector.fromArray(F, b, bp), x1 = FloatVector.fromArray(F, b, bp + 8);
                FloatVector y = FloatVector.broadcast(F, a[a0 + p]);
                s00 = y.fma(x0, s00); s01 = y.fma(x1, s01);
                y = FloatVector.broadcast(F, a[a1 + p]);
                s10 = y.fma(x0, s10); s11 = y.fma(x1, s11);
                y = FloatVector.broadcast(F, a[a2 + p]);
                s20 = y.fma(x0, s20); s21 = y.fma(x1, s21);
                y = FloatVector.broadcast(F, a[a3 + p]);
                s30 = y.fma(x0, s30); s31 = y.fma(x1, s31);
                y = FloatVector.broadcast(F, a[a4 + p]);
                s40 = y.fma(x0, s40); s41 = y.fma(x1, s41);
                y = FloatVector.broadcast(F, a[a5 + p]);
                s50 = y.fma(x0, s50); s51 = y.fma(x1, s51);
            }
            s00.intoArray(c0, j); s01.intoArray(c0, j1); s10.intoArray(c1, j); s11.intoArray(c1, j1);
            s20.intoArray(c2, j); s21.intoArray(c2, j1); s30.intoArray(c3, j); s31.intoArray(c3, j1);
            s40.intoArray(c4, j); s41.intoArray(c4, j1); s50.intoArray(c5, j); s51.intoArray(c5, j1);
        }
    }
    public static void main(String[] x) {
        int w = Integer.parseInt(x[0]), kc = Integer.parseInt(x[1]);
        float[][] acc = new float[6][w];
        float[] panel = new float[kc * w];
        float[] a = new float[6 * kc];
        float[] ax = new float[kc * 48];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < panel.length; i++) panel[i] = r.nextFloat();
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        for (int rep = 0; rep < 8; rep++) {
            long t0 = System.nanoTime();
            int calls = 2000;
            for (int c = 0; c < calls; c++) kx(ax, panel, kc, acc, w);
            long t1 = System.nanoTime();
            for (int c = 0; c < calls; c++) km(a, kc, panel, kc, acc, w);
            long t2 = System.nanoTime();
            double f = 2.0 * 6 * w * kc * calls;
            if (rep >= 6) System.out.printf("w %d kc %d: expandedA %.1f  micropanelB %.1f GFLOP/s%n", w, kc, f / (t1 - t0), f / (t2 - t1));
        }
    }
}
