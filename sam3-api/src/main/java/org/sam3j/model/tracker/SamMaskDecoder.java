package org.sam3j.model.tracker;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.ConvTranspose2x2;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Mlp;
import org.sam3j.model.nn.Scope;

/**
 * SAM's mask decoder as SAM 2 / SAM 3 configure it ({@code tracker.sam_mask_decoder}).
 *
 * <p>The output tokens {@code [obj_score, iou, mask₀…mask₃]} are followed by the sparse prompt tokens;
 * the image tokens are {@code image + dense}. Prompt tokens may be padding slots, marked invalid: a
 * key-padding bias keeps them out of every attention, so they change no output. After the {@link TwoWayTransformer} the image is upscaled
 * 72² → 144² → 288² by two 2×2 transposed convolutions, each joined by the image encoder's
 * high-resolution feature of that size ({@code GELU(LN2d(dc1(x) + feat_s1))}, then
 * {@code GELU(dc2(·) + feat_s0)}). Each mask token goes through its hypernetwork MLP (256 → 256 → 256 → 32)
 * and its dot product with the upscaled image gives one 288² mask. The IoU token gives the four masks'
 * predicted IoU (MLP, sigmoid), the object-score token an object-presence logit (MLP).
 *
 * <p>All four masks are returned; choosing between them (multimask output, or the single mask with its
 * stability fall-back) is left to the caller ({@link InteractiveDecoder}).
 */
public final class SamMaskDecoder {
    /** Number of mask tokens: one single-mask output and three multimask outputs. */
    public static final int NUM_MASK_TOKENS = 4;
    /** Logit bias of padding tokens: far below any real logit, yet finite (exp underflows to exactly 0). */
    static final float MASKED = -1e9f;
    /** Blocks of the two-way transformer. */
    private static final int TRANSFORMER_DEPTH = 2;
    /** Width reduction of the two-way transformer's cross-attentions (256 → 128). */
    public static final int ATTENTION_DOWNSAMPLE = 2;

    /**
     * What the decoder predicts for one prompt.
     *
     * @param masks              low-resolution mask logits {@code [1, 4, 4h, 4w]} (token order)
     * @param iouPredictions     predicted IoU of each mask {@code [1, 4]}, in {@code [0, 1]}
     * @param maskTokens         the mask tokens after the transformer {@code [1, 4, C]}
     * @param objectScoreLogits  object-presence logit {@code [1, 1]}
     */
    public record Output(Tensor masks, Tensor iouPredictions, Tensor maskTokens, Tensor objectScoreLogits) {}

    private final int dim;
    private final TwoWayTransformer transformer;
    private final Tensor outputTokens;   // [obj_score, iou, mask_tokens...] : [6, C]
    private final ConvTranspose2x2 upscaling0;
    private final LayerNorm upscaling1;
    private final ConvTranspose2x2 upscaling3;
    private final Mlp[] hypernetworks = new Mlp[NUM_MASK_TOKENS];
    private final Mlp iouPredictionHead;
    private final Mlp predObjScoreHead;

    /**
     * Declares the parameters in {@code s} ({@code tracker.sam_mask_decoder} in the checkpoint): transformer width
     * {@link Sam3Config#dModel()}, heads {@link Sam3Config#maskDecoderHeads()}, MLP {@link Sam3Config#maskDecoderMlpDim()}.
     */
    public SamMaskDecoder(Scope s, Sam3Config config) {
        Graph g = s.graph();
        int dim = config.dModel();
        this.dim = dim;
        this.transformer = new TwoWayTransformer(s.child("transformer"), TRANSFORMER_DEPTH, dim, config.maskDecoderHeads(),
                config.maskDecoderMlpDim(), ATTENTION_DOWNSAMPLE);
        this.outputTokens = g.concat(0, s.weight("obj_score_token.weight", 1, dim),
                s.weight("iou_token.weight", 1, dim),
                s.weight("mask_tokens.weight", NUM_MASK_TOKENS, dim));
        this.upscaling0 = new ConvTranspose2x2(s.child("output_upscaling.0"), dim, dim / 4);
        this.upscaling1 = new LayerNorm(s.child("output_upscaling.1"), dim / 4, 1e-6f);
        this.upscaling3 = new ConvTranspose2x2(s.child("output_upscaling.3"), dim / 4, dim / 8);
        for (int i = 0; i < NUM_MASK_TOKENS; i++) {
            hypernetworks[i] = new Mlp(s.child("output_hypernetworks_mlps").child(i), dim, dim, dim / 8, 3);
        }
        this.iouPredictionHead = new Mlp(s.child("iou_prediction_head"), dim, dim, NUM_MASK_TOKENS, 3);
        this.predObjScoreHead = new Mlp(s.child("pred_obj_score_head"), dim, dim, 1, 3);
    }

    /**
     * Predicts masks.
     *
     * @param image   image embedding {@code [1, h, w, C]} (SAM 3 adds {@code no_mem_embed} before)
     * @param imagePe its position encoding, flattened in row-major grid order {@code [1, h·w, C]}
     * @param sparse  sparse prompt tokens {@code [1, N, C]}, or null for none
     * @param sparseValid {@code [1, N]}: 1 for a prompt token, 0 for a padding slot that attention must
     *                ignore (so padded prompts give the unpadded sequence's results), or null if all are valid
     * @param dense   dense prompt embedding {@code [1, h, w, C]}, or {@code [1, C]} broadcast over the grid
     * @param featS0  high-resolution feature {@code [1, 4h, 4w, C/8]} (after {@code conv_s0})
     * @param featS1  high-resolution feature {@code [1, 2h, 2w, C/4]} (after {@code conv_s1})
     */
    public Output forward(Tensor image, Tensor imagePe, Tensor sparse, Tensor sparseValid, Tensor dense,
                          Tensor featS0, Tensor featS1) {
        return forward(imageSide(image, imagePe, dense), imagePe, sparse, sparseValid, featS0, featS1);
    }

    /**
     * What the decoder computes from the image and the dense prompt alone: the image tokens {@code image + dense} and
     * the two-way transformer's first-block projections of them ({@link TwoWayTransformer#imageSide}). Where the dense
     * prompt is the same for every prompt ({@code no_mask_embed}: no mask prompt), this is the same for every prompt
     * on one image.
     *
     * @param image   image embedding {@code [1, h, w, C]}
     * @param imagePe its position encoding, flattened in row-major grid order {@code [1, h·w, C]}
     * @param dense   dense prompt embedding {@code [1, h, w, C]}, or {@code [1, C]} broadcast over the grid
     */
    public ImageSide imageSide(Tensor image, Tensor imagePe, Tensor dense) {
        Graph g = image.graph();
        int h = image.dim(1);
        int w = image.dim(2);
        if (imagePe.rank() != 3 || imagePe.dim(1) != h * w) {
            throw new IllegalArgumentException("position encoding " + imagePe + " for an image of " + h + "x" + w);
        }
        Tensor src = g.add(image, dense);
        return new ImageSide(transformer.imageSide(g.reshape(src, 1, h * w, dim), imagePe), h, w);
    }

    /**
     * The decoder's share of one image: the first two-way block's {@link TwoWayAttentionBlock.ImageSide} of the image
     * tokens, which are an {@code height × width} grid.
     */
    public record ImageSide(TwoWayAttentionBlock.ImageSide first, int height, int width) {}

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)} on an image whose
     * {@link #imageSide} is {@code image} (computed in this graph or in an earlier one).
     */
    public Output forward(ImageSide image, Tensor imagePe, Tensor sparse, Tensor sparseValid, Tensor featS0,
                          Tensor featS1) {
        Graph g = imagePe.graph();
        int h = image.height();
        int w = image.width();
        int outTokens = 2 + NUM_MASK_TOKENS;
        Tensor tokens = g.reshape(outputTokens, 1, outTokens, dim);
        Tensor tokenBias = null;
        if (sparse != null) {
            tokens = g.concat(1, tokens, sparse);
            if (sparseValid != null) {
                int n = sparse.dim(1);
                if (sparseValid.rank() != 2 || sparseValid.dim(1) != n) {
                    throw new IllegalArgumentException("validity " + sparseValid + " for sparse tokens " + sparse);
                }
                // valid → 0 (exactly), padding → MASKED; the output tokens are always valid
                Tensor promptBias = g.affine(sparseValid, -MASKED, MASKED);
                tokenBias = g.reshape(g.concat(1, g.constant("output_token_bias", new float[outTokens], 1, outTokens),
                        promptBias), 1, 1, 1, outTokens + n);
            }
        }

        TwoWayAttentionBlock.Output t = transformer.forward(image.first(), imagePe, tokens, tokenBias);
        Tensor hs = t.queries();
        Tensor objScoreToken = g.reshape(g.slice(hs, 1, 0, 1), 1, dim);
        Tensor iouTokenOut = g.reshape(g.slice(hs, 1, 1, 2), 1, dim);
        Tensor maskTokensOut = g.slice(hs, 1, 2, 2 + NUM_MASK_TOKENS);

        // upscale the image with the high-resolution features
        Tensor x = g.reshape(t.keys(), 1, h, w, dim);
        x = g.gelu(upscaling1.forward(g.add(upscaling0.forward(x), featS1)));
        x = g.gelu(g.add(upscaling3.forward(x), featS0));
        int hh = x.dim(1);
        int ww = x.dim(2);
        int c = x.dim(3);

        Tensor[] hyper = new Tensor[NUM_MASK_TOKENS];
        for (int i = 0; i < NUM_MASK_TOKENS; i++) {
            hyper[i] = hypernetworks[i].forward(g.slice(maskTokensOut, 1, i, i + 1));   // [1, 1, C/8]
        }
        Tensor hyperIn = g.concat(1, hyper);                                              // [1, 4, C/8]
        Tensor masks = g.matmul(hyperIn, g.reshape(x, 1, hh * ww, c), true);              // [1, 4, HW']
        masks = g.reshape(masks, 1, NUM_MASK_TOKENS, hh, ww);

        Tensor iou = g.sigmoid(iouPredictionHead.forward(iouTokenOut));   // iou_prediction_use_sigmoid
        Tensor objectScore = predObjScoreHead.forward(objScoreToken);
        return new Output(masks, iou, maskTokensOut, objectScore);
    }
}
