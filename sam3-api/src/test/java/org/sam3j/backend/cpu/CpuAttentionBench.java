package org.sam3j.backend.cpu;

import java.util.Random;

/**
 * Throughput of {@link CpuAttention} against the previous kernel (a Q·Kᵀ GEMM, a row softmax and a P·V GEMM per
 * block of 128 queries, kept here as {@link #previous}) on the image encoder's attention shapes and the detector's
 * fusion encoder (heads of 32). Not a test; run with
 * {@code java -cp sam3-api/target/classes:sam3-api/target/test-classes org.sam3j.backend.cpu.CpuAttentionBench [threads...]}.
 * Prints the best of several timed repetitions, in GFLOP/s counting {@code 4·B·H·Tq·Tk·D} flops. Warm-up and
 * measuring times per case can be set with {@code -Dbench.warmMs} and {@code -Dbench.runMs}.
 */
public final class CpuAttentionBench {
    private CpuAttentionBench() {}

    private static final long WARM_NS = Long.getLong("bench.warmMs", 2000) * 1_000_000L;
    private static final long RUN_NS = Long.getLong("bench.runMs", 3000) * 1_000_000L;

    /** One benchmarked shape. */
    private record Shape(String name, int b, int t, int h, int d) {}

    private static final Shape[] SHAPES = {
        new Shape("windowed B=9 T=576 H=16 D=64", 9, 576, 16, 64),
        new Shape("global   B=1 T=5184 H=16 D=64", 1, 5184, 16, 64),
        new Shape("detector B=1 T=5184 H=8 D=32", 1, 5184, 8, 32),
    };

    /**
     * Runs the benchmark.
     *
     * @param args thread counts to measure (default {@code 1 2}); {@code -s NAME} filters shapes,
     *             {@code -k old|new} picks one kernel
     */
    public static void main(String[] args) {
        int[] threads = {1, 2};
        String filter = null;
        String kernel = null;
        int nThreads = 0;
        int[] parsed = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-s")) {
                filter = args[++i];
            } else if (args[i].equals("-k")) {
                kernel = args[++i];
            } else {
                parsed[nThreads++] = Integer.parseInt(args[i]);
            }
        }
        if (nThreads > 0) threads = java.util.Arrays.copyOf(parsed, nThreads);
        Random r = new Random(1);
        for (Shape s : SHAPES) {
            if (filter != null && !s.name.contains(filter)) continue;
            int n = s.b * s.t * s.h * s.d;
            float[] q = random(r, n), k = random(r, n), v = random(r, n);
            float[] y = new float[n];
            float scale = (float) (1 / Math.sqrt(s.d));
            double flops = 4.0 * s.b * s.h * (double) s.t * s.t * s.d;
            for (String kind : new String[] {"old", "new"}) {
                if (kernel != null && !kernel.equals(kind)) continue;
                StringBuilder line = new StringBuilder(String.format("%-32s %s", s.name, kind));
                for (int t : threads) {
                    try (Parallel par = new Parallel(t)) {
                        CpuAttention.Scratch[] scratch = new CpuAttention.Scratch[t];
                        float[][] oldScratch = new float[t][128 * s.t];
                        Runnable call = kind.equals("old")
                                ? () -> previous(par, oldScratch, q, k, v, y, s.b, s.t, s.t, s.h, s.d, s.d, scale)
                                : () -> CpuAttention.attention(par, scratch, q, 0, k, 0, v, 0, s.h * s.d, null, 0, 0, 0, 0, y, 0,
                                        s.b, s.t, s.t, s.h, s.d, s.d, scale);
                        long best = best(call);
                        line.append(String.format("  %dT: %6.1f GFLOP/s (%6.1f ms)", t, flops / best, best / 1e6));
                    }
                }
                System.out.println(line);
            }
        }
    }

    /** Warms up (JIT) for {@code bench.warmMs}, then returns the best time of {@code bench.runMs} of runs. */
    private static long best(Runnable call) {
        long end = System.nanoTime() + WARM_NS;
        for (int rep = 0; rep < 3 || System.nanoTime() < end; rep++) call.run();
        long best = Long.MAX_VALUE;
        end = System.nanoTime() + RUN_NS;
        for (int rep = 0; rep < 3 || System.nanoTime() < end; rep++) {
            long t0 = System.nanoTime();
            call.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /**
     * The kernel that {@link CpuAttention} replaced (without bias), for comparison; {@code scratch} holds one array
     * of {@code 128·tk} floats per worker.
     */
    static void previous(Parallel par, float[][] scratch, float[] q, float[] k, float[] v, float[] y,
                         int b, int tq, int tk, int h, int d, int dv, float scale) {
        int block = Math.max(1, Math.min(tq, 128));
        int blocks = (tq + block - 1) / block;
        int tasks = b * h * blocks;
        try (Parallel serial = new Parallel(1)) {
            par.forRange(tasks, 1, (w, lo, hi) -> {
                float[] s = scratch[w];
                for (int task = lo; task < hi; task++) {
                    int bi = task / (h * blocks);
                    int hi2 = (task / blocks) % h;
                    int q0 = (task % blocks) * block;
                    int rows = Math.min(block, tq - q0);
                    Sgemm.gemm(serial, rows, tk, d, q, ((bi * tq + q0) * h + hi2) * d, h * d,
                            k, (bi * tk * h + hi2) * d, h * d, true, s, 0, tk, null, false);
                    for (int rr = 0; rr < rows; rr++) {
                        int so = rr * tk;
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < tk; j++) {
                            float val = s[so + j] * scale;
                            s[so + j] = val;
                            if (val > max) max = val;
                        }
                        double sum = 0;
                        for (int j = 0; j < tk; j++) {
                            float e = CpuMath.exp(s[so + j] - max);
                            s[so + j] = e;
                            sum += e;
                        }
                        float inv = (float) (1.0 / sum);
                        for (int j = 0; j < tk; j++) s[so + j] *= inv;
                    }
                    Sgemm.gemm(serial, rows, dv, tk, s, 0, tk, v, (bi * tk * h + hi2) * dv, h * dv, false,
                            y, ((bi * tq + q0) * h + hi2) * dv, h * dv, null, false);
                }
            });
        }
    }
}
