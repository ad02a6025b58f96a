package org.sam3j.model.detector;

import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Scope;
import org.sam3j.model.vision.PositionEmbeddingSine;

/**
 * The concept (PCS) half of SAM 3 that runs per prompt on a cached image embedding: geometry encoder,
 * prompt assembly (text tokens then geometry tokens), fusion encoder, DETR decoder, dot-product
 * scoring and segmentation head (the checkpoint's {@code detector.*} modules other than the backbone).
 * What of it does not depend on the prompt — the fusion encoder's first self-attention over the image and the
 * pixel decoder's convolutions of the neck levels — is built apart ({@link #imageSide}), to run once per image.
 *
 * <p>One graph serves every prompt of up to {@code boxSlots} exemplar boxes: the prompt is laid out as
 * text tokens, box slots, CLS token, and unused box slots, like padded text tokens, are masked out of every
 * attention over the prompt and out of the scorer's mean by the key-padding inputs. So the valid tokens, in
 * order, are the reference's prompt {@code [text, boxes, CLS]} — for a text-only prompt just the CLS token
 * after the text, as in the reference — and the padding changes no result.
 */
public final class ConceptDetector {
    /**
     * What the detector computes from the image alone, once per image, and every prompt reuses ({@link #imageSide}).
     *
     * @param image        the 72² neck level as tokens {@code [s², d]}
     * @param selfAttended the image tokens after the fusion encoder's first self-attention {@code [s², d]}
     * @param lateralMid   the pixel decoder's convolution of the 144² level {@code [1, 2s, 2s, d]}
     * @param lateralFine  its convolution of the 288² level {@code [1, 4s, 4s, d]}
     */
    public record ImageSide(Tensor image, Tensor selfAttended, Tensor lateralMid, Tensor lateralFine) {}

    /**
     * The detector's inputs.
     *
     * @param image       the image's share ({@link ImageSide})
     * @param language    resized language features {@code [T, d]}
     * @param promptBias  key-padding bias over the prompt {@code [1, 1, 1, P]} (0 for valid prompt tokens, a large
     *                    negative value for padded text tokens and unused box slots)
     * @param poolWeights mean-pooling weights over the prompt {@code [1, P]} (1/valid count at valid tokens)
     * @param boxes       exemplar boxes {@code [boxSlots, 4]} normalised (cx, cy, w, h), or null without box slots
     * @param labels      their labels {@code [boxSlots]} (1 positive, 0 negative), or null without box slots
     */
    public record Inputs(ImageSide image, Tensor language, Tensor promptBias, Tensor poolWeights, Tensor boxes,
                         Tensor labels) {}

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
     * Declares the parameters in {@code s} ({@code detector} in the checkpoint) for prompts of {@code textTokens}
     * text tokens and up to {@code boxSlots} exemplar boxes (box slots).
     */
    public ConceptDetector(Scope s, Sam3Config config, int textTokens, int boxSlots) {
        if (boxSlots < 0) throw new IllegalArgumentException("negative number of box slots " + boxSlots);
        this.g = s.graph();
        this.config = config;
        this.boxSlots = boxSlots;
        this.textTokens = textTokens;
        this.geometryEncoder = new GeometryEncoder(s.child("geometry_encoder"), config);
        this.encoder = new FusionEncoder(s.child("transformer.encoder"), config);
        this.decoder = new DetrDecoder(s.child("transformer.decoder"), config);
        this.scoring = new DotProductScoring(s.child("dot_prod_scoring"), config);
        this.segmentationHead = new SegmentationHead(s.child("segmentation_head"), config);
    }

    /** Number of prompt tokens: text tokens, box slots, CLS. */
    public int promptLength() {
        return textTokens + boxSlots + 1;
    }

    /** Box slots of the prompt layout. */
    public int boxSlots() {
        return boxSlots;
    }

    /** Text tokens of the prompt layout. */
    public int textTokens() {
        return textTokens;
    }

    /**
     * Builds the prompt-independent part on the detector neck levels {@code fpn} ({@code [1, 4s, 4s, d]},
     * {@code [1, 2s, 2s, d]}, {@code [1, s, s, d]}): the fusion encoder's first self-attention over the image and the
     * pixel decoder's convolutions of the finer levels.
     */
    public ImageSide imageSide(List<Tensor> fpn) {
        int d = config.dModel();
        int side = config.gridSize();
        Tensor image = g.reshape(fpn.get(2), side * side, d);
        Tensor[] laterals = segmentationHead.laterals(fpn.get(1), fpn.get(0));
        return new ImageSide(image, encoder.selfAttendImage(image, positions()), laterals[0], laterals[1]);
    }

    /** The 72² sine positions {@code [s², d]}. */
    private Tensor positions() {
        int side = config.gridSize();
        return g.constant("pos.72", PositionEmbeddingSine.encode(side, side, config.dModel()), side * side, config.dModel());
    }

    /** Builds the detector on {@code in} (shapes as {@link Inputs} documents them). */
    public Output forward(Inputs in) {
        int side = config.gridSize();
        ImageSide imageSide = in.image();
        Tensor language = in.language();
        Tensor promptBias = in.promptBias();
        Tensor poolWeights = in.poolWeights();
        Tensor boxes = in.boxes();
        Tensor labels = in.labels();
        if ((boxes == null) != (boxSlots == 0) || (labels == null) != (boxSlots == 0)) {
            throw new IllegalArgumentException("boxes and labels are needed exactly when there are box slots (" + boxSlots + ")");
        }

        Tensor image = imageSide.image();
        Tensor pos = positions();
        // the geometry tokens' own key padding: the box slots' and the CLS token's part of the prompt's
        Tensor geometryBias = boxSlots > 0 ? g.slice(promptBias, 3, textTokens, promptLength()) : null;
        Tensor geometry = geometryEncoder.forward(boxes, labels, image, pos, side, geometryBias);
        Tensor prompt = g.concat(0, language, geometry);
        Tensor memory = encoder.forward(imageSide.selfAttended(), pos, prompt, promptBias);
        DetrDecoder.Output dec = decoder.forward(memory, pos, side, prompt, promptBias);
        Tensor allQueries = dec.queries().size() == 1 ? dec.queries().get(0) : g.concat(0, dec.queries().toArray(new Tensor[0]));
        Tensor scores = scoring.forward(allQueries, prompt, poolWeights);
        Tensor last = dec.queries().get(dec.queries().size() - 1);
        SegmentationHead.Output seg = segmentationHead.forward(memory, side,
                new Tensor[] {imageSide.lateralMid(), imageSide.lateralFine()}, prompt, promptBias, last);
        return new Output(geometry, prompt, memory, pos, dec, scores, seg);
    }
}
