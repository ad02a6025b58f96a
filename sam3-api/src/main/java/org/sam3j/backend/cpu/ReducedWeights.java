package org.sam3j.backend.cpu;

import java.util.Map;
import org.sam3j.io.DType;
import org.sam3j.weights.ForwardingWeightStore;
import org.sam3j.weights.WeightStore;

/**
 * A weight store whose named parameters come rounded to their graph's storage type (FP16/BF16), so every form
 * the backend derives and caches from them (packed, re-laid-out) holds the reduced values. A value type: equal
 * stores share the backend's weight cache across graphs.
 *
 * @param base  the stored FP32 parameters
 * @param types the reduced type of each parameter that has one
 */
record ReducedWeights(WeightStore base, Map<String, DType> types) implements ForwardingWeightStore {
    ReducedWeights {
        types = Map.copyOf(types);
    }

    @Override
    public float[] floats(String name) {
        return ReducedFloats.rounded(base.floats(name), types.getOrDefault(name, DType.F32));
    }
}
