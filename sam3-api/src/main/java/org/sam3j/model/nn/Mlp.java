package org.sam3j.model.nn;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * The reference's {@code MLP}: {@code layers.i} Linear layers with ReLU between them (none after
 * the last), optionally a residual connection and an output LayerNorm {@code out_norm}.
 */
public final class Mlp {
    private final List<Linear> layers = new ArrayList<>();
    private final boolean residual;
    private final LayerNorm outNorm;

    /** A plain MLP of {@code numLayers} layers. */
    public Mlp(Scope s, int in, int hidden, int out, int numLayers) {
        this(s, in, hidden, out, numLayers, false, false);
    }

    /**
     * Declares the parameters.
     *
     * @param residual add the input to the output (needs {@code in == out})
     * @param outNorm  apply {@code out_norm} (LayerNorm, eps 1e-5) last
     */
    public Mlp(Scope s, int in, int hidden, int out, int numLayers, boolean residual, boolean outNorm) {
        if (residual && in != out) throw new IllegalArgumentException("residual MLP needs in == out");
        for (int i = 0; i < numLayers; i++) {
            int a = i == 0 ? in : hidden;
            int b = i == numLayers - 1 ? out : hidden;
            layers.add(new Linear(s.child("layers").child(i), a, b, true));
        }
        this.residual = residual;
        this.outNorm = outNorm ? new LayerNorm(s.child("out_norm"), out, 1e-5f) : null;
    }

    /** {@code x[..., in] → [..., out]}. */
    public Tensor forward(Tensor x) {
        Graph g = x.graph();
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forward(h);
            if (i < layers.size() - 1) h = g.relu(h);
        }
        if (residual) h = g.add(h, x);
        return outNorm != null ? outNorm.forward(h) : h;
    }
}
