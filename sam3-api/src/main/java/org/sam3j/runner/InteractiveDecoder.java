package org.sam3j.runner;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.sam3j.Box;
import org.sam3j.LowResMask;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunSession;
import org.sam3j.graph.Graph;
import org.sam3j.internal.Log;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.tracker.SamMaskDecoder;
import org.sam3j.model.tracker.SamPromptEncoder;
import org.sam3j.weights.WeightStore;
import org.slf4j.Logger;

/**
 * Interactive segmentation on a cached image embedding: points, a box and/or a previous mask → masks of
 * one object, as SAM 3's {@code predict_inst} computes them (the SAM 2-style prompt encoder and mask
 * decoder of the checkpoint's {@code tracker.*} weights).
 *
 * <p>One graph, compiled on first use, serves every prompt without a mask prompt: clicks (up to
 * {@link Prompt#MAX_POINTS}) and the box are inputs padded to fixed slots whose unused parts change nothing (see
 * {@link InteractiveGraph}); a second one, compiled when the first mask prompt comes, also takes the mask. Multimask
 * output does not change the graph (all four masks are always computed; the choice between them is made
 * afterwards). Exporters get the graph with the mask input ({@link #decoderGraph}), which serves both.
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
    /** A compiled decoder graph's variant: its point layout and the module outputs it exports by path. */
    private record Variant(InteractiveGraph.Layout layout, Set<String> modules) {}

    private final Map<Variant, ExportingGraph> graphs = new ConcurrentHashMap<>();
    /** The graph of {@link #prepare}, compiled on its first use. */
    private volatile CompiledGraph imageSide;
    /** Holds the dense positional encoding, computed once and kept in the backend. */
    private final ResidentScope peScope;
    private volatile ResidentTensor imagePe;
    private volatile float[] noMaskEmbed;
    private volatile boolean closed;

    /**
     * The decoder's share of one image ({@link #prepare}): the image tokens and the first two-way block's projections
     * of them, resident in the backend. It reads the embedding's 72² level only through these, but its tracker levels
     * at every prompt, and belongs to the scope it was prepared in; it must not be used after that scope is closed.
     *
     * @param embedding the image's embedding (its 288² and 144² tracker levels are read by every prompt)
     * @param parts     image tokens {@code [1, h·w, C]}, token → image keys and values and image → token queries
     *                  {@code [1, h·w, C/2]} each
     */
    public record DecoderImage(ImageEmbedding embedding, List<ResidentTensor> parts) {
        /** Checks that every part is there. */
        public DecoderImage {
            Objects.requireNonNull(embedding, "embedding");
            parts = List.copyOf(parts);
            if (parts.size() != 4) throw new IllegalArgumentException("expected 4 parts, got " + parts.size());
        }

        /** Bytes held in the backend beside the embedding. */
        public long bytes() {
            return parts.stream().mapToLong(ResidentTensor::bytes).sum();
        }
    }

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
    public static List<Graph> parameterGraphs(Sam3Config config) {
        return List.of(InteractiveGraph.densePe(config), InteractiveGraph.decoder(config, InteractiveGraph.Layout.DEFAULT));
    }

    /**
     * Predicts in a run session of its own (execution memory allocated and freed by this call), every graph
     * output downloaded; for single calls and tests. Repeated calls should keep a session.
     */
    public MaskDecoding predict(ImageEmbedding embedding, Prompt prompt) {
        try (RunSession session = new RunSession()) {
            return predict(session, embedding, prompt, true);
        }
    }

    /**
     * Predicts the masks of one object in {@code session}'s context.
     *
     * @param session   the caller's run state
     * @param embedding the image's embedding, with its tracker levels
     * @param prompt    an interactive prompt (clicks, box and/or mask, in the image's pixels); its
     *                  {@link Prompt#multimask()} chooses three masks or one
     * @param hooks     also download the prompt embeddings and mask tokens (else only the masks, IoU predictions
     *                  and object score leave the backend)
     * @throws IllegalArgumentException if the prompt is not interactive, the embedding lacks tracker features or does
     *                                  not fit the configuration, a coordinate lies outside the image, or the mask
     *                                  prompt has the wrong size
     * @throws IllegalStateException    after {@link #close()}
     */
    public MaskDecoding predict(RunSession session, ImageEmbedding embedding, Prompt prompt, boolean hooks) {
        return predict(session, embedding, prompt, hooks, Set.of());
    }

    /**
     * As {@link #predict(RunSession, ImageEmbedding, Prompt, boolean)} with every output downloaded, and what the
     * modules at {@code moduleOutputs} (paths in the checkpoint tree, e.g. {@code tracker.sam_prompt_encoder.1})
     * returned, in {@link MaskDecoding#moduleOutputs()} by path and in the reference's element order (outputs over
     * the point slots keep only the prompt's own tokens).
     *
     * @throws IllegalArgumentException as the other form, or if no module of the decoder graph returns one of the paths
     */
    public MaskDecoding predict(RunSession session, ImageEmbedding embedding, Prompt prompt, Set<String> moduleOutputs) {
        return predict(session, embedding, prompt, true, moduleOutputs);
    }

    private MaskDecoding predict(RunSession session, ImageEmbedding embedding, Prompt prompt, boolean hooks,
                                 Set<String> modules) {
        return predict(session, embedding, prompt, hooks, modules, InteractiveGraph.Layout.DEFAULT);
    }

    /** As the public forms, with the prompt packed into {@code layout}'s slots (for measurements and tests). */
    MaskDecoding predict(RunSession session, ImageEmbedding embedding, Prompt prompt, boolean hooks, Set<String> modules,
                         InteractiveGraph.Layout layout) {
        return predict(session, embedding, null, prompt, hooks, modules, layout);
    }

    /**
     * Predicts the masks of one object in {@code session}'s context on an image whose share of the decoder was
     * {@link #prepare prepared}: as {@link #predict(RunSession, ImageEmbedding, Prompt, boolean)} on its embedding
     * (the same values, bit for bit), without recomputing the image tokens' first projections for prompts without a
     * mask (a mask prompt changes the image tokens, so it runs the full graph on the embedding).
     *
     * @throws IllegalArgumentException as the embedding's form, or if {@code image} was prepared for another
     *                                  configuration
     * @throws IllegalStateException    after {@link #close()}, or if {@code image}'s scope was closed
     */
    public MaskDecoding predict(RunSession session, DecoderImage image, Prompt prompt, boolean hooks) {
        Objects.requireNonNull(image, "image");
        return predict(session, image.embedding(), image, prompt, hooks, Set.of(), InteractiveGraph.Layout.DEFAULT);
    }

    /** Both forms: the checks, then the prompt packed into {@code layout} and run, on {@code prepared} where not null. */
    private MaskDecoding predict(RunSession session, ImageEmbedding embedding, DecoderImage prepared, Prompt prompt,
                                 boolean hooks, Set<String> modules, InteractiveGraph.Layout layout) {
        Objects.requireNonNull(prompt, "prompt");
        if (prompt.kind() != Prompt.Kind.INTERACTIVE) {
            throw new IllegalArgumentException("not an interactive prompt: " + prompt);
        }
        List<ResidentTensor> levels = checkedInputs(session, embedding, prompt);
        if (prepared != null) checkParts(prepared);
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        InteractiveGraph.Packed packed = InteractiveGraph.pack(prompt, layout, w, h, config.imageSize());
        return run(session, RunRequest.create(), levels.get(2), prepared, levels, layout, packed, maskValues(prompt), w,
                h, prompt.multimask(), hooks, modules);
    }

    /** Checks that a prepared image's parts are there and fit this decoder's configuration. */
    private void checkParts(DecoderImage image) {
        int hw = config.gridSize() * config.gridSize();
        int c = config.dModel();
        for (int i = 0; i < 4; i++) {
            ResidentTensor t = image.parts().get(i);
            if (t.isClosed()) throw new IllegalStateException("the prepared image was freed (its scope is closed)");
            int[] expected = {1, hw, i == 0 ? c : c / SamMaskDecoder.ATTENTION_DOWNSAMPLE};
            if (!Arrays.equals(t.shape(), expected)) {
                throw new IllegalArgumentException("prepared image part " + i + " has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(expected));
            }
        }
    }

    /**
     * Computes the decoder's share of the image of {@code embedding} in {@code session}'s context, once per image:
     * the image tokens ({@code no_mem_embed} and {@code no_mask_embed} added) and the first two-way block's three
     * projections of them, which no prompt without a mask changes (about a sixth of a click's time on the CPU). The result stays
     * in the backend, owned by {@code scope} (a scope of this decoder's backend, e.g. the embedding's); every
     * {@link #predict(RunSession, DecoderImage, Prompt, boolean)} on that image reuses it. The graph's context is freed
     * after the run.
     *
     * @throws IllegalArgumentException if the embedding lacks tracker features or does not fit the configuration
     * @throws IllegalStateException    after {@link #close()}
     */
    public DecoderImage prepare(RunSession session, ResidentScope scope, ImageEmbedding embedding) {
        Objects.requireNonNull(scope, "scope");
        List<ResidentTensor> levels = checkedInputs(session, embedding, null);
        CompiledGraph graph = compiledImageSide();
        RunRequest request = InteractiveGraph.keepImageSide(
                InteractiveGraph.bindImageSideInputs(RunRequest.create(), levels.get(2), imagePe()), scope);
        try {
            return new DecoderImage(embedding, InteractiveGraph.imageSideParts(session.context(graph).run(request)));
        } finally {
            session.release(graph);
        }
    }

    /**
     * The SAM heads of one object on a video frame, as the tracker's {@code _forward_sam_heads} runs them.
     *
     * @param session     the caller's run state
     * @param embedding   the frame's tracker levels
     * @param conditioned the memory-conditioned 72² level {@code [1, h, w, C]} of a tracked frame, or null on a
     *                    prompted frame without memory (then {@code no_mem_embed} is added to the frame's level)
     * @param prompt      clicks, box and/or mask prompt in the frame's pixels, or null for none (a tracked frame:
     *                    the reference's two "not a point" tokens); its multimask setting is not read
     * @param multimask   three masks or one (with the stability fall-back)
     * @throws IllegalArgumentException as {@link #predict(RunSession, ImageEmbedding, Prompt, boolean)}
     */
    public MaskDecoding predictVideoFrame(RunSession session, ImageEmbedding embedding, HostTensor conditioned,
                                          Prompt prompt, boolean multimask) {
        List<ResidentTensor> levels = checkedInputs(session, embedding, prompt);
        int grid = config.gridSize();
        int c = config.dModel();
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        InteractiveGraph.Layout layout = conditioned == null ? InteractiveGraph.Layout.DEFAULT
                : InteractiveGraph.Layout.TRACKING;
        boolean points = prompt != null && (!prompt.points().isEmpty() || prompt.boxOrNull() != null);
        InteractiveGraph.Packed packed = points ? InteractiveGraph.pack(prompt, layout, w, h, config.imageSize())
                : withMask(InteractiveGraph.packNoPoints(layout), prompt != null && prompt.maskOrNull() != null);
        RunRequest inputs = RunRequest.create();
        ResidentTensor image = null;
        if (conditioned == null) {
            image = levels.get(2);
        } else {
            if (!Arrays.equals(conditioned.shape(), new int[] {1, grid, grid, c})) {
                throw new IllegalArgumentException("conditioned level has shape " + Arrays.toString(conditioned.shape()));
            }
            inputs = InteractiveGraph.bindHostImage(inputs, conditioned.data());
        }
        return run(session, inputs, image, null, levels, layout, packed, prompt == null ? null : maskValues(prompt), w,
                h, multimask, true, Set.of());
    }

    /** The checks both entry points make first: open, the embedding's levels fit, the prompt (if any) fits the image. */
    private List<ResidentTensor> checkedInputs(RunSession session, ImageEmbedding embedding, Prompt prompt) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(embedding, "embedding");
        if (closed) throw new IllegalStateException("interactive decoder is closed");
        int side = 4 * config.gridSize();
        List<ResidentTensor> levels = checkedLevels(embedding, config.gridSize(), config.dModel());
        if (prompt != null) {
            checkInside(prompt, embedding.originalWidth(), embedding.originalHeight());
            LowResMask mask = prompt.maskOrNull();
            if (mask != null && (mask.width() != side || mask.height() != side)) {
                throw new IllegalArgumentException("mask prompt must be the " + side + "x" + side
                        + " low-resolution logits of a previous result, got " + mask.width() + "x" + mask.height());
            }
        }
        return levels;
    }

    /**
     * Checks that every click and box corner lies in {@code [0, width] × [0, height]} (a degenerate box is
     * accepted, as by the reference).
     *
     * @throws IllegalArgumentException naming the first coordinate outside the image
     */
    public static void checkInside(Prompt prompt, int width, int height) {
        List<Prompt.Point> points = prompt.points();
        for (int i = 0; i < points.size(); i++) {
            checkInside("point " + i, points.get(i).x(), points.get(i).y(), width, height);
        }
        Box box = prompt.boxOrNull();
        if (box != null) {
            checkInside("box corner (x0, y0)", box.x0(), box.y0(), width, height);
            checkInside("box corner (x1, y1)", box.x1(), box.y1(), width, height);
        }
    }

    private static void checkInside(String what, float x, float y, int width, int height) {
        if (!(x >= 0 && x <= width && y >= 0 && y <= height)) {
            throw new IllegalArgumentException(what + " (" + x + ", " + y + ") is outside the image [0, " + width
                    + "] x [0, " + height + "]");
        }
    }

    private static float[] maskValues(Prompt prompt) {
        LowResMask mask = prompt.maskOrNull();
        return mask == null ? null : mask.logits();
    }

    private static InteractiveGraph.Packed withMask(InteractiveGraph.Packed p, boolean mask) {
        return new InteractiveGraph.Packed(p.coords(), p.labels(), p.valid(), new float[] {mask ? 1f : 0f}, p.validSlots());
    }

    /**
     * @param image    the resident 72² level, or null where {@code inputs} binds it from the host or {@code prepared}
     *                 replaces it
     * @param prepared the image's {@link #prepare prepared share} (used by prompts without a mask), or null
     */
    private MaskDecoding run(RunSession session, RunRequest inputs, ResidentTensor image, DecoderImage prepared,
                             List<ResidentTensor> levels, InteractiveGraph.Layout layout, InteractiveGraph.Packed packed,
                             float[] maskPrompt, int w, int h, boolean multimask, boolean hooks, Set<String> modules) {
        int side = 4 * config.gridSize();
        int c = config.dModel();
        // a prompt without a mask runs the graph without the mask path (the same values; see InteractiveGraph), on
        // the prepared image where there is one
        boolean usePrepared = prepared != null && maskPrompt == null;
        inputs = InteractiveGraph.bind(inputs, usePrepared ? null : image, levels.get(0), levels.get(1), imagePe(),
                packed);
        if (maskPrompt != null) {
            inputs = InteractiveGraph.bindMask(inputs, maskPrompt, packed);
        } else if (usePrepared) {
            inputs = InteractiveGraph.bindImageSide(inputs, prepared);
            layout = layout.withPreparedImage();
        } else {
            layout = layout.withoutMask();
        }

        ExportingGraph cg = graph(new Variant(layout, Set.copyOf(modules)));
        Map<String, HostTensor> host;
        // without hooks the intermediate outputs stay in the backend and are freed at once
        try (ResidentScope discard = new ResidentScope(backend, session.counter())) {
            if (!hooks) {
                inputs = inputs.keepResident(discard, InteractiveGraph.Outputs.hookNames(layout).toArray(new String[0]));
            }
            host = new LinkedHashMap<>(session.context(cg.graph()).run(inputs).host());
        }
        cg.keepUsedSlots(host, rows -> packed.validSlots());
        Map<String, HostTensor> moduleOutputs = new LinkedHashMap<>();
        for (String path : modules) moduleOutputs.put(path, host.get(path));
        InteractiveGraph.Outputs<HostTensor> out = InteractiveGraph.Outputs.read(host);
        HostTensor sparse = null;
        HostTensor dense = null;
        HostTensor coords = null;
        HostTensor labels = null;
        if (hooks) {
            // the reference's tensors: the valid sparse slots only, no_mask_embed without a mask
            int[] validSlots = packed.validSlots();
            if (validSlots.length > 0) {
                sparse = ExportingGraph.rows(out.sparse(), validSlots);
                // what the prompt encoder received in those slots (the graph's inputs, normalised)
                int slots = packed.labels().length;
                coords = ExportingGraph.rows(new HostTensor(new int[] {1, slots, 2}, packed.coords()), validSlots);
                labels = new HostTensor(new int[] {1, validSlots.length},
                        ExportingGraph.rows(new HostTensor(new int[] {1, slots, 1}, packed.labels()), validSlots).data());
            }
            dense = maskPrompt == null ? new HostTensor(new int[] {1, 1, 1, c}, noMaskEmbed()) : out.dense();
        }
        float[] masks = out.lowResMasks().data();
        int[] tokens = MaskSelection.select(masks, out.iou().data(), side, multimask);
        return new MaskDecoding(w, h, tokens, out.lowResMasks(), out.iou(), out.objectScore().data()[0], sparse, dense,
                hooks ? out.maskTokens() : null, coords, labels, moduleOutputs);
    }

    /** Number of graphs compiled so far (one after the first prompt; two once a mask prompt has come too). */
    public int compiledGraphCount() {
        return graphs.size();
    }

    /** Frees the compiled graphs and the positional encoding; later calls to {@code predict} fail. Idempotent. */
    @Override
    public void close() {
        closed = true;
        graphs.values().forEach(g -> g.graph().close());
        graphs.clear();
        CompiledGraph side;
        synchronized (this) {   // compiledImageSide compiles under this lock: none is compiled after this
            side = imageSide;
            imageSide = null;
        }
        if (side != null) side.close();
        peScope.close();
    }

    /**
     * The prompt encoder and mask decoder graph as this class compiles it for every prompt (the default
     * slots: {@link Prompt#MAX_POINTS} clicks, a box, an optional mask), for exporters and tools.
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

    private ExportingGraph graph(Variant shape) {
        ExportingGraph cg = graphs.computeIfAbsent(shape, sh -> {
            long t0 = System.nanoTime();
            ExportingGraph compiled = ExportingGraph.compile(backend, weights, InteractiveGraph.decoder(config, sh.layout()),
                    sh.modules());
            LOG.debug("compiled interactive graph for {} in {} ms", sh, (System.nanoTime() - t0) / 1_000_000);
            return compiled;
        });
        if (closed) {   // compiled while close() ran: do not keep it
            graphs.remove(shape, cg);
            cg.graph().close();
            throw new IllegalStateException("interactive decoder is closed");
        }
        return cg;
    }

    private CompiledGraph compiledImageSide() {
        CompiledGraph c = imageSide;
        if (c == null) {
            synchronized (this) {
                if (closed) throw new IllegalStateException("interactive decoder is closed");
                c = imageSide;
                if (c == null) {
                    c = backend.compileModel(InteractiveGraph.imageSide(config, true), weights);
                    imageSide = c;
                }
            }
        }
        return c;
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
                        pe = InteractiveGraph.imagePe(once.context(cg).run(InteractiveGraph.keepImagePe(RunRequest.create(), peScope)));
                    }
                    imagePe = pe;
                }
            }
        }
        return pe;
    }

    private float[] noMaskEmbed() {
        float[] v = noMaskEmbed;
        if (v == null) {
            v = weights.floats(Sam3Tree.of(new Graph(), config).promptEncoderScope().qualify(SamPromptEncoder.NO_MASK_EMBED));
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
            if (!Arrays.equals(levels.get(i).shape(), expected[i])) {
                throw new IllegalArgumentException("tracker level " + i + " has shape "
                        + Arrays.toString(levels.get(i).shape()) + ", expected " + Arrays.toString(expected[i]));
            }
        }
        return levels;
    }
}
