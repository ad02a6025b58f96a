package org.sam3j.model.detector;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.MultiheadAttention;
import org.sam3j.model.nn.Scope;

/**
 * A post-norm layer of the DETR decoder, over the presence token followed by the object queries:
 * self-attention ({@code norm2}), cross-attention to the prompt ({@code ca_text}, {@code catext_norm}),
 * cross-attention to the image memory with the box relative-position bias ({@code cross_attn},
 * {@code norm1}), ReLU feed-forward ({@code norm3}). The presence token's query position is zero.
 */
final class DetrDecoderLayer {
    private final Graph g;
    private final MultiheadAttention selfAttn;
    private final LayerNorm norm2;
    private final MultiheadAttention caText;
    private final LayerNorm catextNorm;
    private final MultiheadAttention crossAttn;
    private final LayerNorm norm1;
    private final Linear linear1;
    private final Linear linear2;
    private final LayerNorm norm3;

    DetrDecoderLayer(Scope s, Sam3Config config) {
        this.g = s.graph();
        int d = config.dModel();
        int heads = config.transformerHeads();
        int ffn = config.transformerFfnDim();
        this.selfAttn = new MultiheadAttention(s.child("self_attn"), d, heads);
        this.norm2 = new LayerNorm(s.child("norm2"), d, 1e-5f);
        this.caText = new MultiheadAttention(s.child("ca_text"), d, heads);
        this.catextNorm = new LayerNorm(s.child("catext_norm"), d, 1e-5f);
        this.crossAttn = new MultiheadAttention(s.child("cross_attn"), d, heads);
        this.norm1 = new LayerNorm(s.child("norm1"), d, 1e-5f);
        this.linear1 = new Linear(s.child("linear1"), d, ffn, true);
        this.linear2 = new Linear(s.child("linear2"), ffn, d, true);
        this.norm3 = new LayerNorm(s.child("norm3"), d, 1e-5f);
    }

    /**
     * @param tgt        presence token then queries {@code [1 + Q, d]}
     * @param queryPos   their query positions {@code [1 + Q, d]} (zero row first)
     * @param prompt     prompt tokens {@code [P, d]} with key-padding bias {@code promptBias [1, 1, 1, P]}
     * @param memory     fused image memory {@code [HW, d]}; {@code memoryPlusPos} = memory + sine positions
     * @param boxBias    box relative-position bias {@code [1, heads, 1 + Q, HW]} (zero row for presence)
     * @return the updated {@code [1 + Q, d]}
     */
    Tensor forward(Tensor tgt, Tensor queryPos, Tensor prompt, Tensor promptBias, Tensor memory, Tensor memoryPlusPos,
                   Tensor boxBias) {
        Tensor q = g.add(tgt, queryPos);
        tgt = norm2.forward(g.add(tgt, selfAttn.forward(q, q, tgt, null)));
        tgt = catextNorm.forward(g.add(tgt, caText.forward(g.add(tgt, queryPos), prompt, prompt, promptBias)));
        tgt = norm1.forward(g.add(tgt, crossAttn.forward(g.add(tgt, queryPos), memoryPlusPos, memory, boxBias)));
        return norm3.forward(g.add(tgt, linear2.forward(g.relu(linear1.forward(tgt)))));
    }
}
