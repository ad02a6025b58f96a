package org.sam3j.weights;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Parameters held in memory, by name: for tests and for callers that build weights themselves. */
public final class InMemoryWeights implements WeightStore {
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();

    /**
     * Adds (or replaces) a parameter; returns this.
     *
     * @throws IllegalArgumentException if the value count does not match the shape
     */
    public InMemoryWeights put(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != data.length) {
            throw new IllegalArgumentException("parameter '" + name + "': " + data.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
        shapes.put(name, shape.clone());
        values.put(name, data);
        return this;
    }

    @Override
    public boolean contains(String name) {
        return values.containsKey(name);
    }

    @Override
    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) throw new WeightLoadingException("no parameter named '" + name + "'");
        return s.clone();
    }

    @Override
    public float[] floats(String name) {
        float[] v = values.get(name);
        if (v == null) throw new WeightLoadingException("no parameter named '" + name + "'");
        return v;
    }

    /** Every parameter name held. */
    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    @Override
    public String describe() {
        return "in-memory weights";
    }
}
