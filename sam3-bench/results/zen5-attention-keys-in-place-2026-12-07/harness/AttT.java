package org.sam3j.backend.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Throwaway: one task of the windowed kernel (576 queries of a 24 × 24 window of a 72 × 72 grid, one head of 64), one
 * thread, by key count: the fixed cost of a task and the cost of a chunk of keys.
 */
public final class AttT {
    public static void main(String[] a) {
        int h = 16, d = 64, rows = 576, g = 72, t = g * g, ld = h * d, ldv = 3 * ld;
        int[] tks = {48, 96, 576};
        Random r = new Random(1);
        float[] q = new float[t * ld], k = new float[t * ld], v = new float[t * ldv], y = new float[t * ld];
        for (int i = 0; i < q.length; i++) { q[i] = (float) r.nextGaussian(); k[i] = (float) r.nextGaussian(); }
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        VectorAttention.Scratch s = new VectorAttention.Scratch();
        int reps = 400;
        double[][] best = new double[tks.length][reps];
        for (int round = 0; round < 3; round++) {
            for (int x = 0; x < tks.length; x++) {
                int tk = tks[x];
                for (int rep = 0; rep < reps; rep++) {
                    int hi = rep % h, w = (rep / h) % 9, start = (w / 3 * 24) * g + w % 3 * 24;
                    long t0 = System.nanoTime();
                    VectorAttention.block(s, q, start * ld + hi * d, ld, k, start * ld + hi * d, ld, v, start * ldv + hi * d, ldv,
                            null, 0, 0, y, start * ld + hi * d, ld, rows, tk, d, d, 0.125f, 24, g);
                    best[x][rep] = (System.nanoTime() - t0) / 1e3;
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int x = 0; x < tks.length; x++) {
            double[] b = best[x].clone();
            Arrays.sort(b);
            sb.append(String.format("tk=%d min %.1f med %.1f us | ", tks[x], b[0], b[reps / 2]));
        }
        double[] b48 = best[0].clone(), b96 = best[1].clone();
        Arrays.sort(b48); Arrays.sort(b96);
        sb.append(String.format("fixed (2·t48 - t96, medians) %.1f us", 2 * b48[reps / 2] - b96[reps / 2]));
        System.out.println(sb);
    }
}
