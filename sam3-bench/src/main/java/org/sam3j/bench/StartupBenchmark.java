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
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;

/**
 * Start-up: the time from {@code Sam3Model.builder()...build()} on a checkpoint file to the first mask of a text
 * prompt, in a fresh JVM (one measurement per fork, no warm-up: the JIT, the native libraries and the weights are
 * all cold, as for a service's first request). The checkpoint is a synthetic one of the configuration, written
 * during setup by a child JVM and read from the page cache; the peak RSS is reset after it, so it covers the model only.
 * The backend is created (its natives loaded) inside the measured time. The trial records the split (build, first
 * {@code setImage}: graph compile, weight binding, encode; first prompt: text encoder, detector compile and run),
 * each with the process's CPU time, and then, outside the measured time, a steady-state round in the same process
 * (a second image and a second phrase, so the text encoder runs again): the warm-up tax is the first round over the
 * steady one, a ratio that holds on a machine whose other load changes from one run to the next.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 3, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx16g"})
@Timeout(time = 1, timeUnit = TimeUnit.HOURS) // the trial runs two rounds: full size on a loaded 2-core machine passes JMH's 10 minutes
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
    private Sam3Model model;
    private Sam3Predictor predictor;
    private final Map<String, Object> split = new LinkedHashMap<>();

    /** Writes the checkpoint, then forgets the memory that took. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("sam3j-bench-startup");
        file = BenchSupport.writeSyntheticCheckpointInChild(config, dir); // keeps this fork's memory the model's
        System.gc();
        split.put("rssBeforeBuildBytes", BenchSupport.peakRssBytes());
        split.put("peakRssReset", BenchSupport.resetPeakRss());
        split.put("loadAverageAtStart", BenchSupport.loadAverage());
    }

    /** Build, first image, first mask. */
    @Benchmark
    public MaskResult buildToFirstMask() throws IOException {
        long c0 = BenchSupport.processCpuNanos();
        long t0 = System.nanoTime();
        model = Sam3Model.builder().checkpoint(file).config(BenchSupport.config(config))
                .tokenizer(BenchSupport.tokenizer()).backend(backend).backendOptions(BenchSupport.options(threads)).build();
        predictor = model.newPredictor();
        long t1 = System.nanoTime();
        long c1 = BenchSupport.processCpuNanos();
        predictor.setImage(BenchSupport.image());
        long t2 = System.nanoTime();
        long c2 = BenchSupport.processCpuNanos();
        MaskResult r = predictor.predict(Prompt.text("truck"));
        long t3 = System.nanoTime();
        long c3 = BenchSupport.processCpuNanos();
        split.put("buildNanos", t1 - t0);
        split.put("firstSetImageNanos", t2 - t1);
        split.put("firstPromptNanos", t3 - t2);
        split.put("toFirstMaskNanos", t3 - t0);
        split.put("buildCpuNanos", c1 - c0);
        split.put("firstSetImageCpuNanos", c2 - c1);
        split.put("firstPromptCpuNanos", c3 - c2);
        split.put("toFirstMaskCpuNanos", c3 - c0);
        split.put("peakRssAtFirstMaskBytes", BenchSupport.peakRssBytes());
        return r;
    }

    /** The steady round (not measured by JMH), then records the split, closes the model, removes the checkpoint. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (predictor != null) {
                long c0 = BenchSupport.processCpuNanos();
                long t0 = System.nanoTime();
                predictor.setImage(BenchSupport.image());
                long t1 = System.nanoTime();
                long c1 = BenchSupport.processCpuNanos();
                predictor.predict(Prompt.text("car")); // another phrase: the text encoder runs as in the first round
                long t2 = System.nanoTime();
                long c2 = BenchSupport.processCpuNanos();
                split.put("steadySetImageNanos", t1 - t0);
                split.put("steadyPromptNanos", t2 - t1);
                split.put("steadySetImageCpuNanos", c1 - c0);
                split.put("steadyPromptCpuNanos", c2 - c1);
                split.put("loadAverageAtEnd", BenchSupport.loadAverage());
            }
            BenchSupport.record("StartupBenchmark.buildToFirstMask", Map.of("config", config, "backend", backend, "threads", threads), split);
        } finally {
            if (predictor != null) predictor.close();
            if (model != null) model.close();
            BenchSupport.deleteTree(dir);
        }
    }
}
