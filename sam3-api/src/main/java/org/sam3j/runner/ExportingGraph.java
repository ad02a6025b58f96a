package org.sam3j.runner;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.weights.WeightStore;

/**
 * A runner's graph compiled with some of its module outputs ({@link Graph#moduleOutputs()}) marked as outputs
 * named by their module paths, for verification; with none it is the production graph.
 *
 * @param graph    the compiled graph
 * @param slotRows the exported paths whose rows are fixed prompt slots ({@link ModuleOutput.Rows#USED_SLOTS})
 */
record ExportingGraph(CompiledGraph graph, Set<String> slotRows) {
    /** Compiles {@code g} with the module outputs at {@code modules} marked. */
    static ExportingGraph compile(Backend backend, WeightStore weights, Graph g, Set<String> modules) {
        Set<String> slots = new HashSet<>();
        for (String path : modules) {
            if (g.outputModule(path).rows() == ModuleOutput.Rows.USED_SLOTS) slots.add(path);
        }
        return new ExportingGraph(backend.compileModel(g, weights), Set.copyOf(slots));
    }

    /**
     * In {@code host} (a run's downloads), keeps the rows of the prompt's own slots of every slot-row output.
     *
     * @param used the rows to keep of an output of {@code R} rows ({@code R} → indices), as the runner packed the prompt
     */
    void keepUsedSlots(Map<String, HostTensor> host, IntFunction<int[]> used) {
        for (String path : slotRows) {
            HostTensor x = host.get(path);
            host.put(path, rows(x, used.apply(x.shape()[x.shape().length - 2])));
        }
    }

    /** Rows {@code rows} of {@code x}, a row being the last axis ({@code [..., R, C]} → {@code [..., rows.length, C]}). */
    static HostTensor rows(HostTensor x, int[] rows) {
        int[] shape = x.shape().clone();
        int c = shape[shape.length - 1];
        shape[shape.length - 2] = rows.length;
        float[] v = new float[rows.length * c];
        for (int i = 0; i < rows.length; i++) System.arraycopy(x.data(), rows[i] * c, v, i * c, c);
        return new HostTensor(shape, v);
    }

    /** Rows {@code 0..used-1} and {@code last}: a prompt's slots in use and its final (CLS or padding) token. */
    static int[] usedThenLast(int used, int last) {
        int[] r = new int[used + 1];
        Arrays.setAll(r, i -> i < used ? i : last);
        return r;
    }
}
