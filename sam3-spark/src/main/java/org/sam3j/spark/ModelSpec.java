package org.sam3j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.sam3j.Precision;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.backend.Backends;
import org.sam3j.text.ClipTokenizer;

/**
 * Which model the executors load: a checkpoint on storage every executor sees (or synthetic weights, for
 * tests), the architecture, the tokenizer and the backend (name, precision, threads). A value (equal specs load one
 * shared model per JVM, see {@link ExecutorModels}) that travels with the job, hence plain strings rather
 * than {@link Path}s.
 *
 * @param checkpoint a {@code sam3.pt}, a {@code model.safetensors} or a directory holding one, as a local
 *                   path on every executor (e.g. a shared mount); {@code null} for synthetic weights
 * @param config     the architecture: {@code "full"} (the released SAM 3) or {@code "tiny"}; {@code null} for a
 *                   checkpoint's own (read from its layers)
 * @param tokenizer  the CLIP vocabulary ({@code bpe_simple_vocab_16e6.txt.gz} or a directory with
 *                   {@code vocab.json} + {@code merges.txt}); {@code null} to look beside the checkpoint
 * @param threads    threads of the model's CPU backend; 0 for all processors of the executor
 * @param backend    the backend, {@code NAME[:DEVICE]} ({@code cpu}, {@code openblas}, {@code cuda:0}, {@code auto});
 *                   {@code null} for the executor's default ({@code -Dsam3j.backend}, else the best available)
 * @param precision  storage precision of the backend ({@link Precision#FP32} unless it is a GPU backend)
 */
public record ModelSpec(String checkpoint, String config, String tokenizer, int threads, String backend,
                        Precision precision) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The released architecture. */
    public static final String FULL = "full";
    /** The small test architecture of the project's fixtures. */
    public static final String TINY = "tiny";

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if the config is not {@code full}, {@code tiny} or (with a checkpoint)
     *                                  null, a path is blank, threads is negative, synthetic weights have
     *                                  no tokenizer, or the backend is not of the form {@code NAME[:DEVICE]} (whether
     *                                  it can run is known on the executors only)
     */
    public ModelSpec {
        Objects.requireNonNull(precision, "precision");
        if (backend != null) Backends.parse(backend);
        if (config == null && checkpoint == null) {
            throw new IllegalArgumentException("synthetic weights need a config ('" + FULL + "' or '" + TINY + "')");
        }
        if (config != null && !config.equals(FULL) && !config.equals(TINY)) {
            throw new IllegalArgumentException("config must be '" + FULL + "' or '" + TINY + "', got '" + config + "'");
        }
        if (checkpoint != null && checkpoint.isBlank()) throw new IllegalArgumentException("checkpoint path is blank");
        if (tokenizer != null && tokenizer.isBlank()) throw new IllegalArgumentException("tokenizer path is blank");
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        if (checkpoint == null && tokenizer == null) {
            throw new IllegalArgumentException("synthetic weights need a tokenizer path (text prompts)");
        }
    }

    /** A spec on the default backend in {@link Precision#FP32}. */
    public ModelSpec(String checkpoint, String config, String tokenizer, int threads) {
        this(checkpoint, config, tokenizer, threads, null, Precision.FP32);
    }

    /** A checkpoint with its own architecture, its tokenizer beside it, all processors. */
    public static ModelSpec checkpoint(String path) {
        return new ModelSpec(Objects.requireNonNull(path, "path"), null, null, 0);
    }

    /** Synthetic weights (meaningless masks, the real arithmetic) of an architecture, for tests. */
    public static ModelSpec synthetic(String config, String tokenizer) {
        return new ModelSpec(null, config, Objects.requireNonNull(tokenizer, "tokenizer"), 0);
    }

    /** This spec with another architecture. */
    public ModelSpec withConfig(String newConfig) {
        return new ModelSpec(checkpoint, newConfig, tokenizer, threads, backend, precision);
    }

    /** This spec with an explicit tokenizer. */
    public ModelSpec withTokenizer(String path) {
        return new ModelSpec(checkpoint, config, Objects.requireNonNull(path, "path"), threads, backend, precision);
    }

    /** This spec with a thread count for the backend (0: all processors). */
    public ModelSpec withThreads(int n) {
        return new ModelSpec(checkpoint, config, tokenizer, n, backend, precision);
    }

    /** This spec on a backend, {@code NAME[:DEVICE]} (null: the executor's default). */
    public ModelSpec withBackend(String spec) {
        return new ModelSpec(checkpoint, config, tokenizer, threads, spec, precision);
    }

    /** This spec with a storage precision. */
    public ModelSpec withPrecision(Precision p) {
        return new ModelSpec(checkpoint, config, tokenizer, threads, backend, p);
    }

    /** Whether the weights are synthetic. */
    public boolean synthetic() {
        return checkpoint == null;
    }

    /**
     * Checks on this machine that the checkpoint and tokenizer exist and that text prompts will find a
     * tokenizer, so that a typo fails the job at once instead of in every task.
     *
     * @throws IllegalArgumentException naming the missing file
     */
    public void checkFiles() {
        if (checkpoint != null && !Files.exists(Path.of(checkpoint))) {
            throw new IllegalArgumentException("model " + checkpoint + ": no such file or directory");
        }
        if (tokenizer != null && !Files.exists(Path.of(tokenizer))) {
            throw new IllegalArgumentException("tokenizer " + tokenizer + ": no such file or directory");
        }
        if (tokenizer == null && !hasTokenizerBeside(Path.of(checkpoint))) {
            throw new IllegalArgumentException("text prompts need the CLIP tokenizer: none beside " + checkpoint
                    + " (vocab.json + merges.txt, or " + ClipTokenizer.BPE_FILE_NAME + "); give a tokenizer path");
        }
    }

    private static boolean hasTokenizerBeside(Path checkpoint) {
        Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
        if (dir == null) return false;
        return Files.isRegularFile(dir.resolve(ClipTokenizer.BPE_FILE_NAME))
                || Files.isRegularFile(dir.resolve(ClipTokenizer.VOCAB_FILE_NAME))
                && Files.isRegularFile(dir.resolve(ClipTokenizer.MERGES_FILE_NAME));
    }

    /**
     * Loads the model (text prompts only: the interactive tracker features are not computed).
     *
     * @throws IOException if the checkpoint or tokenizer cannot be read
     */
    public Sam3Model load() throws IOException {
        Sam3Model.Builder b = Sam3Model.builder().interactive(false);
        if (config != null) b.config(config.equals(TINY) ? Sam3Config.tiny() : Sam3Config.released());
        if (threads > 0) b.threads(threads);
        if (backend != null) b.backend(backend);
        b.precision(precision);
        if (tokenizer != null) b.tokenizer(Path.of(tokenizer));
        if (checkpoint == null) b.syntheticWeights();
        else b.checkpoint(Path.of(checkpoint));
        Sam3Model m = b.build();
        if (!m.hasTokenizer()) {
            m.close();
            throw new IOException("text prompts need the CLIP tokenizer: none found for " + this);
        }
        return m;
    }

    @Override
    public String toString() {
        return (checkpoint == null ? "synthetic" : checkpoint) + " (" + (config == null ? "its own architecture" : config)
                + (tokenizer == null ? "" : ", tokenizer "
                + tokenizer) + (threads == 0 ? "" : ", " + threads + " threads") + (backend == null ? "" : ", " + backend)
                + (precision == Precision.FP32 ? "" : ", " + precision.label()) + ")";
    }
}
