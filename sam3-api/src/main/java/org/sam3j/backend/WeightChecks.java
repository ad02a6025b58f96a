package org.sam3j.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.WeightLoadingException;
import org.sam3j.weights.WeightStore;

/** The one check of a graph's weights against a store, made by every backend and exporter before binding. */
public final class WeightChecks {
    private WeightChecks() {}

    /**
     * Checks every weight some output of {@code graph} needs: present in {@code store} with the graph's shape.
     *
     * @throws WeightLoadingException naming every missing parameter and shape mismatch at once
     */
    public static void requireWeights(Graph graph, WeightStore store) {
        boolean[] needed = graph.neededByOutputs();
        List<String> problems = new ArrayList<>();
        for (Tensor w : graph.weights().values()) {
            if (!needed[w.id()]) continue;
            String name = w.attrs(Attrs.Named.class).name();
            if (!store.contains(name)) {
                problems.add("missing parameter '" + name + "' " + Arrays.toString(w.shape()));
                continue;
            }
            long[] have = store.shape(name);
            if (!Arrays.equals(have, Arrays.stream(w.shape()).asLongStream().toArray())) {
                problems.add("shape mismatch for '" + name + "': checkpoint has " + Arrays.toString(have)
                        + ", the model needs " + Arrays.toString(w.shape()));
            }
        }
        if (!problems.isEmpty()) throw new WeightLoadingException(store.describe(), problems);
    }
}
