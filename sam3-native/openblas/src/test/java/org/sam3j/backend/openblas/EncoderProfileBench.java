package org.sam3j.backend.openblas;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.cpu.JavaGemm;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.OpCost;
import org.sam3j.graph.Tensor;
import org.sam3j.runner.ImageEncoder;
import org.sam3j.weights.SyntheticWeights;

/**
 * The image encoder's per-operation profile (ViT trunk and both necks, synthetic weights), to see what attention
 * costs inside the model: prints, per run, the encode time, ATTENTION's time and rate, and the slowest operation
 * kinds. Not a test; run with the module's test class path:
 * {@code java -Xmx12g -cp ... org.sam3j.backend.openblas.EncoderProfileBench full|tiny cpu|openblas|openblas-java-attention [runs]}.
 * {@code openblas} is the OpenBLAS engine with its own attention, {@code openblas-java-attention} the same engine
 * leaving attention to the Java kernel.
 */
public final class EncoderProfileBench {
    private EncoderProfileBench() {}

    /**
     * Runs the profile.
     *
     * @param args configuration, engine, number of measured runs (default 2) after one warm-up run
     */
    public static void main(String[] args) {
        Sam3Config c = args[0].equals("full") ? Sam3Config.released() : Sam3Config.tiny();
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int threads = Runtime.getRuntime().availableProcessors();
        Graph g = ImageEncoder.graph(c, true);   // input "image", both necks' levels as outputs
        Map<Op, Long> flops = new EnumMap<>(Op.class);
        for (Tensor t : g.nodes()) {
            long x = OpCost.flops(t);
            if (x > 0) flops.merge(t.op(), x, Long::sum);
        }
        Backend be = switch (args[1]) {
            case "cpu" -> new CpuBackend("cpu", threads, JavaGemm.INSTANCE);
            case "openblas" -> new CpuBackend("openblas", threads, new OpenBlasGemm(threads, OpenBlasGemm.Threading.WORKERS, true));
            case "openblas-java-attention" -> new CpuBackend("openblas", threads,
                    new OpenBlasGemm(threads, OpenBlasGemm.Threading.WORKERS, false));
            default -> throw new IllegalArgumentException("engine: cpu, openblas or openblas-java-attention");
        };
        float[] input = new float[3 * c.imageSize() * c.imageSize()];
        for (int i = 0; i < input.length; i++) input[i] = (float) Math.sin(i * 0.001);
        try (be; CompiledGraph encoder = be.compile(g, SyntheticWeights.forGraph(g));
             ExecutionContext context = encoder.newContext()) {
            context.run(Map.of("image", input));
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                context.run(Map.of("image", input));
                double s = (System.nanoTime() - t0) / 1e9;
                Map<String, Long> byOp = context.lastRunNanosByOp();
                long att = byOp.getOrDefault("ATTENTION", 0L);
                long lin = byOp.getOrDefault("LINEAR", 0L);
                System.out.printf(Locale.ROOT, "%s %s run %d: encode %.2f s; ATTENTION %.2f s (%.1f GFLOP/s); LINEAR %.2f s (%.1f GFLOP/s); all %s%n",
                        args[0], args[1], r, s, att / 1e9, flops.getOrDefault(Op.ATTENTION, 0L) / (double) att,
                        lin / 1e9, flops.getOrDefault(Op.LINEAR, 0L) / (double) lin, byOp);
            }
        }
    }
}
