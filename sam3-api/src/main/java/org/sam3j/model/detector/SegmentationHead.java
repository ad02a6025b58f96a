package org.sam3j.model.detector;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Mlp;
import org.sam3j.model.nn.MultiheadAttention;
import org.sam3j.model.nn.Scope;

/**
 * The segmentation head ({@code UniversalSegmentationHead}): the fused image memory attends once more
 * to the prompt, replaces the 72² neck level, and the {@link PixelDecoder} brings it to 288²; a 1×1
 * convolution gives per-pixel embeddings, and each query's mask logits are the dot products of its
 * {@code mask_embed} with them.
 */
public final class SegmentationHead {
    /**
     * @param masks    per-query mask logits {@code [Q, H·W]} at the finest level (288²)
     * @param semantic the semantic map {@code [1, H, W, 1]} (not used by post-processing)
     */
    public record Output(Tensor masks, Tensor semantic) {}

    private final Graph g;
    private final Scope scope;
    private final int d;
    private final LayerNorm crossAttnNorm;
    private final MultiheadAttention crossAttendPrompt;
    private final PixelDecoder pixelDecoder;
    private final Conv2d instanceSegHead;
    private final Conv2d semanticSegHead;
    private final Mlp maskEmbed;

    /** Declares the parameters in {@code s} ({@code detector.segmentation_head} in the checkpoint). */
    public SegmentationHead(Scope s, Sam3Config config) {
        this.g = s.graph();
        this.scope = s;
        this.d = config.dModel();
        this.crossAttnNorm = new LayerNorm(s.child("cross_attn_norm"), d, 1e-5f);
        this.crossAttendPrompt = new MultiheadAttention(s.child("cross_attend_prompt"), d, config.transformerHeads());
        this.pixelDecoder = new PixelDecoder(s.child("pixel_decoder"), d);
        this.instanceSegHead = new Conv2d(s.child("instance_seg_head"), d, d, 1, 1, 0, true);
        this.semanticSegHead = new Conv2d(s.child("semantic_seg_head"), d, 1, 1, 1, 0, true);
        this.maskEmbed = new Mlp(s.child("mask_predictor.mask_embed"), d, d, d, 3);
    }

    /**
     * The image's share of the pixel decoder, computed once per image ({@link PixelDecoder#laterals}): the neck
     * levels {@code fpnMid [1, 2s, 2s, d]} and {@code fpnFine [1, 4s, 4s, d]} through their convolutions.
     */
    public Tensor[] laterals(Tensor fpnMid, Tensor fpnFine) {
        return pixelDecoder.laterals(fpnMid, fpnFine);
    }

    /**
     * @param memory     fused image memory {@code [s², d]}
     * @param laterals   the finer neck levels' {@link #laterals}
     * @param prompt     prompt tokens {@code [P, d]} with key-padding bias {@code promptBias}
     * @param queries    the last decoder layer's normalised queries {@code [Q, d]}
     */
    public Output forward(Tensor memory, int side, Tensor[] laterals, Tensor prompt, Tensor promptBias,
                          Tensor queries) {
        Tensor t = crossAttnNorm.forward(memory);
        Tensor enc = g.add(memory, crossAttendPrompt.forward(t, prompt, prompt, promptBias));
        Tensor pixels = pixelDecoder.forward(g.reshape(enc, 1, side, side, d), laterals);
        Tensor embeddings = instanceSegHead.forward(pixels);
        int hw = embeddings.dim(1) * embeddings.dim(2);
        Tensor masks = g.matmul(maskEmbed.forward(queries), g.reshape(embeddings, hw, d), true);
        Tensor semantic = semanticSegHead.forward(pixels);
        scope.returns("pred_masks", masks);
        scope.returns("semantic_seg", semantic);
        return new Output(masks, semantic);
    }
}
