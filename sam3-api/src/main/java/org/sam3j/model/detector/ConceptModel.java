package org.sam3j.model.detector;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.model.Sam3Config;
import org.sam3j.model.text.TextEncoder;
import org.sam3j.weights.WeightStore;

/**
 * Runs concept prompts on a backend: the text encoder (one compiled graph) and the
 * {@link ConceptDetector} (one compiled graph per number of exemplar boxes, compiled on first use and
 * kept). Thread-safe: calls that share a compiled graph are serialised on it. Closing releases the
 * compiled graphs (not the backend or the weights, which the caller owns).
 */
public final class ConceptModel implements AutoCloseable {
    /** Value added to the attention logits of padded prompt tokens. */
    static final float MASKED = -1e9f;

    /**
     * The text side of a prompt.
     *
     * @param features resized language features {@code [32, d]}, row-major
     * @param padding  per token: true where the token is padding (id 0)
     * @param hooks    intermediate tensors when requested (else empty)
     */
    public record TextFeatures(float[] features, boolean[] padding, Map<String, HostTensor> hooks) {}

    /**
     * The raw outputs of one concept prompt (batch 1).
     *
     * @param predLogits    per-query logits of the last decoder layer {@code [Q]}
     * @param predBoxes     per-query boxes (cx, cy, w, h) normalised {@code [Q·4]}
     * @param presenceLogit the presence logit of the last layer
     * @param masks         per-query mask logits {@code [Q·H·W]} ({@code maskSize²} each)
     * @param maskSize      side of the low-resolution masks (288)
     * @param hooks         intermediate tensors when requested (else empty)
     */
    public record Detection(float[] predLogits, float[] predBoxes, float presenceLogit, float[] masks, int maskSize,
                            Map<String, HostTensor> hooks) {}

    private record Key(int numBoxes, boolean hooks) {}

    private final Backend backend;
    private final WeightStore weights;
    private final Sam3Config config;
    private final Map<Key, CompiledGraph> detectors = new ConcurrentHashMap<>();
    private final Map<Boolean, CompiledGraph> textEncoders = new ConcurrentHashMap<>();

    /** A runner over {@code weights} on {@code backend}; graphs are compiled lazily. */
    public ConceptModel(Backend backend, WeightStore weights, Sam3Config config) {
        this.backend = backend;
        this.weights = weights;
        this.config = config;
    }

    private CompiledGraph textGraph(boolean hooks) {
        return textEncoders.computeIfAbsent(hooks, h -> {
            Graph g = new Graph();
            TextEncoder.Output o = new TextEncoder(g, config).forward(g.input("token_ids", TextEncoder.CONTEXT_LENGTH));
            g.output("language_features", o.languageFeatures());
            if (h) {
                g.output("text.token_embeddings", o.tokenEmbeddings());
                g.output("text.projected", o.projected());
                g.output("text.tokens", o.tokens());
            }
            return backend.compile(g, weights);
        });
    }

    /**
     * Encodes 32 token ids (start, BPE ids, end, zero padding).
     *
     * @param hooks also return intermediate states ({@code text.token_embeddings}, {@code text.projected},
     *              {@code text.tokens})
     */
    public TextFeatures encodeText(int[] tokenIds, boolean hooks) {
        if (tokenIds.length != TextEncoder.CONTEXT_LENGTH) {
            throw new IllegalArgumentException("expected " + TextEncoder.CONTEXT_LENGTH + " token ids, got " + tokenIds.length);
        }
        float[] ids = new float[tokenIds.length];
        boolean[] padding = new boolean[tokenIds.length];
        for (int i = 0; i < ids.length; i++) {
            if (tokenIds[i] < 0 || tokenIds[i] >= TextEncoder.VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + tokenIds[i] + " outside the vocabulary");
            }
            ids[i] = tokenIds[i];
            padding[i] = tokenIds[i] == 0;
        }
        CompiledGraph cg = textGraph(hooks);
        Map<String, HostTensor> out;
        synchronized (cg) {
            out = cg.run(Map.of("token_ids", ids));
        }
        Map<String, HostTensor> h = new LinkedHashMap<>(out);
        float[] features = h.remove("language_features").data();
        return new TextFeatures(features, padding, hooks ? h : Map.of());
    }

    private CompiledGraph detectorGraph(int numBoxes, boolean hooks) {
        return detectors.computeIfAbsent(new Key(numBoxes, hooks), k -> {
            Graph g = new Graph();
            ConceptDetector det = new ConceptDetector(g, config, TextEncoder.CONTEXT_LENGTH, numBoxes);
            ConceptDetector.Output o = det.forward();
            DetrDecoder.Output dec = o.decoder();
            int layers = dec.queries().size();
            int q = DetrDecoder.NUM_QUERIES;
            Tensor scores = o.scores();
            g.output("pred_logits", g.slice(scores, 0, (layers - 1) * q, layers * q));
            g.output("pred_boxes", dec.boxes());
            g.output("presence_logit", dec.presenceLogits().get(layers - 1));
            g.output("pred_masks", o.seg().masks());
            if (hooks) {
                g.output("geometry", o.geometry());
                g.output("prompt", o.prompt());
                g.output("memory", o.memory());
                g.output("pos", o.pos());
                g.output("decoder.queries", concat(g, dec.queries()));
                g.output("decoder.reference_boxes", concat(g, dec.referenceBoxes()));
                g.output("decoder.presence_logits", concat(g, dec.presenceLogits()));
                g.output("decoder.presence_state", dec.presenceState());
                g.output("scores", scores);
                g.output("semantic_seg", o.seg().semantic());
            }
            return backend.compile(g, weights);
        });
    }

    private static Tensor concat(Graph g, List<Tensor> ts) {
        return ts.size() == 1 ? ts.get(0) : g.concat(0, ts.toArray(new Tensor[0]));
    }

    /**
     * Runs the detector for one prompt on an embedding.
     *
     * @param text   the encoded text (use the text "visual" for box-only prompts, as the reference does)
     * @param boxes  exemplar boxes, normalised (cx, cy, w, h), 4 values each; empty for none
     * @param labels one per box, true = positive
     * @param hooks  also return intermediate states
     */
    public Detection detect(ImageEmbedding embedding, TextFeatures text, float[] boxes, boolean[] labels, boolean hooks) {
        int n = labels.length;
        if (boxes.length != 4 * n) {
            throw new IllegalArgumentException(boxes.length + " box coordinates for " + n + " labels");
        }
        int t = text.padding().length;
        int p = t + n + 1;
        float[] bias = new float[p];
        float[] pool = new float[p];
        int valid = 0;
        for (int i = 0; i < p; i++) {
            boolean pad = i < t && text.padding()[i];
            bias[i] = pad ? MASKED : 0f;
            if (!pad) valid++;
        }
        for (int i = 0; i < p; i++) pool[i] = bias[i] == 0f ? 1f / valid : 0f;
        Map<String, float[]> in = new HashMap<>();
        in.put(ConceptDetector.LANGUAGE, text.features());
        in.put(ConceptDetector.PROMPT_BIAS, bias);
        in.put(ConceptDetector.POOL_WEIGHTS, pool);
        for (int i = 0; i < 3; i++) in.put(ConceptDetector.FPN + i, embedding.fpn().get(i).data());
        if (n > 0) {
            float[] l = new float[n];
            for (int i = 0; i < n; i++) l[i] = labels[i] ? 1f : 0f;
            in.put(ConceptDetector.BOXES, boxes.clone());
            in.put(ConceptDetector.LABELS, l);
        }
        CompiledGraph cg = detectorGraph(n, hooks);
        Map<String, HostTensor> out;
        synchronized (cg) {
            out = cg.run(in);
        }
        Map<String, HostTensor> h = new LinkedHashMap<>(out);
        float[] logits = h.remove("pred_logits").data();
        float[] predBoxes = h.remove("pred_boxes").data();
        float presence = h.remove("presence_logit").data()[0];
        HostTensor masks = h.remove("pred_masks");
        int size = (int) Math.round(Math.sqrt(masks.shape()[1]));
        return new Detection(logits, predBoxes, presence, masks.data(), size, hooks ? h : Map.of());
    }

    /** Number of compiled detector graphs (one per box count and hook setting). */
    public int compiledDetectorGraphs() {
        return detectors.size();
    }

    @Override
    public void close() {
        detectors.values().forEach(CompiledGraph::close);
        detectors.clear();
        textEncoders.values().forEach(CompiledGraph::close);
        textEncoders.clear();
    }

    @Override
    public String toString() {
        return "ConceptModel" + Arrays.asList(config, backend.name());
    }
}
