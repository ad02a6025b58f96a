package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.RunRequest;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.testing.ForwardingWeights;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.weights.WeightStore;

/**
 * A compiled graph prepares (packs) all its {@code Linear} weights at the start of its first run, before the first
 * operation, each once; later runs and other contexts of the graph find them prepared.
 */
class CpuPreparedWeightsTest {
    private static final String FC1 = "fc1.weight";
    private static final String B1 = "fc1.bias";
    private static final String FC2 = "fc2.weight";
    private static final String NORM = "norm.weight";
    private static final String NORM_B = "norm.bias";

    @Test
    void linearWeightsArePreparedOnceBeforeTheFirstOperation() {
        Random rnd = new Random(3);
        InMemoryWeights memory = new InMemoryWeights();
        memory.put(FC1, rand(rnd, 64 * 40), new long[] {64, 40});
        memory.put(B1, rand(rnd, 64), new long[] {64});
        memory.put(FC2, rand(rnd, 40 * 64), new long[] {40, 64});
        memory.put(NORM, rand(rnd, 40), new long[] {40});
        memory.put(NORM_B, rand(rnd, 40), new long[] {40});
        // fc1 twice (a shared weight), once fused with GELU; fc2 after a norm
        Graph g = new Graph();
        Tensor x = g.input("x", 50, 40);
        Tensor h = g.gelu(g.linear(x, g.weight(FC1, 64, 40), g.weight(B1, 64)));
        Tensor h2 = g.linear(g.layerNorm(x, g.weight(NORM, 40), g.weight(NORM_B, 40), 1e-5f), g.weight(FC1, 64, 40), null);
        g.output("y", g.linear(g.add(h, h2), g.weight(FC2, 40, 64), null));
        Map<String, float[]> in = Map.of("x", rand(rnd, 50 * 40));

        Recording store = new Recording(memory);
        try (CpuBackend b = new CpuBackend(2); CompiledGraph cg = b.compile(g, store);
             ExecutionContext first = cg.newContext(); ExecutionContext second = cg.newContext()) {
            float[] y = first.run(RunRequest.of(in).withMonitor(f -> store.progressed = true)).host().get("y").data();
            assertTrue(first.lastRunNanosByOp().containsKey(CpuCompiledGraph.PREPARE_WEIGHTS), first.lastRunNanosByOp().toString());
            List<String> before = store.readBeforeProgress;
            assertTrue(before.contains(FC1) && before.contains(FC2), "Linear weights read before the first operation: " + before);
            assertEquals(1, before.stream().filter(FC1::equals).count(), "a shared weight is prepared once: " + before);
            assertFalse(before.contains(NORM), "other weights are bound as the run reaches them: " + before);

            store.readBeforeProgress.clear();
            store.progressed = false;
            float[] again = second.run(RunRequest.of(in).withMonitor(f -> store.progressed = true)).host().get("y").data();
            assertFalse(second.lastRunNanosByOp().containsKey(CpuCompiledGraph.PREPARE_WEIGHTS), second.lastRunNanosByOp().toString());
            assertTrue(store.readBeforeProgress.isEmpty(), store.readBeforeProgress.toString());
            assertArrayEquals(y, again);
        }
    }

    private static float[] rand(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** Records which parameters are read before the run reports its first progress. */
    private static final class Recording extends ForwardingWeights {
        final List<String> readBeforeProgress = new ArrayList<>();
        volatile boolean progressed;

        Recording(WeightStore inner) {
            super(inner);
        }

        @Override
        public synchronized float[] floats(String name) {
            if (!progressed) readBeforeProgress.add(name);
            return super.floats(name);
        }
    }
}
