package org.sam3j.model.nn;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * {@code torch.nn.MultiheadAttention} (batch 1, sequences as {@code [T, dim]}): packed input projection
 * {@code in_proj_weight [3·dim, dim]} / {@code in_proj_bias} (rows q, k, v), output projection
 * {@code out_proj}, logit scale {@code 1/√(dim/heads)}.
 */
public final class MultiheadAttention {
    private final Graph g;
    private final Tensor inWeight;
    private final Tensor inBias;
    private final Linear outProj;
    private final int dim;
    private final int heads;

    /** Declares the parameters. */
    public MultiheadAttention(Scope s, int dim, int heads) {
        if (dim % heads != 0) throw new IllegalArgumentException(dim + " channels do not split into " + heads + " heads");
        this.g = s.graph();
        this.inWeight = s.weight("in_proj_weight", 3 * dim, dim);
        this.inBias = s.weight("in_proj_bias", 3 * dim);
        this.outProj = new Linear(s.child("out_proj"), dim, dim, true);
        this.dim = dim;
        this.heads = heads;
    }

    private Tensor project(Tensor x, int part) {
        Tensor w = g.slice(inWeight, 0, part * dim, (part + 1) * dim);
        Tensor b = g.slice(inBias, 0, part * dim, (part + 1) * dim);
        return g.linear(x, w, b);
    }

    /**
     * Attention of {@code query[Tq, dim]} over {@code key[Tk, dim]}/{@code value[Tk, dim]}.
     *
     * @param bias additive logit bias {@code [1, heads or 1, Tq or 1, Tk]} (key padding: large negative
     *             values), or null
     * @return {@code [Tq, dim]}
     */
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor bias) {
        Tensor q;
        Tensor k;
        Tensor v;
        if (query == key && key == value) {
            Tensor qkv = g.linear(query, inWeight, inBias);
            q = g.slice(qkv, 1, 0, dim);
            k = g.slice(qkv, 1, dim, 2 * dim);
            v = g.slice(qkv, 1, 2 * dim, 3 * dim);
        } else {
            q = project(query, 0);
            k = project(key, 1);
            v = project(value, 2);
        }
        int hd = dim / heads;
        Tensor o = g.attention(g.reshape(q, 1, q.dim(0), heads, hd), g.reshape(k, 1, k.dim(0), heads, hd),
                g.reshape(v, 1, v.dim(0), heads, hd), bias, (float) (1.0 / Math.sqrt(hd)));
        return outProj.forward(g.reshape(o, q.dim(0), dim));
    }
}
