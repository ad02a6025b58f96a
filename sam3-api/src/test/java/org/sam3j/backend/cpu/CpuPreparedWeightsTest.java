package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
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
 * operation, each once; later runs and other contexts of the graph find them prepared. The pure-Java engine packs
 * consecutive weights into shared arrays, each filled exactly.
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

    @Test
    void theJavaEngineSharesLargeArraysBetweenWeightsFilledExactly() {
        Random rnd = new Random(4);
        InMemoryWeights memory = new InMemoryWeights();
        int[][] shapes = {{64, 40}, {40, 64}, {600, 33}, {20, 20}}; // [n, k]: one panel, one, two (with tails), one
        List<CpuBackend.LinearWeight> ws = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            memory.put("w" + i, rand(rnd, shapes[i][0] * shapes[i][1]), new long[] {shapes[i][0], shapes[i][1]});
            ws.add(new CpuBackend.LinearWeight("w" + i, shapes[i][1], shapes[i][0]));
        }
        long first2 = Sgemm.packedFloats(40, 64) + Sgemm.packedFloats(64, 40);
        try (CpuBackend b = new CpuBackend(2); Parallel par = new Parallel(2)) {
            // room for the first two weights in one array: the third starts the next, which the fourth shares
            b.prepareLinearWeights(par, memory, ws, first2 + Sgemm.packedFloats(33, 600) - 1);
            Sgemm.PackedMatrix[] p = new Sgemm.PackedMatrix[ws.size()];
            for (int i = 0; i < p.length; i++) {
                CpuBackend.LinearWeight w = ws.get(i);
                p[i] = (Sgemm.PackedMatrix) b.linearWeight(par, memory, w.name(), w.k(), w.n());
                Sgemm.PackedMatrix alone = Sgemm.pack(memory.floats(w.name()), 0, w.k(), true, w.k(), w.n());
                float[] packed = SgemmTest.packed(alone);
                int at = p[i].offset[0];
                assertArrayEquals(packed, Arrays.copyOfRange(p[i].data, at, at + packed.length), w.name());
            }
            // (identity, not assertSame: a failure would print the arrays)
            assertTrue(p[0].data == p[1].data, "w0 and w1 share an array");
            // each array's first weight starts on a cache line when the array does (Sgemm.LINE_START)
            assertEquals(Sgemm.LINE_START, p[0].offset[0]);
            assertEquals(Sgemm.LINE_START, p[2].offset[0]);
            assertEquals(Sgemm.LINE_START + first2, p[0].data.length, "filled exactly");
            assertTrue(p[1].data != p[2].data, "w2 does not fit beside w0 and w1");
            assertTrue(p[2].data == p[3].data, "w2 and w3 share an array");
            assertEquals(Sgemm.LINE_START + Sgemm.packedFloats(33, 600) + Sgemm.packedFloats(20, 20), p[2].data.length);

            // prepared weights are not prepared again, and take no new room
            b.prepareLinearWeights(par, memory, ws, 1 << 20);
            assertSame(p[0], b.linearWeight(par, memory, "w0", 40, 64));
        }
    }

    @Test
    void theWorkersFillTheSharedArraysAtTheSameTime() {
        Random rnd = new Random(5);
        InMemoryWeights memory = new InMemoryWeights();
        List<CpuBackend.LinearWeight> ws = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            memory.put("w" + i, rand(rnd, 48 * 32), new long[] {48, 32});
            ws.add(new CpuBackend.LinearWeight("w" + i, 32, 48));
        }
        // the first weight of each of the two arrays waits until the other array's first weight is being read
        java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
        List<String> readers = java.util.Collections.synchronizedList(new ArrayList<>());
        WeightStore store = new ForwardingWeights(memory) {
            @Override
            public float[] floats(String name) {
                if (name.equals("w0") || name.equals("w2")) {
                    try {
                        both.await(20, java.util.concurrent.TimeUnit.SECONDS);
                        readers.add(Thread.currentThread().getName());
                    } catch (Exception e) {
                        readers.add("alone: " + e);
                    }
                }
                return super.floats(name);
            }
        };
        try (CpuBackend b = new CpuBackend(2); Parallel par = new Parallel(2)) {
            b.prepareLinearWeights(par, store, ws, 2 * Sgemm.packedFloats(32, 48));
            assertEquals(2, readers.size(), readers.toString());
            assertTrue(readers.stream().noneMatch(r -> r.startsWith("alone")), readers.toString());
            assertEquals(2, readers.stream().distinct().count(), "two threads: " + readers);
            for (CpuBackend.LinearWeight w : ws) {
                Sgemm.PackedMatrix p = (Sgemm.PackedMatrix) b.linearWeight(par, store, w.name(), w.k(), w.n());
                Sgemm.PackedMatrix alone = Sgemm.pack(memory.floats(w.name()), 0, w.k(), true, w.k(), w.n());
                float[] packed = SgemmTest.packed(alone);
                int at = p.offset[0];
                assertArrayEquals(packed, Arrays.copyOfRange(p.data, at, at + packed.length), w.name());
            }
        }
        // without a worker pool the calling thread fills the arrays one after another
        try (CpuBackend b = new CpuBackend(2)) {
            b.prepareLinearWeights(null, memory, ws, 2 * Sgemm.packedFloats(32, 48));
            Sgemm.PackedMatrix p0 = (Sgemm.PackedMatrix) b.linearWeight(null, memory, "w0", 32, 48);
            Sgemm.PackedMatrix p3 = (Sgemm.PackedMatrix) b.linearWeight(null, memory, "w3", 32, 48);
            assertTrue(p0.data != p3.data, "two arrays");
            Sgemm.PackedMatrix alone = Sgemm.pack(memory.floats("w3"), 0, 32, true, 32, 48);
            float[] packed = SgemmTest.packed(alone);
            assertArrayEquals(packed, Arrays.copyOfRange(p3.data, p3.offset[0], p3.offset[0] + packed.length));
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
