package org.sam3j.model.nn;

import org.sam3j.graph.Tensor;

/** {@code torch.nn.ConvTranspose2d(in, out, kernel_size=2, stride=2)} on channels-last tensors. */
public final class ConvTranspose2x2 {
    private final Tensor weight;
    private final Tensor bias;

    /** Declares {@code weight [in, out, 2, 2]} and {@code bias [out]} in {@code s}. */
    public ConvTranspose2x2(Scope s, int in, int out) {
        this.weight = s.weight("weight", in, out, 2, 2);
        this.bias = s.weight("bias", out);
    }

    /** {@code x[N, H, W, in] → [N, 2H, 2W, out]}. */
    public Tensor forward(Tensor x) {
        return x.graph().convTranspose2x2(x, weight, bias);
    }
}
