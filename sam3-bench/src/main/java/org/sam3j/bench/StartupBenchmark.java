package org.sam3j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.backend.Backend;

/**
 * Start-up: the time from {@code Sam3Model.builder()...build()} on a checkpoint file to the first mask of a text
 * prompt, in a fresh JVM (one measurement per fork, no warm-up: the JIT, the native libraries and the weights are
 * all cold, as for a service's first request). The checkpoint is a synthetic one of the configuration, written
 * during setup and read from the page cache. The backend is created (its natives loaded) inside the measured
 * time. The trial records the split: build, first {@code setImage} (graph compile, weight conversion, encode),
 * first prompt (text encoder, detector compile and run).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xmx16g"})
public class StartupBenchmark {
    /** {@code tiny} or {@code full}. */
    @Param({"tiny"})
    public String config;

    /** Backend: {@code openblas} or {@code cpu}. */
    @Param({"openblas", "cpu"})
    public String backend;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    private Path dir;
    private Path file;
    private final Map<String, Object> split = new LinkedHashMap<>();

    /** Writes the checkpoint. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("sam3j-bench-startup");
        file = BenchSupport.writeSyntheticCheckpoint(BenchSupport.config(config), dir);
        System.gc();
    }

    /** Build, first image, first mask. */
    @Benchmark
    public MaskResult buildToFirstMask() throws IOException {
        long t0 = System.nanoTime();
        try (Sam3Model model = Sam3Model.builder().checkpoint(file).config(BenchSupport.config(config))
                .tokenizer(BenchSupport.tokenizer()).backend(backend).backendOptions(BenchSupport.options(threads)).build();
             Sam3Predictor p = model.newPredictor()) {
            long t1 = System.nanoTime();
            p.setImage(BenchSupport.image());
            long t2 = System.nanoTime();
            MaskResult r = p.predict(Prompt.text("truck"));
            long t3 = System.nanoTime();
            split.put("buildNanos", t1 - t0);
            split.put("firstSetImageNanos", t2 - t1);
            split.put("firstPromptNanos", t3 - t2);
            split.put("toFirstMaskNanos", t3 - t0);
            return r;
        }
    }

    /** Records the split, removes the checkpoint. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.record("StartupBenchmark.buildToFirstMask", Map.of("config", config, "backend", backend, "threads", threads), split);
        BenchSupport.deleteTree(dir);
    }
}
