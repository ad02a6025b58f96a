package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Linear;

/**
 * The mask decoder's small MLP heads ({@code MLP} in the reference): {@code <prefix>.layers.i} Linear
 * layers with ReLU between them and an optional sigmoid on the output.
 */
public final class Mlp {
    private final Linear[] layers;
    private final boolean sigmoidOutput;

    /** Declares {@code numLayers} layers {@code in → hidden → … → out}. */
    public Mlp(Graph g, String prefix, int in, int hidden, int out, int numLayers, boolean sigmoidOutput) {
        this.layers = new Linear[numLayers];
        for (int i = 0; i < numLayers; i++) {
            int a = i == 0 ? in : hidden;
            int b = i == numLayers - 1 ? out : hidden;
            layers[i] = new Linear(g, prefix + ".layers." + i, a, b, true);
        }
        this.sigmoidOutput = sigmoidOutput;
    }

    /** {@code x[..., in] → [..., out]}. */
    public Tensor forward(Tensor x) {
        Graph g = x.graph();
        for (int i = 0; i < layers.length; i++) {
            x = layers[i].forward(x);
            if (i < layers.length - 1) x = g.relu(x);
        }
        return sigmoidOutput ? g.sigmoid(x) : x;
    }
}
