package org.sam3j.model.vision;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * 2-D axial rotary position embedding tables of the PE ViT. For a grid of {@code side × side} tokens
 * (row-major, x fastest) and head dimension {@code d}, channel pair {@code i < d/4} of a head rotates by
 * {@code x·f_i}, pair {@code d/4 + i} by {@code y·f_i}, with {@code f_i = 1 / θ^(4i/d)} and positions
 * scaled by {@code scale} (1 in windowed blocks, pre-training grid / grid in global blocks).
 */
public final class AxialRope {
    private AxialRope() {}

    /** {@code [cos, sin]} tables of shape {@code [side·side, d/2]} as graph constants. */
    static Tensor[] tables(Graph g, String label, int side, int headDim, float theta, float scale) {
        float[][] v = values(side, headDim, theta, scale);
        int n = side * side;
        return new Tensor[] {
            g.constant(label + ".cos", v[0], n, headDim / 2),
            g.constant(label + ".sin", v[1], n, headDim / 2)
        };
    }

    /**
     * {@code [cos, sin]} tables of shape {@code [grid·grid, d/2]} for windowed attention on a {@code grid × grid}
     * token grid (row-major): each token has the position it has inside its {@code window × window} window (the
     * rows of the {@code window}-side table, tiled over the grid).
     */
    static Tensor[] windowTables(Graph g, String label, int grid, int window, int headDim, float theta) {
        if (window <= 0 || grid % window != 0) {
            throw new IllegalArgumentException("token grid " + grid + " is not a multiple of the attention window "
                    + window + " (windowed blocks would need padding)");
        }
        float[][] v = values(window, headDim, theta, 1f);
        int half = headDim / 2;
        int n = grid * grid;
        float[] cos = new float[n * half];
        float[] sin = new float[n * half];
        for (int t = 0; t < n; t++) {
            int local = (t / grid % window) * window + t % grid % window;
            System.arraycopy(v[0], local * half, cos, t * half, half);
            System.arraycopy(v[1], local * half, sin, t * half, half);
        }
        return new Tensor[] {g.constant(label + ".cos", cos, n, half), g.constant(label + ".sin", sin, n, half)};
    }

    /**
     * The {@code [cos, sin]} tables, each {@code [side·side, d/2]} row-major (the same RoPE serves the SAM 2-style
     * memory attention of the tracker, there with scale 1).
     */
    public static float[][] values(int side, int headDim, float theta, float scale) {
        int quarter = headDim / 4;
        int half = headDim / 2;
        float[] freqs = new float[quarter];
        for (int i = 0; i < quarter; i++) {
            float exponent = (float) (4 * i) / headDim;
            freqs[i] = 1f / (float) Math.pow(theta, exponent);
        }
        int n = side * side;
        float[] cos = new float[n * half];
        float[] sin = new float[n * half];
        for (int t = 0; t < n; t++) {
            float tx = (float) (t % side) * scale;
            float ty = (float) (t / side) * scale;
            for (int i = 0; i < quarter; i++) {
                float ax = tx * freqs[i];
                float ay = ty * freqs[i];
                cos[t * half + i] = (float) Math.cos(ax);
                sin[t * half + i] = (float) Math.sin(ax);
                cos[t * half + quarter + i] = (float) Math.cos(ay);
                sin[t * half + quarter + i] = (float) Math.sin(ay);
            }
        }
        return new float[][] {cos, sin};
    }
}
