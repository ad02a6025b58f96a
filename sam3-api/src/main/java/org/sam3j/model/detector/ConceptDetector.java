package org.sam3j.model.detector;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.vision.PositionEmbeddingSine;

/**
 * The concept (PCS) half of SAM 3 that runs per prompt on a cached image embedding: geometry encoder,
 * prompt assembly (text tokens then geometry tokens), fusion encoder, DETR decoder, dot-product
 * scoring and segmentation head.
 *
 * <p>One graph serves every prompt of up to {@code boxSlots} exemplar boxes ({@link #MAX_BOXES} in
 * {@link ConceptModel}): the prompt is laid out as text tokens, box slots, CLS token, and unused box
 * slots, like padded text tokens, are masked out of every attention over the prompt and out of the
 * scorer's mean by the key-padding inputs. So the valid tokens, in order, are the reference's prompt
 * {@code [text, boxes, CLS]} — for a text-only prompt just the CLS token after the text, as in the
 * reference — and the padding changes no result.
 *
 * <p>Graph inputs: {@value #LANGUAGE} {@code [32, d]}, {@value #PROMPT_BIAS} {@code [1, 1, 1, P]} (0 for
 * valid prompt tokens, a large negative value for padded text tokens and unused box slots),
 * {@value #POOL_WEIGHTS} {@code [1, P]} (1/valid count at valid tokens), {@value #BOXES}
 * {@code [boxSlots, 4]} normalised (cx, cy, w, h) and {@value #LABELS} {@code [boxSlots]} (1 positive,
 * 0 negative) when boxSlots > 0 (unused slots hold any box inside the image), and the detector neck levels
 * {@code fpn.0..2} ({@code [1, 288, 288, d]}, {@code [1, 144, 144, d]}, {@code [1, 72, 72, d]}).
 */
public final class ConceptDetector {
    /** Input: resized language features. */
    public static final String LANGUAGE = "language_features";
    /** Input: key-padding bias over the prompt. */
    public static final String PROMPT_BIAS = "prompt_bias";
    /** Input: mean-pooling weights over the prompt. */
    public static final String POOL_WEIGHTS = "pool_weights";
    /** Input: exemplar boxes. */
    public static final String BOXES = "boxes";
    /** Input: exemplar box labels. */
    public static final String LABELS = "box_labels";
    /** Input prefix of the neck levels ({@code fpn.0}, {@code fpn.1}, {@code fpn.2}). */
    public static final String FPN = "fpn.";
    /**
     * Most exemplar boxes in one concept prompt: the box slots of the graph {@link ConceptModel}
     * compiles (unused slots are padding that changes nothing).
     */
    public static final int MAX_BOXES = 16;

    /**
     * Graph nodes of one prompt.
     *
     * @param geometry  geometry tokens {@code [boxSlots + 1, d]}
     * @param prompt    the assembled prompt {@code [P, d]}
     * @param memory    fused image memory {@code [HW, d]}
     * @param pos       the 72² sine positions {@code [HW, d]}
     * @param decoder   the decoder's per-layer states
     * @param scores    per-layer query logits {@code [L·Q, 1]}
     * @param seg       mask logits and semantic map
     */
    public record Output(Tensor geometry, Tensor prompt, Tensor memory, Tensor pos, DetrDecoder.Output decoder,
                         Tensor scores, SegmentationHead.Output seg) {}

    private final Graph g;
    private final Sam3Config config;
    private final int boxSlots;
    private final int textTokens;
    private final GeometryEncoder geometryEncoder;
    private final FusionEncoder encoder;
    private final DetrDecoder decoder;
    private final DotProductScoring scoring;
    private final SegmentationHead segmentationHead;

    /**
     * Declares the parameters for prompts of {@code textTokens} text tokens and up to {@code boxSlots}
     * exemplar boxes (box slots).
     */
    public ConceptDetector(Graph g, Sam3Config config, int textTokens, int boxSlots) {
        if (boxSlots < 0) throw new IllegalArgumentException("negative number of box slots " + boxSlots);
        this.g = g;
        this.config = config;
        this.boxSlots = boxSlots;
        this.textTokens = textTokens;
        this.geometryEncoder = new GeometryEncoder(g, config);
        this.encoder = new FusionEncoder(g, config);
        this.decoder = new DetrDecoder(g, config);
        this.scoring = new DotProductScoring(g, config);
        this.segmentationHead = new SegmentationHead(g, config);
    }

    /** Number of prompt tokens: text tokens, box slots, CLS. */
    public int promptLength() {
        return textTokens + boxSlots + 1;
    }

    /** Declares the inputs and builds the graph. */
    public Output forward() {
        int d = config.dModel();
        int side = config.gridSize();
        List<Tensor> fpn = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int s = side * 4 >> i;
            fpn.add(g.input(FPN + i, 1, s, s, d));
        }
        Tensor language = g.input(LANGUAGE, textTokens, d);
        Tensor promptBias = g.input(PROMPT_BIAS, 1, 1, 1, promptLength());
        Tensor poolWeights = g.input(POOL_WEIGHTS, 1, promptLength());
        Tensor boxes = boxSlots > 0 ? g.input(BOXES, boxSlots, 4) : null;
        Tensor labels = boxSlots > 0 ? g.input(LABELS, boxSlots) : null;

        Tensor image = g.reshape(fpn.get(2), side * side, d);
        Tensor pos = g.constant("pos.72", PositionEmbeddingSine.encode(side, side, d), side * side, d);
        // the geometry tokens' own key padding: the box slots' and the CLS token's part of the prompt's
        Tensor geometryBias = boxSlots > 0 ? g.slice(promptBias, 3, textTokens, promptLength()) : null;
        Tensor geometry = geometryEncoder.forward(boxes, labels, image, pos, side, geometryBias);
        Tensor prompt = g.concat(0, language, geometry);
        Tensor memory = encoder.forward(image, pos, prompt, promptBias);
        DetrDecoder.Output dec = decoder.forward(memory, pos, side, prompt, promptBias);
        Tensor allQueries = dec.queries().size() == 1 ? dec.queries().get(0) : g.concat(0, dec.queries().toArray(new Tensor[0]));
        Tensor scores = scoring.forward(allQueries, prompt, poolWeights);
        Tensor last = dec.queries().get(dec.queries().size() - 1);
        SegmentationHead.Output seg = segmentationHead.forward(memory, side, fpn.get(1), fpn.get(0), prompt, promptBias, last);
        return new Output(geometry, prompt, memory, pos, dec, scores, seg);
    }
}
