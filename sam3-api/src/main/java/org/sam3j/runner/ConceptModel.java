package org.sam3j.runner;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.backend.RunSession;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.detector.ConceptDetector;
import org.sam3j.model.detector.DetrDecoder;
import org.sam3j.model.text.TextEncoder;
import org.sam3j.weights.WeightStore;

/**
 * Runs concept prompts on a backend: the text encoder (one compiled graph per multiple of {@link #TEXT_TOKEN_STEP}
 * tokens a phrase needs, or the one of the whole context), the {@link ConceptDetector}'s image side (one compiled
 * graph, run once per image: {@link #prepare}) and its prompt graph (one compiled graph for every prompt of up to
 * {@link #MAX_BOXES} exemplar boxes — unused box slots are masked padding —), each compiled on first use and kept;
 * another one only when a verifier asks for module outputs, {@link Graph#moduleOutputs()}. The compiled graphs are
 * shared; every call runs in the caller's {@link RunSession} (its own execution contexts), so callers run in
 * parallel. Thread-safe. Closing releases the compiled graphs (not the backend or the weights, which the caller owns).
 */
public final class ConceptModel implements AutoCloseable {
    /**
     * Most exemplar boxes in one concept prompt: the box slots of the detector graph this class compiles (unused
     * slots are padding that changes nothing); {@link Prompt#MAX_EXEMPLARS}.
     */
    public static final int MAX_BOXES = Prompt.MAX_EXEMPLARS;
    /** Text graph input: token ids {@code [T]}. */
    private static final String TOKEN_IDS = "token_ids";
    /** Text graph output: resized language features {@code [T, d]}. */
    private static final String LANGUAGE_FEATURES = "language_features";

    /**
     * The text encoder runs on the tokens up to the last that is not padding, rounded up to a multiple of this (at most
     * the context): one compiled graph per multiple, and the products of short phrases (most are a few tokens) read
     * the encoder's weights for 8 rows rather than 32.
     */
    static final int TEXT_TOKEN_STEP = 8;

    /** Value added to the attention logits of padded prompt tokens. */
    static final float MASKED = -1e9f;

    /**
     * The text side of a prompt.
     *
     * @param features resized language features {@code [32, d]}, row-major; where the encoder ran on the valid tokens
     *                 only ({@link #encodeText(RunSession, int[])}), the rows past them are zero (padding, masked
     *                 wherever the detector reads the prompt)
     * @param padding  per token: true where the token is padding (id 0)
     * @param hooks    the module outputs asked for, by module path (else empty)
     */
    public record TextFeatures(float[] features, boolean[] padding, Map<String, HostTensor> hooks) {}

    /**
     * The raw outputs of one concept prompt (batch 1). The per-query masks are either downloaded
     * ({@code masks}) or resident in the backend ({@code residentMasks}, {@code [Q, H·W]}), exactly one of them
     * non-null; {@link #maskRows} reads the masks of chosen queries from either.
     *
     * @param predLogits    per-query logits of the last decoder layer {@code [Q]}
     * @param predBoxes     per-query boxes (cx, cy, w, h) normalised {@code [Q·4]}
     * @param presenceLogit the presence logit of the last layer
     * @param masks         per-query mask logits {@code [Q·H·W]} ({@code maskSize²} each), or null when resident
     * @param residentMasks the same, kept in the backend, or null when downloaded
     * @param maskSize      side of the low-resolution masks (288)
     * @param hooks         the module outputs asked for, by module path (else empty)
     */
    public record Detection(float[] predLogits, float[] predBoxes, float presenceLogit, float[] masks,
                            ResidentTensor residentMasks, int maskSize, Map<String, HostTensor> hooks) {
        /** Checks that the masks are in exactly one place. */
        public Detection {
            if ((masks == null) == (residentMasks == null)) {
                throw new IllegalArgumentException("masks must be either downloaded or resident");
            }
        }

        /**
         * The low-resolution mask logits of {@code queries}, in that order, {@code [n, maskSize²]}: gathered
         * in the backend and downloaded alone when the masks are resident (only those rows cross).
         */
        public HostTensor maskRows(int[] queries) {
            if (residentMasks != null) return residentMasks.downloadRows(queries);
            int per = maskSize * maskSize;
            float[] out = new float[queries.length * per];
            for (int i = 0; i < queries.length; i++) System.arraycopy(masks, queries[i] * per, out, i * per, per);
            return new HostTensor(new int[] {queries.length, per}, out);
        }

        /** Every query's mask logits {@code [Q·H·W]} (downloading them all when resident). */
        public float[] allMasks() {
            return masks != null ? masks : residentMasks.download().data();
        }
    }

    /**
     * The detector's share of one image ({@link ConceptDetector.ImageSide}), resident in the backend: what every
     * concept prompt on that image reuses beside the embedding's levels. It belongs to the scope
     * {@link #prepare} was given, and must not be used after that scope is closed.
     *
     * @param embedding    the image's embedding (its 72² level is read by every prompt)
     * @param selfAttended the image tokens after the fusion encoder's first self-attention {@code [s², d]}
     * @param lateralMid   the pixel decoder's convolution of the 144² level {@code [1, 2s, 2s, d]}
     * @param lateralFine  its convolution of the 288² level {@code [1, 4s, 4s, d]}
     */
    public record DetectorImage(ImageEmbedding embedding, ResidentTensor selfAttended, ResidentTensor lateralMid,
                                ResidentTensor lateralFine) {
        /** Checks that every part is there. */
        public DetectorImage {
            java.util.Objects.requireNonNull(embedding, "embedding");
            java.util.Objects.requireNonNull(selfAttended, "selfAttended");
            java.util.Objects.requireNonNull(lateralMid, "lateralMid");
            java.util.Objects.requireNonNull(lateralFine, "lateralFine");
        }

        /** Bytes held in the backend beside the embedding. */
        public long bytes() {
            return selfAttended.bytes() + lateralMid.bytes() + lateralFine.bytes();
        }
    }

    /** A compiled graph's variant: its box slots and the module outputs it exports by path (none in production). */
    private record Key(int boxSlots, Set<String> modules) {}

    /** A compiled text graph's variant: the tokens it encodes and the module outputs it exports by path. */
    private record TextKey(int tokens, Set<String> modules) {}

    private final Backend backend;
    private final WeightStore weights;
    private final Sam3Config config;
    private final Map<Key, ExportingGraph> detectors = new ConcurrentHashMap<>();
    private final Map<TextKey, ExportingGraph> textEncoders = new ConcurrentHashMap<>();
    /** The image side's graph, compiled on the first {@link #prepare}. */
    private volatile CompiledGraph imageSide;

    /** A runner over {@code weights} on {@code backend}; graphs are compiled lazily. */
    public ConceptModel(Backend backend, WeightStore weights, Sam3Config config) {
        this.backend = backend;
        this.weights = weights;
        this.config = config;
    }

    private ExportingGraph textGraph(int tokens, Set<String> modules) {
        return textEncoders.computeIfAbsent(new TextKey(tokens, Set.copyOf(modules)),
                k -> ExportingGraph.compile(backend, weights, textGraph(config, k.tokens()), k.modules()));
    }

    /**
     * The text encoder's graph as this class compiles it for the reference's comparisons: input {@code token_ids [32]},
     * output {@code language_features}; its modules' outputs are recorded by path ({@link Graph#moduleOutputs()}).
     */
    public static Graph textGraph(Sam3Config config) {
        return textGraph(config, config.textContextLength());
    }

    /** The text encoder's graph on the first {@code tokens} positions of the context. */
    static Graph textGraph(Sam3Config config, int tokens) {
        Graph g = new Graph();
        TextEncoder.Output o = Sam3Tree.of(g, config).textEncoder().forward(g.input(TOKEN_IDS, tokens));
        g.output(LANGUAGE_FEATURES, o.languageFeatures());
        return g;
    }

    /**
     * Encodes 32 token ids (start, BPE ids, end, zero padding) in {@code session}'s context, as a prompt uses them. On
     * a backend that compiles cheaply ({@link Backend#prefersFixedShapes()} false) the encoder runs on the tokens up to
     * the last that is not padding, rounded up to {@link #TEXT_TOKEN_STEP}: the encoder is causal, so their states
     * are those of the whole context, and the rows past them are left zero — padding, which the detector masks
     * wherever it reads the prompt (the reference's values there differ between its implementations too).
     */
    public TextFeatures encodeText(RunSession session, int[] tokenIds) {
        int context = config.textContextLength();
        int valid = 0;
        for (int i = 0; i < tokenIds.length; i++) {
            if (tokenIds[i] != 0) valid = i + 1;
        }
        int tokens = backend.prefersFixedShapes() ? context
                : Math.min(context, Math.max(1, (valid + TEXT_TOKEN_STEP - 1) / TEXT_TOKEN_STEP) * TEXT_TOKEN_STEP);
        return encodeText(session, tokenIds, tokens, Set.of());
    }

    /**
     * Encodes all 32 positions, the padding's too, as the reference does (for comparisons with its outputs), with what
     * the modules at {@code moduleOutputs} (paths in the checkpoint tree, e.g.
     * {@code detector.backbone.language_backbone.encoder.0}) returned, in {@link TextFeatures#hooks()} by path (see
     * {@link Graph#moduleOutputs()}).
     *
     * @throws IllegalArgumentException if no module of the text encoder returns one of the paths
     */
    public TextFeatures encodeText(RunSession session, int[] tokenIds, Set<String> moduleOutputs) {
        return encodeText(session, tokenIds, config.textContextLength(), moduleOutputs);
    }

    private TextFeatures encodeText(RunSession session, int[] tokenIds, int tokens, Set<String> moduleOutputs) {
        if (tokenIds.length != config.textContextLength()) {
            throw new IllegalArgumentException("expected " + config.textContextLength() + " token ids, got " + tokenIds.length);
        }
        float[] ids = new float[tokenIds.length];
        boolean[] padding = new boolean[tokenIds.length];
        for (int i = 0; i < ids.length; i++) {
            if (tokenIds[i] < 0 || tokenIds[i] >= config.textVocabSize()) {
                throw new IllegalArgumentException("token id " + tokenIds[i] + " outside the vocabulary");
            }
            ids[i] = tokenIds[i];
            padding[i] = tokenIds[i] == 0;
        }
        float[] encoded = tokens == ids.length ? ids : Arrays.copyOf(ids, tokens);
        Map<String, HostTensor> out = session.context(textGraph(tokens, moduleOutputs).graph())
                .run(Map.of(TOKEN_IDS, encoded));
        Map<String, HostTensor> h = new LinkedHashMap<>(out);
        float[] features = h.remove(LANGUAGE_FEATURES).data();
        if (tokens < ids.length) features = Arrays.copyOf(features, ids.length * config.dModel());
        return new TextFeatures(features, padding, h);
    }

    private ExportingGraph compiledDetector(int boxSlots, Set<String> modules) {
        return detectors.computeIfAbsent(new Key(boxSlots, Set.copyOf(modules)),
                k -> ExportingGraph.compile(backend, weights, detectorGraph(config, k.boxSlots()), k.modules()));
    }

    /**
     * The detector's image side as this class compiles it: inputs {@code fpn.0..2} (the embedding's detector levels),
     * outputs {@code fusion_self_attended}, {@code pixel_lateral.0} and {@code pixel_lateral.1}, the prompt graph's
     * inputs beside {@code fpn.2} ({@link #detectorGraph}).
     */
    public static Graph imageSideGraph(Sam3Config config) {
        Graph g = new Graph();
        ConceptDetector det = Sam3Tree.of(g, config).conceptDetector(config.textContextLength(), MAX_BOXES);
        DetectorPorts.markImageSide(g, det.imageSide(DetectorPorts.declareLevels(g, config)));
        return g;
    }

    private CompiledGraph compiledImageSide() {
        CompiledGraph c = imageSide;
        if (c == null) {
            synchronized (this) {
                c = imageSide;
                if (c == null) {
                    c = backend.compileModel(imageSideGraph(config), weights);
                    imageSide = c;
                }
            }
        }
        return c;
    }

    /**
     * Computes the detector's share of the image of {@code embedding} in {@code session}'s context, once per image:
     * the fusion encoder's first self-attention and the pixel decoder's convolutions of the neck levels, which no
     * prompt changes. The result stays in the backend, owned by {@code scope} (a scope of this model's backend);
     * every {@link #detect} on that image reuses it. Like the encoder's, this graph's context is freed after the run.
     */
    public DetectorImage prepare(RunSession session, ResidentScope scope, ImageEmbedding embedding) {
        CompiledGraph graph = compiledImageSide();
        RunRequest request = DetectorPorts.keepImageSide(DetectorPorts.bindLevels(RunRequest.create(), embedding), scope);
        RunResult out;
        try {
            out = session.context(graph).run(request);
        } finally {
            session.release(graph);
        }
        return DetectorPorts.readImageSide(out, embedding);
    }

    /**
     * The detector's graph as this class compiles it for {@code boxSlots} exemplar-box slots ({@link #MAX_BOXES}
     * in use): outputs {@code pred_logits}, {@code pred_boxes}, {@code presence_logit}, {@code pred_masks}; its
     * modules' outputs are recorded by path ({@link Graph#moduleOutputs()}).
     */
    public static Graph detectorGraph(Sam3Config config, int boxSlots) {
        Graph g = new Graph();
        int textTokens = config.textContextLength();
        ConceptDetector det = Sam3Tree.of(g, config).conceptDetector(textTokens, boxSlots);
        ConceptDetector.Output o = det.forward(DetectorPorts.declare(g, config, textTokens, boxSlots, det.promptLength()));
        DetrDecoder.Output dec = o.decoder();
        int layers = dec.queries().size();
        int q = config.numQueries();
        Tensor scores = o.scores();
        DetectorPorts.mark(g, new DetectorPorts.Outputs<>(g.slice(scores, 0, (layers - 1) * q, layers * q), dec.boxes(),
                dec.presenceLogits().get(layers - 1), o.seg().masks()));
        return g;
    }

    /**
     * Runs the detector for one prompt on an embedding, in {@code session}'s context: {@link #prepare} in a scope of
     * this call, then {@link #detect(RunSession, ResidentScope, DetectorImage, TextFeatures, float[], boolean[])}.
     * For one prompt per image (a video frame); callers that ask several prompts about one image prepare it once.
     */
    public Detection detect(RunSession session, ResidentScope maskScope, ImageEmbedding embedding, TextFeatures text,
                            float[] boxes, boolean[] labels) {
        return detect(session, maskScope, embedding, text, boxes, labels, Set.of());
    }

    /**
     * As {@link #detect(RunSession, ResidentScope, ImageEmbedding, TextFeatures, float[], boolean[])}, with the
     * module outputs at {@code moduleOutputs} as
     * {@link #detect(RunSession, ResidentScope, DetectorImage, TextFeatures, float[], boolean[], Set)} gives them.
     */
    public Detection detect(RunSession session, ResidentScope maskScope, ImageEmbedding embedding, TextFeatures text,
                            float[] boxes, boolean[] labels, Set<String> moduleOutputs) {
        checkBoxes(boxes, labels);
        compiledDetector(MAX_BOXES, moduleOutputs); // a module path it lacks fails here, before the image side runs
        try (ResidentScope scope = session.newScope(backend)) {
            return detect(session, maskScope, prepare(session, scope, embedding), text, boxes, labels, moduleOutputs);
        }
    }

    /**
     * Runs the detector for one prompt on a prepared image, in {@code session}'s context. The image's tensors are
     * bound where they reside (no copy); the text features, attention bias, pooling weights and boxes are
     * uploaded; logits, boxes and the presence logit are downloaded.
     *
     * @param session    the caller's run state
     * @param maskScope  where to keep {@code pred_masks} resident (a scope of this model's backend), or null to
     *                   download them (all {@code Q} queries)
     * @param image      the image's embedding and detector share ({@link #prepare})
     * @param text       the encoded text (use the text "visual" for box-only prompts, as the reference does)
     * @param boxes      exemplar boxes, normalised (cx, cy, w, h), 4 values each; empty for none
     * @param labels     one per box, true = positive
     * @throws IllegalArgumentException if boxes and labels disagree or there are more than
     *                                  {@link #MAX_BOXES} boxes
     */
    public Detection detect(RunSession session, ResidentScope maskScope, DetectorImage image, TextFeatures text,
                            float[] boxes, boolean[] labels) {
        return detect(session, maskScope, image, text, boxes, labels, Set.of());
    }

    /**
     * As {@link #detect(RunSession, ResidentScope, DetectorImage, TextFeatures, float[], boolean[])}, with
     * what the modules at {@code moduleOutputs} (paths in the checkpoint tree, e.g.
     * {@code detector.transformer.decoder.0}) returned, in {@link Detection#hooks()} by path and in the reference's
     * element order: outputs over the prompt's slots keep only the box slots in use, as the reference has them.
     *
     * @throws IllegalArgumentException as the other form, or if no module of the detector returns one of the paths
     */
    public Detection detect(RunSession session, ResidentScope maskScope, DetectorImage image, TextFeatures text,
                            float[] boxes, boolean[] labels, Set<String> moduleOutputs) {
        checkBoxes(boxes, labels);
        int n = labels.length;
        int slots = MAX_BOXES;
        Packed packed = pack(text.padding(), boxes, labels, slots);
        RunRequest in = DetectorPorts.bind(RunRequest.create(), image, text.features(), packed);
        if (maskScope != null) in = DetectorPorts.keepMasks(in, maskScope);
        ExportingGraph compiled = compiledDetector(slots, moduleOutputs);
        RunResult out = session.context(compiled.graph()).run(in);
        Map<String, HostTensor> h = new LinkedHashMap<>(out.host());
        DetectorPorts.Outputs<HostTensor> o = DetectorPorts.take(h);
        float[] logits = o.predLogits().data();
        float[] predBoxes = o.predBoxes().data();
        float presence = o.presenceLogit().data()[0];
        HostTensor masks = o.predMasks();
        ResidentTensor resident = maskScope != null ? DetectorPorts.residentMasks(out) : null;
        int[] maskShape = masks != null ? masks.shape() : resident.shape();
        int size = (int) Math.round(Math.sqrt(maskShape[1]));
        // the unused box slots sit right before the last row (the CLS token)
        compiled.keepUsedSlots(h, rows -> ExportingGraph.usedThenLast(rows - 1 - (slots - n), rows - 1));
        return new Detection(logits, predBoxes, presence, masks != null ? masks.data() : null, resident, size, h);
    }

    /** Boxes and labels agree and fit the box slots. */
    private static void checkBoxes(float[] boxes, boolean[] labels) {
        int n = labels.length;
        if (boxes.length != 4 * n) {
            throw new IllegalArgumentException(boxes.length + " box coordinates for " + n + " labels");
        }
        if (n > MAX_BOXES) {
            throw new IllegalArgumentException("too many exemplar boxes: " + n + ", a prompt has at most " + MAX_BOXES);
        }
    }

    /**
     * A concept prompt packed into the detector's padded inputs.
     *
     * @param bias   {@link ConceptDetector.Inputs#promptBias()}: 0 at valid tokens, {@link #MASKED} at padded text
     *               tokens and unused box slots
     * @param pool   {@link ConceptDetector.Inputs#poolWeights()}: 1/valid count at valid tokens, 0 elsewhere
     * @param boxes  {@link ConceptDetector.Inputs#boxes()}, unused slots holding the whole image
     * @param labels {@link ConceptDetector.Inputs#labels()}, unused slots 0
     */
    record Packed(float[] bias, float[] pool, float[] boxes, float[] labels) {}

    /** Lays out text tokens, {@code slots} box slots (the first {@code labels.length} used) and the CLS token. */
    static Packed pack(boolean[] textPadding, float[] boxes, boolean[] labels, int slots) {
        int t = textPadding.length;
        int n = labels.length;
        int p = t + slots + 1;
        float[] bias = new float[p];
        for (int i = 0; i < t; i++) if (textPadding[i]) bias[i] = MASKED;
        for (int i = n; i < slots; i++) bias[t + i] = MASKED;
        int valid = 0;
        for (float b : bias) if (b == 0f) valid++;
        float[] pool = new float[p];
        for (int i = 0; i < p; i++) pool[i] = bias[i] == 0f ? 1f / valid : 0f;
        float[] b = new float[4 * slots];
        float[] l = new float[slots];
        System.arraycopy(boxes, 0, b, 0, 4 * n);
        for (int i = 0; i < n; i++) l[i] = labels[i] ? 1f : 0f;
        for (int i = n; i < slots; i++) {   // any finite box will do: its token is masked everywhere
            b[4 * i] = 0.5f;
            b[4 * i + 1] = 0.5f;
            b[4 * i + 2] = 1f;
            b[4 * i + 3] = 1f;
        }
        return new Packed(bias, pool, b, l);
    }

    /** Number of compiled detector graphs (one, and one per set of module outputs a verifier asked for). */
    public int compiledDetectorGraphs() {
        return detectors.size();
    }

    @Override
    public void close() {
        CompiledGraph side = imageSide;
        if (side != null) side.close();
        imageSide = null;
        detectors.values().forEach(c -> c.graph().close());
        detectors.clear();
        textEncoders.values().forEach(c -> c.graph().close());
        textEncoders.clear();
    }

    @Override
    public String toString() {
        return "ConceptModel" + Arrays.asList(config, backend.name());
    }
}
