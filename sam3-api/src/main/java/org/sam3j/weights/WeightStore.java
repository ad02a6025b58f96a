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

    /**
     * The parameter's float32 values read in place, without a copy: a read-only direct buffer (native byte
     * order) over the checkpoint's memory mapping, holding {@code numel(shape(name))} values from index 0, or
     * {@code null} when the store cannot offer that (the values are computed, converted from another element
     * type, re-laid out from a Hugging Face tensor, or changed by a wrapping store). A backend that can read
     * weights in place uses it instead of {@link #floats}, so that a read-only weight is neither copied onto
     * the heap nor into native memory; the buffer (and the mapping) stays valid while it is reachable, even
     * after the store is closed. The default returns {@code null}.
     */
    default java.nio.FloatBuffer mappedFloats(String name) {
        return null;
    }

    /**
     * Reads the parameter's float32 values from the checkpoint file in pieces, for a backend that converts a weight
     * into a form of its own (such as packed panels): no full-size copy is made, and the file's pages, read through
     * the system's cache, do not count in this process's resident set, as the pages of a mapping
     * ({@link #mappedFloats}) do until the mapping is collected. Offered in the same cases as {@link #mappedFloats};
     * {@code null} otherwise, and by default.
     */
    default FloatReader floatReader(String name) {
        return null;
    }

    /**
     * A text that identifies the values this store returns, the same in every process that opens the same file, or
     * empty when the store cannot tell (values held in memory, computed, or changed by a wrapping store). A backend
     * may key converted forms of the weights it keeps on disk by it ({@link org.sam3j.BackendOptions#cacheDirectory()});
     * a store must return empty rather than a text that two different sets of values could share. The default is
     * empty.
     */
    default java.util.Optional<String> fingerprint() {
        return java.util.Optional.empty();
    }

    /** A short human-readable description (file name, "synthetic weights", ...). */
    String describe();
}
