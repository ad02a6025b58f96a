package org.sam3j.testing;

import java.nio.FloatBuffer;
import org.sam3j.weights.FloatReader;
import org.sam3j.weights.WeightStore;

/** A {@link WeightStore} that forwards every call to another; tests override the calls they watch. */
public abstract class ForwardingWeights implements WeightStore {
    private final WeightStore base;

    protected ForwardingWeights(WeightStore base) {
        this.base = base;
    }

    @Override
    public boolean contains(String name) {
        return base.contains(name);
    }

    @Override
    public long[] shape(String name) {
        return base.shape(name);
    }

    @Override
    public float[] floats(String name) {
        return base.floats(name);
    }

    @Override
    public FloatBuffer mappedFloats(String name) {
        return base.mappedFloats(name);
    }

    @Override
    public FloatReader floatReader(String name) {
        return base.floatReader(name);
    }

    @Override
    public String describe() {
        return base.describe();
    }
}
