package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * SAM's attention layer ({@code Attention} in the reference): separate {@code q/k/v_proj} that may shrink
 * the width by a downsample rate (the two-way transformer's cross-attentions use 2: 256 → 128, 16
 * channels per head), scaled dot-product attention over the heads ({@code 1/√head_dim}), then
 * {@code out_proj} back to the embedding width.
 */
public final class SamAttention {
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;
    private final int heads;
    private final int internalDim;

    /** Declares {@code {q,k,v,out}_proj} in {@code s}. */
    public SamAttention(Scope s, int embeddingDim, int heads, int downsampleRate) {
        this.internalDim = embeddingDim / downsampleRate;
        if (internalDim % heads != 0) throw new IllegalArgumentException(heads + " heads do not divide " + internalDim);
        this.heads = heads;
        this.qProj = new Linear(s.child("q_proj"), embeddingDim, internalDim, true);
        this.kProj = new Linear(s.child("k_proj"), embeddingDim, internalDim, true);
        this.vProj = new Linear(s.child("v_proj"), embeddingDim, internalDim, true);
        this.outProj = new Linear(s.child("out_proj"), internalDim, embeddingDim, true);
    }

    /** {@code q[B, Tq, C]}, {@code k[B, Tk, C]}, {@code v[B, Tk, C]} → {@code [B, Tq, C]}. */
    public Tensor forward(Tensor q, Tensor k, Tensor v) {
        return forward(q, k, v, null);
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor)} with an additive logit bias.
     *
     * @param keyBias {@code [1, 1, 1, Tk]}: 0 for keys to attend to, a large negative value for padding
     *                keys (see {@link Graph#attention}), or null
     */
    public Tensor forward(Tensor q, Tensor k, Tensor v, Tensor keyBias) {
        return attend(projectQueries(q), projectKeys(k), projectValues(v), keyBias);
    }

    /** {@code q_proj}: {@code [B, T, C] → [B, T, C/downsample]}. */
    public Tensor projectQueries(Tensor q) {
        return qProj.forward(q);
    }

    /** {@code k_proj}: {@code [B, T, C] → [B, T, C/downsample]}. */
    public Tensor projectKeys(Tensor k) {
        return kProj.forward(k);
    }

    /** {@code v_proj}: {@code [B, T, C] → [B, T, C/downsample]}. */
    public Tensor projectValues(Tensor v) {
        return vProj.forward(v);
    }

    /**
     * The attention on projected operands (the outputs of {@link #projectQueries}, {@link #projectKeys} and
     * {@link #projectValues}), then {@code out_proj}: what {@link #forward(Tensor, Tensor, Tensor, Tensor)} computes
     * after its projections, for callers that project an operand once and attend to it many times.
     */
    public Tensor attend(Tensor qp, Tensor kp, Tensor vp, Tensor keyBias) {
        Graph g = qp.graph();
        int headDim = internalDim / heads;
        Tensor out = g.attention(separateHeads(qp), separateHeads(kp), separateHeads(vp), keyBias,
                (float) (1.0 / Math.sqrt(headDim)));
        return outProj.forward(g.reshape(out, qp.dim(0), qp.dim(1), internalDim));
    }

    private Tensor separateHeads(Tensor x) {
        return x.graph().reshape(x, x.dim(0), x.dim(1), heads, internalDim / heads);
    }
}
