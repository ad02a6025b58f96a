package org.sam3j.model.nn;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/** {@code torch.nn.Conv2d} applied to channels-last tensors; parameters in PyTorch layout. */
public final class Conv2d {
    private final Tensor weight;
    private final Tensor bias;
    private final int stride;
    private final int padding;

    /** Declares {@code <prefix>.weight [out, in, k, k]} and optionally {@code <prefix>.bias [out]}. */
    public Conv2d(Graph g, String prefix, int in, int out, int kernel, int stride, int padding, boolean bias) {
        this.weight = g.weight(prefix + ".weight", out, in, kernel, kernel);
        this.bias = bias ? g.weight(prefix + ".bias", out) : null;
        this.stride = stride;
        this.padding = padding;
    }

    /** {@code x[N, H, W, in] → [N, Ho, Wo, out]}. */
    public Tensor forward(Tensor x) {
        return x.graph().conv2d(x, weight, bias, stride, padding);
    }
}
