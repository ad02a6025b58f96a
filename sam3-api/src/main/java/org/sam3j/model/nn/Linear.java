package org.sam3j.model.nn;

import org.sam3j.graph.Tensor;

/** {@code torch.nn.Linear}: weight {@code [out, in]}, bias {@code [out]}. */
public final class Linear {
    private final Tensor weight;
    private final Tensor bias;

    /** Declares the layer's parameters in {@code s}. */
    public Linear(Scope s, int in, int out, boolean bias) {
        this.weight = s.weight("weight", out, in);
        this.bias = bias ? s.weight("bias", out) : null;
    }

    /** {@code x[..., in] → [..., out]}. */
    public Tensor forward(Tensor x) {
        return x.graph().linear(x, weight, bias);
    }
}
