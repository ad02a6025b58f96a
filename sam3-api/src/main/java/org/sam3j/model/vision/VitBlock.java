package org.sam3j.model.vision;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * One pre-norm PE ViT block: {@code x + attn(norm1(x))} (attention inside 24×24 windows, or over the
 * whole grid for global blocks), then {@code x + mlp(norm2(x))} with an exact-GELU MLP.
 */
final class VitBlock {
    private final LayerNorm norm1;
    private final VitAttention attn;
    private final LayerNorm norm2;
    private final Linear fc1;
    private final Linear fc2;
    private final int window; // 0 for global attention

    VitBlock(Scope s, int dim, int heads, int mlpDim, int window, Tensor[] rope) {
        this.norm1 = new LayerNorm(s.child("norm1"), dim, 1e-5f);
        this.attn = new VitAttention(s.child("attn"), dim, heads, rope);
        this.norm2 = new LayerNorm(s.child("norm2"), dim, 1e-5f);
        this.fc1 = new Linear(s.child("mlp.fc1"), dim, mlpDim, true);
        this.fc2 = new Linear(s.child("mlp.fc2"), mlpDim, dim, true);
        this.window = window;
    }

    /** {@code x[B, H, W, C] → [B, H, W, C]}. */
    Tensor forward(Tensor x) {
        Graph g = x.graph();
        int b = x.dim(0);
        int h = x.dim(1);
        int w = x.dim(2);
        int c = x.dim(3);
        Tensor y = norm1.forward(x);
        // windowed blocks attend within window × window tiles of the grid in place (an attention attribute)
        y = g.reshape(attn.forward(g.reshape(y, b, h * w, c), h, w, window), b, h, w, c);
        x = g.add(x, y);
        Tensor m = fc2.forward(g.gelu(fc1.forward(norm2.forward(x))));
        return g.add(x, m);
    }
}
