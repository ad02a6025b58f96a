package org.sam3j.backend.cpu;

import java.util.Random;

/** Throwaway: one task of VectorAttention.block, single thread, by tk. */
public final class AttX {
    public static void main(String[] a) {
        int h = 16, d = 64, rows = 576;
        int[] tks = {48, 96, 576, 1152, 5184};
        Random r = new Random(1);
        int maxT = 5184;
        float[] q = new float[maxT * h * d], k = new float[maxT * h * d], v = new float[maxT * h * d], y = new float[maxT * h * d];
        for (int i = 0; i < q.length; i++) { q[i] = (float) r.nextGaussian(); k[i] = (float) r.nextGaussian(); v[i] = (float) r.nextGaussian(); }
        VectorAttention.Scratch s = new VectorAttention.Scratch();
        for (int round = 0; round < 4; round++) {
            StringBuilder sb = new StringBuilder();
            for (int tk : tks) {
                int reps = Math.max(3, 5184 * 4 / tk);
                long t0 = System.nanoTime();
                for (int rep = 0; rep < reps; rep++) {
                    int hi = rep % h;
                    VectorAttention.block(s, q, hi * d, h * d, k, hi * d, h * d, v, hi * d, h * d, null, 0, 0,
                            y, hi * d, h * d, rows, tk, d, d, 0.125f);
                }
                double per = (System.nanoTime() - t0) / 1e3 / reps;
                double flops = 4.0 * rows * tk * d;
                sb.append(String.format("tk=%d %.1f us %.1f GFLOP/s | ", tk, per, flops / per / 1e3));
            }
            System.out.println(sb);
        }
    }
}
