package org.sam3j.backend.cpu;

import java.util.Random;
import org.sam3j.graph.Attrs;

/**
 * Throwaway: one layer of SAM 3's image-encoder attention as the backend runs it on the Java kernel — windowed, read in
 * place, with v a strided view of the qkv rows (as in the model) and with v contiguous — and one global layer.
 * (The gathered windows of stop 49 are in ../../zen5-attention-in-place-2026-12-07/harness/AttZ.java.)
 */
public final class AttV {
    public static void main(String[] args) {
        int g = 72, ws = 24, h = 16, d = 64, t = g * g, row = h * d;
        Random r = new Random(1);
        float[] qkv = new float[t * 3 * row], y = new float[t * row], qa = new float[t * row], ka = new float[t * row];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextGaussian();
        for (int i = 0; i < qa.length; i++) { qa[i] = (float) r.nextGaussian(); ka[i] = (float) r.nextGaussian(); }
        float[] va = new float[t * row];
        for (int i = 0; i < t; i++) System.arraycopy(qkv, i * 3 * row + 2 * row, va, i * row, row);
        Attrs.Attention a = new Attrs.Attention(0.125f, ws, g, g);
        try (Parallel par = new Parallel(2)) {
            CpuAttention.Scratch[] sc = new CpuAttention.Scratch[2];
            for (int round = 0; round < 6; round++) {
                long t0 = System.nanoTime();
                for (int rep = 0; rep < 5; rep++) {
                    CpuAttention.windowed(par, sc, qa, 0, ka, 0, qkv, 2 * row, 3 * row, y, 0, 1, a, h, d, d, 0.125f);
                }
                long t1 = System.nanoTime();
                for (int rep = 0; rep < 5; rep++) {
                    CpuAttention.windowed(par, sc, qa, 0, ka, 0, va, 0, row, y, 0, 1, a, h, d, d, 0.125f);
                }
                long t2 = System.nanoTime();
                CpuAttention.attention(par, sc, qa, 0, ka, 0, qkv, 2 * row, 3 * row, null, 0, 0, 0, 0, y, 0, 1, t, t, h, d,
                        d, 0.125f);
                long t3 = System.nanoTime();
                System.out.printf("windowed in place %.1f ms (v contiguous %.1f) per layer, global %.1f ms%n",
                        (t1 - t0) / 5e6, (t2 - t1) / 5e6, (t3 - t2) / 1e6);
            }
        }
    }
}
