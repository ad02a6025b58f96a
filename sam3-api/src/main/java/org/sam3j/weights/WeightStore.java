package org.sam3j.weights;

/**
 * A source of model parameters by their internal name (the official {@code sam3.pt} key, e.g.
 * {@code detector.backbone.vision_backbone.trunk.blocks.0.attn.qkv.weight}), converted to float32.
 * Backends read what their graph needs when they compile it.
 */
public interface WeightStore {
    /** Whether the store can provide this parameter. */
    boolean contains(String name);

    /** The stored shape of a parameter (the store must contain it). */
    long[] shape(String name);

    /**
     * The parameter's values as float32, row-major.
     *
     * @throws WeightLoadingException if the parameter is missing or cannot be read
     */
    float[] floats(String name);

    /** A short human-readable description (file name, "synthetic weights", ...). */
    String describe();
}
