package org.sam3j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;
import org.sam3j.graph.Graph;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.runner.ImageEncoder;
import org.sam3j.weights.SyntheticWeights;

/**
 * Image encoding with the CPU backends' fusion pass on and off ({@value CpuBackend#FUSION_PROPERTY}), in one JVM:
 * both graphs are compiled (weights packed) first, then each round measures the engine's SGEMM rate
 * ({@code 5184 × 4736 × 1024}, as {@link SgemmBenchmark}) and encodes once with each, in alternating order, so
 * that both see the same load on a shared machine. Prints each round (times, load average, per-op profiles) and
 * the medians. Not a JMH benchmark:
 * {@code java -Xmx12g -cp sam3-bench.jar org.sam3j.bench.FusionCompare tiny|full openblas|cpu [rounds]} (0 rounds:
 * only the first runs, which include packing the weights into the products' times).
 */
public final class FusionCompare {
    private FusionCompare() {}

    /**
     * Runs the comparison.
     *
     * @param args configuration ({@code tiny}, {@code full}), backend ({@code openblas}, {@code cpu}), rounds (default 3)
     * @throws Exception if reading the load average fails
     */
    public static void main(String[] args) throws Exception {
        Sam3Config c = BenchSupport.config(args[0]);
        String backend = args[1];
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Graph g = ImageEncoder.graph(c, true);
        long flops = GraphFlops.byOp(g).values().stream().mapToLong(Long::longValue).sum();
        float[] input = ImagePreprocessor.toModelInput(BenchSupport.image(), c.imageSize());
        Backend fusedBe = make(backend, true);
        Backend plainBe = make(backend, false);
        try (fusedBe; plainBe;
             CompiledGraph fused = fusedBe.compile(g, SyntheticWeights.forGraph(g));
             CompiledGraph plain = plainBe.compile(g, SyntheticWeights.forGraph(g));
             ExecutionContext fc = fused.newContext();
             ExecutionContext pc = plain.newContext()) {
            // first runs pack the weights (and warm the JIT); with 0 rounds only their profiles are printed
            String load = loadAverage();
            double f0 = time(fc, input);
            double p0 = time(pc, input);
            System.out.printf(Locale.ROOT, "first runs (packing weights): fused %.2f s, unfused %.2f s; load %s -> %s%n"
                    + "  fused   %s%n  unfused %s%n", f0, p0, load, loadAverage(), seconds(fc.lastRunNanosByOp()),
                    seconds(pc.lastRunNanosByOp()));
            if (rounds == 0) return;
            GemmEngine gemm = ((CpuBackend) fusedBe).gemm();
            List<Double> fusedS = new ArrayList<>();
            List<Double> plainS = new ArrayList<>();
            List<Double> sgemm = new ArrayList<>();
            List<Double> fusedCpu = new ArrayList<>();
            List<Double> plainCpu = new ArrayList<>();
            Map<String, List<Long>> fusedOps = new TreeMap<>();
            Map<String, List<Long>> plainOps = new TreeMap<>();
            for (int r = 0; r < rounds; r++) {
                String load0 = loadAverage();
                double rate = sgemmRate(gemm, ((CpuBackend) fusedBe).threads());
                sgemm.add(rate);
                boolean fusedFirst = r % 2 == 0;
                double a = time(fusedFirst ? fc : pc, input);
                double aCpu = lastCpu;
                Map<String, Long> pa = (fusedFirst ? fc : pc).lastRunNanosByOp();
                double b = time(fusedFirst ? pc : fc, input);
                double bCpu = lastCpu;
                Map<String, Long> pb = (fusedFirst ? pc : fc).lastRunNanosByOp();
                double f = fusedFirst ? a : b;
                double p = fusedFirst ? b : a;
                fusedS.add(f);
                plainS.add(p);
                fusedCpu.add(fusedFirst ? aCpu : bCpu);
                plainCpu.add(fusedFirst ? bCpu : aCpu);
                (fusedFirst ? pa : pb).forEach((k, v) -> fusedOps.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                (fusedFirst ? pb : pa).forEach((k, v) -> plainOps.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                System.out.printf(Locale.ROOT, "round %d (%s first): SGEMM %.1f GFLOP/s; fused %.2f s (%.0f %% of SGEMM), "
                                + "unfused %.2f s (%.0f %%); CPU time fused %.2f s, unfused %.2f s; load %s -> %s%n"
                                + "  fused   %s%n  unfused %s%n",
                        r, fusedFirst ? "fused" : "unfused", rate, f, 100 * flops / f / 1e9 / rate, p,
                        100 * flops / p / 1e9 / rate, fusedCpu.get(r), plainCpu.get(r), load0, loadAverage(),
                        seconds(fusedFirst ? pa : pb),
                        seconds(fusedFirst ? pb : pa));
            }
            double f = median(fusedS);
            double p = median(plainS);
            System.out.printf(Locale.ROOT, "%s %s, %d rounds, %.0f GFLOP: median fused %.2f s, unfused %.2f s (fused/unfused %.3f); "
                            + "median of the per-round ratios %.3f; best SGEMM %.1f GFLOP/s, median %.1f%n",
                    args[0], backend, rounds, flops / 1e9, f, p, f / p, medianRatio(fusedS, plainS),
                    sgemm.stream().mapToDouble(Double::doubleValue).max().orElse(0), median(sgemm));
            System.out.printf(Locale.ROOT, "  CPU time: median fused %.2f s, unfused %.2f s (%.3f), per-round ratios' median %.3f%n",
                    median(fusedCpu), median(plainCpu), median(fusedCpu) / median(plainCpu), medianRatio(fusedCpu, plainCpu));
            System.out.println("  median per op, fused:   " + medians(fusedOps));
            System.out.println("  median per op, unfused: " + medians(plainOps));
        }
    }

    private static Backend make(String name, boolean fuse) {
        String old = System.getProperty(CpuBackend.FUSION_PROPERTY);
        System.setProperty(CpuBackend.FUSION_PROPERTY, Boolean.toString(fuse));
        try {
            return BenchSupport.backend(name, 0, "workers");
        } finally {
            if (old == null) System.clearProperty(CpuBackend.FUSION_PROPERTY);
            else System.setProperty(CpuBackend.FUSION_PROPERTY, old);
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    /** Process CPU time of the last {@link #time} call, in seconds. */
    private static double lastCpu;

    /**
     * Wall time of one encode, in seconds; its process CPU time goes to {@link #lastCpu} (on a machine whose cores
     * other processes share, CPU time varies far less than wall time: the workers block, they do not spin).
     */
    private static double time(ExecutionContext ctx, float[] input) {
        long c0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        ctx.run(Map.of("image", input));
        double wall = (System.nanoTime() - t0) / 1e9;
        lastCpu = (OS.getProcessCpuTime() - c0) / 1e9;
        return wall;
    }

    /** The best of two {@code 5184 × 4736 × 1024} products, in GFLOP/s. */
    private static double sgemmRate(GemmEngine gemm, int threads) throws Exception {
        int m = 5184, n = 4736, k = 1024;
        java.util.Random rnd = new java.util.Random(1);
        float[] a = new float[m * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        float[] c = new float[m * n];
        double best = 0;
        try (Parallel par = new Parallel(threads)) {
            GemmEngine.Prepared b = gemm.prepare(par, w, 0, k, true, k, n);
            try {
                for (int i = 0; i < 2; i++) {
                    long t0 = System.nanoTime();
                    gemm.gemm(par, m, a, 0, k, b, c, 0, n, null);
                    best = Math.max(best, 2.0 * m * n * k / (System.nanoTime() - t0));
                }
            } finally {
                if (b instanceof AutoCloseable) ((AutoCloseable) b).close();
            }
        }
        return best;
    }

    private static String loadAverage() throws java.io.IOException {
        Path p = Path.of("/proc/loadavg");
        if (!Files.isReadable(p)) return "?";
        String[] f = Files.readString(p).trim().split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static String seconds(Map<String, Long> byOp) {
        StringBuilder sb = new StringBuilder();
        byOp.forEach((k, v) -> {
            if (v >= 5_000_000L) sb.append(String.format(Locale.ROOT, "%s %.2f, ", k, v / 1e9));
        });
        return sb.length() > 2 ? sb.substring(0, sb.length() - 2) : "";
    }

    private static Map<String, String> medians(Map<String, List<Long>> ops) {
        Map<String, String> out = new LinkedHashMap<>();
        ops.entrySet().stream()
                .sorted((x, y) -> Double.compare(medianL(y.getValue()), medianL(x.getValue())))
                .forEach(e -> out.put(e.getKey(), String.format(Locale.ROOT, "%.3f s", medianL(e.getValue()) / 1e9)));
        return out;
    }

    private static double medianL(List<Long> v) {
        return median(v.stream().map(Long::doubleValue).toList());
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length == 0 ? 0 : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double medianRatio(List<Double> f, List<Double> p) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) r.add(f.get(i) / p.get(i));
        return median(r);
    }
}
