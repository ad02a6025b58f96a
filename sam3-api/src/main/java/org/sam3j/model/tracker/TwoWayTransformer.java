package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Scope;

/**
 * SAM's two-way transformer ({@code tracker.sam_mask_decoder.transformer}): {@code depth}
 * {@link TwoWayAttentionBlock}s in which tokens and image attend to each other, then a final
 * token → image attention with a residual and {@code norm_final_attn}.
 */
public final class TwoWayTransformer {
    private final TwoWayAttentionBlock[] layers;
    private final SamAttention finalAttnTokenToImage;
    private final LayerNorm normFinalAttn;

    /** Declares the parameters in {@code s} (depth 2, 8 heads, MLP 2048 and downsample 2 in SAM 3). */
    public TwoWayTransformer(Scope s, int depth, int dim, int heads, int mlpDim, int downsampleRate) {
        this.layers = new TwoWayAttentionBlock[depth];
        for (int i = 0; i < depth; i++) {
            layers[i] = new TwoWayAttentionBlock(s.child("layers").child(i), dim, heads, mlpDim, downsampleRate, i == 0);
        }
        this.finalAttnTokenToImage = new SamAttention(s.child("final_attn_token_to_image"), dim, heads, downsampleRate);
        this.normFinalAttn = new LayerNorm(s.child("norm_final_attn"), dim, 1e-5f);
    }

    /**
     * @param image      image tokens {@code [1, HW, C]} (row-major grid order)
     * @param imagePe    their position encoding {@code [1, HW, C]}
     * @param tokens     output and prompt tokens {@code [1, T, C]}
     * @param tokenBias  key-padding bias over the tokens {@code [1, 1, 1, T]}, or null when all are valid
     * @return the processed tokens {@code [1, T, C]} and image {@code [1, HW, C]}
     */
    public TwoWayAttentionBlock.Output forward(Tensor image, Tensor imagePe, Tensor tokens, Tensor tokenBias) {
        return forward(imageSide(image, imagePe), imagePe, tokens, tokenBias);
    }

    /**
     * What the first block computes from the image alone ({@link TwoWayAttentionBlock#imageSide}): the same for every
     * prompt on one image, so it can be computed once per image.
     *
     * @param image   image tokens {@code [1, HW, C]}
     * @param imagePe their position encoding {@code [1, HW, C]}
     */
    public TwoWayAttentionBlock.ImageSide imageSide(Tensor image, Tensor imagePe) {
        return layers[0].imageSide(image, imagePe);
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, Tensor)} on image tokens whose first-block {@link #imageSide} is
     * {@code image}.
     */
    public TwoWayAttentionBlock.Output forward(TwoWayAttentionBlock.ImageSide image, Tensor imagePe, Tensor tokens,
                                               Tensor tokenBias) {
        Graph g = tokens.graph();
        TwoWayAttentionBlock.Output o = layers[0].forward(tokens, image, tokens, tokenBias);
        for (int i = 1; i < layers.length; i++) {
            o = layers[i].forward(o.queries(), o.keys(), tokens, imagePe, tokenBias);
        }
        Tensor queries = o.queries();
        Tensor keys = o.keys();
        Tensor q = g.add(queries, tokens);
        Tensor k = g.add(keys, imagePe);
        queries = normFinalAttn.forward(g.add(queries, finalAttnTokenToImage.forward(q, k, keys)));
        return new TwoWayAttentionBlock.Output(queries, keys);
    }
}
