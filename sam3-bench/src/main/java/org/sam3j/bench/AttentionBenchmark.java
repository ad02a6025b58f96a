package org.sam3j.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.openblas.OpenBlasGemm;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * One attention operation of a CPU backend, as the model graphs run it (a graph holding a single {@code attention}
 * node, so that the backend picks its kernel as it does in a model), on the shapes of SAM 3:
 * <ul>
 *   <li>{@code windowed}: the ViT's windowed blocks, 9 windows of 24 × 24 tokens, 16 heads of 64, as a batch of 9
 *       sequences;</li>
 *   <li>{@code windowed-grid}: the same windows as the model has them, in the 72 × 72 token grid (a windowed
 *       attention node: the backend gathers the windows, or its engine reads them in place);</li>
 *   <li>{@code global}: the ViT's global blocks, 5184 tokens, 16 heads of 64;</li>
 *   <li>{@code memory}: the video tracker's memory cross-attention, 5184 queries against two memory frames
 *       (10 368 keys; a session holds up to seven), one head of 256;</li>
 *   <li>{@code cross}: the detector decoder's cross-attention, 200 queries against 5184 image tokens, 8 heads of 32;</li>
 *   <li>{@code cross-bias}: the same with the box relative position bias the model adds, one per head and query
 *       ({@code [1, 8, 200, 5184]});</li>
 *   <li>{@code fusion}: the detector's fusion encoder self-attention, 5184 tokens, 8 heads of 32 (six per text prompt);</li>
 *   <li>{@code click-tokens}: the interactive decoder's token-to-image attention, a click's 25 tokens (six output tokens and 19 padded prompt slots) against 5184
 *       image tokens, 8 heads of 16 (three per click);</li>
 *   <li>{@code click-image}: its image-to-token attention, 5184 image tokens against the 25 tokens, 8 heads of 16
 *       (two per click);</li>
 *   <li>{@code geometry}: the geometry encoder's cross-attention, its 17 prompt slots (the CLS token and 16 box slots,
 *       padded) against 5184 image tokens, 8 heads of 32 (three per concept prompt);</li>
 *   <li>{@code decoder-self}: the detector decoder's self-attention, 200 queries and the presence token, 8 heads
 *       of 32;</li>
 *   <li>{@code fusion-text}: the fusion encoder's cross-attention, 5184 image tokens against a phrase's 32 tokens,
 *       8 heads of 32;</li>
 *   <li>{@code fusion-text-mask}: the same with the key-padding bias of a phrase shorter than the 32 tokens (one row
 *       for every head and query, -inf on the last 24 keys);</li>
 *   <li>{@code text}: the text encoder's self-attention, 32 tokens, 16 heads of 64.</li>
 * </ul>
 * Flops are those of the two products, {@code 2·B·H·Tq·Tk·(D + Dv)}; run beside {@link SgemmBenchmark} for the rate
 * they are compared with. The time includes copying q, k and v into the graph's arena (under 2 % here).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx4g"})
public class AttentionBenchmark {
    /** The backend: {@code openblas} or {@code cpu}. */
    @Param({"openblas", "cpu"})
    public String backend;

    /** {@code windowed}, {@code global}, {@code memory}, {@code cross} or {@code fusion} (see the class comment). */
    @Param({"windowed", "windowed-grid", "global", "memory", "cross", "cross-bias", "geometry", "fusion", "click-tokens", "click-image",
            "decoder-self", "fusion-text", "fusion-text-mask", "text"})
    public String shape;

    /** OpenBLAS backend only: its attention kernel ({@code auto}, {@code java}, {@code openblas}), or {@code default}. */
    @Param({"default"})
    public String attention;

    /** Threads (0 = the backend's default). */
    @Param({"0"})
    public int threads;

    private Backend be;
    private CompiledGraph graph;
    private Map<String, float[]> inputs;
    private long flops;

    /** Random q, k, v; the graph compiled once. */
    @Setup(Level.Trial)
    public void setUp() {
        if (!"default".equals(attention)) System.setProperty(OpenBlasGemm.ATTENTION_PROPERTY, attention);
        int[] s = switch (shape) {
            case "windowed" -> new int[] {9, 576, 576, 16, 64};
            case "windowed-grid" -> new int[] {1, 5184, 5184, 16, 64};
            case "global" -> new int[] {1, 5184, 5184, 16, 64};
            case "memory" -> new int[] {1, 5184, 10368, 1, 256};
            case "cross", "cross-bias" -> new int[] {1, 200, 5184, 8, 32};
            case "fusion" -> new int[] {1, 5184, 5184, 8, 32};
            case "geometry" -> new int[] {1, 17, 5184, 8, 32};
            case "click-tokens" -> new int[] {1, 25, 5184, 8, 16};
            case "click-image" -> new int[] {1, 5184, 25, 8, 16};
            case "decoder-self" -> new int[] {1, 201, 201, 8, 32};
            case "fusion-text", "fusion-text-mask" -> new int[] {1, 5184, 32, 8, 32};
            case "text" -> new int[] {1, 32, 32, 16, 64};
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
        int b = s[0], tq = s[1], tk = s[2], h = s[3], d = s[4];
        // the windows' products only (9 windows of 576 tokens) for the grid
        flops = shape.equals("windowed-grid") ? 2L * 9 * h * 576 * 576 * (2L * d) : 2L * b * h * tq * tk * (2L * d);
        Graph g = new Graph();
        int[] biasShape = switch (shape) {
            case "cross-bias" -> new int[] {1, h, tq, tk};
            case "fusion-text-mask" -> new int[] {1, 1, 1, tk};
            default -> null;
        };
        Tensor q = g.input("q", b, tq, h, d), k = g.input("k", b, tk, h, d), v = g.input("v", b, tk, h, d);
        float scale = (float) (1 / Math.sqrt(d));
        Tensor y = shape.equals("windowed-grid") ? g.windowedAttention(q, k, v, scale, 72, 72, 24)
                : g.attention(q, k, v, biasShape == null ? null : g.input("bias", biasShape), scale);
        g.output("y", y);
        be = BenchSupport.backend(backend, threads);
        graph = be.compile(g, new InMemoryWeights());
        Random r = new Random(1);
        inputs = new HashMap<>(Map.of("q", random(r, b * tq * h * d), "k", random(r, b * tk * h * d),
                "v", random(r, b * tk * h * d)));
        if (biasShape != null) {
            float[] bias = random(r, biasShape[0] * biasShape[1] * biasShape[2] * biasShape[3]);
            if (shape.equals("fusion-text-mask")) Arrays.fill(bias, 8, tk, Float.NEGATIVE_INFINITY);
            inputs.put("bias", bias);
        }
    }

    /** {@code y = softmax(q·kᵀ/√d)·v}. */
    @Benchmark
    public HostTensor attention() {
        return graph.run(inputs).get("y");
    }

    /** Releases the graph and the backend. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        BenchSupport.record("AttentionBenchmark.attention",
                Map.of("backend", backend, "shape", shape, "attention", attention, "threads", threads),
                Map.of("flops", flops));
        graph.close();
        be.close();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
