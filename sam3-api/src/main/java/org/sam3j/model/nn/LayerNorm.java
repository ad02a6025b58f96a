package org.sam3j.model.nn;

import org.sam3j.graph.Tensor;

/** {@code torch.nn.LayerNorm} over the last axis: {@code weight}, {@code bias}. */
public final class LayerNorm {
    private final Tensor weight;
    private final Tensor bias;
    private final float eps;

    /** Declares the layer's parameters in {@code s}. */
    public LayerNorm(Scope s, int dim, float eps) {
        this.weight = s.weight("weight", dim);
        this.bias = s.weight("bias", dim);
        this.eps = eps;
    }

    /** Normalises the last axis. */
    public Tensor forward(Tensor x) {
        return x.graph().layerNorm(x, weight, bias, eps);
    }
}
