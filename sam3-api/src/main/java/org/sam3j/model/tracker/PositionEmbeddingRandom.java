package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Scope;

/**
 * SAM's random-Fourier position encoding ({@code pe_layer}): a point {@code c} normalised to
 * {@code [0, 1]²} is encoded as {@code [sin(v), cos(v)]} with {@code v = 2π · (2c − 1) · G}, where
 * {@code G [2, F]} is the checkpoint buffer {@code positional_encoding_gaussian_matrix} (fixed after
 * training, so it must be loaded, not re-drawn).
 */
public final class PositionEmbeddingRandom {
    private static final float TWO_PI = (float) (2 * Math.PI);

    private final Tensor gaussian;
    private final int features;

    /** Declares {@code positional_encoding_gaussian_matrix [2, features]} in {@code s}. */
    public PositionEmbeddingRandom(Scope s, int features) {
        this.gaussian = s.weight("positional_encoding_gaussian_matrix", 2, features);
        this.features = features;
    }

    /** Width of an encoding: {@code 2 · features}. */
    public int dim() {
        return 2 * features;
    }

    /** {@code coords[..., 2]} (x, y in {@code [0, 1]}) → {@code [..., 2F]}. */
    public Tensor encode(Tensor coords) {
        Graph g = coords.graph();
        int[] shape = coords.shape();
        if (shape[shape.length - 1] != 2) throw new IllegalArgumentException("coordinates need a last axis of 2: " + coords);
        Tensor flat = g.reshape(g.affine(coords, 2f, -1f), -1, 2);
        Tensor v = g.scale(g.matmul(flat, gaussian, false), TWO_PI);
        Tensor pe = g.concat(-1, g.sin(v), g.cos(v));
        int[] out = shape.clone();
        out[out.length - 1] = dim();
        return g.reshape(pe, out);
    }

    /**
     * The encoding of the centres of an {@code h × w} grid, {@code ((j + 0.5)/w, (i + 0.5)/h)} for row
     * {@code i}, column {@code j} → {@code [1, h, w, 2F]} (channels-last {@code get_dense_pe}).
     */
    public Tensor dense(Graph g, int h, int w) {
        float[] grid = new float[h * w * 2];
        for (int i = 0; i < h; i++) {
            float y = (i + 0.5f) / h;
            for (int j = 0; j < w; j++) {
                grid[2 * (i * w + j)] = (j + 0.5f) / w;
                grid[2 * (i * w + j) + 1] = y;
            }
        }
        return encode(g.constant("dense_pe.grid", grid, 1, h, w, 2));
    }
}
