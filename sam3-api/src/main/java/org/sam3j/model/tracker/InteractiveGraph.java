package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Config;

/**
 * Builds the graphs of the interactive path: the image grid's position encoding (once per decoder) and,
 * per {@link Shape} of prompt, the prompt encoder and mask decoder on the tracker image features with
 * {@code no_mem_embed} added to the 72² level (as {@code Sam3Image.predict_inst} does).
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
    /** Input: normalised point coordinates {@code [1, P, 2]}. */
    static final String POINT_COORDS = "point_coords";
    /** Input: point labels {@code [1, P]}. */
    static final String POINT_LABELS = "point_labels";
    /** Input: mask prompt logits {@code [1, 4h, 4w, 1]}. */
    static final String MASK_INPUT = "mask_input";

    /** Output: sparse embeddings {@code [1, P + 1, C]} (with points). */
    static final String SPARSE = "sparse_embeddings";
    /** Output: dense embeddings {@code [1, h, w, C]} (with a mask prompt). */
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

    /**
     * What makes one compiled graph: the number of points the prompt encoder sees (box corners included,
     * padding excluded) and whether a mask prompt is given.
     */
    record Shape(int points, boolean mask) {
        Shape {
            if (points < 0) throw new IllegalArgumentException("points " + points);
        }
    }

    private InteractiveGraph() {}

    /** The graph computing the grid's position encoding, output {@link #IMAGE_PE}. */
    static Graph densePe(Sam3Config config) {
        Graph g = new Graph();
        SamPromptEncoder pe = new SamPromptEncoder(g, config.dModel(), config.gridSize());
        g.output(IMAGE_PE, pe.denseEncoding(g));
        return g;
    }

    /** The prompt encoder and mask decoder for prompts of one shape. */
    static Graph decoder(Sam3Config config, Shape shape) {
        Graph g = new Graph();
        int c = config.dModel();
        int grid = config.gridSize();
        Tensor image = g.input(IMAGE_EMBED, 1, grid, grid, c);
        Tensor featS0 = g.input(FEAT_S0, 1, 4 * grid, 4 * grid, c / 8);
        Tensor featS1 = g.input(FEAT_S1, 1, 2 * grid, 2 * grid, c / 4);
        Tensor imagePe = g.input(IMAGE_PE, 1, grid * grid, c);
        Tensor coords = null;
        Tensor labels = null;
        if (shape.points() > 0) {
            coords = g.input(POINT_COORDS, 1, shape.points(), 2);
            labels = g.input(POINT_LABELS, 1, shape.points());
        }
        Tensor mask = shape.mask() ? g.input(MASK_INPUT, 1, 4 * grid, 4 * grid, 1) : null;

        SamPromptEncoder promptEncoder = new SamPromptEncoder(g, c, grid);
        SamMaskDecoder maskDecoder = new SamMaskDecoder(g, c);
        Tensor noMemEmbed = g.weight(NO_MEM_EMBED, 1, 1, c);

        SamPromptEncoder.Output prompts = promptEncoder.forward(coords, labels, mask);
        Tensor imageEmbed = g.add(image, noMemEmbed);   // [1, 1, C] broadcast over the grid
        SamMaskDecoder.Output out = maskDecoder.forward(imageEmbed, imagePe, prompts.sparse(), prompts.dense(), featS0, featS1);

        if (prompts.sparse() != null) g.output(SPARSE, prompts.sparse());
        if (shape.mask()) g.output(DENSE, prompts.dense());
        g.output(MASKS, out.masks());
        g.output(IOU, out.iouPredictions());
        g.output(MASK_TOKENS, out.maskTokens());
        g.output(OBJECT_SCORE, out.objectScoreLogits());
        return g;
    }
}
