package org.sam3j.backend.cpu;

import java.util.Random;
import org.sam3j.graph.Attrs;

/** Throwaway: SAM 3's windowed attention layer, gathered windows (as the backend did) vs in place, and in place with v contiguous; one global layer. */
public final class AttV {
    public static void main(String[] args) {
        int g = 72, ws = 24, h = 16, d = 64, t = g * g, row = h * d;
        Random r = new Random(1);
        float[] qkv = new float[t * 3 * row], y = new float[t * row], qa = new float[t * row], ka = new float[t * row];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextGaussian();
        for (int i = 0; i < qa.length; i++) { qa[i] = (float) r.nextGaussian(); ka[i] = (float) r.nextGaussian(); }
        Attrs.Attention a = new Attrs.Attention(0.125f, ws, g, g);
        int tokens = ws * ws, windows = a.windowCount();
        float[] pack = new float[4 * tokens * row]; float[] va = new float[t * row]; for (int i = 0; i < t; i++) System.arraycopy(qkv, i * 3 * row + 2 * row, va, i * row, row);
        try (Parallel par = new Parallel(2)) {
            CpuAttention.Scratch[] sc = new CpuAttention.Scratch[2];
            for (int round = 0; round < 6; round++) {
                long t0 = System.nanoTime();
                for (int rep = 0; rep < 5; rep++) {
                    for (int w = 0; w < windows; w++) {
                        int start = a.windowStart(w);
                        for (int i = 0; i < tokens; i++) {
                            int token = start + i / ws * g + i % ws;
                            System.arraycopy(qa, token * row, pack, i * row, row);
                            System.arraycopy(ka, token * row, pack, tokens * row + i * row, row);
                            System.arraycopy(qkv, token * 3 * row + 2 * row, pack, 2 * tokens * row + i * row, row);
                        }
                        CpuAttention.attention(par, sc, pack, 0, pack, tokens * row, pack, 2 * tokens * row, row, null, 0, 0, 0, 0,
                                pack, 3 * tokens * row, 1, tokens, tokens, h, d, d, 0.125f);
                        for (int i = 0; i < tokens; i++) {
                            int token = start + i / ws * g + i % ws;
                            System.arraycopy(pack, 3 * tokens * row + i * row, y, token * row, row);
                        }
                    }
                }
                long t1 = System.nanoTime();
                for (int rep = 0; rep < 5; rep++) {
                    CpuAttention.windowed(par, sc, qa, 0, ka, 0, qkv, 2 * row, 3 * row, y, 0, 1, a, h, d, d, 0.125f); } long tv = System.nanoTime(); for (int rep = 0; rep < 5; rep++) { CpuAttention.windowed(par, sc, qa, 0, ka, 0, va, 0, row, y, 0, 1, a, h, d, d, 0.125f);
                }
                long t2 = System.nanoTime();
                CpuAttention.attention(par, sc, qa, 0, ka, 0, qkv, 2 * row, 3 * row, null, 0, 0, 0, 0, y, 0, 1, t, t, h, d, d,
                        0.125f);
                long t3 = System.nanoTime();
                System.out.printf("gathered %.1f ms, in place %.1f ms (v contiguous %.1f) per layer, global %.1f ms%n", (t1 - t0) / 5e6, (tv - t1) / 5e6,
                        (t2 - tv) / 5e6, (t3 - t2) / 1e6);
            }
        }
    }
}
