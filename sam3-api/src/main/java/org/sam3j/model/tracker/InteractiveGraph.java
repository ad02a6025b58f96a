package org.sam3j.model.tracker;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

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
 * with a presence flag ({@code no_mask_embed} when absent).
 */
final class InteractiveGraph {
    /** Input: tracker level 72², {@code [1, h, w, C]}. */
    static final String IMAGE_EMBED = "image_embed";
    /** Input: 288² level after {@code conv_s0}. */
    static final String FEAT_S0 = "feat_s0";
    /** Input: 144² level after {@code conv_s1}. */
    static final String FEAT_S1 = "feat_s1";
    /** Input: dense position encoding {@code [1, h·w, C]} (output of {@link #densePe}, flattened). */
    static final String IMAGE_PE = "image_pe";
    /** Input: normalised point coordinates {@code [1, S, 2]} (S = {@link Layout#slots()}). */
    static final String POINT_COORDS = "point_coords";
    /** Input: point labels {@code [1, S]} (−1 in unused slots and the padding point's slot). */
    static final String POINT_LABELS = "point_labels";
    /** Input: point slot validity {@code [1, S]} (1 = a token of the prompt, 0 = unused slot). */
    static final String POINT_VALID = "point_valid";
    /** Input: mask prompt logits {@code [1, 4h, 4w, 1]} (zeros without a mask prompt). */
    static final String MASK_INPUT = "mask_input";
    /** Input: mask prompt presence {@code [1, 1, 1, 1]} (1 or 0). */
    static final String MASK_PRESENT = "mask_present";

    /** Output: sparse embeddings of every slot {@code [1, S, C]} (see {@link Packed#validSlots()}). */
    static final String SPARSE = "sparse_embeddings";
    /** Output: dense embeddings {@code [1, h, w, C]}. */
    static final String DENSE = "dense_embeddings";
    /** Output: all four low-resolution masks {@code [1, 4, 4h, 4w]}. */
    static final String MASKS = "low_res_masks";
    /** Output: IoU predictions {@code [1, 4]}. */
    static final String IOU = "iou_predictions";
    /** Output: mask tokens {@code [1, 4, C]}. */
    static final String MASK_TOKENS = "mask_tokens";
    /** Output: object-score logit {@code [1, 1]}. */
    static final String OBJECT_SCORE = "object_score_logits";

    /** Name of the learned embedding added to the 72² level when there is no memory. */
    static final String NO_MEM_EMBED = "tracker.no_mem_embed";

    /** Label of "not a point": the reference's padding point and unused slots. */
    static final float NOT_A_POINT = -1f;

    /**
     * The point slots of one decoder graph: slots 0 and 1 hold the box corners (labels 2, 3), slots
     * {@code 2 … 1 + clicks} the clicks, the last slot the padding point.
     *
     * @param clicks     number of click slots
     * @param noMemEmbed add {@code no_mem_embed} to the 72² level (images and a video's prompted frames); false
     *                   when the level is already memory-conditioned (a video's tracked frames)
     */
    record Layout(int clicks, boolean noMemEmbed) {
        /** The layout every {@link InteractiveDecoder} compiles: {@link InteractivePrompt#MAX_POINTS} clicks. */
        static final Layout DEFAULT = new Layout(InteractivePrompt.MAX_POINTS);
        /** The layout of tracked video frames: the image level is the memory-attention output. */
        static final Layout TRACKING = new Layout(InteractivePrompt.MAX_POINTS, false);

        Layout {
            if (clicks < 1) throw new IllegalArgumentException("click slots " + clicks);
        }

        /** A layout for images ({@code no_mem_embed} added). */
        Layout(int clicks) {
            this(clicks, true);
        }

        /** Number of point slots: two corners, the clicks, the padding point. */
        int slots() {
            return clicks + 3;
        }
    }

    /**
     * A prompt packed into the decoder's inputs.
     *
     * @param coords      {@link #POINT_COORDS}
     * @param labels      {@link #POINT_LABELS}
     * @param valid       {@link #POINT_VALID}
     * @param maskPresent {@link #MASK_PRESENT}
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
    static Packed pack(InteractivePrompt prompt, Layout layout, int width, int height, int imageSize) {
        int n = prompt.pointCount();
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
        if (prompt.hasBox()) {
            float[] b = prompt.box();
            coords[0] = SamPromptEncoder.normalizeCoordinate(b[0], width, imageSize);
            coords[1] = SamPromptEncoder.normalizeCoordinate(b[1], height, imageSize);
            coords[2] = SamPromptEncoder.normalizeCoordinate(b[2], width, imageSize);
            coords[3] = SamPromptEncoder.normalizeCoordinate(b[3], height, imageSize);
            labels[0] = 2;
            labels[1] = 3;
            valid[0] = 1;
            valid[1] = 1;
            order[count++] = 0;
            order[count++] = 1;
        }
        for (int i = 0; i < n; i++) {
            int k = 2 + i;
            coords[2 * k] = SamPromptEncoder.normalizeCoordinate(prompt.pointX(i), width, imageSize);
            coords[2 * k + 1] = SamPromptEncoder.normalizeCoordinate(prompt.pointY(i), height, imageSize);
            labels[k] = prompt.label(i);
            valid[k] = 1;
            order[count++] = k;
        }
        if (count > 0) {   // the reference appends its padding point whenever there are points (a box is points)
            valid[slots - 1] = 1;
            order[count++] = slots - 1;
        }
        return new Packed(coords, labels, valid, new float[] {prompt.hasMask() ? 1f : 0f},
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

    /** The graph computing the grid's position encoding, output {@link #IMAGE_PE}. */
    static Graph densePe(Sam3Config config) {
        Graph g = new Graph();
        SamPromptEncoder pe = new SamPromptEncoder(g, config.dModel(), config.gridSize());
        g.output(IMAGE_PE, pe.denseEncoding(g));
        return g;
    }

    /** The prompt encoder and mask decoder for every prompt that fits {@code layout}. */
    static Graph decoder(Sam3Config config, Layout layout) {
        Graph g = new Graph();
        int c = config.dModel();
        int grid = config.gridSize();
        int slots = layout.slots();
        Tensor image = g.input(IMAGE_EMBED, 1, grid, grid, c);
        Tensor featS0 = g.input(FEAT_S0, 1, 4 * grid, 4 * grid, c / 8);
        Tensor featS1 = g.input(FEAT_S1, 1, 2 * grid, 2 * grid, c / 4);
        Tensor imagePe = g.input(IMAGE_PE, 1, grid * grid, c);
        Tensor coords = g.input(POINT_COORDS, 1, slots, 2);
        Tensor labels = g.input(POINT_LABELS, 1, slots);
        Tensor valid = g.input(POINT_VALID, 1, slots);
        Tensor mask = g.input(MASK_INPUT, 1, 4 * grid, 4 * grid, 1);
        Tensor maskPresent = g.input(MASK_PRESENT, 1, 1, 1, 1);

        SamPromptEncoder promptEncoder = new SamPromptEncoder(g, c, grid);
        SamMaskDecoder maskDecoder = new SamMaskDecoder(g, c);
        Tensor noMemEmbed = layout.noMemEmbed() ? g.weight(NO_MEM_EMBED, 1, 1, c) : null;

        SamPromptEncoder.Output prompts = promptEncoder.forward(coords, labels, mask, maskPresent);
        Tensor imageEmbed = layout.noMemEmbed() ? g.add(image, noMemEmbed) : image;   // [1, 1, C] broadcast over the grid
        SamMaskDecoder.Output out = maskDecoder.forward(imageEmbed, imagePe, prompts.sparse(), valid, prompts.dense(),
                featS0, featS1);

        g.output(SPARSE, prompts.sparse());
        g.output(DENSE, prompts.dense());
        g.output(MASKS, out.masks());
        g.output(IOU, out.iouPredictions());
        g.output(MASK_TOKENS, out.maskTokens());
        g.output(OBJECT_SCORE, out.objectScoreLogits());
        return g;
    }
}
