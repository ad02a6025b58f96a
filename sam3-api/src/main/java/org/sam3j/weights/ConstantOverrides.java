package org.sam3j.weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A weight store in which some named parameters have every element replaced by a constant, the rest read
 * from an underlying store. This is how a fixture's {@code config.weight_overrides} (checkpoint name →
 * constant, applied after the synthetic rule) is reproduced; it is configuration, not a special case.
 */
public final class ConstantOverrides implements ForwardingWeightStore {
    private final WeightStore base;
    private final Map<String, Float> constants;

    private ConstantOverrides(WeightStore base, Map<String, Float> constants) {
        this.base = base;
        this.constants = constants;
    }

    /**
     * @param base      the store providing every parameter
     * @param constants parameter name → the value of all its elements
     * @throws IllegalArgumentException if a name is not a parameter of {@code base}
     */
    public static WeightStore of(WeightStore base, Map<String, Float> constants) {
        Objects.requireNonNull(base, "base");
        Map<String, Float> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Float> e : constants.entrySet()) {
            if (!base.contains(e.getKey())) {
                throw new IllegalArgumentException("weight override for '" + e.getKey() + "', which "
                        + base.describe() + " does not contain");
            }
            copy.put(e.getKey(), Objects.requireNonNull(e.getValue(), e.getKey()));
        }
        return copy.isEmpty() ? base : new ConstantOverrides(base, Map.copyOf(copy));
    }

    @Override
    public WeightStore base() {
        return base;
    }

    @Override
    public float[] floats(String name) {
        Float c = constants.get(name);
        if (c == null) return base.floats(name);
        long n = 1;
        for (long d : base.shape(name)) n *= d;
        float[] v = new float[Math.toIntExact(n)];
        Arrays.fill(v, c);
        return v;
    }

    @Override
    public String describe() {
        return base.describe() + " with " + constants.size() + " constant override(s)";
    }
}
