package org.sam3j.model.detector;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Scope;

/**
 * The fusion encoder ({@code transformer.encoder}): pre-norm layers over the 72² image tokens that
 * attend to each other (sine positions on queries and keys) and to the prompt (no positions, padding masked). The prompt itself is not changed. No final norm.
 */
public final class FusionEncoder {
    private final Scope scope;
    private final List<EncoderLayer> layers = new ArrayList<>();

    /** Declares the parameters in {@code s} ({@code detector.transformer.encoder} in the checkpoint). */
    public FusionEncoder(Scope s, Sam3Config config) {
        this.scope = s;
        for (int i = 0; i < config.fusionEncoderLayers(); i++) {
            layers.add(new EncoderLayer(s.child("layers").child(i), config));
        }
    }

    /**
     * The part of the encoder that does not depend on the prompt, computed once per image: the first layer's
     * self-attention over the image tokens (its cross-attention to the prompt comes next).
     *
     * @param image image tokens {@code [HW, d]}
     * @param pos   their sine positions {@code [HW, d]}
     * @return the image tokens after the first layer's self-attention {@code [HW, d]}
     */
    public Tensor selfAttendImage(Tensor image, Tensor pos) {
        return layers.get(0).selfAttend(image, null, pos);
    }

    /**
     * @param selfAttended the image tokens after the first layer's self-attention ({@link #selfAttendImage})
     * @param pos          their sine positions {@code [HW, d]}
     * @param prompt       prompt tokens {@code [P, d]}
     * @param promptBias   key-padding bias {@code [1, 1, 1, P]} (0 valid, large negative padding)
     * @return the fused image memory {@code [HW, d]}
     */
    public Tensor forward(Tensor selfAttended, Tensor pos, Tensor prompt, Tensor promptBias) {
        Tensor x = layers.get(0).attendMemory(selfAttended, prompt, prompt, promptBias);
        for (EncoderLayer layer : layers.subList(1, layers.size())) x = layer.forward(x, pos, prompt, prompt, promptBias);
        // the reference returns a dict; its valid_ratios (all 1 for one unpadded level) is the caller's
        scope.returns("memory", x);
        scope.returns("pos_embed", pos);
        scope.returns("memory_text", ModuleOutput.of(prompt).usedSlotRows());
        return x;
    }
}
