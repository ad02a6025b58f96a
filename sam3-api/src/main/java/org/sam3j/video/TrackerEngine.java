package org.sam3j.video;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.sam3j.LowResMask;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.backend.RunSession;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.tracker.MemoryAttention;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.model.vision.PositionEmbeddingSine;
import org.sam3j.model.vision.VisionBackbone;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.runner.InteractiveDecoder;
import org.sam3j.runner.MaskDecoding;
import org.sam3j.weights.WeightStore;

/**
 * The SAM 2-style tracker of SAM 3 ({@code Sam3TrackerPredictor}) as computations on one frame: backbone
 * features, the SAM heads of a prompted or tracked frame, the memory encoder and the memory attention, with the
 * host-side glue between them (mask selection and object-score gating, object pointers, temporal encodings,
 * upsampling, the non-overlap constraint). It holds compiled graphs and constants, no per-video state
 * ({@link MemoryBank} and {@link VideoTracker} hold that). Not thread-safe.
 */
final class TrackerEngine implements AutoCloseable {
    /** Mask logit of an absent object ({@code NO_OBJ_SCORE}). */
    static final float NO_OBJ_SCORE = -1024f;
    private static final String EMB = "emb.";
    /** Key of {@link Heads#sparse()}: the normalised point coordinates {@code [1, N, 2]} fed to the prompt encoder. */
    static final String POINT_COORDS = "point_coords";
    /** Key of {@link Heads#sparse()}: their labels {@code [1, N]}. */
    static final String POINT_LABELS = "point_labels";
    private static final int MEMORY_ATTENTION_GRAPHS_KEPT = 2;

    private final Backend backend;
    private final WeightStore weights;
    private final Sam3Config config;
    private final TrackerSettings settings;
    private final InteractiveDecoder decoder;
    private final int grid;
    private final int dim;
    private final int memDim = MemoryEncoder.MEM_DIM;
    private final int lowRes;
    private final int imageSize;
    private final float[] srcPos;
    private final float[] memPos;
    private final float[][] maskmemTpos;
    private final float[] noObjEmbedSpatial;
    private final float[] noObjPtr;
    private final float[] noMemEmbed;
    private final float[][] ptrW = new float[3][];
    private final float[][] ptrB = new float[3][];
    private final float[] tposW;
    private final float[] tposB;
    private float[] maskDownW;
    private float maskDownB;
    private CompiledGraph backboneGraph;
    /** Backbone programs that also export module outputs (verification), by the module paths they export. */
    private final Map<Set<String>, CompiledGraph> exportingBackbones = new HashMap<>();
    private final Map<Integer, CompiledGraph> memoryEncoders = new LinkedHashMap<>();
    private final LinkedHashMap<String, CompiledGraph> memoryAttention = new LinkedHashMap<>();
    /** The fixed memory slots when the backend prefers fixed shapes, else null. */
    private final TrackerLimits limits;
    private int memoryAttentionCompilations;

    TrackerEngine(Backend backend, WeightStore weights, Sam3Config config, TrackerSettings settings) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.config = Objects.requireNonNull(config, "config");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.decoder = new InteractiveDecoder(backend, weights, config);
        this.limits = backend.prefersFixedShapes() ? TrackerLimits.of(settings, config) : null;
        this.grid = config.gridSize();
        this.dim = config.dModel();
        this.lowRes = 4 * grid;
        this.imageSize = config.imageSize();
        this.srcPos = PositionEmbeddingSine.encode(grid, grid, dim);
        this.memPos = PositionEmbeddingSine.encode(grid, grid, memDim);
        float[] tpos = weights.floats("tracker.maskmem_tpos_enc");
        this.maskmemTpos = new float[settings.numMaskmem()][];
        for (int i = 0; i < maskmemTpos.length; i++) {
            maskmemTpos[i] = java.util.Arrays.copyOfRange(tpos, i * memDim, (i + 1) * memDim);
        }
        this.noObjEmbedSpatial = weights.floats("tracker.no_obj_embed_spatial");
        this.noObjPtr = weights.floats("tracker.no_obj_ptr");
        this.noMemEmbed = weights.floats("tracker.no_mem_embed");
        for (int i = 0; i < 3; i++) {
            ptrW[i] = weights.floats("tracker.obj_ptr_proj.layers." + i + ".weight");
            ptrB[i] = weights.floats("tracker.obj_ptr_proj.layers." + i + ".bias");
        }
        this.tposW = weights.floats("tracker.obj_ptr_tpos_proj.weight");
        this.tposB = weights.floats("tracker.obj_ptr_tpos_proj.bias");
    }

    int grid() {
        return grid;
    }

    int dim() {
        return dim;
    }

    Backend backend() {
        return backend;
    }

    int imageSize() {
        return imageSize;
    }

    int lowResSize() {
        return lowRes;
    }

    TrackerSettings settings() {
        return settings;
    }

    /** A frame's tracker features: the three levels resident (for the SAM heads) and the 72² level on the host. */
    record Frame(int index, ImageEmbedding embedding, float[] pixFeat) {}

    /**
     * Runs the backbone (ViT + tracker neck) on a preprocessed frame {@code [3, S, S]}; the levels are kept in
     * {@code scope}.
     */
    Frame encode(int index, float[] image, int width, int height, ResidentScope scope) {
        if (backboneGraph == null) backboneGraph = backend.compile(backbone(Set.of()), weights);
        return encode(backboneGraph, Set.of(), index, image, width, height, scope).frame();
    }

    /**
     * A frame encoded with module outputs of its backbone: the frame, and what the modules asked for returned, by
     * module path, in the reference's layout ({@link org.sam3j.graph.Graph#moduleOutputs()}).
     */
    record Traced(Frame frame, Map<String, HostTensor> modules) {}

    /**
     * As {@link #encode(int, float[], int, int, ResidentScope)}, also returning what the backbone's modules at
     * {@code moduleOutputs} returned (e.g. {@code detector.backbone.vision_backbone.trunk.0}), for the verifier: a
     * program of its own per set of paths (the same backbone with those extra outputs), compiled on first use, so
     * the program of {@link #encode(int, float[], int, int, ResidentScope)} keeps its outputs.
     *
     * @throws IllegalArgumentException if no module of the backbone returns one of the paths
     */
    Traced encodeTraced(int index, float[] image, int width, int height, ResidentScope scope, Set<String> moduleOutputs) {
        if (moduleOutputs.isEmpty()) return new Traced(encode(index, image, width, height, scope), Map.of());
        Set<String> paths = Set.copyOf(moduleOutputs);
        CompiledGraph cg = exportingBackbones.get(paths);
        if (cg == null) {
            cg = backend.compile(backbone(paths), weights);
            exportingBackbones.put(paths, cg);
        }
        return encode(cg, paths, index, image, width, height, scope);
    }

    /**
     * The backbone graph: the two FPNs (kept resident) and a host copy of the 72² level, with the module outputs at
     * {@code modules} (none in production).
     */
    private Graph backbone(Set<String> modules) {
        Graph g = new Graph();
        Tensor in = g.input("image", 1, 3, imageSize, imageSize);
        VisionBackbone.Features f = Sam3Tree.of(g, config).visionBackbone(true).forward(in);
        for (int i = 0; i < 3; i++) {
            g.output(EMB + "fpn." + i, f.fpn().get(i));
            g.output(EMB + "sam2_fpn." + i, f.sam2Fpn().get(i));
        }
        g.output("pix_feat", g.scale(f.sam2Fpn().get(2), 1f));   // a host copy of the 72² level
        for (String path : modules) g.outputModule(path);
        return g;
    }

    private Traced encode(CompiledGraph graph, Set<String> modules, int index, float[] image, int width, int height,
                          ResidentScope scope) {
        RunRequest request = RunRequest.create().withHost("image", image);
        for (String name : graph.plan().graph().outputs().keySet()) {
            if (name.startsWith(EMB)) request = request.keepResident(scope, name);
        }
        RunResult run;
        try (ExecutionContext ctx = graph.newContext()) {
            run = ctx.run(request);
        }
        List<ResidentTensor> fpn = new ArrayList<>();
        List<ResidentTensor> sam2 = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fpn.add(run.resident(EMB + "fpn." + i));
            sam2.add(run.resident(EMB + "sam2_fpn." + i));
        }
        Frame frame = new Frame(index, new ImageEmbedding(fpn, sam2, width, height), run.host("pix_feat").data());
        Map<String, HostTensor> exported = new LinkedHashMap<>();
        for (String path : modules) exported.put(path, run.host().get(path));
        return new Traced(frame, exported);
    }

    /**
     * What the SAM heads give for one object.
     *
     * @param lowResMulti  the gated candidate masks {@code [m, 288²]}
     * @param ious         their predicted IoU {@code [m]}
     * @param best         index of the selected mask among them
     * @param objScore     object-score logit
     * @param objPtr       object pointer {@code [C]} (gated)
     * @param tokens       the decoder's output tokens returned to the caller {@code [m', C]}
     * @param decoderMasks the decoder's (ungated) masks after its own selection {@code [m, 288²]}
     * @param stability    stability score of mask token 0 (single-mask calls), else NaN
     * @param sparse       sparse prompt embeddings of the valid slots ({@code "sparse"}), dense prompt embedding
     *                     ({@code "dense"}), the valid slots' normalised coordinates and labels as the prompt
     *                     encoder received them ({@link TrackerEngine#POINT_COORDS},
     *                     {@link TrackerEngine#POINT_LABELS}) (hooks only)
     */
    record Heads(float[] lowResMulti, float[] ious, int best, float objScore, float[] objPtr, float[] tokens,
                 float[] decoderMasks, float stability, Map<String, HostTensor> sparse) {
        float[] lowResSelected(int side) {
            return java.util.Arrays.copyOfRange(lowResMulti, best * side * side, (best + 1) * side * side);
        }

        int count() {
            return ious.length;
        }

        float maxIou() {
            return ious[best];
        }
    }

    /**
     * The SAM heads of one object ({@code _forward_sam_heads}).
     *
     * @param conditioned the memory-conditioned 72² level of this object {@code [n, C]} channels-last, or null on a
     *                    prompted frame without memory ({@code no_mem_embed} is added)
     * @param prompt      the object's prompt, or null on a tracked frame
     */
    Heads heads(RunSession session, Frame frame, float[] conditioned, Prompt prompt, boolean multimask) {
        HostTensor cond = conditioned == null ? null : new HostTensor(new int[] {1, grid, grid, dim}, conditioned);
        MaskDecoding out = decoder.predictVideoFrame(session, frame.embedding(), cond, prompt, multimask);
        float[] all = out.lowResMasks().data();
        float[] allIou = out.iouPredictions().data();
        float[] maskTokens = out.maskTokens().data();
        float score = out.objectScoreLogit();
        int n = lowRes * lowRes;
        int m = out.count();
        float[] decoderMasks = new float[m * n];
        float[] ious = new float[m];
        for (int i = 0; i < m; i++) {
            System.arraycopy(all, out.token(i) * n, decoderMasks, i * n, n);
            ious[i] = allIou[out.token(i)];
        }
        boolean present = score > 0;
        float[] gated = present ? decoderMasks.clone() : filled(m * n, NO_OBJ_SCORE);
        int best = 0;
        if (multimask) {
            for (int i = 1; i < m; i++) if (ious[i] > ious[best]) best = i;   // torch.argmax: first maximum
        }
        // the pointer token: the chosen multimask token, or token 0 for single-mask output
        int token = multimask ? 1 + best : 0;
        float[] tokens = multimask ? java.util.Arrays.copyOfRange(maskTokens, dim, 4 * dim)
                : java.util.Arrays.copyOfRange(maskTokens, 0, dim);
        float[] ptr = present ? objPtr(java.util.Arrays.copyOfRange(maskTokens, token * dim, (token + 1) * dim))
                : noObjPtr.clone();
        float stability = multimask ? Float.NaN : stabilityScore(all, 0, n);
        Map<String, HostTensor> prompts = new LinkedHashMap<>();
        if (out.sparse() != null) prompts.put("sparse", out.sparse());
        if (out.pointCoords() != null) {
            prompts.put(POINT_COORDS, out.pointCoords());
            prompts.put(POINT_LABELS, out.pointLabels());
        }
        prompts.put("dense", out.dense());
        return new Heads(gated, ious, best, score, ptr, tokens, decoderMasks, stability, prompts);
    }

    private static float stabilityScore(float[] masks, int off, int n) {
        int inner = 0;
        int outer = 0;
        for (int i = off; i < off + n; i++) {
            if (masks[i] > 0.05f) inner++;
            if (masks[i] > -0.05f) outer++;
        }
        return outer > 0 ? (float) inner / outer : 1f;
    }

    /** The tracker's input mask size ({@code input_mask_size} = 4 × the low-resolution side, 1152). */
    int inputMaskSize() {
        return 4 * lowRes;
    }

    /** {@code no_obj_ptr}, the pointer of an absent object (a copy). */
    float[] noObjectPointer() {
        return noObjPtr.clone();
    }

    /**
     * What {@link #maskAsOutput} gives.
     *
     * @param prompt  the mask prompt the heads saw: {@code mask_downsample} of the mask {@code [lowRes²]}
     * @param heads   the SAM heads' outputs on the frame's features without memory, with that prompt
     * @param pointer the object pointer: the heads' when the mask has a pixel, else {@code no_obj_ptr}
     * @param score   the object score logit: +10 when the mask has a pixel, else −10
     */
    record MaskOutput(float[] prompt, Heads heads, float[] pointer, float score) {}

    /**
     * What a mask prompt gives ({@code _use_mask_as_output}): the mask is taken as the output; the object pointer
     * comes from the SAM heads run on the frame's features without memory (and without {@code no_mem_embed}) with
     * the mask, through {@code mask_downsample} (a 4×4 stride-4 convolution), as mask prompt; the object counts as
     * present when the mask has a pixel (score ±10 instead of the heads' score).
     *
     * @param mask the mask at the input mask size {@code [1152²]}, values in [0, 1]
     */
    MaskOutput maskAsOutput(RunSession session, Frame frame, float[] mask) {
        int s = inputMaskSize();
        if (mask.length != s * s) throw new IllegalArgumentException("mask has " + mask.length + " values, expected " + s * s);
        if (maskDownW == null) {
            maskDownW = weights.floats("tracker.mask_downsample.weight");
            maskDownB = weights.floats("tracker.mask_downsample.bias")[0];
            if (maskDownW.length != 16) {
                throw new IllegalArgumentException("tracker.mask_downsample.weight has " + maskDownW.length + " values, expected 4x4");
            }
        }
        float[] prompt = new float[lowRes * lowRes];
        for (int y = 0; y < lowRes; y++) {
            for (int x = 0; x < lowRes; x++) {
                float acc = 0f;
                for (int ky = 0; ky < 4; ky++) {
                    int row = (4 * y + ky) * s + 4 * x;
                    for (int kx = 0; kx < 4; kx++) acc += mask[row + kx] * maskDownW[ky * 4 + kx];
                }
                prompt[y * lowRes + x] = acc + maskDownB;
            }
        }
        boolean appearing = false;
        for (float v : mask) {
            if (v > 0f) {
                appearing = true;
                break;
            }
        }
        Heads h = heads(session, frame, frame.pixFeat(), Prompt.builder().mask(LowResMask.of(prompt, lowRes, lowRes)).build(), false);
        return new MaskOutput(prompt, h, appearing ? h.objPtr() : noObjPtr.clone(), appearing ? 10f : -10f);
    }

    /** {@code obj_ptr_proj}: a three-layer MLP (ReLU between layers) on the pointer token. */
    float[] objPtr(float[] token) {
        float[] x = token;
        for (int l = 0; l < 3; l++) {
            x = linear(x, ptrW[l], ptrB[l], dim, dim);
            if (l < 2) for (int i = 0; i < x.length; i++) x[i] = Math.max(0f, x[i]);
        }
        return x;
    }

    /**
     * The temporal encodings of object pointers ({@code _get_tpos_enc}): the 1-D sine encoding (sines, then
     * cosines) of {@code rel / (maxAbsPos − 1)} at width C, through {@code obj_ptr_tpos_proj} → {@code [n, 64]}.
     */
    float[][] pointerTpos(int[] rel, int maxAbsPos) {
        int half = dim / 2;
        float[] dimT = new float[half];
        for (int k = 0; k < half; k++) dimT[k] = (float) Math.pow(10000.0, (float) (2 * (k / 2)) / half);
        float denom = maxAbsPos - 1;
        float[][] out = new float[rel.length][];
        for (int p = 0; p < rel.length; p++) {
            float pos = rel[p] / denom;
            float[] pe = new float[dim];
            for (int k = 0; k < half; k++) {
                float v = pos / dimT[k];
                pe[k] = (float) Math.sin(v);
                pe[half + k] = (float) Math.cos(v);
            }
            out[p] = linear(pe, tposW, tposB, dim, memDim);
        }
        return out;
    }

    /** {@code x · Wᵀ + b} with {@code W [out, in]}, accumulated in float. */
    private static float[] linear(float[] x, float[] w, float[] b, int in, int out) {
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            float s = 0f;
            int r = o * in;
            for (int i = 0; i < in; i++) s += x[i] * w[r + i];
            y[o] = s + b[o];
        }
        return y;
    }

    /** Bilinear upsampling of low-resolution logits {@code [288²]} to the model input size {@code [1008²]}. */
    float[] highRes(float[] lowResMask) {
        float[] out = new float[imageSize * imageSize];
        BilinearResize.resize(lowResMask, 0, lowRes, lowRes, out, 0, imageSize, imageSize);
        return out;
    }

    /**
     * The pixel-wise non-overlap constraint ({@code _apply_non_overlapping_constraints}): at every pixel the
     * object with the highest logit (the first on ties) keeps it, the others are clamped to at most −10. In place.
     */
    static void nonOverlap(float[][] masks) {
        int n = masks[0].length;
        for (int p = 0; p < n; p++) {
            int arg = 0;
            for (int b = 1; b < masks.length; b++) if (masks[b][p] > masks[arg][p]) arg = b;
            for (int b = 0; b < masks.length; b++) if (b != arg) masks[b][p] = Math.min(masks[b][p], -10f);
        }
    }

    /** What the memory encoder gives for a batch of objects. */
    record Memory(float[][] features, Map<String, HostTensor> hooks) {}

    /**
     * Encodes new memories ({@code _encode_new_memory}): masks binarised ({@code > 0}, prompted frames) or
     * sigmoid, {@code × scale + bias}, resized to 1152², through the memory encoder with the frame's features;
     * objects whose score is ≤ 0 get {@code no_obj_embed_spatial} added.
     *
     * @param highRes  per object the 1008² logits
     * @param hooks    also return the reference-layout intermediates
     */
    Memory encodeMemory(RunSession session, Frame frame, float[][] highRes, float[] objScores, boolean binarize,
                        boolean hooks) {
        return encodeMemory(session, frame, highRes, imageSize, objScores, binarize, hooks);
    }

    /**
     * As {@link #encodeMemory(RunSession, Frame, float[][], float[], boolean, boolean)} for masks of side
     * {@code side} (the detector+tracker path encodes its propagated masks at the mask encoder's own 1152²).
     */
    Memory encodeMemory(RunSession session, Frame frame, float[][] highRes, int side, float[] objScores,
                        boolean binarize, boolean hooks) {
        int b = highRes.length;
        int s = MemoryEncoder.MASK_SIZE;
        int hr = side * side;
        float[] maskIn = hooks ? new float[b * hr] : null;
        float[] mask = new float[b * s * s];
        float[] scaled = new float[hr];
        for (int o = 0; o < b; o++) {
            float[] m = highRes[o];
            for (int p = 0; p < hr; p++) {
                float v = binarize ? (m[p] > 0f ? 1f : 0f) : sigmoid(m[p]);
                scaled[p] = v * settings.sigmoidScaleForMemEnc() + settings.sigmoidBiasForMemEnc();
            }
            if (maskIn != null) System.arraycopy(scaled, 0, maskIn, o * hr, hr);
            // antialiased bilinear resize; when upsampling it is the plain bilinear interpolation, at the same size a copy
            if (side == s) System.arraycopy(scaled, 0, mask, o * s * s, s * s);
            else BilinearResize.resize(scaled, 0, side, side, mask, o * s * s, s, s);
        }
        int n = grid * grid;
        float[] pix = new float[b * n * dim];
        for (int o = 0; o < b; o++) System.arraycopy(frame.pixFeat(), 0, pix, o * n * dim, n * dim);
        CompiledGraph cg = memoryEncoders.computeIfAbsent(b, k -> backend.compile(MemoryEncoder.graph(config, k), weights));
        Map<String, HostTensor> out;
        try (ExecutionContext ctx = cg.newContext()) {
            out = ctx.run(RunRequest.create().withHost(MemoryEncoder.MASK, mask).withHost(MemoryEncoder.PIX_FEAT, pix)).host();
        }
        float[] raw = out.get(MemoryEncoder.FEATURES).data();
        float[][] features = new float[b][];
        float[] all = hooks ? new float[b * n * memDim] : null;
        for (int o = 0; o < b; o++) {
            float[] f = java.util.Arrays.copyOfRange(raw, o * n * memDim, (o + 1) * n * memDim);
            if (!(objScores[o] > 0)) {
                for (int p = 0; p < n; p++) for (int c = 0; c < memDim; c++) f[p * memDim + c] += noObjEmbedSpatial[c];
            }
            features[o] = f;
            if (all != null) System.arraycopy(f, 0, all, o * n * memDim, n * memDim);
        }
        Map<String, HostTensor> h = new LinkedHashMap<>();
        if (hooks) {
            float[] hrAll = new float[b * hr];
            for (int o = 0; o < b; o++) System.arraycopy(highRes[o], 0, hrAll, o * hr, hr);
            h.put("mem_enc.pred_masks_high_res", new HostTensor(new int[] {b, 1, side, side}, hrAll));
            h.put("mem_enc.object_score_logits", new HostTensor(new int[] {b, 1}, objScores.clone()));
            h.put("mem_enc.mask_in", new HostTensor(new int[] {b, 1, side, side}, maskIn));
            h.put("mem_enc.mask_down", Layouts.nhwcToNchw(out.get(MemoryEncoder.MASK_DOWN).data(), b, grid, grid, dim));
            h.put("mem_enc.raw_features", Layouts.nhwcToNchw(raw, b, grid, grid, memDim));
            h.put("mem_enc.features", Layouts.nhwcToNchw(all, b, grid, grid, memDim));
            float[] pos = new float[b * n * memDim];
            for (int o = 0; o < b; o++) System.arraycopy(memPos, 0, pos, o * n * memDim, n * memDim);
            h.put("mem_enc.pos", Layouts.nhwcToNchw(pos, b, grid, grid, memDim));
        }
        return new Memory(features, h);
    }

    /** {@code no_obj_ptr}, the pointer of an absent object {@code [C]} (a copy). */
    float[] noObjPtr() {
        return noObjPtr.clone();
    }

    /** The memory tokens' spatial position encoding {@code [n, 64]} (the same for every frame). */
    float[] memoryPosition() {
        return memPos;
    }

    /** {@code maskmem_tpos_enc[i]} {@code [64]}. */
    float[] maskmemTpos(int i) {
        return maskmemTpos[i];
    }

    /**
     * The memory attention for a batch: {@code memory}, {@code memoryPos} are {@code [B, L, 64]} with
     * {@code L = frames · n + pointerTokens}. Returns {@code [layer0, out]}, each {@code [B, n, C]}.
     */
    float[][] attend(Frame frame, int b, float[] memory, float[] memoryPos, int frames, int pointerTokens) {
        // A backend that prefers fixed shapes gets one graph with every memory slot, the used ones marked valid;
        // the others get the exact layout (less work, and a cheap compilation per layout).
        boolean padded = limits != null && limits.fits(frames, pointerTokens);
        String key = padded ? b + "/padded" : b + "/" + frames + "/" + pointerTokens;
        CompiledGraph cg = memoryAttention.remove(key);
        if (cg == null) {
            memoryAttentionCompilations++;
            cg = backend.compile(padded
                    ? MemoryAttention.paddedGraph(config, b, limits.memoryFrames(), limits.pointerTokens())
                    : MemoryAttention.graph(config, b, frames, pointerTokens), weights);
        }
        memoryAttention.put(key, cg);
        while (memoryAttention.size() > MEMORY_ATTENTION_GRAPHS_KEPT) {
            String eldest = memoryAttention.keySet().iterator().next();
            memoryAttention.remove(eldest).close();
        }
        RunRequest request = RunRequest.create();
        if (padded) {
            int slots = limits.memoryFrames();
            int ptrSlots = limits.pointerTokens();
            request = request.withHost(MemoryAttention.MEMORY,
                            MemoryAttention.pad(memory, b, memDim, grid, slots, ptrSlots, frames, pointerTokens))
                    .withHost(MemoryAttention.MEMORY_POS,
                            MemoryAttention.pad(memoryPos, b, memDim, grid, slots, ptrSlots, frames, pointerTokens))
                    .withHost(MemoryAttention.MEMORY_VALID,
                            MemoryAttention.validity(b, grid, slots, ptrSlots, frames, pointerTokens));
        } else {
            request = request.withHost(MemoryAttention.MEMORY, memory).withHost(MemoryAttention.MEMORY_POS, memoryPos);
        }
        int n = grid * grid;
        float[] src = new float[b * n * dim];
        float[] pos = new float[b * n * dim];
        for (int o = 0; o < b; o++) {
            System.arraycopy(frame.pixFeat(), 0, src, o * n * dim, n * dim);
            System.arraycopy(srcPos, 0, pos, o * n * dim, n * dim);
        }
        Map<String, HostTensor> out;
        try (ExecutionContext ctx = cg.newContext()) {
            out = ctx.run(request.withHost(MemoryAttention.SRC, src).withHost(MemoryAttention.SRC_POS, pos)).host();
        }
        return new float[][] {out.get(MemoryAttention.LAYER0).data(), out.get(MemoryAttention.OUT).data()};
    }

    /** How many memory-attention graphs this engine compiled (one per layout, or one when the backend prefers fixed shapes). */
    int memoryAttentionCompilations() {
        return memoryAttentionCompilations;
    }

    /** A prompted frame's SAM-head input without memory, {@code feat + no_mem_embed}, as {@code [1, C, h, w]} (hooks). */
    HostTensor withoutMemory(Frame frame) {
        float[] x = frame.pixFeat().clone();
        for (int p = 0; p < grid * grid; p++) for (int c = 0; c < dim; c++) x[p * dim + c] += noMemEmbed[c];
        return Layouts.nhwcToNchw(x, 1, grid, grid, dim);
    }

    /** The memory-attention prompt of a batch: memory tokens, their position encoding, and the layout. */
    record MemoryPrompt(float[] memory, float[] position, int frames, int pointerTokens) {}

    /**
     * Lays out the selected memories of {@code objects} as memory attention reads them: per object the spatial
     * memories in order (features, {@code maskmem_pos_enc + maskmem_tpos_enc[num_maskmem − t_pos − 1]}), then each
     * object pointer split into {@code dim / 64} tokens with its temporal encoding.
     *
     * @param spatial the memory frames read, in order
     * @param tpos    their temporal positions (0 for conditioning frames)
     * @param ptrs    the object pointers read (per entry one pointer per object of the entry)
     * @param ptrPos  the pointers' temporal encodings ({@link #pointerTpos})
     * @param objects the entries' object indices, in batch order
     */
    MemoryPrompt memoryPrompt(List<MemoryBank.Entry> spatial, List<Integer> tpos, List<float[][]> ptrs, float[][] ptrPos,
                              int[] objects) {
        int n = grid * grid;
        int memDim = MemoryEncoder.MEM_DIM;
        int split = dim / memDim;
        int b = objects.length;
        int ptrTokens = ptrs.size() * split;
        int len = spatial.size() * n + ptrTokens;
        float[] memory = new float[b * len * memDim];
        float[] memoryPos = new float[b * len * memDim];
        float[] pos = memoryPosition();
        for (int i = 0; i < b; i++) {
            int o = objects[i];
            int base = i * len * memDim;
            for (int k = 0; k < spatial.size(); k++) {
                int off = base + k * n * memDim;
                System.arraycopy(spatial.get(k).features[o], 0, memory, off, n * memDim);
                float[] tp = maskmemTpos(settings.numMaskmem() - tpos.get(k) - 1);
                for (int p = 0; p < n; p++) {
                    for (int ch = 0; ch < memDim; ch++) memoryPos[off + p * memDim + ch] = pos[p * memDim + ch] + tp[ch];
                }
            }
            int off = base + spatial.size() * n * memDim;
            for (int k = 0; k < ptrs.size(); k++) {
                for (int j = 0; j < split; j++) {
                    System.arraycopy(ptrs.get(k)[o], j * memDim, memory, off, memDim);
                    System.arraycopy(ptrPos[k], 0, memoryPos, off, memDim);
                    off += memDim;
                }
            }
        }
        return new MemoryPrompt(memory, memoryPos, spatial.size(), ptrTokens);
    }

    /** The sine position encoding of the 72² level {@code [n, C]}. */
    float[] sourcePosition() {
        return srcPos;
    }

    static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-v)));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Override
    public void close() {
        decoder.close();
        if (backboneGraph != null) backboneGraph.close();
        exportingBackbones.values().forEach(CompiledGraph::close);
        exportingBackbones.clear();
        memoryEncoders.values().forEach(CompiledGraph::close);
        memoryEncoders.clear();
        memoryAttention.values().forEach(CompiledGraph::close);
        memoryAttention.clear();
    }
}
