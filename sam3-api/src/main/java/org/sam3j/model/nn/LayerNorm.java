package org.sam3j.model.nn;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/** {@code torch.nn.LayerNorm} over the last axis: {@code <prefix>.weight}, {@code <prefix>.bias}. */
public final class LayerNorm {
    private final Tensor weight;
    private final Tensor bias;
    private final float eps;

    /** Declares the layer's parameters in {@code g}. */
    public LayerNorm(Graph g, String prefix, int dim, float eps) {
        this.weight = g.weight(prefix + ".weight", dim);
        this.bias = g.weight(prefix + ".bias", dim);
        this.eps = eps;
    }

    /** Normalises the last axis. */
    public Tensor forward(Tensor x) {
        return x.graph().layerNorm(x, weight, bias, eps);
    }
}
