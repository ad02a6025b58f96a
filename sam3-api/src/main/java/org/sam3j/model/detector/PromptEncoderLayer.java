package org.sam3j.model.detector;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.MultiheadAttention;

/**
 * A pre-norm layer of the geometry encoder: self-attention over the prompt tokens (no positions),
 * cross-attention to the image (sine positions on the keys only), ReLU feed-forward.
 */
final class PromptEncoderLayer {
    private final Graph g;
    private final LayerNorm norm1;
    private final MultiheadAttention selfAttn;
    private final LayerNorm norm2;
    private final MultiheadAttention crossAttnImage;
    private final LayerNorm norm3;
    private final Linear linear1;
    private final Linear linear2;

    PromptEncoderLayer(Graph g, String prefix, int d) {
        this.g = g;
        this.norm1 = new LayerNorm(g, prefix + ".norm1", d, 1e-5f);
        this.selfAttn = new MultiheadAttention(g, prefix + ".self_attn", d, 8);
        this.norm2 = new LayerNorm(g, prefix + ".norm2", d, 1e-5f);
        this.crossAttnImage = new MultiheadAttention(g, prefix + ".cross_attn_image", d, 8);
        this.norm3 = new LayerNorm(g, prefix + ".norm3", d, 1e-5f);
        this.linear1 = new Linear(g, prefix + ".linear1", d, 2048, true);
        this.linear2 = new Linear(g, prefix + ".linear2", 2048, d, true);
    }

    /** {@code x[n, d]} attending to {@code image[HW, d]} with keys {@code imagePlusPos[HW, d]}. */
    Tensor forward(Tensor x, Tensor image, Tensor imagePlusPos) {
        Tensor t = norm1.forward(x);
        x = g.add(x, selfAttn.forward(t, t, t, null));
        t = norm2.forward(x);
        x = g.add(x, crossAttnImage.forward(t, imagePlusPos, image, null));
        t = norm3.forward(x);
        return g.add(x, linear2.forward(g.relu(linear1.forward(t))));
    }
}
