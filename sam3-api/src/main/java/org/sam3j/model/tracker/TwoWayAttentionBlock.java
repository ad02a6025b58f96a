package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * One block of the two-way transformer (post-norm): (1) token self-attention, (2) tokens attend to the
 * image, (3) ReLU MLP on the tokens, (4) the image attends to the tokens. Position encodings are added
 * to queries and keys, never to values; the first block's self-attention uses no position encoding and
 * replaces the tokens instead of adding to them ({@code skip_first_layer_pe}). Padding tokens are kept out
 * of both attentions whose keys are tokens by a key-padding bias; only their own rows see them.
 */
public final class TwoWayAttentionBlock {
    private static final float EPS = 1e-5f;

    private final SamAttention selfAttn;
    private final LayerNorm norm1;
    private final SamAttention crossAttnTokenToImage;
    private final LayerNorm norm2;
    private final Linear lin1;
    private final Linear lin2;
    private final LayerNorm norm3;
    private final LayerNorm norm4;
    private final SamAttention crossAttnImageToToken;
    private final boolean skipFirstLayerPe;

    /** Tokens and image after one block. */
    public record Output(Tensor queries, Tensor keys) {}

    /**
     * What the block computes from the image tokens alone, before any token takes part: the same for every prompt
     * on one image where the block's image tokens do not depend on the prompt (the first block).
     *
     * @param keys             the image tokens {@code [1, HW, C]} (the residual of step 4)
     * @param tokenToImageKeys step 2's projected keys, {@code k_proj(keys + keyPe)} {@code [1, HW, C/r]} (r: the
     *                 downsample rate)
     * @param tokenToImageValues step 2's projected values, {@code v_proj(keys)} {@code [1, HW, C/r]}
     * @param imageToTokenQueries step 4's projected queries, {@code q_proj(keys + keyPe)} {@code [1, HW, C/r]}
     */
    public record ImageSide(Tensor keys, Tensor tokenToImageKeys, Tensor tokenToImageValues,
                            Tensor imageToTokenQueries) {}

    /** Declares the block's parameters in {@code s}. */
    public TwoWayAttentionBlock(Scope s, int dim, int heads, int mlpDim, int downsampleRate,
                                boolean skipFirstLayerPe) {
        this.selfAttn = new SamAttention(s.child("self_attn"), dim, heads, 1);
        this.norm1 = new LayerNorm(s.child("norm1"), dim, EPS);
        this.crossAttnTokenToImage = new SamAttention(s.child("cross_attn_token_to_image"), dim, heads, downsampleRate);
        this.norm2 = new LayerNorm(s.child("norm2"), dim, EPS);
        this.lin1 = new Linear(s.child("mlp.lin1"), dim, mlpDim, true);
        this.lin2 = new Linear(s.child("mlp.lin2"), mlpDim, dim, true);
        this.norm3 = new LayerNorm(s.child("norm3"), dim, EPS);
        this.norm4 = new LayerNorm(s.child("norm4"), dim, EPS);
        this.crossAttnImageToToken = new SamAttention(s.child("cross_attn_image_to_token"), dim, heads, downsampleRate);
        this.skipFirstLayerPe = skipFirstLayerPe;
    }

    /**
     * @param queries  tokens {@code [1, T, C]}
     * @param keys     image tokens {@code [1, HW, C]}
     * @param queryPe  the tokens' original embeddings {@code [1, T, C]}
     * @param keyPe    the image's position encoding {@code [1, HW, C]}
     * @param tokenBias key-padding bias over the tokens {@code [1, 1, 1, T]} (0 valid, large negative for
     *                  padding tokens, which then influence neither the tokens nor the image), or null
     */
    public Output forward(Tensor queries, Tensor keys, Tensor queryPe, Tensor keyPe, Tensor tokenBias) {
        return forward(queries, imageSide(keys, keyPe), queryPe, tokenBias);
    }

    /** The block's {@link ImageSide} of image tokens {@code keys} with position encoding {@code keyPe}. */
    public ImageSide imageSide(Tensor keys, Tensor keyPe) {
        Tensor k = keys.graph().add(keys, keyPe);
        return new ImageSide(keys, crossAttnTokenToImage.projectKeys(k), crossAttnTokenToImage.projectValues(keys),
                crossAttnImageToToken.projectQueries(k));
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor)} on image tokens whose {@link ImageSide} is
     * {@code image} (computed in this graph or in an earlier one).
     */
    public Output forward(Tensor queries, ImageSide image, Tensor queryPe, Tensor tokenBias) {
        Graph g = queries.graph();
        if (skipFirstLayerPe) {
            queries = selfAttn.forward(queries, queries, queries, tokenBias);
        } else {
            Tensor q = g.add(queries, queryPe);
            queries = g.add(queries, selfAttn.forward(q, q, queries, tokenBias));
        }
        queries = norm1.forward(queries);

        Tensor q = g.add(queries, queryPe);
        queries = norm2.forward(g.add(queries, crossAttnTokenToImage.attend(crossAttnTokenToImage.projectQueries(q),
                image.tokenToImageKeys(), image.tokenToImageValues(), null)));

        queries = norm3.forward(g.add(queries, lin2.forward(g.relu(lin1.forward(queries)))));

        q = g.add(queries, queryPe);
        Tensor keys = image.keys();
        keys = norm4.forward(g.add(keys, crossAttnImageToToken.attend(image.imageToTokenQueries(),
                crossAttnImageToToken.projectKeys(q), crossAttnImageToToken.projectValues(queries), tokenBias)));
        return new Output(queries, keys);
    }
}
