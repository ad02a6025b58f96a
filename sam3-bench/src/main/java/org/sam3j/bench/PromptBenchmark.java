package org.sam3j.bench;

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
 * One prompt (a text phrase, or a click) after {@code setImage}, through the public API with synthetic weights,
 * per backend: what a caller pays per question about an image whose embedding is cached. The text prompt
 * reuses the cached text embedding (a repeated phrase), so it measures the detector and post-processing.
 * The tokenizer comes from {@code $SAM3_SHARED/tokenizer} or {@code ../shared/tokenizer}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx16g"})
public class PromptBenchmark {
    /** {@code tiny} (reference test configuration) or {@code full} (released architecture). */
    @Param({"tiny"})
    public String config;

    /** Backend: {@code openblas} (GEMMs on OpenBLAS) or {@code cpu} (pure Java). */
    @Param({"openblas", "cpu"})
    public String backend;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    private Sam3Model model;
    private Sam3Predictor predictor;
    private Prompt text;
    private Prompt click;
    private long setImageNanos;

    /** Loads the model, encodes an image and warms the graphs and the text cache. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        model = Sam3Model.builder().syntheticWeights().config(BenchSupport.config(config))
                .tokenizer(BenchSupport.tokenizer()).backend(backend).backendOptions(BenchSupport.options(threads)).build();
        predictor = model.newPredictor();
        predictor.setImage(BenchSupport.image()); // compiles the encoder, packs its weights
        long t0 = System.nanoTime();
        predictor.setImage(BenchSupport.image()); // a second image: the steady-state encode
        setImageNanos = System.nanoTime() - t0;
        text = Prompt.text("truck");
        predictor.predict(text); // compiles the text and detector graphs, caches the text embedding
        click = Prompt.point(500, 375);
        predictor.predict(click); // compiles the interactive decoder for one click
    }

    /** One click (three candidate masks at the original size) on the cached embedding. */
    @Benchmark
    public MaskResult click() {
        return predictor.predict(click);
    }

    /** A text prompt (cached phrase) on the cached embedding. */
    @Benchmark
    public MaskResult textPrompt() {
        return predictor.predict(text);
    }

    /** Releases the model. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.record("PromptBenchmark", Map.of("config", config, "backend", backend, "threads", threads),
                Map.of("setImageNanos", setImageNanos));
        predictor.close();
        model.close();
    }
}
