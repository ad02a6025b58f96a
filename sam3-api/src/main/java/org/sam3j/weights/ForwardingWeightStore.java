package org.sam3j.weights;

/**
 * A weight store that changes the values of some parameters of another one ({@link #base()}) and forwards
 * everything else: names, shapes, description. Implementations override {@link #floats(String)}.
 */
public interface ForwardingWeightStore extends WeightStore {
    /** The store whose parameters this one presents. */
    WeightStore base();

    @Override
    default boolean contains(String name) {
        return base().contains(name);
    }

    @Override
    default long[] shape(String name) {
        return base().shape(name);
    }

    @Override
    default String describe() {
        return base().describe();
    }
}
