package org.sam3j.model.nn;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/** {@code torch.nn.Linear}: weight {@code <prefix>.weight [out, in]}, bias {@code <prefix>.bias [out]}. */
public final class Linear {
    private final Tensor weight;
    private final Tensor bias;

    /** Declares the layer's parameters in {@code g}. */
    public Linear(Graph g, String prefix, int in, int out, boolean bias) {
        this.weight = g.weight(prefix + ".weight", out, in);
        this.bias = bias ? g.weight(prefix + ".bias", out) : null;
    }

    /** {@code x[..., in] → [..., out]}. */
    public Tensor forward(Tensor x) {
        return x.graph().linear(x, weight, bias);
    }
}
