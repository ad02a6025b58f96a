package org.sam3j.backend.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.sam3j.backend.openblas.OpenBlasGemm;

/**
 * Attention throughput on the image encoder's shapes beside the SGEMM rate of the same engine, measured in
 * alternation so that both see the same load (the machine is shared). Not a test; in the {@code cpu} package of the
 * OpenBLAS module's tests because it runs the Java kernel ({@link CpuAttention}, package-private) and the OpenBLAS
 * engine side by side. Run with
 * {@code java -cp sam3-api/target/classes:sam3-native/openblas/target/classes:sam3-native/openblas/target/test-classes:<deps>
 * org.sam3j.backend.cpu.AttentionRateBench [-t threads] [-r rounds] [-s shape]}.
 *
 * <p>Kernels: {@code java} is the pure-Java single-pass kernel (what the {@code cpu} backend runs), {@code blas}
 * is {@link OpenBlasGemm#attention} with its OpenBLAS attention switched on. Each round times one SGEMM
 * ({@code 5184 × 4736 × 1024}, prepared B, as in {@code sam3-bench}) per engine and one call per kernel and shape;
 * the report gives the median of the rounds and the median ratio of attention to SGEMM rate, both from wall time and
 * from the process's CPU time (times the thread count: the rate if every worker had a core to itself, which other
 * processes on a shared machine disturb less).
 */
public final class AttentionRateBench {
    private AttentionRateBench() {}

    /** One benchmarked shape. */
    private record Shape(String name, int b, int t, int tk, int h, int d) {
        double flops() {
            return 4.0 * b * h * (double) t * tk * d;
        }
    }

    private static final Shape[] SHAPES = {
        new Shape("windowed B=9 T=576 H=16 D=64", 9, 576, 576, 16, 64),
        new Shape("global B=1 T=5184 H=16 D=64", 1, 5184, 5184, 16, 64),
        // the video tracker's memory cross-attention with two memory frames (up to seven in a session)
        new Shape("memory B=1 Tq=5184 Tk=10368 H=1 D=256", 1, 5184, 10368, 1, 256),
    };

    /**
     * Runs the benchmark and prints one line per round and a median table (markdown).
     *
     * @param args {@code -t} threads (default 2), {@code -r} rounds (default 5), {@code -s} shape name filter
     */
    public static void main(String[] args) {
        int threads = 2;
        int rounds = 5;
        String filter = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-t" -> threads = Integer.parseInt(args[++i]);
                case "-r" -> rounds = Integer.parseInt(args[++i]);
                case "-s" -> filter = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Random r = new Random(1);
        int gm = 5184, gn = 4736, gk = 1024;
        float[] ga = random(r, gm * gk), gb = random(r, gn * gk), gc = new float[gm * gn];
        double gemmFlops = 2.0 * gm * gn * gk;
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpuRates = new LinkedHashMap<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Parallel par = new Parallel(threads); OpenBlasGemm blas = new OpenBlasGemm(threads, OpenBlasGemm.Threading.WORKERS, true)) {
            GemmEngine.Prepared pj = JavaGemm.INSTANCE.prepare(par, gb, 0, gk, true, gk, gn);
            GemmEngine.Prepared pb = blas.prepare(par, gb, 0, gk, true, gk, gn);
            Map<String, Runnable> calls = new LinkedHashMap<>();
            Map<String, Double> flops = new LinkedHashMap<>();
            calls.put("sgemm java", () -> JavaGemm.INSTANCE.gemm(par, gm, ga, 0, gk, pj, gc, 0, gn, null));
            flops.put("sgemm java", gemmFlops);
            calls.put("sgemm openblas", () -> blas.gemm(par, gm, ga, 0, gk, pb, gc, 0, gn, null));
            flops.put("sgemm openblas", gemmFlops);
            for (Shape s : SHAPES) {
                if (filter != null && !s.name.contains(filter)) continue;
                int n = s.b * s.t * s.h * s.d;
                int nk = s.b * s.tk * s.h * s.d;
                float[] q = random(r, n), k = random(r, nk), v = random(r, nk), y = new float[n];
                float scale = (float) (1 / Math.sqrt(s.d));
                CpuAttention.Scratch[] scratch = new CpuAttention.Scratch[threads];
                AttentionProblem p = new AttentionProblem(q, 0, k, 0, v, 0, null, 0, 0, 0, 0, y, 0,
                        s.b, s.t, s.tk, s.h, s.d, s.d, scale);
                calls.put(s.name + " java", () -> CpuAttention.attention(par, scratch, q, 0, k, 0, v, 0, s.h * s.d, null, 0, 0, 0, 0,
                        y, 0, s.b, s.t, s.tk, s.h, s.d, s.d, scale));
                flops.put(s.name + " java", s.flops());
                calls.put(s.name + " blas", () -> {
                    if (!blas.attention(par, p)) throw new IllegalStateException("OpenBLAS attention declined " + s.name);
                });
                flops.put(s.name + " blas", s.flops());
            }
            for (Runnable c : calls.values()) {
                c.run();
                c.run();
            }
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("round " + round + ":");
                for (Map.Entry<String, Runnable> e : calls.entrySet()) {
                    long c0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    e.getValue().run();
                    long wall = System.nanoTime() - t0;
                    long cpu = os.getProcessCpuTime() - c0;
                    double rate = flops.get(e.getKey()) / wall;
                    double cpuRate = flops.get(e.getKey()) * threads / cpu;
                    rates.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(rate);
                    cpuRates.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(cpuRate);
                    line.append(String.format(Locale.ROOT, " %s %.1f (cpu %.1f);", e.getKey(), rate, cpuRate));
                }
                System.out.println(line);
            }
        }
        System.out.printf(Locale.ROOT, "%n| kernel | threads | median GFLOP/s (wall) | runs | median ÷ same-round SGEMM "
                + "| median GFLOP/s (CPU time) | ÷ SGEMM (CPU time) |%n|---|---|---|---|---|---|---|%n");
        for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
            String engine = e.getKey().endsWith("java") ? "sgemm java" : "sgemm openblas";
            StringBuilder runs = new StringBuilder();
            for (double x : e.getValue()) runs.append(runs.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", x));
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %s | %.0f %% | %.1f | %.0f %% |%n", e.getKey(), threads,
                    median(e.getValue()), runs, 100 * medianRatio(e.getValue(), rates.get(engine)),
                    median(cpuRates.get(e.getKey())), 100 * medianRatio(cpuRates.get(e.getKey()), cpuRates.get(engine)));
        }
    }

    private static double medianRatio(List<Double> x, List<Double> y) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < x.size(); i++) r.add(x.get(i) / y.get(i));
        return median(r);
    }

    private static double median(List<Double> x) {
        double[] s = x.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
