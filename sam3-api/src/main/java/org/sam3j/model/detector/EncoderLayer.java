package org.sam3j.model.detector;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.MultiheadAttention;
import org.sam3j.model.nn.Scope;

/**
 * The reference's pre-norm {@code TransformerEncoderLayer} as the fusion and geometry encoders use it:
 * self-attention (positions on queries and keys when given), cross-attention to a memory
 * ({@code cross_attn_image}), ReLU feed-forward, each as {@code x += f(norm_i(x))}.
 */
final class EncoderLayer {
    private final Graph g;
    private final LayerNorm norm1;
    private final MultiheadAttention selfAttn;
    private final LayerNorm norm2;
    private final MultiheadAttention crossAttnImage;
    private final LayerNorm norm3;
    private final Linear linear1;
    private final Linear linear2;

    EncoderLayer(Scope s, Sam3Config config) {
        this.g = s.graph();
        int d = config.dModel();
        int heads = config.transformerHeads();
        int ffn = config.transformerFfnDim();
        this.norm1 = new LayerNorm(s.child("norm1"), d, 1e-5f);
        this.selfAttn = new MultiheadAttention(s.child("self_attn"), d, heads);
        this.norm2 = new LayerNorm(s.child("norm2"), d, 1e-5f);
        this.crossAttnImage = new MultiheadAttention(s.child("cross_attn_image"), d, heads);
        this.norm3 = new LayerNorm(s.child("norm3"), d, 1e-5f);
        this.linear1 = new Linear(s.child("linear1"), d, ffn, true);
        this.linear2 = new Linear(s.child("linear2"), ffn, d, true);
    }

    /**
     * @param x          tokens {@code [T, d]}
     * @param pos        positions added to the self-attention queries and keys, or null for none
     * @param memoryKeys cross-attention keys {@code [M, d]} (the memory, plus its positions where used)
     * @param memory     cross-attention values {@code [M, d]}
     * @param memoryBias key-padding bias {@code [1, 1, 1, M]}, or null
     */
    Tensor forward(Tensor x, Tensor pos, Tensor memoryKeys, Tensor memory, Tensor memoryBias) {
        return forward(x, null, pos, memoryKeys, memory, memoryBias);
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor)} with a key-padding bias on the
     * self-attention.
     *
     * @param selfBias key-padding bias over the tokens {@code [1, 1, 1, T]} (0 valid, large negative
     *                 padding), or null
     */
    Tensor forward(Tensor x, Tensor selfBias, Tensor pos, Tensor memoryKeys, Tensor memory, Tensor memoryBias) {
        return attendMemory(selfAttend(x, selfBias, pos), memoryKeys, memory, memoryBias);
    }

    /** The self-attention half: {@code x + SelfAttn(q = k = norm1(x) + pos, v = norm1(x))}. */
    Tensor selfAttend(Tensor x, Tensor selfBias, Tensor pos) {
        Tensor t = norm1.forward(x);
        Tensor qk = pos != null ? g.add(t, pos) : t;
        return g.add(x, selfAttn.forward(qk, qk, t, selfBias));
    }

    /** The rest of the layer after {@link #selfAttend}: cross-attention to the memory, then the feed-forward. */
    Tensor attendMemory(Tensor x, Tensor memoryKeys, Tensor memory, Tensor memoryBias) {
        Tensor t = norm2.forward(x);
        x = g.add(x, crossAttnImage.forward(t, memoryKeys, memory, memoryBias));
        t = norm3.forward(x);
        return g.add(x, linear2.forward(g.relu(linear1.forward(t))));
    }
}
