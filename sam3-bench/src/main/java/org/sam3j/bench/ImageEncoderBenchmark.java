package org.sam3j.bench;

import java.util.LinkedHashMap;
import java.util.Map;
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
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.runner.ImageEncoder;
import org.sam3j.weights.SyntheticWeights;

/**
 * Image encoding (ViT trunk + detector and tracker necks) of one 1008×1008 image with synthetic weights, per
 * backend; weights are bound and packed during setup, so a measured call is what {@code setImage} costs. The
 * trial records the graph's flops ({@link GraphFlops}) and the last run's time per operation kind.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx16g"})
public class ImageEncoderBenchmark {
    /** {@code tiny} (reference test configuration) or {@code full} (released architecture). */
    @Param({"tiny"})
    public String config;

    /** Backend: {@code openblas} (GEMMs on OpenBLAS) or {@code cpu} (pure Java). */
    @Param({"openblas", "cpu"})
    public String backend;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    /** OpenBLAS backend only: {@code workers} (Java workers over row blocks) or {@code openblas} (its own threads). */
    @Param({"workers"})
    public String threading;

    private Backend be;
    private CompiledGraph encoder;
    /** The benchmark's run state (arena kept across iterations, as a predictor keeps it). */
    private ExecutionContext context;
    private float[] input;
    private Map<Op, Long> flops;

    /** Builds the encoder graph and binds synthetic weights. */
    @Setup(Level.Trial)
    public void setUp() {
        Sam3Config c = BenchSupport.config(config);
        Graph g = ImageEncoder.graph(c, true);   // input "image", both necks' levels as outputs
        flops = GraphFlops.byOp(g);
        be = BenchSupport.backend(backend, threads, threading);
        encoder = be.compile(g, SyntheticWeights.forGraph(g));
        input = ImagePreprocessor.toModelInput(BenchSupport.image(), c.imageSize());
        context = encoder.newContext();
        context.run(Map.of("image", input)); // first run reads and packs the weights
    }

    /** One image encoding. */
    @Benchmark
    public Map<String, HostTensor> encode() {
        return context.run(Map.of("image", input));
    }

    /** Records flops and the op profile, releases the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        Map<String, Object> extra = new LinkedHashMap<>();
        long total = 0;
        Map<String, Long> byOp = new LinkedHashMap<>();
        for (Map.Entry<Op, Long> e : flops.entrySet()) {
            byOp.put(e.getKey().name(), e.getValue());
            total += e.getValue();
        }
        extra.put("flops", total);
        extra.put("flopsByOp", byOp);
        extra.put("lastRunNanosByOp", context.lastRunNanosByOp());
        BenchSupport.record("ImageEncoderBenchmark.encode", Map.of("config", config, "backend", backend, "threads", threads, "threading", threading), extra);
        context.close();
        encoder.close();
        be.close();
    }
}
