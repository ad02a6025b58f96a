package org.sam3j.model.text;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.MultiheadAttention;
import org.sam3j.model.nn.Scope;

/**
 * One residual block of the text transformer ({@code ResidualAttentionBlock}):
 * {@code x += attn(ln_1(x))} with the causal mask, {@code x += c_proj(GELU(c_fc(ln_2(x))))}.
 */
final class TextBlock {
    private final Graph g;
    private final LayerNorm ln1;
    private final MultiheadAttention attn;
    private final LayerNorm ln2;
    private final Linear cFc;
    private final Linear cProj;

    TextBlock(Scope s, int width, int heads) {
        this.g = s.graph();
        this.ln1 = new LayerNorm(s.child("ln_1"), width, 1e-5f);
        this.attn = new MultiheadAttention(s.child("attn"), width, heads);
        this.ln2 = new LayerNorm(s.child("ln_2"), width, 1e-5f);
        this.cFc = new Linear(s.child("mlp.c_fc"), width, 4 * width, true);
        this.cProj = new Linear(s.child("mlp.c_proj"), 4 * width, width, true);
    }

    Tensor forward(Tensor x, Tensor causalMask) {
        Tensor h = ln1.forward(x);
        x = g.add(x, attn.forward(h, h, h, causalMask));
        return g.add(x, cProj.forward(g.gelu(cFc.forward(ln2.forward(x)))));
    }
}
