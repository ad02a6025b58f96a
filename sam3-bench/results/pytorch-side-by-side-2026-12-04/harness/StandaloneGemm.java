/*
 * A whole SGEMM 5184 x 4736 x 1024 outside the project, to try the micro-kernel's surroundings: B packed in panels of
 * 512 columns, K blocks of KC (-Dkc=, default 256), each block as strips of 32 columns or (-Drowslayout=true) row by
 * row; A's rows of a tile copied 256 floats apart per K block; tiles of 8 or 12 rows; loop order strip-outer (s) or
 * tile-outer (t); -Dnopack=true / -Dnokern=true skip A's copy / the kernel, to time the rest.
 * Usage: javac --add-modules jdk.incubator.vector -d out StandaloneGemm.java;
 *        java --add-modules jdk.incubator.vector -cp out kh.StandaloneGemm THREADS 8|12 s|t
 */
package kh;
import jdk.incubator.vector.*;
import java.util.concurrent.*;
public class StandaloneGemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static void k12x2(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, 7*ldc + 16);
        FloatVector s8_0 = FloatVector.fromArray(F, c, 8*ldc + 0);
        FloatVector s8_1 = FloatVector.fromArray(F, c, 8*ldc + 16);
        FloatVector s9_0 = FloatVector.fromArray(F, c, 9*ldc + 0);
        FloatVector s9_1 = FloatVector.fromArray(F, c, 9*ldc + 16);
        FloatVector s10_0 = FloatVector.fromArray(F, c, 10*ldc + 0);
        FloatVector s10_1 = FloatVector.fromArray(F, c, 10*ldc + 16);
        FloatVector s11_0 = FloatVector.fromArray(F, c, 11*ldc + 0);
        FloatVector s11_1 = FloatVector.fromArray(F, c, 11*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = p * 12;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 256]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 512]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 768]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1024]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1280]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1536]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1792]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2048]);
              s8_0 = y.fma(x0, s8_0);
              s8_1 = y.fma(x1, s8_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2304]);
              s9_0 = y.fma(x0, s9_0);
              s9_1 = y.fma(x1, s9_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2560]);
              s10_0 = y.fma(x0, s10_0);
              s10_1 = y.fma(x1, s10_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2816]);
              s11_0 = y.fma(x0, s11_0);
              s11_1 = y.fma(x1, s11_1);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s4_0.intoArray(c, 4*ldc + 0);
        s4_1.intoArray(c, 4*ldc + 16);
        s5_0.intoArray(c, 5*ldc + 0);
        s5_1.intoArray(c, 5*ldc + 16);
        s6_0.intoArray(c, 6*ldc + 0);
        s6_1.intoArray(c, 6*ldc + 16);
        s7_0.intoArray(c, 7*ldc + 0);
        s7_1.intoArray(c, 7*ldc + 16);
        s8_0.intoArray(c, 8*ldc + 0);
        s8_1.intoArray(c, 8*ldc + 16);
        s9_0.intoArray(c, 9*ldc + 0);
        s9_1.intoArray(c, 9*ldc + 16);
        s10_0.intoArray(c, 10*ldc + 0);
        s10_1.intoArray(c, 10*ldc + 16);
        s11_0.intoArray(c, 11*ldc + 0);
        s11_1.intoArray(c, 11*ldc + 16);
    }
    static void k8x2(float[] ap, float[] bs, int kc, float[] c, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, 7*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = p * 8;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 256]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 512]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 768]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1024]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1280]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1536]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1792]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
        }
        s0_0.intoArray(c, 0*ldc + 0);
        s0_1.intoArray(c, 0*ldc + 16);
        s1_0.intoArray(c, 1*ldc + 0);
        s1_1.intoArray(c, 1*ldc + 16);
        s2_0.intoArray(c, 2*ldc + 0);
        s2_1.intoArray(c, 2*ldc + 16);
        s3_0.intoArray(c, 3*ldc + 0);
        s3_1.intoArray(c, 3*ldc + 16);
        s4_0.intoArray(c, 4*ldc + 0);
        s4_1.intoArray(c, 4*ldc + 16);
        s5_0.intoArray(c, 5*ldc + 0);
        s5_1.intoArray(c, 5*ldc + 16);
        s6_0.intoArray(c, 6*ldc + 0);
        s6_1.intoArray(c, 6*ldc + 16);
        s7_0.intoArray(c, 7*ldc + 0);
        s7_1.intoArray(c, 7*ldc + 16);
    }

    static int KC = Integer.getInteger("kc", 256), NC = 512;
    static int MR = 12, MC = 144;
    static final boolean NOPACK = Boolean.getBoolean("nopack");
    static final boolean ROWSLAYOUT = Boolean.getBoolean("rowslayout");
    static final boolean NOKERN = Boolean.getBoolean("nokern");
    // B packed: panels of NC cols; per panel K blocks; per K block strips of 32 cols, kc rows each
    static float[] packB(float[] b, int k, int n) {
        float[] d = new float[k * n];
        int o = 0;
        for (int j0 = 0; j0 < n; j0 += NC) {
            int w = Math.min(NC, n - j0);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                if (ROWSLAYOUT) { for (int p = 0; p < kc; p++) { System.arraycopy(b, (pc + p) * n + j0, d, o, w); o += w; } }
                else for (int js = 0; js < w; js += 32)
                    for (int p = 0; p < kc; p++) { System.arraycopy(b, (pc + p) * n + j0 + js, d, o, 32); o += 32; }
            }
        }
        return d;
    }
    static void task(float[] a, int k, float[] bp, int n, float[] c, int i0, int i1, int j0, float[] ap, float[] acc, boolean stripOuter) {
        int w = Math.min(NC, n - j0);
        int rows = i1 - i0, tiles = (rows + MR - 1) / MR;
        int panelOff = j0 * k;
        java.util.Arrays.fill(acc, 0f);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            if (!NOPACK) for (int t = 0; t < tiles; t++) {
                int base = t * 256 * MR;
                int full = Math.min(MR, i1 - i0 - t * MR);
                for (int r = 0; r < full; r++) System.arraycopy(a, (i0 + t * MR + r) * k + pc, ap, base + r * 256, kc);
                for (int r = full; r < MR; r++) java.util.Arrays.fill(ap, base + r * 256, base + r * 256 + kc, 0f);
            }
            int blockOff = panelOff + pc * w;
            if (stripOuter) {
                for (int js = 0; js < w; js += 32)
                    for (int t = 0; t < tiles; t++) kern(ap, t * 256 * MR, bp, ROWSLAYOUT ? blockOff + js : blockOff + js * kc, kc, acc, t * MR * NC + js, NC, ROWSLAYOUT ? w : 32);
            } else {
                for (int t = 0; t < tiles; t++)
                    for (int js = 0; js < w; js += 32) kern(ap, t * 256 * MR, bp, ROWSLAYOUT ? blockOff + js : blockOff + js * kc, kc, acc, t * MR * NC + js, NC, ROWSLAYOUT ? w : 32);
            }
        }
        for (int i = i0; i < i1; i++) System.arraycopy(acc, (i - i0) * NC, c, i * n + j0, w);
    }
    static void kern(float[] ap, int ao, float[] bs, int bo, int kc, float[] c, int co, int ldc, int bstride) {
        if (NOKERN) return;
        if (bstride != 32) k8w(ap, ao, bs, bo, kc, c, co, ldc, bstride); else if (MR == 12) k12o(ap, ao, bs, bo, kc, c, co, ldc); else k8o(ap, ao, bs, bo, kc, c, co, ldc);
    }
    static void k12o(float[] ap, int ao, float[] bs, int bo, int kc, float[] c, int co, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, co + 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, co + 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, co + 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, co + 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, co + 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, co + 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, co + 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, co + 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, co + 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, co + 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, co + 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, co + 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, co + 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, co + 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, co + 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, co + 7*ldc + 16);
        FloatVector s8_0 = FloatVector.fromArray(F, c, co + 8*ldc + 0);
        FloatVector s8_1 = FloatVector.fromArray(F, c, co + 8*ldc + 16);
        FloatVector s9_0 = FloatVector.fromArray(F, c, co + 9*ldc + 0);
        FloatVector s9_1 = FloatVector.fromArray(F, c, co + 9*ldc + 16);
        FloatVector s10_0 = FloatVector.fromArray(F, c, co + 10*ldc + 0);
        FloatVector s10_1 = FloatVector.fromArray(F, c, co + 10*ldc + 16);
        FloatVector s11_0 = FloatVector.fromArray(F, c, co + 11*ldc + 0);
        FloatVector s11_1 = FloatVector.fromArray(F, c, co + 11*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = bo + p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = ao + p;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 256]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 512]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 768]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1024]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1280]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1536]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1792]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2048]);
              s8_0 = y.fma(x0, s8_0);
              s8_1 = y.fma(x1, s8_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2304]);
              s9_0 = y.fma(x0, s9_0);
              s9_1 = y.fma(x1, s9_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2560]);
              s10_0 = y.fma(x0, s10_0);
              s10_1 = y.fma(x1, s10_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 2816]);
              s11_0 = y.fma(x0, s11_0);
              s11_1 = y.fma(x1, s11_1);
            }
        }
        s0_0.intoArray(c, co + 0*ldc + 0);
        s0_1.intoArray(c, co + 0*ldc + 16);
        s1_0.intoArray(c, co + 1*ldc + 0);
        s1_1.intoArray(c, co + 1*ldc + 16);
        s2_0.intoArray(c, co + 2*ldc + 0);
        s2_1.intoArray(c, co + 2*ldc + 16);
        s3_0.intoArray(c, co + 3*ldc + 0);
        s3_1.intoArray(c, co + 3*ldc + 16);
        s4_0.intoArray(c, co + 4*ldc + 0);
        s4_1.intoArray(c, co + 4*ldc + 16);
        s5_0.intoArray(c, co + 5*ldc + 0);
        s5_1.intoArray(c, co + 5*ldc + 16);
        s6_0.intoArray(c, co + 6*ldc + 0);
        s6_1.intoArray(c, co + 6*ldc + 16);
        s7_0.intoArray(c, co + 7*ldc + 0);
        s7_1.intoArray(c, co + 7*ldc + 16);
        s8_0.intoArray(c, co + 8*ldc + 0);
        s8_1.intoArray(c, co + 8*ldc + 16);
        s9_0.intoArray(c, co + 9*ldc + 0);
        s9_1.intoArray(c, co + 9*ldc + 16);
        s10_0.intoArray(c, co + 10*ldc + 0);
        s10_1.intoArray(c, co + 10*ldc + 16);
        s11_0.intoArray(c, co + 11*ldc + 0);
        s11_1.intoArray(c, co + 11*ldc + 16);
    }
    static void k8o(float[] ap, int ao, float[] bs, int bo, int kc, float[] c, int co, int ldc) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, co + 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, co + 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, co + 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, co + 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, co + 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, co + 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, co + 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, co + 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, co + 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, co + 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, co + 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, co + 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, co + 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, co + 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, co + 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, co + 7*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = bo + p * 32;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = ao + p;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 256]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 512]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 768]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1024]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1280]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1536]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1792]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
        }
        s0_0.intoArray(c, co + 0*ldc + 0);
        s0_1.intoArray(c, co + 0*ldc + 16);
        s1_0.intoArray(c, co + 1*ldc + 0);
        s1_1.intoArray(c, co + 1*ldc + 16);
        s2_0.intoArray(c, co + 2*ldc + 0);
        s2_1.intoArray(c, co + 2*ldc + 16);
        s3_0.intoArray(c, co + 3*ldc + 0);
        s3_1.intoArray(c, co + 3*ldc + 16);
        s4_0.intoArray(c, co + 4*ldc + 0);
        s4_1.intoArray(c, co + 4*ldc + 16);
        s5_0.intoArray(c, co + 5*ldc + 0);
        s5_1.intoArray(c, co + 5*ldc + 16);
        s6_0.intoArray(c, co + 6*ldc + 0);
        s6_1.intoArray(c, co + 6*ldc + 16);
        s7_0.intoArray(c, co + 7*ldc + 0);
        s7_1.intoArray(c, co + 7*ldc + 16);
    }
    static void k8w(float[] ap, int ao, float[] bs, int bo, int kc, float[] c, int co, int ldc, int bw) {
        FloatVector s0_0 = FloatVector.fromArray(F, c, co + 0*ldc + 0);
        FloatVector s0_1 = FloatVector.fromArray(F, c, co + 0*ldc + 16);
        FloatVector s1_0 = FloatVector.fromArray(F, c, co + 1*ldc + 0);
        FloatVector s1_1 = FloatVector.fromArray(F, c, co + 1*ldc + 16);
        FloatVector s2_0 = FloatVector.fromArray(F, c, co + 2*ldc + 0);
        FloatVector s2_1 = FloatVector.fromArray(F, c, co + 2*ldc + 16);
        FloatVector s3_0 = FloatVector.fromArray(F, c, co + 3*ldc + 0);
        FloatVector s3_1 = FloatVector.fromArray(F, c, co + 3*ldc + 16);
        FloatVector s4_0 = FloatVector.fromArray(F, c, co + 4*ldc + 0);
        FloatVector s4_1 = FloatVector.fromArray(F, c, co + 4*ldc + 16);
        FloatVector s5_0 = FloatVector.fromArray(F, c, co + 5*ldc + 0);
        FloatVector s5_1 = FloatVector.fromArray(F, c, co + 5*ldc + 16);
        FloatVector s6_0 = FloatVector.fromArray(F, c, co + 6*ldc + 0);
        FloatVector s6_1 = FloatVector.fromArray(F, c, co + 6*ldc + 16);
        FloatVector s7_0 = FloatVector.fromArray(F, c, co + 7*ldc + 0);
        FloatVector s7_1 = FloatVector.fromArray(F, c, co + 7*ldc + 16);
        for (int p = 0; p < kc; p++) {
            final int bp = bo + p * bw;
            final FloatVector x0 = FloatVector.fromArray(F, bs, bp + 0);
            final FloatVector x1 = FloatVector.fromArray(F, bs, bp + 16);
            final int o = ao + p;
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 0]);
              s0_0 = y.fma(x0, s0_0);
              s0_1 = y.fma(x1, s0_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 256]);
              s1_0 = y.fma(x0, s1_0);
              s1_1 = y.fma(x1, s1_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 512]);
              s2_0 = y.fma(x0, s2_0);
              s2_1 = y.fma(x1, s2_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 768]);
              s3_0 = y.fma(x0, s3_0);
              s3_1 = y.fma(x1, s3_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1024]);
              s4_0 = y.fma(x0, s4_0);
              s4_1 = y.fma(x1, s4_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1280]);
              s5_0 = y.fma(x0, s5_0);
              s5_1 = y.fma(x1, s5_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1536]);
              s6_0 = y.fma(x0, s6_0);
              s6_1 = y.fma(x1, s6_1);
            }
            { final FloatVector y = FloatVector.broadcast(F, ap[o + 1792]);
              s7_0 = y.fma(x0, s7_0);
              s7_1 = y.fma(x1, s7_1);
            }
        }
        s0_0.intoArray(c, co + 0*ldc + 0);
        s0_1.intoArray(c, co + 0*ldc + 16);
        s1_0.intoArray(c, co + 1*ldc + 0);
        s1_1.intoArray(c, co + 1*ldc + 16);
        s2_0.intoArray(c, co + 2*ldc + 0);
        s2_1.intoArray(c, co + 2*ldc + 16);
        s3_0.intoArray(c, co + 3*ldc + 0);
        s3_1.intoArray(c, co + 3*ldc + 16);
        s4_0.intoArray(c, co + 4*ldc + 0);
        s4_1.intoArray(c, co + 4*ldc + 16);
        s5_0.intoArray(c, co + 5*ldc + 0);
        s5_1.intoArray(c, co + 5*ldc + 16);
        s6_0.intoArray(c, co + 6*ldc + 0);
        s6_1.intoArray(c, co + 6*ldc + 16);
        s7_0.intoArray(c, co + 7*ldc + 0);
        s7_1.intoArray(c, co + 7*ldc + 16);
    }

    public static void main(String[] args) throws Exception {
        int m = 5184, n = 4736, k = 1024;
        int threads = Integer.parseInt(args[0]); MR = Integer.parseInt(args[1]); MC = MR == 12 ? 144 : 128;
        boolean stripOuter = args[2].equals("s");
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        java.util.Random rn = new java.util.Random(1);
        for (int i = 0; i < a.length; i++) a[i] = rn.nextFloat();
        for (int i = 0; i < b.length; i++) b[i] = rn.nextFloat();
        float[] bp = packB(b, k, n);
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        int mb = (m + MC - 1) / MC, nb = (n + NC - 1) / NC;
        ThreadLocal<float[][]> sc = ThreadLocal.withInitial(() -> new float[][]{new float[MC * 256], new float[MC * NC]});
        for (int rep = 0; rep < 6; rep++) {
            long t0 = System.nanoTime();
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            Future<?>[] fs = new Future<?>[threads];
            for (int th = 0; th < threads; th++) fs[th] = ex.submit(() -> {
                float[][] s = sc.get();
                for (int tk = next.getAndIncrement(); tk < mb * nb; tk = next.getAndIncrement()) {
                    int i0 = (tk % mb) * MC, q = tk / mb;
                    task(a, k, bp, n, c, i0, Math.min(m, i0 + MC), q * NC, s[0], s[1], stripOuter);
                }
            });
            for (Future<?> f : fs) f.get();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("threads %d MR %d %s: %.1f ms %.0f GFLOP/s%n", threads, MR, args[2], s * 1e3, 2.0 * m * n * k / s / 1e9);
        }
        // check one element
        double ref = 0; for (int p = 0; p < k; p++) ref += (double) a[77 * k + p] * b[p * n + 1234];
        System.out.println("check " + ref + " " + c[77 * n + 1234]);
        ex.shutdown();
    }
}
