package org.sam3j.model.vision;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * Multi-head self-attention of a PE ViT block with 2-D RoPE on queries and keys ({@code attn.qkv},
 * {@code attn.proj}), over a token grid as the sequence {@code [B, T, C]}: windowed or global.
 */
final class VitAttention {
    private final Linear qkv;
    private final Linear proj;
    private final int heads;
    private final int headDim;
    private final Tensor ropeCos;
    private final Tensor ropeSin;

    VitAttention(Scope s, int dim, int heads, Tensor[] rope) {
        this.qkv = new Linear(s.child("qkv"), dim, 3 * dim, true);
        this.proj = new Linear(s.child("proj"), dim, dim, true);
        this.heads = heads;
        this.headDim = dim / heads;
        this.ropeCos = rope[0];
        this.ropeSin = rope[1];
    }

    /**
     * {@code x[B, gridH·gridW, C]} → {@code [B, gridH·gridW, C]}: attention over the whole grid ({@code window} 0)
     * or inside each {@code window × window} tile of it.
     */
    Tensor forward(Tensor x, int gridH, int gridW, int window) {
        Graph g = x.graph();
        int b = x.dim(0);
        int t = x.dim(1);
        Tensor qkvOut = g.reshape(qkv.forward(x), b, t, 3, heads * headDim);
        Tensor q = g.reshape(g.slice(qkvOut, 2, 0, 1), b, t, heads, headDim);
        Tensor k = g.reshape(g.slice(qkvOut, 2, 1, 2), b, t, heads, headDim);
        Tensor v = g.reshape(g.slice(qkvOut, 2, 2, 3), b, t, heads, headDim);
        q = g.rope(q, ropeCos, ropeSin);
        k = g.rope(k, ropeCos, ropeSin);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Tensor o = window > 0 ? g.windowedAttention(q, k, v, scale, gridH, gridW, window)
                : g.attention(q, k, v, null, scale);
        return proj.forward(g.reshape(o, b, t, heads * headDim));
    }
}
