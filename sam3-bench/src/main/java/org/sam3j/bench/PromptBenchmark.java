package org.sam3j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
import org.sam3j.image.RgbImage;
import org.sam3j.model.Sam3Config;

/**
 * One prompt (a text phrase, or a click) after {@code setImage}, through the public API on the pure-Java CPU backend with synthetic
 * weights: what a caller pays per question about an image whose embedding is cached. The text prompt
 * reuses the cached text embedding (a repeated phrase), so it measures the detector and post-processing.
 * The tokenizer comes from {@code $SAM3_SHARED/tokenizer} or {@code ../shared/tokenizer}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx16g"})
public class PromptBenchmark {
    /** {@code tiny} (reference test configuration) or {@code full} (released architecture). */
    @Param({"tiny"})
    public String config;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    private Sam3Model model;
    private Sam3Predictor predictor;
    private Prompt text;
    private Prompt click;

    static Path tokenizer() {
        String env = System.getenv("SAM3_SHARED");
        Path shared = env != null && !env.isBlank() ? Paths.get(env) : Paths.get("..", "shared");
        Path bpe = shared.resolve("tokenizer").resolve("bpe_simple_vocab_16e6.txt.gz");
        if (!Files.isRegularFile(bpe)) {
            throw new IllegalStateException("no CLIP vocabulary at " + bpe.toAbsolutePath() + " (set SAM3_SHARED)");
        }
        return bpe;
    }

    /** Loads the model, encodes an image and warms the graphs and the text cache. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Sam3Config c = config.equals("full") ? Sam3Config.released() : Sam3Config.tiny();
        Sam3Model.Builder b = Sam3Model.builder().syntheticWeights().config(c).tokenizer(tokenizer());
        if (threads > 0) b.threads(threads);
        model = b.build();
        predictor = model.newPredictor();
        byte[] rgb = new byte[1800 * 1200 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 31 % 251);
        predictor.setImage(RgbImage.of(1800, 1200, rgb));
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
        predictor.close();
        model.close();
    }
}
