package org.sam3j.runner;

import java.util.List;
import java.util.Map;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.tracker.SamMaskDecoder;
import org.sam3j.model.tracker.SamPromptEncoder;
import org.sam3j.model.tracker.TwoWayAttentionBlock;

/**
 * Builds the graphs of the interactive path: the image grid's position encoding (once per decoder) and
 * the prompt encoder and mask decoder on the tracker image features with {@code no_mem_embed} added to
 * the 72² level (as {@code Sam3Image.predict_inst} does).
 *
 * <p>One decoder graph serves every prompt: the points the prompt encoder sees are laid out in fixed
 * slots ({@link Layout}) — two box corners, {@link Layout#clicks()} clicks, and the padding point the
 * reference always appends — each with a validity flag; unused slots are label −1 ("not a point") and
 * are kept out of every attention by a key-padding bias, so the valid slots, in slot order, are exactly
 * the reference's token sequence {@code [corners?] clicks [padding point]}. The mask prompt is an input
 * with a presence flag ({@code no_mask_embed} when absent). A layout {@link Layout#withoutMask() without it}
 * gives the graph of prompts that have no mask: the same values, bit for bit (a presence flag of 0 multiplies the
 * mask path's output by 0 and adds {@code no_mask_embed}), without the mask downscaling's convolutions and the
 * full-grid sum and products that select between the two (about 5 ms of an 80 ms click on the CPU).
 *
 * <p>Without a mask prompt the dense embedding is {@code no_mask_embed} for every prompt, so the image tokens and the
 * first two-way block's projections of them depend on the image alone: {@link #imageSide} computes them once per image
 * and a layout {@link Layout#withPreparedImage() with a prepared image} takes them as inputs instead of the 72² level
 * (three {@code [h·w, C] → C/2} products and three full-grid sums fewer a prompt; the same values, bit for bit).
 */
final class InteractiveGraph {
    private static final String IMAGE_EMBED = "image_embed";
    private static final String FEAT_S0 = "feat_s0";
    private static final String FEAT_S1 = "feat_s1";
    private static final String IMAGE_PE = "image_pe";
    private static final String POINT_COORDS = "point_coords";
    private static final String POINT_LABELS = "point_labels";
    private static final String POINT_VALID = "point_valid";
    private static final String MASK_INPUT = "mask_input";
    private static final String MASK_PRESENT = "mask_present";
    private static final String SPARSE = "sparse_embeddings";
    private static final String DENSE = "dense_embeddings";
    private static final String MASKS = "low_res_masks";
    private static final String IOU = "iou_predictions";
    private static final String MASK_TOKENS = "mask_tokens";
    private static final String OBJECT_SCORE = "object_score_logits";
    private static final String IMAGE_TOKENS = "image_tokens";
    private static final String TOKEN_TO_IMAGE_KEYS = "token_to_image_keys";
    private static final String TOKEN_TO_IMAGE_VALUES = "token_to_image_values";
    private static final String IMAGE_TO_TOKEN_QUERIES = "image_to_token_queries";
    /** The image side's outputs, in the order of {@link TwoWayAttentionBlock.ImageSide}'s components. */
    private static final List<String> IMAGE_SIDE = List.of(IMAGE_TOKENS, TOKEN_TO_IMAGE_KEYS, TOKEN_TO_IMAGE_VALUES,
            IMAGE_TO_TOKEN_QUERIES);

    /** Label of "not a point": the reference's padding point and unused slots. */
    static final float NOT_A_POINT = -1f;
    /** Label of a positive click. */
    static final float POSITIVE = 1f;
    /** Label of a negative click. */
    static final float NEGATIVE = 0f;

    /**
     * The decoder graph's inputs (names in the graph: {@code image_embed}, {@code feat_s0}, {@code feat_s1},
     * {@code image_pe}, {@code point_coords}, {@code point_labels}, {@code point_valid}, {@code mask_input},
     * {@code mask_present}; with a {@link Layout#preparedImage() prepared image} {@code image_tokens},
     * {@code token_to_image_keys}, {@code token_to_image_values} and {@code image_to_token_queries} instead of
     * {@code image_embed}).
     *
     * @param imageEmbed  tracker level 72² {@code [1, h, w, C]}, or null with a prepared image
     * @param featS0      288² level after {@code conv_s0}
     * @param featS1      144² level after {@code conv_s1}
     * @param imagePe     dense position encoding {@code [1, h·w, C]} (the output of {@link #densePe}, flattened)
     * @param coords      normalised point coordinates {@code [1, S, 2]} (S = {@link Layout#slots()})
     * @param labels      point labels {@code [1, S]} (−1 in unused slots and the padding point's slot)
     * @param valid       point slot validity {@code [1, S]} (1 = a token of the prompt, 0 = unused slot)
     * @param mask        mask prompt logits {@code [1, 4h, 4w, 1]} (zeros without a mask prompt), or null where the
     *                    layout has {@link Layout#maskInput() no mask input}
     * @param maskPresent mask prompt presence {@code [1, 1, 1, 1]} (1 or 0), or null with {@code mask}
     * @param image       the outputs of {@link #imageSide} as inputs, or null without a prepared image
     */
    record Inputs(Tensor imageEmbed, Tensor featS0, Tensor featS1, Tensor imagePe, Tensor coords, Tensor labels,
                  Tensor valid, Tensor mask, Tensor maskPresent, SamMaskDecoder.ImageSide image) {
        /** Declares the inputs of {@code layout}'s graph. */
        static Inputs declare(Graph g, Sam3Config config, Layout layout) {
            int c = config.dModel();
            int grid = config.gridSize();
            int slots = layout.slots();
            return new Inputs(layout.preparedImage() ? null : g.input(IMAGE_EMBED, 1, grid, grid, c),
                    g.input(FEAT_S0, 1, 4 * grid, 4 * grid, c / 8),
                    g.input(FEAT_S1, 1, 2 * grid, 2 * grid, c / 4), g.input(IMAGE_PE, 1, grid * grid, c),
                    g.input(POINT_COORDS, 1, slots, 2), g.input(POINT_LABELS, 1, slots), g.input(POINT_VALID, 1, slots),
                    layout.maskInput() ? g.input(MASK_INPUT, 1, 4 * grid, 4 * grid, 1) : null,
                    layout.maskInput() ? g.input(MASK_PRESENT, 1, 1, 1, 1) : null,
                    layout.preparedImage() ? declareImageSide(g, config) : null);
        }

        private static SamMaskDecoder.ImageSide declareImageSide(Graph g, Sam3Config config) {
            int c = config.dModel();
            int grid = config.gridSize();
            int hw = grid * grid;
            int projected = c / SamMaskDecoder.ATTENTION_DOWNSAMPLE;
            return new SamMaskDecoder.ImageSide(new TwoWayAttentionBlock.ImageSide(g.input(IMAGE_TOKENS, 1, hw, c),
                    g.input(TOKEN_TO_IMAGE_KEYS, 1, hw, projected), g.input(TOKEN_TO_IMAGE_VALUES, 1, hw, projected),
                    g.input(IMAGE_TO_TOKEN_QUERIES, 1, hw, projected)), grid, grid);
        }
    }

    /**
     * The decoder graph's outputs (names in the graph: {@code sparse_embeddings}, {@code dense_embeddings},
     * {@code low_res_masks}, {@code iou_predictions}, {@code mask_tokens}, {@code object_score_logits}).
     *
     * @param <T>         {@link Tensor} while building, a host tensor after a run (null where not downloaded)
     * @param sparse      sparse embeddings of every slot {@code [1, S, C]}
     * @param dense       dense embeddings {@code [1, h, w, C]} (in a graph without a mask input: not an output)
     * @param lowResMasks all four low-resolution masks {@code [1, 4, 4h, 4w]}
     * @param iou         IoU predictions {@code [1, 4]}
     * @param maskTokens  mask tokens {@code [1, 4, C]}
     * @param objectScore object-score logit {@code [1, 1]}
     */
    record Outputs<T>(T sparse, T dense, T lowResMasks, T iou, T maskTokens, T objectScore) {
        /** Marks the outputs in {@code g}. */
        static void mark(Graph g, Outputs<Tensor> o) {
            g.output(SPARSE, o.sparse());
            if (o.dense() != null) g.output(DENSE, o.dense());
            g.output(MASKS, o.lowResMasks());
            g.output(IOU, o.iou());
            g.output(MASK_TOKENS, o.maskTokens());
            g.output(OBJECT_SCORE, o.objectScore());
        }

        /** The outputs of a run, by their graph names. */
        static <T> Outputs<T> read(Map<String, T> out) {
            return new Outputs<>(out.get(SPARSE), out.get(DENSE), out.get(MASKS), out.get(IOU), out.get(MASK_TOKENS),
                    out.get(OBJECT_SCORE));
        }

        /**
         * Names of the outputs of {@code layout}'s graph that are only hooks (prompt embeddings and mask tokens), to
         * leave in the backend.
         */
        static List<String> hookNames(Layout layout) {
            return layout.maskInput() ? List.of(SPARSE, DENSE, MASK_TOKENS) : List.of(SPARSE, MASK_TOKENS);
        }
    }

    /**
     * Binds the image levels, the position encoding and a packed prompt (its points; the mask prompt, where the
     * layout has one, with {@link #bindMask}).
     *
     * @param imageEmbed the 72² level, when it is resident (else bind it with {@link #bindHostImage})
     */
    static RunRequest bind(RunRequest in, ResidentTensor imageEmbed, ResidentTensor featS0, ResidentTensor featS1,
                           ResidentTensor imagePe, Packed packed) {
        RunRequest r = imageEmbed != null ? in.withResident(IMAGE_EMBED, imageEmbed) : in;
        return r.withResident(FEAT_S0, featS0)
                .withResident(FEAT_S1, featS1)
                .withResident(IMAGE_PE, imagePe)
                .withHost(POINT_COORDS, packed.coords())
                .withHost(POINT_LABELS, packed.labels())
                .withHost(POINT_VALID, packed.valid());
    }

    /** Binds an image's {@link #imageSide} outputs (a {@link Layout#withPreparedImage()} layout's image inputs). */
    static RunRequest bindImageSide(RunRequest in, InteractiveDecoder.DecoderImage image) {
        List<ResidentTensor> parts = image.parts();
        RunRequest r = in;
        for (int i = 0; i < IMAGE_SIDE.size(); i++) r = r.withResident(IMAGE_SIDE.get(i), parts.get(i));
        return r;
    }

    /** Binds the inputs of {@link #imageSide}: the 72² level and the position encoding. */
    static RunRequest bindImageSideInputs(RunRequest in, ResidentTensor imageEmbed, ResidentTensor imagePe) {
        return in.withResident(IMAGE_EMBED, imageEmbed).withResident(IMAGE_PE, imagePe);
    }

    /** Asks for every output of {@link #imageSide} to stay in the backend, owned by {@code scope}. */
    static RunRequest keepImageSide(RunRequest in, ResidentScope scope) {
        return in.keepResident(scope, IMAGE_SIDE.toArray(new String[0]));
    }

    /** The resident outputs of a run of {@link #imageSide}, in the order {@link #bindImageSide} binds them. */
    static List<ResidentTensor> imageSideParts(RunResult out) {
        return IMAGE_SIDE.stream().map(out::resident).toList();
    }

    /** Binds a host 72² level (a video frame's memory-conditioned level). */
    static RunRequest bindHostImage(RunRequest in, float[] level) {
        return in.withHost(IMAGE_EMBED, level);
    }

    /** Binds the mask prompt from the host and its presence flag (the packed prompt's). */
    static RunRequest bindMask(RunRequest in, float[] mask, Packed packed) {
        return in.withHost(MASK_INPUT, mask).withHost(MASK_PRESENT, packed.maskPresent());
    }

    /** Asks for the dense position encoding to stay in the backend. */
    static RunRequest keepImagePe(RunRequest in, ResidentScope scope) {
        return in.keepResident(scope, IMAGE_PE);
    }

    /** The resident dense position encoding of a run of {@link #densePe}. */
    static ResidentTensor imagePe(RunResult out) {
        return out.resident(IMAGE_PE);
    }

    /**
     * The point slots of one decoder graph: slots 0 and 1 hold the box corners (labels 2, 3), slots
     * {@code 2 … 1 + clicks} the clicks, the last slot the padding point.
     *
     * @param clicks     number of click slots
     * @param noMemEmbed add {@code no_mem_embed} to the 72² level (images and a video's prompted frames); false
     *                   when the level is already memory-conditioned (a video's tracked frames)
     * @param maskInput  whether the graph takes a mask prompt (with its presence flag); without, it computes
     *                   what the graph with a presence flag of 0 computes
     * @param preparedImage whether the graph takes the outputs of {@link #imageSide} (built with this
     *                   {@code noMemEmbed}) in place of the 72² level; only without a mask input
     */
    record Layout(int clicks, boolean noMemEmbed, boolean maskInput, boolean preparedImage) {
        /** The layout every {@link InteractiveDecoder} compiles: {@link Prompt#MAX_POINTS} clicks. */
        static final Layout DEFAULT = new Layout(Prompt.MAX_POINTS);
        /** The layout of tracked video frames: the image level is the memory-conditioned level. */
        static final Layout TRACKING = new Layout(Prompt.MAX_POINTS, false, true, false);

        Layout {
            if (clicks < 1) throw new IllegalArgumentException("click slots " + clicks);
            if (preparedImage && maskInput) {
                throw new IllegalArgumentException("a prepared image holds no_mask_embed: no mask input");
            }
        }

        /** A layout for images ({@code no_mem_embed} added), with a mask input. */
        Layout(int clicks) {
            this(clicks, true, true, false);
        }

        /** This layout for prompts without a mask: no mask input. */
        Layout withoutMask() {
            return new Layout(clicks, noMemEmbed, false, false);
        }

        /**
         * This layout for prompts without a mask on an image prepared by {@link #imageSide}: its outputs are inputs
         * in place of the 72² level.
         */
        Layout withPreparedImage() {
            return new Layout(clicks, noMemEmbed, false, true);
        }

        /** Number of point slots: two corners, the clicks, the padding point. */
        int slots() {
            return clicks + 3;
        }
    }

    /**
     * A prompt packed into the decoder's inputs.
     *
     * @param coords      {@link Inputs#coords()}
     * @param labels      {@link Inputs#labels()}
     * @param valid       {@link Inputs#valid()}
     * @param maskPresent {@link Inputs#maskPresent()}
     * @param validSlots  the valid slots in order: the reference's sparse token sequence
     */
    record Packed(float[] coords, float[] labels, float[] valid, float[] maskPresent, int[] validSlots) {}

    private InteractiveGraph() {}

    /**
     * Packs a prompt's points into the layout's slots, with coordinates normalised as the prompt encoder
     * expects them (see {@link SamPromptEncoder#normalizeCoordinate}).
     *
     * @param width     width of the original image
     * @param height    height of the original image
     * @param imageSize side of the square model input
     * @throws IllegalArgumentException if the prompt has more clicks than the layout has slots
     */
    static Packed pack(Prompt prompt, Layout layout, int width, int height, int imageSize) {
        int n = prompt.points().size();
        if (n > layout.clicks()) {
            throw new IllegalArgumentException("too many clicks: " + n + ", the interactive graph has " + layout.clicks());
        }
        int slots = layout.slots();
        float[] coords = new float[2 * slots];
        float[] labels = new float[slots];
        float[] valid = new float[slots];
        java.util.Arrays.fill(labels, NOT_A_POINT);
        int[] order = new int[slots];
        int count = 0;
        Box b = prompt.boxOrNull();
        if (b != null) {
            coords[0] = SamPromptEncoder.normalizeCoordinate(b.x0(), width, imageSize);
            coords[1] = SamPromptEncoder.normalizeCoordinate(b.y0(), height, imageSize);
            coords[2] = SamPromptEncoder.normalizeCoordinate(b.x1(), width, imageSize);
            coords[3] = SamPromptEncoder.normalizeCoordinate(b.y1(), height, imageSize);
            labels[0] = 2;
            labels[1] = 3;
            valid[0] = 1;
            valid[1] = 1;
            order[count++] = 0;
            order[count++] = 1;
        }
        for (int i = 0; i < n; i++) {
            int k = 2 + i;
            Prompt.Point p = prompt.points().get(i);
            coords[2 * k] = SamPromptEncoder.normalizeCoordinate(p.x(), width, imageSize);
            coords[2 * k + 1] = SamPromptEncoder.normalizeCoordinate(p.y(), height, imageSize);
            labels[k] = p.positive() ? POSITIVE : NEGATIVE;
            valid[k] = 1;
            order[count++] = k;
        }
        if (count > 0) {   // the reference appends its padding point whenever there are points (a box is points)
            valid[slots - 1] = 1;
            order[count++] = slots - 1;
        }
        return new Packed(coords, labels, valid, new float[] {prompt.maskOrNull() != null ? 1f : 0f},
                java.util.Arrays.copyOf(order, count));
    }

    /**
     * The packing of "no prompt" on a tracked frame: the reference pads the missing points with one point of
     * label −1 and its prompt encoder appends its own padding point, so two "not a point" tokens (whose
     * embedding does not depend on the coordinates).
     */
    static Packed packNoPoints(Layout layout) {
        int slots = layout.slots();
        float[] labels = new float[slots];
        java.util.Arrays.fill(labels, NOT_A_POINT);
        float[] valid = new float[slots];
        valid[2] = 1;
        valid[slots - 1] = 1;
        return new Packed(new float[2 * slots], labels, valid, new float[] {0f}, new int[] {2, slots - 1});
    }

    /** The graph computing the grid's position encoding (bound as {@link Inputs#imagePe()}, see {@link #imagePe}). */
    static Graph densePe(Sam3Config config) {
        Graph g = new Graph();
        g.output(IMAGE_PE, Sam3Tree.of(g, config).promptEncoder().denseEncoding(g));
        return g;
    }

    /**
     * The decoder's share of an image (see {@link SamMaskDecoder#imageSide}) with {@code no_mask_embed} as the dense
     * prompt: inputs {@code image_embed} and {@code image_pe}; outputs the inputs of a
     * {@link Layout#withPreparedImage()} layout's graph that replace the 72² level.
     *
     * @param noMemEmbed add {@code no_mem_embed} to the 72² level first (as {@link Layout#noMemEmbed()})
     */
    static Graph imageSide(Sam3Config config, boolean noMemEmbed) {
        Graph g = new Graph();
        int c = config.dModel();
        int grid = config.gridSize();
        Sam3Tree tree = Sam3Tree.of(g, config);
        Tensor image = g.input(IMAGE_EMBED, 1, grid, grid, c);
        Tensor imagePe = g.input(IMAGE_PE, 1, grid * grid, c);
        SamMaskDecoder.ImageSide side = tree.maskDecoder().imageSide(imageLevel(tree, image, noMemEmbed), imagePe,
                tree.promptEncoder().noMaskEmbedding());
        TwoWayAttentionBlock.ImageSide first = side.first();
        List<Tensor> parts = List.of(first.keys(), first.tokenToImageKeys(), first.tokenToImageValues(),
                first.imageToTokenQueries());
        for (int i = 0; i < IMAGE_SIDE.size(); i++) g.output(IMAGE_SIDE.get(i), parts.get(i));
        return g;
    }

    /** The 72² level the decoder sees: with {@code no_mem_embed} ({@code [1, 1, C]} broadcast over the grid) or not. */
    private static Tensor imageLevel(Sam3Tree tree, Tensor image, boolean noMemEmbed) {
        return noMemEmbed ? image.graph().add(image, tree.noMemEmbed()) : image;
    }

    /** The prompt encoder and mask decoder for every prompt that fits {@code layout}. */
    static Graph decoder(Sam3Config config, Layout layout) {
        Graph g = new Graph();
        Inputs in = Inputs.declare(g, config, layout);
        Sam3Tree tree = Sam3Tree.of(g, config);
        SamPromptEncoder promptEncoder = tree.promptEncoder();
        SamMaskDecoder maskDecoder = tree.maskDecoder();

        SamPromptEncoder.Output prompts = promptEncoder.forward(in.coords(), in.labels(), in.mask(), in.maskPresent());
        SamMaskDecoder.ImageSide image = layout.preparedImage() ? in.image()
                : maskDecoder.imageSide(imageLevel(tree, in.imageEmbed(), layout.noMemEmbed()), in.imagePe(),
                        prompts.dense());
        SamMaskDecoder.Output out = maskDecoder.forward(image, in.imagePe(), prompts.sparse(), in.valid(),
                in.featS0(), in.featS1());
        Outputs.mark(g, new Outputs<>(prompts.sparse(), layout.maskInput() ? prompts.dense() : null, out.masks(),
                out.iouPredictions(), out.maskTokens(), out.objectScoreLogits()));
        return g;
    }
}
