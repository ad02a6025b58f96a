package org.sam3j.model.vision;

/**
 * The normalised sine position encoding of feature maps ({@code PositionEmbeddingSine} with 256
 * features, temperature 10000, scale 2π): channels {@code [0, 128)} encode the row, {@code [128, 256)}
 * the column; within each half channel {@code 2k} is {@code sin(p/10000^(2k/128))} and {@code 2k+1}
 * the cosine of the same frequency, with {@code p = (index + 1) / size · 2π}.
 */
public final class PositionEmbeddingSine {
    private PositionEmbeddingSine() {}

    /** The encoding of an {@code h × w} map, channels-last {@code [h, w, channels]}, in float32 arithmetic. */
    public static float[] encode(int h, int w, int channels) {
        int half = channels / 2;
        float twoPi = (float) (2 * Math.PI);
        float[] dimT = new float[half];
        for (int k = 0; k < half; k++) {
            dimT[k] = (float) Math.pow(10000.0, (float) (2 * (k / 2)) / half);
        }
        float[] ys = new float[h * half];
        float[] xs = new float[w * half];
        fillAxis(ys, h, half, dimT, twoPi);
        fillAxis(xs, w, half, dimT, twoPi);
        float[] out = new float[h * w * channels];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int o = (i * w + j) * channels;
                System.arraycopy(ys, i * half, out, o, half);
                System.arraycopy(xs, j * half, out, o + half, half);
            }
        }
        return out;
    }

    private static void fillAxis(float[] dst, int n, int half, float[] dimT, float twoPi) {
        float denom = (float) n + 1e-6f;
        for (int i = 0; i < n; i++) {
            float e = (float) (i + 1) / denom * twoPi;
            for (int k = 0; k < half; k++) {
                float p = e / dimT[k];
                dst[i * half + k] = (float) ((k & 1) == 0 ? Math.sin(p) : Math.cos(p));
            }
        }
    }
}
