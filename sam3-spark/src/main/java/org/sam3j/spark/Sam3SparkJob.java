package org.sam3j.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sam3j.Precision;
import org.sam3j.backend.Backends;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.weights.SyntheticWeights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spark-submit entry point: segments a folder, a Parquet table or a text list of image paths with a
 * text prompt and writes the result as a Parquet table ({@link Sam3Spark#schema()}).
 *
 * <pre>
 * spark-submit --class org.sam3j.spark.Sam3SparkJob sam3-spark.jar \
 *     --input DIR|TABLE.parquet|PATHS.txt --text PHRASE --out DIR
 *     (--model M | --weights synthetic [--config tiny|full]) [--tokenizer PATH]
 *     [--threshold T] [--partitions N] [--column NAME] [--threads N] [--overwrite]
 *     [--backend NAME[:DEVICE]] [--precision fp32|fp16|bf16]
 * </pre>
 *
 * <p>Arguments, the model files and the input are checked before any model work; a mistake is one line
 * {@code sam3-spark: ...} on stderr and exit status 2. Images that fail are rows with an {@code error}
 * (the job still exits 0); a job that fails as a whole (e.g. the model cannot load on the executors) exits 1.
 * A summary line goes to stdout.
 */
public final class Sam3SparkJob {
    private static final Logger LOG = LoggerFactory.getLogger(Sam3SparkJob.class);
    static final String TOKENIZER_RELATIVE = SyntheticWeights.SHARED_TOKENIZER;
    static final String USAGE = "usage: sam3-spark --input DIR|TABLE.parquet|PATHS.txt --text PHRASE --out DIR"
            + " (--model M | --weights synthetic [--config tiny|full]) [--tokenizer PATH] [--threshold T]"
            + " [--partitions N] [--column NAME] [--threads N] [--overwrite] [--backend NAME[:DEVICE]]"
            + " [--precision fp32|fp16|bf16]";
    private static final Set<String> VALUED = Set.of("--input", "--text", "--out", "--model", "--weights", "--config",
            "--tokenizer", "--threshold", "--partitions", "--column", "--threads", "--backend", "--precision");

    private Sam3SparkJob() {}

    /** A mistake in the arguments or the input: one line for the user, exit status 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The parsed command line. */
    record JobArgs(String input, String out, String column, boolean overwrite, SegmentJobOptions options) {}

    /** Runs the job on the session spark-submit configured, then stops it; exits with {@link #run}'s status. */
    public static void main(String[] args) {
        SparkSession[] created = new SparkSession[1];
        int status = run(args, System.out, System.err, System::getenv,
                () -> created[0] = SparkSession.builder().appName("sam3-spark").getOrCreate());
        if (created[0] != null) created[0].stop();
        System.exit(status);
    }

    /**
     * Parses, checks and runs the job; the session is created only once the arguments are valid and is not
     * stopped here.
     *
     * @return 0 when the table was written (images that failed are error rows), 1 when the job failed, 2 for
     *         bad arguments or input
     */
    static int run(String[] args, PrintStream out, PrintStream err, Function<String, String> env,
                   Supplier<SparkSession> session) {
        long start = System.nanoTime();
        JobArgs a;
        try {
            a = parse(args, env);
            if (a == null) {
                out.println(USAGE);
                return 0;
            }
            a.options().model().checkFiles();
        } catch (UsageException | IllegalArgumentException e) {
            err.println("sam3-spark: " + e.getMessage());
            return 2;
        }
        SparkSession spark = session.get();
        Dataset<Row> paths;
        try {
            checkOut(spark, a);
            paths = Sam3Spark.imagePaths(spark, a.input(), a.column());
        } catch (UsageException | IllegalArgumentException | UncheckedIOException e) {
            err.println("sam3-spark: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            // Spark's AnalysisException (an unreadable table) and the like, checked but undeclared: the input's fault
            err.println("sam3-spark: input " + a.input() + ": " + ResultRows.describe(e));
            return 2;
        }
        try {
            Sam3Spark.segment(spark, paths, a.options()).write()
                    .mode(a.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(a.out());
        } catch (Exception e) {
            // SparkException is checked but undeclared (Scala)
            LOG.error("sam3-spark job failed", e);
            err.println("sam3-spark: job failed: " + ResultRows.describe(e));
            return 1;
        }
        // the summary reads the written table back: the result Dataset itself would re-run the model
        Row s = spark.read().parquet(a.out()).agg(countDistinct(col(ResultRows.IMAGE)), count(col(ResultRows.INSTANCE)),
                count(col(ResultRows.ERROR))).first();
        out.printf(Locale.ROOT, "sam3-spark: %d images, %d instances of '%s', %d failed -> %s (%.1f s)%n", s.getLong(0),
                s.getLong(1), a.options().text(), s.getLong(2), a.out(), (System.nanoTime() - start) / 1e9);
        out.flush();
        return 0;
    }

    private static void checkOut(SparkSession spark, JobArgs a) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(a.out());
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!a.overwrite() && fs.exists(p)) {
                throw new UsageException("--out " + a.out() + " exists (remove it or pass --overwrite)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--out " + a.out() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the command line; null for {@code --help}.
     *
     * @throws UsageException naming the first problem
     */
    static JobArgs parse(String[] args, Function<String, String> env) {
        Map<String, String> v = new HashMap<>();
        boolean overwrite = false;
        for (int i = 0; i < args.length; i++) {
            String k = args[i];
            if (k.equals("--help") || k.equals("-h")) return null;
            if (k.equals("--overwrite")) {
                overwrite = true;
            } else if (VALUED.contains(k)) {
                if (i + 1 >= args.length) throw new UsageException(k + " needs a value");
                if (v.put(k, args[++i]) != null) throw new UsageException(k + " given twice");
            } else {
                throw new UsageException("unknown argument '" + k + "' (" + USAGE + ")");
            }
        }
        for (String required : List.of("--input", "--text", "--out")) {
            if (!v.containsKey(required)) throw new UsageException("missing " + required + " (" + USAGE + ")");
        }
        String model = v.get("--model");
        String weights = v.get("--weights");
        if (weights != null && !weights.equals("synthetic")) {
            throw new UsageException("--weights accepts only 'synthetic' (for a checkpoint use --model M), got '" + weights + "'");
        }
        if ((model == null) == (weights == null)) {
            throw new UsageException(model == null ? "give --model M (a checkpoint or model directory) or --weights synthetic"
                    : "--model and --weights synthetic are alternatives: give one");
        }
        if (model != null && model.startsWith("hf:")) {
            throw new UsageException("--model " + model + ": give a local path every executor can read (download it first"
                    + " with 'sam3 info --model " + model + "')");
        }
        // a checkpoint's architecture is read from its layers unless --config names one
        String config = v.getOrDefault("--config", model == null ? ModelSpec.FULL : null);
        if (config != null && !config.equals(ModelSpec.FULL) && !config.equals(ModelSpec.TINY)) {
            throw new UsageException("--config must be 'full' or 'tiny', got '" + config + "'");
        }
        String tokenizer = v.get("--tokenizer");
        if (tokenizer == null && model == null) {
            Path t = defaultTokenizer(env, Path.of(""));
            if (t == null) {
                throw new UsageException("--weights synthetic needs the CLIP tokenizer: pass --tokenizer PATH ("
                        + ClipTokenizer.BPE_FILE_NAME + "; looked up at $SAM3_SHARED/" + TOKENIZER_RELATIVE + " and ../shared/"
                        + TOKENIZER_RELATIVE + ")");
            }
            tokenizer = t.toString();
        }
        int threads = v.containsKey("--threads") ? positiveInt("--threads", v.get("--threads")) : 0;
        if (v.containsKey("--backend")) {
            try {
                Backends.parse(v.get("--backend")); // the syntax here; whether it runs, on the executors
            } catch (IllegalArgumentException e) {
                throw new UsageException("--backend: " + e.getMessage());
            }
        }
        ModelSpec spec;
        try {
            spec = new ModelSpec(model == null ? null : Path.of(model).toAbsolutePath().normalize().toString(), config,
                    tokenizer == null ? null : Path.of(tokenizer).toAbsolutePath().normalize().toString(), threads,
                    v.get("--backend"), Precision.FP32);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (v.containsKey("--precision")) {
            try {
                spec = spec.withPrecision(Precision.parse(v.get("--precision")));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--precision: " + e.getMessage());
            }
        }
        SegmentJobOptions.Builder b;
        try {
            b = SegmentJobOptions.builder(spec, v.get("--text"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--text: " + e.getMessage());
        }
        if (v.containsKey("--threshold")) {
            float t;
            try {
                t = Float.parseFloat(v.get("--threshold"));
            } catch (NumberFormatException e) {
                throw new UsageException("--threshold must be a number in [0, 1], got '" + v.get("--threshold") + "'");
            }
            if (!(t >= 0f && t <= 1f)) throw new UsageException("--threshold must be in [0, 1], got " + v.get("--threshold"));
            b.threshold(t);
        }
        if (v.containsKey("--partitions")) b.partitions(positiveInt("--partitions", v.get("--partitions")));
        String column = v.get("--column");
        if (column != null && column.isBlank()) throw new UsageException("--column is blank");
        return new JobArgs(v.get("--input"), v.get("--out"), column, overwrite, b.build());
    }

    private static int positiveInt(String name, String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(name + " must be a positive integer, got '" + s + "'");
    }

    /** See {@link SyntheticWeights#defaultTokenizer}. */
    static Path defaultTokenizer(Function<String, String> env, Path workingDir) {
        return SyntheticWeights.defaultTokenizer(env, workingDir);
    }
}
