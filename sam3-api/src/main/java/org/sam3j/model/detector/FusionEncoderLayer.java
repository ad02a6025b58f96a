package org.sam3j.model.detector;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.MultiheadAttention;

/**
 * A pre-norm layer of the fusion encoder: image self-attention with sine positions on queries and
 * keys, cross-attention to the prompt (no positions, padded prompt tokens masked), ReLU feed-forward.
 */
final class FusionEncoderLayer {
    private final Graph g;
    private final LayerNorm norm1;
    private final MultiheadAttention selfAttn;
    private final LayerNorm norm2;
    private final MultiheadAttention crossAttnImage;
    private final LayerNorm norm3;
    private final Linear linear1;
    private final Linear linear2;

    FusionEncoderLayer(Graph g, String prefix, int d) {
        this.g = g;
        this.norm1 = new LayerNorm(g, prefix + ".norm1", d, 1e-5f);
        this.selfAttn = new MultiheadAttention(g, prefix + ".self_attn", d, 8);
        this.norm2 = new LayerNorm(g, prefix + ".norm2", d, 1e-5f);
        this.crossAttnImage = new MultiheadAttention(g, prefix + ".cross_attn_image", d, 8);
        this.norm3 = new LayerNorm(g, prefix + ".norm3", d, 1e-5f);
        this.linear1 = new Linear(g, prefix + ".linear1", d, 2048, true);
        this.linear2 = new Linear(g, prefix + ".linear2", 2048, d, true);
    }

    Tensor forward(Tensor x, Tensor pos, Tensor prompt, Tensor promptBias) {
        Tensor t = norm1.forward(x);
        Tensor qk = g.add(t, pos);
        x = g.add(x, selfAttn.forward(qk, qk, t, null));
        t = norm2.forward(x);
        x = g.add(x, crossAttnImage.forward(t, prompt, prompt, promptBias));
        t = norm3.forward(x);
        return g.add(x, linear2.forward(g.relu(linear1.forward(t))));
    }
}
