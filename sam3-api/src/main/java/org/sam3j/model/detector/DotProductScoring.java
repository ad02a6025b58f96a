package org.sam3j.model.detector;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Mlp;
import org.sam3j.model.nn.Scope;

/**
 * Query scores ({@code DotProductScoring}): the prompt passes a residual MLP with output norm, is
 * mean-pooled over its valid tokens and projected; each query state is projected; the score is their
 * dot product / √d, clamped to ±12.
 */
public final class DotProductScoring {
    private static final float CLAMP = 12f;

    private final Graph g;
    private final Scope scope;
    private final Mlp promptMlp;
    private final Linear promptProj;
    private final Linear hsProj;
    private final float scale;

    /** Declares the parameters in {@code s} ({@code detector.dot_prod_scoring} in the checkpoint). */
    public DotProductScoring(Scope s, Sam3Config config) {
        int d = config.dModel();
        this.g = s.graph();
        this.scope = s;
        this.promptMlp = new Mlp(s.child("prompt_mlp"), d, config.transformerFfnDim(), d, 2, true, true);
        this.promptProj = new Linear(s.child("prompt_proj"), d, d, true);
        this.hsProj = new Linear(s.child("hs_proj"), d, d, true);
        this.scale = (float) (1.0 / Math.sqrt(d));
    }

    /**
     * @param queries     query states {@code [N, d]} (any number of layers stacked)
     * @param prompt      prompt tokens {@code [P, d]}
     * @param poolWeights {@code [1, P]}: 1/(number of valid tokens) at valid tokens, 0 at padding
     * @return logits {@code [N, 1]}
     */
    public Tensor forward(Tensor queries, Tensor prompt, Tensor poolWeights) {
        Tensor pooled = g.matmul(poolWeights, promptMlp.forward(prompt), false);
        Tensor p = promptProj.forward(pooled);
        Tensor scores = g.matmul(hsProj.forward(queries), p, true);
        return scope.returns(g.clamp(g.scale(scores, scale), -CLAMP, CLAMP));
    }
}
