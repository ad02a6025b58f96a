package org.sam3j.model.tracker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
import org.sam3j.internal.Log;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.weights.WeightStore;
import org.slf4j.Logger;

/**
 * Interactive segmentation on a cached image embedding: points, a box and/or a previous mask → masks of
 * one object, as SAM 3's {@code predict_inst} computes them (the SAM 2-style prompt encoder and mask
 * decoder of the checkpoint's {@code tracker.*} weights).
 *
 * <p>One graph is compiled, on first use, and serves every prompt: clicks (up to
 * {@link InteractivePrompt#MAX_POINTS}), the box and the mask are inputs padded to fixed slots whose unused
 * parts change nothing (see {@link InteractiveGraph}). Multimask output does not change the graph either
 * (all four masks are always computed; the choice between them is made afterwards).
 *
 * <p>The image's tracker levels and the dense positional encoding (computed once per decoder and kept in
 * the backend) are bound where they reside: a prompt uploads only its padded clicks, labels, validity flags
 * and mask prompt, and downloads the four candidate masks and their scores.
 *
 * <p>Thread-safe: the compiled graphs are shared and every call runs in the caller's {@link RunSession}
 * (its own execution contexts), so callers run in parallel. {@link #close()} frees the compiled graphs
 * and the positional encoding (not the backend, which the caller owns).
 */
public final class InteractiveDecoder implements AutoCloseable {
    private static final Logger LOG = Log.get(InteractiveDecoder.class);

    private final Backend backend;
    private final WeightStore weights;
    private final Sam3Config config;
    private final Map<InteractiveGraph.Layout, CompiledGraph> graphs = new ConcurrentHashMap<>();
    /** Holds the dense positional encoding, computed once and kept in the backend. */
    private final ResidentScope peScope;
    private volatile ResidentTensor imagePe;
    private volatile float[] noMaskEmbed;
    private volatile ResidentTensor zeroMask;
    private volatile boolean closed;

    /**
     * @param backend runs the graphs (owned by the caller)
     * @param weights the checkpoint's {@code tracker.sam_prompt_encoder.*}, {@code tracker.sam_mask_decoder.*}
     *                and {@code tracker.no_mem_embed} parameters
     * @param config  the architecture (only its widths and grid size matter here)
     */
    public InteractiveDecoder(Backend backend, WeightStore weights, Sam3Config config) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.config = Objects.requireNonNull(config, "config");
        this.peScope = new ResidentScope(backend);
    }

    /**
     * Declares every parameter the interactive path uses (prompt encoder incl. mask downscaling,
     * mask decoder, {@code no_mem_embed}) in graphs, for listing shapes.
     */
    public static java.util.List<Graph> parameterGraphs(Sam3Config config) {
        return java.util.List.of(InteractiveGraph.densePe(config), InteractiveGraph.decoder(config, InteractiveGraph.Layout.DEFAULT));
    }

    /** Predicts with multimask output (three masks), the reference's default, in a run session of its own. */
    public InteractiveOutput predict(ImageEmbedding embedding, InteractivePrompt prompt) {
        return predict(embedding, prompt, true);
    }

    /**
     * Predicts in a run session of its own (execution memory allocated and freed by this call), every graph
     * output among the hooks; for single calls and tests. Repeated calls should keep a session.
     */
    public InteractiveOutput predict(ImageEmbedding embedding, InteractivePrompt prompt, boolean multimask) {
        try (RunSession session = new RunSession()) {
            return predict(session, embedding, prompt, multimask, true);
        }
    }

    /**
     * Predicts the masks of one object in {@code session}'s context.
     *
     * @param session   the caller's run state
     * @param embedding the image's embedding, with its tracker levels
     * @param prompt    clicks, box and/or mask, in the image's pixels
     * @param multimask three masks (ambiguous prompts such as one click) or one
     * @param hooks     also download the prompt embeddings and mask tokens into {@link InteractiveOutput#hooks()}
     *                  (else only the masks, IoU predictions and object score leave the backend)
     * @throws IllegalArgumentException if the embedding lacks tracker features or does not fit the
     *                                  configuration, a coordinate lies outside the image, or the mask prompt
     *                                  has the wrong size
     * @throws IllegalStateException    after {@link #close()}
     */
    public InteractiveOutput predict(RunSession session, ImageEmbedding embedding, InteractivePrompt prompt,
                                     boolean multimask, boolean hooks) {
        Objects.requireNonNull(prompt, "prompt");
        List<ResidentTensor> levels = checkedInputs(session, embedding, prompt);
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        InteractiveGraph.Layout layout = InteractiveGraph.Layout.DEFAULT;
        InteractiveGraph.Packed packed = InteractiveGraph.pack(prompt, layout, w, h, config.imageSize());
        RunRequest inputs = RunRequest.create().withResident(InteractiveGraph.IMAGE_EMBED, levels.get(2));
        return run(session, inputs, levels, layout, packed, prompt.hasMask() ? prompt.maskNoCopy() : null, w, h,
                multimask, hooks);
    }

    /**
     * The SAM heads of one object on a video frame, as the tracker's {@code _forward_sam_heads} runs them.
     *
     * @param session     the caller's run state
     * @param embedding   the frame's tracker levels
     * @param conditioned the memory-conditioned 72² level {@code [1, h, w, C]} of a tracked frame, or null on a
     *                    prompted frame without memory (then {@code no_mem_embed} is added to the frame's level)
     * @param prompt      clicks, box and/or mask prompt in the frame's pixels, or null for none (a tracked frame:
     *                    the reference's two "not a point" tokens)
     * @param multimask   three masks or one (with the stability fall-back)
     * @throws IllegalArgumentException as {@link #predict(RunSession, ImageEmbedding, InteractivePrompt, boolean, boolean)}
     */
    public InteractiveOutput predictVideoFrame(RunSession session, ImageEmbedding embedding, HostTensor conditioned,
                                               InteractivePrompt prompt, boolean multimask) {
        List<ResidentTensor> levels = checkedInputs(session, embedding, prompt);
        int grid = config.gridSize();
        int c = config.dModel();
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        InteractiveGraph.Layout layout = conditioned == null ? InteractiveGraph.Layout.DEFAULT
                : InteractiveGraph.Layout.TRACKING;
        InteractiveGraph.Packed packed = prompt == null || (prompt.pointCount() == 0 && !prompt.hasBox())
                ? withMask(InteractiveGraph.packNoPoints(layout), prompt != null && prompt.hasMask())
                : InteractiveGraph.pack(prompt, layout, w, h, config.imageSize());
        RunRequest inputs = RunRequest.create();
        if (conditioned == null) {
            inputs = inputs.withResident(InteractiveGraph.IMAGE_EMBED, levels.get(2));
        } else {
            if (!java.util.Arrays.equals(conditioned.shape(), new int[] {1, grid, grid, c})) {
                throw new IllegalArgumentException("conditioned level has shape " + java.util.Arrays.toString(conditioned.shape()));
            }
            inputs = inputs.withHost(InteractiveGraph.IMAGE_EMBED, conditioned.data());
        }
        return run(session, inputs, levels, layout, packed, prompt != null && prompt.hasMask() ? prompt.maskNoCopy() : null,
                w, h, multimask, true);
    }

    /** The checks both entry points make first: open, the embedding's levels fit, the prompt (if any) fits the image. */
    private List<ResidentTensor> checkedInputs(RunSession session, ImageEmbedding embedding, InteractivePrompt prompt) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(embedding, "embedding");
        if (closed) throw new IllegalStateException("interactive decoder is closed");
        int side = 4 * config.gridSize();
        List<ResidentTensor> levels = checkedLevels(embedding, config.gridSize(), config.dModel());
        if (prompt != null) {
            prompt.checkInside(embedding.originalWidth(), embedding.originalHeight());
            if (prompt.hasMask() && prompt.maskNoCopy().length != side * side) {
                throw new IllegalArgumentException("mask prompt has " + prompt.maskNoCopy().length + " values, expected "
                        + side + " x " + side + " = " + side * side + " low-resolution logits");
            }
        }
        return levels;
    }

    private static InteractiveGraph.Packed withMask(InteractiveGraph.Packed p, boolean mask) {
        return new InteractiveGraph.Packed(p.coords(), p.labels(), p.valid(), new float[] {mask ? 1f : 0f}, p.validSlots());
    }

    private InteractiveOutput run(RunSession session, RunRequest inputs, List<ResidentTensor> levels,
                                  InteractiveGraph.Layout layout, InteractiveGraph.Packed packed, float[] maskPrompt,
                                  int w, int h, boolean multimask, boolean hooks) {
        int side = 4 * config.gridSize();
        int c = config.dModel();
        inputs = inputs
                .withResident(InteractiveGraph.FEAT_S0, levels.get(0))
                .withResident(InteractiveGraph.FEAT_S1, levels.get(1))
                .withResident(InteractiveGraph.IMAGE_PE, imagePe())
                .withHost(InteractiveGraph.POINT_COORDS, packed.coords())
                .withHost(InteractiveGraph.POINT_LABELS, packed.labels())
                .withHost(InteractiveGraph.POINT_VALID, packed.valid())
                .withHost(InteractiveGraph.MASK_PRESENT, packed.maskPresent());
        // without a mask prompt the (ignored) mask input is a zero map kept in the backend, not uploaded per click
        inputs = maskPrompt != null ? inputs.withHost(InteractiveGraph.MASK_INPUT, maskPrompt)
                : inputs.withResident(InteractiveGraph.MASK_INPUT, noMask(side));

        CompiledGraph cg = graph(layout);
        Map<String, HostTensor> out;
        // without hooks the intermediate outputs stay in the backend and are freed at once
        try (ResidentScope discard = new ResidentScope(backend, session.counter())) {
            if (!hooks) {
                for (String name : cg.plan().graph().outputs().keySet()) {
                    if (!name.equals(InteractiveGraph.MASKS) && !name.equals(InteractiveGraph.IOU)
                            && !name.equals(InteractiveGraph.OBJECT_SCORE)) {
                        inputs = inputs.keepResident(discard, name);
                    }
                }
            }
            RunResult result = session.context(cg).run(inputs);
            out = result.host();
        }
        Map<String, HostTensor> hookMap = new LinkedHashMap<>(out);
        if (hooks) {
            // the hooks show the reference's tensors: the valid sparse slots only, no_mask_embed without a mask
            int[] validSlots = packed.validSlots();
            if (validSlots.length == 0) {
                hookMap.remove(InteractiveGraph.SPARSE);
            } else {
                hookMap.put(InteractiveGraph.SPARSE, rows(out.get(InteractiveGraph.SPARSE), validSlots, c));
            }
            if (maskPrompt == null) {
                hookMap.put(InteractiveGraph.DENSE, new HostTensor(new int[] {1, 1, 1, c}, noMaskEmbed()));
            }
        }
        float[] masks = out.get(InteractiveGraph.MASKS).data();
        float[] iou = out.get(InteractiveGraph.IOU).data();
        int[] tokens = MaskSelection.select(masks, iou, side, multimask);
        return new InteractiveOutput(w, h, side, tokens, masks, iou, out.get(InteractiveGraph.OBJECT_SCORE).data()[0], hookMap);
    }

    /** Number of graphs compiled so far (one, after the first prompt). */
    public int compiledGraphCount() {
        return graphs.size();
    }

    /** Frees the compiled graphs and the positional encoding; later calls to {@code predict} fail. Idempotent. */
    @Override
    public void close() {
        closed = true;
        graphs.values().forEach(CompiledGraph::close);
        graphs.clear();
        peScope.close();
    }

    /**
     * The prompt encoder and mask decoder graph as this class compiles it for every prompt (the default
     * slots: {@link InteractivePrompt#MAX_POINTS} clicks, a box, an optional mask), for exporters and tools.
     */
    public static Graph decoderGraph(Sam3Config config) {
        return InteractiveGraph.decoder(config, InteractiveGraph.Layout.DEFAULT);
    }

    /**
     * The SAM heads of a tracked video frame as {@link #predictVideoFrame} compiles them: the same prompt encoder and
     * mask decoder, but the 72² level input is already memory-conditioned ({@code no_mem_embed} is not added), for
     * exporters and tools.
     */
    public static Graph trackingDecoderGraph(Sam3Config config) {
        return InteractiveGraph.decoder(config, InteractiveGraph.Layout.TRACKING);
    }

    /** The graph of the grid's dense position encoding (input of {@link #decoderGraph}), computed once per model. */
    public static Graph densePeGraph(Sam3Config config) {
        return InteractiveGraph.densePe(config);
    }

    private CompiledGraph graph(InteractiveGraph.Layout shape) {
        CompiledGraph cg = graphs.computeIfAbsent(shape, sh -> {
            long t0 = System.nanoTime();
            CompiledGraph compiled = backend.compileModel(InteractiveGraph.decoder(config, sh), weights);
            LOG.debug("compiled interactive graph for {} in {} ms", sh, (System.nanoTime() - t0) / 1_000_000);
            return compiled;
        });
        if (closed) {   // compiled while close() ran: do not keep it
            graphs.remove(shape, cg);
            cg.close();
            throw new IllegalStateException("interactive decoder is closed");
        }
        return cg;
    }

    /** The dense positional encoding, computed on first use and kept in the backend (no transfer). */
    private ResidentTensor imagePe() {
        ResidentTensor pe = imagePe;
        if (pe == null) {
            synchronized (this) {
                pe = imagePe;
                if (pe == null) {
                    try (CompiledGraph cg = backend.compileModel(InteractiveGraph.densePe(config), weights);
                         RunSession once = new RunSession()) {
                        pe = once.context(cg).run(RunRequest.create().keepResident(peScope, InteractiveGraph.IMAGE_PE))
                                .resident(InteractiveGraph.IMAGE_PE);
                    }
                    imagePe = pe;
                }
            }
        }
        return pe;
    }

    /** The zero mask input of prompts without a mask (never written: backends only read inputs). */
    /** The zero mask input of prompts without a mask, uploaded once into the backend. */
    private ResidentTensor noMask(int side) {
        ResidentTensor z = zeroMask;
        if (z == null) {
            synchronized (this) {
                z = zeroMask;
                if (z == null) {
                    z = peScope.upload(new HostTensor(new int[] {1, side, side, 1}, new float[side * side]));
                    zeroMask = z;
                }
            }
        }
        return z;
    }

    /** Rows {@code slots} of {@code t [1, S, c]} → {@code [1, slots.length, c]}. */
    private static HostTensor rows(HostTensor t, int[] slots, int c) {
        float[] all = t.data();
        float[] v = new float[slots.length * c];
        for (int i = 0; i < slots.length; i++) System.arraycopy(all, slots[i] * c, v, i * c, c);
        return new HostTensor(new int[] {1, slots.length, c}, v);
    }

    private float[] noMaskEmbed() {
        float[] v = noMaskEmbed;
        if (v == null) {
            v = weights.floats(SamPromptEncoder.NO_MASK_EMBED);
            noMaskEmbed = v;
        }
        return v.clone();
    }

    private static List<ResidentTensor> checkedLevels(ImageEmbedding e, int grid, int c) {
        if (!e.hasTrackerFeatures()) {
            throw new IllegalArgumentException("the image embedding has no tracker features (sam2Fpn); interactive "
                    + "prompts need the embedding computed with the tracker neck");
        }
        List<ResidentTensor> levels = e.sam2Fpn();
        int[][] expected = {{1, 4 * grid, 4 * grid, c / 8}, {1, 2 * grid, 2 * grid, c / 4}, {1, grid, grid, c}};
        for (int i = 0; i < 3; i++) {
            if (!java.util.Arrays.equals(levels.get(i).shape(), expected[i])) {
                throw new IllegalArgumentException("tracker level " + i + " has shape "
                        + java.util.Arrays.toString(levels.get(i).shape()) + ", expected " + java.util.Arrays.toString(expected[i]));
            }
        }
        return levels;
    }
}
