package org.sam3j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.internal.Log;
import org.sam3j.runner.ConceptModel;
import org.sam3j.runner.InteractiveDecoder;
import org.sam3j.runner.ImageEncoder;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.text.TokenizedText;
import org.sam3j.video.VideoTracking;
import org.sam3j.weights.CheckpointWeights;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;
import org.slf4j.Logger;

/**
 * A loaded SAM 3 model: weights, tokenizer, backend and the compiled graphs, shared by any number of
 * {@link Sam3Predictor}s. Load it once, then call {@link #newPredictor()} per image stream.
 *
 * <pre>{@code
 * try (Sam3Model model = Sam3Model.builder().checkpoint(Path.of("sam3.pt")).build();
 *      Sam3Predictor predictor = model.newPredictor()) {
 *     predictor.setImage(Path.of("truck.jpg"));
 *     MaskResult wheels = predictor.predict(Prompt.text("wheel"));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Text embeddings are cached per distinct token sequence (bounded LRU). The model owns
 * the backend it created (closed with the model); a backend passed to the builder stays the caller's.
 * {@link #close()} releases compiled graphs, weights and the owned backend; predictors must not be used
 * afterwards.
 */
public final class Sam3Model implements AutoCloseable {
    private static final Logger LOG = Log.get(Sam3Model.class);
    /** Text embeddings kept per model. */
    static final int TEXT_CACHE_SIZE = 256;

    private final Sam3Config config;
    private final WeightStore weights;
    private final AutoCloseable ownedWeights;
    private final Backend backend;
    private final ClipTokenizer tokenizer;
    private final boolean interactive;
    private final String description;
    private volatile ImageEncoder imageEncoder;
    private final ConceptModel concept;
    private final InteractiveDecoder interactiveDecoder;
    private final Map<TokenKey, ConceptModel.TextFeatures> textCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TokenKey, ConceptModel.TextFeatures> eldest) {
            return size() > TEXT_CACHE_SIZE;
        }
    };
    private long textEncodings;
    private volatile boolean closed;

    private record TokenKey(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TokenKey k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    private Sam3Model(Builder b, Backends.Selection selection, Sam3Config config, WeightStore weights,
                      AutoCloseable ownedWeights, ClipTokenizer tokenizer) {
        this.config = config;
        this.weights = weights;
        this.ownedWeights = ownedWeights;
        this.backend = selection.create();
        this.tokenizer = tokenizer;
        this.interactive = b.interactive;
        this.description = weights.describe();
        this.concept = new ConceptModel(backend, weights, config);
        this.interactiveDecoder = new InteractiveDecoder(backend, weights, config);
    }

    /** A builder; give a checkpoint or synthetic weights. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The shapes of every parameter the model's graphs use, by official {@code sam3.pt} name (for
     * synthetic weights and reports).
     */
    public static Map<String, long[]> parameterShapes(Sam3Config config) {
        Graph g = new Graph();
        ImageEncoder.forward(g, config, true);
        List<Graph> graphs = new ArrayList<>(List.of(g, ConceptModel.textGraph(config),
                ConceptModel.detectorGraph(config, 1)));
        graphs.addAll(InteractiveDecoder.parameterGraphs(config));
        graphs.addAll(VideoTracking.parameterGraphs(config));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Graph graph : graphs) {
            for (Map.Entry<String, Tensor> e : graph.weights().entrySet()) {
                int[] s = e.getValue().shape();
                long[] l = new long[s.length];
                for (int i = 0; i < s.length; i++) l[i] = s[i];
                shapes.putIfAbsent(e.getKey(), l);
            }
        }
        return shapes;
    }

    /** The architecture. */
    public Sam3Config config() {
        return config;
    }

    /** The backend running the graphs (for the predictors it opens). */
    Backend backend() {
        return backend;
    }

    /** The name of the backend that runs the graphs ({@code cpu}, {@code openblas}, {@code cuda}, ...). */
    public String backendName() {
        return backend.name();
    }

    /** What the backend runs with: its device, precision and threads (resolved: never 0), cache directory and extras. */
    public BackendOptions backendOptions() {
        return backend.options();
    }

    /**
     * The backend that runs the graphs, in one line: its name and {@link #backendOptions() options}, e.g.
     * {@code cpu (device 0, fp32, 4 threads)}.
     */
    public String backendDescription() {
        return backend.name() + " (" + backend.options() + ")";
    }

    /** Where the weights come from (file, or "synthetic"). */
    public String weightsDescription() {
        return description;
    }

    /** Whether text prompts are available (a tokenizer was found or given). */
    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    /**
     * A new predictor on this model (cheap: predictors hold an image embedding and their own execution
     * contexts, not weights; the compiled graphs and weights are shared, so predictors run in parallel).
     */
    public Sam3Predictor newPredictor() {
        checkOpen();
        return new Sam3Predictor(this);
    }

    /**
     * A new video predictor on this model: SAM 3's SAM 2-style tracker for clicked / boxed objects, with the
     * released tracker settings. It compiles its own graphs; close it when done.
     */
    public Sam3VideoPredictor newVideoPredictor() {
        checkOpen();
        return new Sam3VideoPredictor(this, org.sam3j.video.TrackerSettings.released());
    }

    WeightStore weightStore() {
        return weights;
    }

    /** How many times the text encoder ran (cache misses). */
    public synchronized long textEncodings() {
        return textEncodings;
    }

    ImageEncoder imageEncoder() {
        checkOpen();
        ImageEncoder e = imageEncoder;
        if (e == null) {
            synchronized (this) {
                e = imageEncoder;
                if (e == null) {
                    long t0 = System.nanoTime();
                    e = new ImageEncoder(backend, weights, config, interactive);
                    imageEncoder = e;
                    LOG.debug("image encoder compiled in {} ms", (System.nanoTime() - t0) / 1_000_000);
                }
            }
        }
        return e;
    }

    InteractiveDecoder interactiveDecoder() {
        checkOpen();
        return interactiveDecoder;
    }

    ConceptModel concept() {
        checkOpen();
        return concept;
    }

    /**
     * Tokenizes and encodes a phrase in the caller's {@code session}, from the cache when the same tokens
     * were seen.
     *
     * @throws IllegalArgumentException if the phrase does not fit the text encoder's context
     */
    ConceptModel.TextFeatures textFeatures(org.sam3j.backend.RunSession session, String phrase) {
        checkOpen();
        if (tokenizer == null) {
            throw new IllegalStateException("text prompts need a tokenizer: none was found beside the checkpoint "
                    + "(vocab.json + merges.txt or " + ClipTokenizer.BPE_FILE_NAME + "); set one with "
                    + "Sam3Model.Builder.tokenizer(path)");
        }
        TokenizedText t = tokenizer.tokenizeWhole(phrase);
        TokenKey key = new TokenKey(t.ids());
        synchronized (this) {
            ConceptModel.TextFeatures f = textCache.get(key);
            if (f != null) return f;
        }
        ConceptModel.TextFeatures f = concept.encodeText(session, t.ids());
        synchronized (this) {
            textEncodings++;
            textCache.put(key, f);
        }
        return f;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("model is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ImageEncoder e = imageEncoder;
        if (e != null) e.close();
        concept.close();
        interactiveDecoder.close();
        backend.close();
        if (ownedWeights != null) {
            try {
                ownedWeights.close();
            } catch (Exception ex) {
                LOG.warn("closing weights: {}", ex.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "Sam3Model[" + config + ", " + description + ", " + backend.name() + "]";
    }

    /** Configures and loads a {@link Sam3Model}. Not thread-safe. */
    public static final class Builder {
        private Path checkpoint;
        private boolean synthetic;
        private Sam3Config config; // null: the checkpoint's own (or the released architecture for synthetic weights)
        private Path tokenizerPath;
        private String backendSpec;
        private BackendOptions.Builder options = BackendOptions.builder();
        private boolean interactive = true;
        private boolean readahead = true;

        private Builder() {}

        /** A {@code sam3.pt}, a {@code model.safetensors}, or a directory holding one (and tokenizer files). */
        public Builder checkpoint(Path path) {
            this.checkpoint = Objects.requireNonNull(path, "checkpoint");
            this.synthetic = false;
            return this;
        }

        /**
         * Synthetic weights (the formula of the project's specification) instead of a checkpoint:
         * meaningless masks, identical arithmetic; for tests and benchmarks.
         */
        public Builder syntheticWeights() {
            this.synthetic = true;
            this.checkpoint = null;
            return this;
        }

        /**
         * The architecture. Default: inferred from the checkpoint's layer stacks (see
         * {@link CheckpointWeights#inferConfig()}); the released SAM 3 for synthetic weights. When set for a
         * checkpoint, its depths must match the file's.
         */
        public Builder config(Sam3Config config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * The CLIP vocabulary: {@code bpe_simple_vocab_16e6.txt.gz}, or a directory with {@code vocab.json}
         * and {@code merges.txt} (default: looked up beside the checkpoint).
         */
        public Builder tokenizer(Path path) {
            this.tokenizerPath = Objects.requireNonNull(path, "tokenizer");
            return this;
        }

        /**
         * Creates and owns the backend named {@code spec}: {@code NAME} or {@code NAME:DEVICE} ({@code cpu},
         * {@code openblas}, {@code cuda}, {@code cuda:1}) or {@code auto} (the best available). Default: the one
         * named by {@code -Dsam3j.backend} or {@code SAM3J_BACKEND}, else the best available (CUDA when
         * {@code sam3-cuda} is on the class path and a GPU is usable, OpenBLAS when {@code sam3-openblas} is and its
         * natives load, otherwise the pure-Java CPU backend, which is logged with the artifact to add). The backend
         * and its options are checked first in {@link #build()}, before any weight is read.
         *
         * @throws IllegalArgumentException if {@code spec} is not of that form
         */
        public Builder backend(String spec) {
            Backends.parse(spec);
            this.backendSpec = spec;
            return this;
        }

        /**
         * Storage precision of the backend the model creates (default {@link Precision#FP32}; CPU backends emulate
         * FP16/BF16, but {@code openblas} runs BF16 on Intel AMX or AVX512-BF16 where the CPU has either: see
         * {@link Precision}).
         */
        public Builder precision(Precision precision) {
            options.precision(precision);
            return this;
        }

        /** Threads of the backend the model creates (default: available processors). */
        public Builder threads(int threads) {
            if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
            options.threads(threads);
            return this;
        }

        /**
         * Every option of the backend the model creates (device, precision, threads, cache directory, extras);
         * replaces what {@link #precision} and {@link #threads} set before; a device in the
         * {@link #backend(String) name} wins over its device.
         */
        public Builder backendOptions(BackendOptions options) {
            this.options = options.toBuilder();
            return this;
        }

        /**
         * Whether {@code setImage} also computes the tracker features that point, box and mask prompts
         * need (default true; false saves a little time and memory for text-only use).
         */
        public Builder interactive(boolean interactive) {
            this.interactive = interactive;
            return this;
        }

        /**
         * Whether {@link #build()} passes the checkpoint file through the operating system's page cache on a
         * background thread while the model starts (default true), so that a checkpoint not read since the machine
         * started, or pushed out of the cache since, comes from the disk in one sequential pass instead of a page
         * fault at a time in the first image (full size, not cached, on a 2-core VM: first mask 18.3 s with it,
         * 24.3 s without). The kernel passes the file to {@code /dev/null}: nothing is copied into this process, and a
         * cached file costs about 20 ms of CPU per GiB. False leaves every read to the layers that need it (for a
         * process that uses a small part of the file, or to measure without it).
         */
        public Builder readahead(boolean readahead) {
            this.readahead = readahead;
            return this;
        }

        /**
         * Opens the weights and the tokenizer. Graphs are compiled on first use.
         *
         * @throws IOException if the checkpoint or tokenizer cannot be read, or is not SAM 3's
         */
        public Sam3Model build() throws IOException {
            if (checkpoint == null && !synthetic) {
                throw new IllegalStateException("give a checkpoint or syntheticWeights()");
            }
            BackendOptions opts = options.build();
            Backends.Selection selection = Backends.select(backendSpec, opts); // a wrong backend fails here, before the weights
            ClipTokenizer tok = tokenizerPath == null ? null
                    : Files.isDirectory(tokenizerPath) ? ClipTokenizer.fromDirectory(tokenizerPath)
                    : ClipTokenizer.fromBpeFile(tokenizerPath);
            if (synthetic) {
                Sam3Config c = config != null ? config : Sam3Config.released();
                return new Sam3Model(this, selection, c, SyntheticWeights.of(parameterShapes(c)), null, tok);
            }
            CheckpointWeights w = CheckpointWeights.open(checkpoint);
            if (readahead) w.startReadahead();
            try {
                Sam3Config c = config;
                if (c == null) {
                    c = w.inferConfig();
                    if (!c.isReleasedArchitecture()) LOG.info("architecture inferred from {}: {}", checkpoint, c);
                } else {
                    w.checkDepths(c);
                }
                if (tok == null) tok = findTokenizer(checkpoint);
                return new Sam3Model(this, selection, c, w, w, tok);
            } catch (IOException | RuntimeException e) {
                w.close();
                throw e;
            }
        }

        private static ClipTokenizer findTokenizer(Path checkpoint) throws IOException {
            Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
            if (dir == null) return null;
            boolean hf = Files.isRegularFile(dir.resolve(ClipTokenizer.VOCAB_FILE_NAME))
                    && Files.isRegularFile(dir.resolve(ClipTokenizer.MERGES_FILE_NAME));
            if (hf || Files.isRegularFile(dir.resolve(ClipTokenizer.BPE_FILE_NAME))) {
                return ClipTokenizer.fromDirectory(dir);
            }
            LOG.info("no tokenizer files beside {}: text prompts are unavailable until one is set", checkpoint);
            return null;
        }
    }
}
