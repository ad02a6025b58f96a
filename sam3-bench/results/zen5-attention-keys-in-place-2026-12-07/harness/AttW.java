package org.sam3j.backend.cpu;

import java.util.Arrays;
import java.util.Random;
import org.sam3j.graph.Attrs;

/**
 * Throwaway: one of the image encoder's windowed attention layers (72 × 72 tokens, windows of 24, 16 heads of 64,
 * read in place, v a strided view of the qkv rows as in the model) and one global layer, on T threads, REPS times;
 * min and median. Arguments: T REPS [warm [mixed]] — warm: the backend's kernel warm-up first; mixed: then the
 * detector's and the text encoder's shapes a few times, as in a process that has run a prompt.
 */
public final class AttW {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]), reps = Integer.parseInt(args[1]);
        int g = 72, ws = 24, h = 16, d = 64, t = g * g, row = h * d;
        Random r = new Random(1);
        float[] qkv = new float[t * 3 * row], y = new float[t * row];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextGaussian();
        Attrs.Attention a = new Attrs.Attention(0.125f, ws, g, g);
        if (args.length > 2) System.out.println("warm-up " + VectorKernels.warmUp(false));
        try (Parallel par = new Parallel(threads)) {
            CpuAttention.Scratch[] sc = new CpuAttention.Scratch[threads];
            double[] wt = new double[reps], gt = new double[reps / 4];
            if (args.length > 3) {
                // the detector's shapes: 8 heads of 32 over 5184 tokens; the text encoder's: 32 tokens with a mask
                float[] b = new float[32 * 32];
                for (int i = 0; i < b.length; i += 7) b[i] = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < 6; i++) {
                    CpuAttention.attention(par, sc, qkv, 0, qkv, row, qkv, 2 * row, 256, null, 0, 0, 0, 0, y, 0, 1, 200, t, 8, 32, 32, 0.125f);
                    CpuAttention.attention(par, sc, qkv, 0, qkv, row, qkv, 2 * row, 256, null, 0, 0, 0, 0, y, 0, 1, t, t, 8, 32, 32, 0.125f);
                    for (int j = 0; j < 200; j++) CpuAttention.attention(par, sc, qkv, 0, qkv, row, qkv, 2 * row, 1024, b, 0, 1, 1, 32, y, 0, 1, 32, 32, 16, 64, 64, 0.125f);
                }
            }
            for (int i = 0; i < 10; i++) CpuAttention.windowed(par, sc, qkv, 0, qkv, row, qkv, 2 * row, 3 * row, y, 0, 1, a, h, d, d, 0.125f);
            for (int rep = 0; rep < reps; rep++) {
                long t0 = System.nanoTime();
                CpuAttention.windowed(par, sc, qkv, 0, qkv, row, qkv, 2 * row, 3 * row, y, 0, 1, a, h, d, d, 0.125f);
                wt[rep] = (System.nanoTime() - t0) / 1e6;
            }
            for (int rep = 0; rep < gt.length; rep++) {
                long t0 = System.nanoTime();
                CpuAttention.attention(par, sc, qkv, 0, qkv, row, qkv, 2 * row, 3 * row, null, 0, 0, 0, 0, y, 0, 1, t, t, h, d, d, 0.125f);
                gt[rep] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(wt);
            Arrays.sort(gt);
            double wf = 2.0 * 2 * 9 * 576.0 * 576 * 64 * h / 1e9, gf = 2.0 * 2 * t * (double) t * 64 * h / 1e9;
            System.out.printf("windowed min %.2f med %.2f ms (%.0f GF/s at min) | global min %.1f med %.1f ms (%.0f GF/s)%n",
                    wt[0], wt[reps / 2], wf / wt[0] * 1e3, gt[0], gt[gt.length / 2], gf / gt[0] * 1e3);
        }
    }
}
