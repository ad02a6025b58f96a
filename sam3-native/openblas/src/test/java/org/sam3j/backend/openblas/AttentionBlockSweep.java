package org.sam3j.backend.openblas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.sam3j.backend.cpu.AttentionProblem;
import org.sam3j.backend.cpu.Parallel;

/**
 * Block sizes of the OpenBLAS attention ({@link OpenBlasGemm#attention(Parallel, AttentionProblem, int, int)}) on the
 * image encoder's shapes (heads of 64), each pair of sizes timed in alternation with the others, medians of the
 * rounds; rates in GFLOP/s of wall time. Not a test: a measurement to choose the block sizes on a machine. Run with
 * {@code java -cp <test classpath> org.sam3j.backend.openblas.AttentionBlockSweep [-r rounds] [-t threads]
 * [-q 128,256,576] [-k 288,576]}.
 */
public final class AttentionBlockSweep {
    private AttentionBlockSweep() {}

    /**
     * Runs the sweep and prints a table.
     *
     * @param args {@code -r} rounds (default 3), {@code -t} threads (default 2), {@code -q} query blocks, {@code -k}
     *             key blocks
     */
    public static void main(String[] args) {
        int rounds = 3;
        int threads = 2;
        int[] queries = {96, 144, 192, 288, 576};
        int[] keys = {288, 576};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-r" -> rounds = Integer.parseInt(args[++i]);
                case "-t" -> threads = Integer.parseInt(args[++i]);
                case "-q" -> queries = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "-k" -> keys = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Random r = new Random(1);
        int[][] shapes = {{9, 576}, {1, 5184}}; // batch, tokens; 16 heads of 64
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        try (Parallel par = new Parallel(threads); OpenBlasGemm blas = new OpenBlasGemm(threads, OpenBlasGemm.Threading.WORKERS, true)) {
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                for (int[] s : shapes) {
                    int n = s[0] * s[1] * 16 * 64;
                    float[] q = random(r, n), k = random(r, n), v = random(r, n), y = new float[n];
                    AttentionProblem p = new AttentionProblem(q, 0, k, 0, v, 0, null, 0, 0, 0, 0, y, 0, s[0], s[1], s[1], 16, 64, 64,
                            0.125f);
                    for (int qb : queries) {
                        for (int kb : keys) {
                            long t0 = System.nanoTime();
                            blas.attention(par, p, qb, kb);
                            double sec = (System.nanoTime() - t0) / 1e9;
                            if (round > 0) {
                                rates.computeIfAbsent((s[1] == 576 ? "windowed" : "global") + " q" + qb + " k" + kb,
                                        x -> new ArrayList<>()).add(p.flops() / sec / 1e9);
                            }
                        }
                    }
                }
            }
        }
        StringBuilder md = new StringBuilder("| shape | query block | key block | GFLOP/s (median) | runs |\n|---|---|---|---|---|\n");
        rates.forEach((key, list) -> {
            String[] f = key.split(" ");
            List<Double> sorted = new ArrayList<>(list);
            sorted.sort(null);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %s |%n", f[0], f[1].substring(1), f[2].substring(1),
                    sorted.get(sorted.size() / 2), list.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList()));
        });
        System.out.print(md);
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
