package org.sam3j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.MaskResult;
import org.sam3j.testing.SharedData;

/**
 * The job's argument checks, the model spec and the row conversion: no Spark session and no model run, so
 * these stay in the default test run.
 */
class Sam3SparkJobArgsTest {
    private static final Function<String, String> NO_ENV = k -> null;

    private static String tokenizer() {
        return SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz").toString();
    }

    /** Runs the job with a session factory that fails: these arguments must be refused before Spark starts. */
    private static String refused(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Sam3SparkJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), NO_ENV, () -> {
                    throw new AssertionError("Spark started for bad arguments");
                });
        assertEquals(2, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("sam3-spark: "), e);
        return e;
    }

    private static void assertRefused(String fragment, String... args) {
        String e = refused(args);
        assertTrue(e.contains(fragment), "expected '" + fragment + "' in: " + e);
    }

    private static String[] synthetic(String... more) {
        List<String> l = new ArrayList<>(List.of("--input", "imgs", "--text", "truck", "--out", "out", "--weights",
                "synthetic", "--config", "tiny", "--tokenizer", tokenizer()));
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }

    @Test
    void badArgumentsAreOneLineAndExitTwo() {
        assertTrue(refused().contains("missing --input"));
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o").contains("give --model M"));
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o", "--model", "m", "--weights", "synthetic")
                .contains("alternatives"));
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o", "--weights", "real").contains("only 'synthetic'"));
        assertTrue(refused(synthetic("--threshold", "1.5")).contains("--threshold must be in [0, 1]"));
        assertTrue(refused(synthetic("--threshold", "abc")).contains("--threshold must be a number"));
        assertTrue(refused(synthetic("--partitions", "0")).contains("--partitions must be a positive integer"));
        assertTrue(refused(synthetic("--threads", "-1")).contains("--threads must be a positive integer"));
        assertRefused("--config must be 'full' or 'tiny'", "--input", "x", "--text", "t", "--out", "o", "--weights", "synthetic",
                "--tokenizer", tokenizer(), "--config", "huge");
        assertTrue(refused(synthetic("--frobnicate")).contains("unknown argument '--frobnicate'"));
        assertTrue(refused(synthetic("--backend", "cuda:x")).contains("--backend: bad backend 'cuda:x'"));
        assertTrue(refused(synthetic("--precision", "fp8")).contains("--precision: unknown precision 'fp8'"));
        assertTrue(refused(synthetic("--out")).contains("--out needs a value"));
        assertTrue(refused(synthetic("--text", "car")).contains("--text given twice"));
        assertTrue(refused("--input", "x", "--text", " ", "--out", "o", "--weights", "synthetic", "--tokenizer", tokenizer())
                .contains("--text: the text prompt is blank"));
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o", "--model", "hf:facebook/sam3")
                .contains("local path"));
    }

    @Test
    void missingModelFilesAreRefusedBeforeSparkStarts(@TempDir Path tmp) throws Exception {
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o", "--model", tmp.resolve("none.pt").toString())
                .contains("no such file or directory"));
        Path ckpt = Files.writeString(tmp.resolve("sam3.pt"), "not read here");
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o", "--model", ckpt.toString())
                .contains("need the CLIP tokenizer: none beside"), "no tokenizer beside the checkpoint");
        assertTrue(refused("--input", "x", "--text", "t", "--out", "o", "--weights", "synthetic", "--tokenizer",
                tmp.resolve("none.gz").toString()).contains("tokenizer " + tmp.resolve("none.gz") + ": no such file"));
    }

    @Test
    void syntheticWeightsFindTheTokenizerInTheSharedDirectory(@TempDir Path tmp) {
        assertNull(Sam3SparkJob.defaultTokenizer(k -> tmp.toString(), tmp.resolve("project")));
        assertEquals(SharedData.resolve(Sam3SparkJob.TOKENIZER_RELATIVE),
                Sam3SparkJob.defaultTokenizer(k -> k.equals("SAM3_SHARED") ? SharedData.dir().toString() : null, tmp));
        Path project = SharedData.dir().resolveSibling("some-checkout");
        assertEquals(SharedData.resolve(Sam3SparkJob.TOKENIZER_RELATIVE).normalize(), Sam3SparkJob.defaultTokenizer(NO_ENV, project));
    }

    @Test
    void parsesAJobAndFindsTheSharedTokenizer() {
        Sam3SparkJob.JobArgs a = Sam3SparkJob.parse(new String[] {"--input", "in.txt", "--text", " red car ", "--out", "o",
                "--weights", "synthetic", "--config", "tiny", "--threshold", "0.25", "--partitions", "3", "--threads", "2",
                "--column", "image", "--overwrite"}, k -> k.equals("SAM3_SHARED") ? SharedData.dir().toString() : null);
        assertEquals("in.txt", a.input());
        assertEquals("o", a.out());
        assertEquals("image", a.column());
        assertTrue(a.overwrite());
        SegmentJobOptions o = a.options();
        assertEquals("red car", o.text());
        assertEquals(0.25f, o.threshold());
        assertEquals(3, o.partitions());
        assertEquals(new ModelSpec(null, "tiny", Path.of(tokenizer()).toAbsolutePath().normalize().toString(), 2), o.model());
        SegmentJobOptions gpu = Sam3SparkJob.parse(new String[] {"--input", "in.txt", "--text", "car", "--out", "o",
                "--weights", "synthetic", "--config", "tiny", "--backend", "cuda:1", "--precision", "bf16"},
                k -> k.equals("SAM3_SHARED") ? SharedData.dir().toString() : null).options();
        assertEquals("cuda:1", gpu.model().backend());
        assertEquals(org.sam3j.Precision.BF16, gpu.model().precision());
        assertNull(Sam3SparkJob.parse(new String[] {"--text", "x", "--help"}, NO_ENV));
    }

    @Test
    void modelSpecsAreCheckedValues() {
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("m.pt", "medium", null, 0));
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec(null, "tiny", null, 0));
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("m.pt", "full", null, -1));
        assertEquals(ModelSpec.checkpoint("m.pt").withConfig("tiny").withThreads(4), new ModelSpec("m.pt", "tiny", null, 4));
        assertEquals(null, ModelSpec.checkpoint("m.pt").config(), "a checkpoint's own architecture by default");
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec(null, null, "tok.gz", 0));
        assertEquals(new ModelSpec("m.pt", null, null, 0, "cuda:1", org.sam3j.Precision.BF16),
                ModelSpec.checkpoint("m.pt").withBackend("cuda:1").withPrecision(org.sam3j.Precision.BF16));
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.checkpoint("m.pt").withBackend("cuda:gpu"));
        assertThrows(IllegalArgumentException.class, () -> SegmentJobOptions.builder(ModelSpec.checkpoint("m"), "t")
                .threshold(Float.NaN));
    }

    @Test
    void anImageWithoutInstancesOrWithAnErrorIsOneRowWithoutInstance() {
        List<Row> none = ResultRows.of("a.jpg", MaskResult.empty(4, 3));
        assertEquals(1, none.size());
        Row r = none.get(0);
        assertEquals("a.jpg", r.getString(0));
        for (int i = 1; i < ResultRows.SCHEMA.size(); i++) assertTrue(r.isNullAt(i), "column " + i);

        Row e = ResultRows.error("b.jpg", new java.io.IOException("broken\nsecond line"));
        assertEquals("b.jpg", e.getString(0));
        assertEquals("IOException: broken", e.getString(ResultRows.SCHEMA.fieldIndex(ResultRows.ERROR)));
        assertTrue(e.isNullAt(ResultRows.SCHEMA.fieldIndex(ResultRows.INSTANCE)));
    }
}
