package org.sam3j.model.detector;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * The fusion encoder ({@code transformer.encoder}): pre-norm layers over the 72² image tokens that
 * attend to each other (sine positions on queries and keys) and to the prompt (no positions, padding masked). The prompt itself is not changed. No final norm.
 */
public final class FusionEncoder {
    /** Prefix in the official checkpoint. */
    public static final String PREFIX = "detector.transformer.encoder";

    private final List<EncoderLayer> layers = new ArrayList<>();

    /** Declares the parameters. */
    public FusionEncoder(Graph g, Sam3Config config) {
        for (int i = 0; i < config.fusionEncoderLayers(); i++) {
            layers.add(new EncoderLayer(g, PREFIX + ".layers." + i, config));
        }
    }

    /**
     * @param image      image tokens {@code [HW, d]}
     * @param pos        their sine positions {@code [HW, d]}
     * @param prompt     prompt tokens {@code [P, d]}
     * @param promptBias key-padding bias {@code [1, 1, 1, P]} (0 valid, large negative padding)
     * @return the fused image memory {@code [HW, d]}
     */
    public Tensor forward(Tensor image, Tensor pos, Tensor prompt, Tensor promptBias) {
        Tensor x = image;
        for (EncoderLayer layer : layers) x = layer.forward(x, pos, prompt, prompt, promptBias);
        return x;
    }
}
