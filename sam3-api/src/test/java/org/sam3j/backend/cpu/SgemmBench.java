package org.sam3j.backend.cpu;

import java.util.Random;

/**
 * Throughput of {@link Sgemm} on the shapes the model uses. Not a test; run with
 * {@code java -cp sam3-api/target/classes:sam3-api/target/test-classes org.sam3j.backend.cpu.SgemmBench [threads...]}.
 * Prints the best of several timed repetitions per shape, in GFLOP/s.
 */
public final class SgemmBench {
    private SgemmBench() {}

    /** One benchmarked product. */
    private record Shape(String name, int m, int n, int k, boolean transB, boolean prepacked) {}

    private static final Shape[] SHAPES = {
        new Shape("linear 5184x1024->3072 (packed W)", 5184, 3072, 1024, true, true),
        new Shape("linear 5184x3072->1024 (packed W)", 5184, 1024, 3072, true, true),
        new Shape("linear 576x1024->4736 (packed W)", 576, 4736, 1024, true, true),
        new Shape("linear 5184x1024->3072 (unpacked W)", 5184, 3072, 1024, true, false),
        new Shape("linear 200x256->256 (packed W)", 200, 256, 256, true, true),
        new Shape("Q.K^T 576x64 . 576x64^T", 576, 576, 64, true, false),
        new Shape("Q.K^T 576x64 . 5184x64^T", 576, 5184, 64, true, false),
        new Shape("Q.K^T 128x64 . 5184x64^T", 128, 5184, 64, true, false),
        new Shape("P.V 576x576 . 576x64", 576, 64, 576, false, false),
        new Shape("P.V 128x5184 . 5184x64", 128, 64, 5184, false, false),
        new Shape("P.V 576x5184 . 5184x64", 576, 64, 5184, false, false),
    };

    /**
     * Runs the benchmark.
     *
     * @param args thread counts to measure (default {@code 1 2}); a trailing {@code -s NAME} filters shapes
     */
    public static void main(String[] args) throws Exception {
        int[] threads = {1, 2};
        String filter = null;
        int nThreads = 0;
        int[] parsed = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-s")) {
                filter = args[++i];
            } else {
                parsed[nThreads++] = Integer.parseInt(args[i]);
            }
        }
        if (nThreads > 0) threads = java.util.Arrays.copyOf(parsed, nThreads);
        Random r = new Random(1);
        for (Shape s : SHAPES) {
            if (filter != null && !s.name.contains(filter)) continue;
            float[] a = random(r, s.m * s.k);
            float[] b = random(r, s.n * s.k);
            float[] c = new float[s.m * s.n];
            float[] bias = random(r, s.n);
            int ldb = s.transB ? s.k : s.n;
            Sgemm.PackedMatrix pm = s.prepacked ? Sgemm.pack(b, 0, ldb, s.transB, s.k, s.n) : null;
            StringBuilder line = new StringBuilder(String.format("%-40s", s.name));
            for (int t : threads) {
                try (Parallel par = new Parallel(t)) {
                    double flops = 2.0 * s.m * s.n * s.k;
                    Runnable call = pm != null
                            ? () -> Sgemm.gemm(par, s.m, a, 0, s.k, pm, c, 0, s.n, bias, false)
                            : () -> Sgemm.gemm(par, s.m, s.n, s.k, a, 0, s.k, b, 0, ldb, s.transB, c, 0, s.n, null, false);
                    // Warm up (JIT) for about a second, then keep the best of about two seconds of runs.
                    long end = System.nanoTime() + 1_000_000_000L;
                    for (int rep = 0; rep < 3 || System.nanoTime() < end; rep++) call.run();
                    long best = Long.MAX_VALUE;
                    end = System.nanoTime() + 2_000_000_000L;
                    for (int rep = 0; rep < 3 || System.nanoTime() < end; rep++) {
                        long t0 = System.nanoTime();
                        call.run();
                        best = Math.min(best, System.nanoTime() - t0);
                    }
                    line.append(String.format("  %dT: %6.1f GFLOP/s", t, flops / best));
                }
            }
            System.out.println(line);
        }
    }

    private static float[] random(Random r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = r.nextFloat() * 2f - 1f;
        return x;
    }
}
