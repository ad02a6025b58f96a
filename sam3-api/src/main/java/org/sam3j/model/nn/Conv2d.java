package org.sam3j.model.nn;

import org.sam3j.graph.Tensor;

/** {@code torch.nn.Conv2d} applied to channels-last tensors; parameters in PyTorch layout. */
public final class Conv2d {
    private final Tensor weight;
    private final Tensor bias;
    private final int stride;
    private final int padding;

    /** Declares {@code weight [out, in, k, k]} and optionally {@code bias [out]} in {@code s}. */
    public Conv2d(Scope s, int in, int out, int kernel, int stride, int padding, boolean bias) {
        this.weight = s.weight("weight", out, in, kernel, kernel);
        this.bias = bias ? s.weight("bias", out) : null;
        this.stride = stride;
        this.padding = padding;
    }

    /** {@code x[N, H, W, in] → [N, Ho, Wo, out]}. */
    public Tensor forward(Tensor x) {
        return x.graph().conv2d(x, weight, bias, stride, padding);
    }

    /** The convolution without its bias (the linear part), for sums of convolutions that add the bias once. */
    public Tensor forwardWithoutBias(Tensor x) {
        return x.graph().conv2d(x, weight, null, stride, padding);
    }
}
