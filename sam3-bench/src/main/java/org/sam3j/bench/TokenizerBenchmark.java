package org.sam3j.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.text.TokenizedText;

/**
 * The CLIP tokenizer: one prompt phrase to 32 ids (sampled, for percentiles), and reading the vocabulary
 * ({@code bpe_simple_vocab_16e6.txt.gz}, what a model load pays once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx2g"})
public class TokenizerBenchmark {
    private ClipTokenizer tokenizer;
    private final String[] phrases = {"truck", "a red car parked next to a tree", "wheel", "person wearing a hat",
        "the dog's left ear", "Überraschung!", "two zebras"};
    private int next;

    /** Reads the vocabulary once. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tokenizer = ClipTokenizer.fromBpeFile(BenchSupport.tokenizer());
    }

    /** One phrase (rotating over a few, BPE cache warm as in a long-running service). */
    @Benchmark
    public TokenizedText tokenize() {
        String p = phrases[next];
        next = (next + 1) % phrases.length;
        return tokenizer.tokenize(p);
    }

    /** Records the fork's peak memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.record("TokenizerBenchmark", java.util.Map.of(), java.util.Map.of("vocabulary", tokenizer.vocabSize()));
    }

    /** Reading and parsing the vocabulary and merges. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 10)
    public ClipTokenizer loadVocabulary() throws IOException {
        return ClipTokenizer.fromBpeFile(BenchSupport.tokenizer());
    }
}
