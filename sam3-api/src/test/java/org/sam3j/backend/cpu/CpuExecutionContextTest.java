package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.sam3j.TransferBytes;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.backend.RunSession;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * Execution contexts of the CPU backend: resident values are bound and kept without crossing (or being
 * counted), partial downloads count only their rows, misuse fails clearly, and contexts of one compiled
 * graph run in parallel with the results of one thread.
 */
class CpuExecutionContextTest {
    private static float[] rand(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** y = relu(x·Wᵀ + b), z = 2y, for x [rows, 16]. */
    private static Graph producer(int rows) {
        Graph g = new Graph();
        Tensor x = g.input("x", rows, 16);
        Tensor y = g.relu(g.linear(x, g.weight("w", 8, 16), g.weight("b", 8)));
        g.output("y", y);
        g.output("z", g.scale(y, 2f));
        return g;
    }

    /** out = a + c, a [rows, 8] (bound resident), c [8] (host). */
    private static Graph consumer(int rows) {
        Graph g = new Graph();
        g.output("out", g.add(g.input("a", rows, 8), g.input("c", 8)));
        return g;
    }

    private static InMemoryWeights weights(Random r) {
        return new InMemoryWeights().put("w", rand(r, 8 * 16), 8, 16).put("b", rand(r, 8), 8);
    }

    @Test
    void residentValuesStayInTheBackendAndOnlyWhatIsDownloadedCounts() {
        Random r = new Random(1);
        int rows = 5;
        float[] x = rand(r, rows * 16);
        float[] c = rand(r, 8);
        try (CpuBackend be = new CpuBackend(2); CompiledGraph prod = be.compile(producer(rows), weights(r));
             CompiledGraph cons = be.compile(consumer(rows), new InMemoryWeights()); RunSession session = new RunSession();
             ResidentScope scope = session.newScope(be)) {
            Map<String, HostTensor> plain = prod.run(Map.of("x", x));

            RunResult first = session.context(prod).run(RunRequest.create().withHost("x", x).keepResident(scope, "y"));
            assertEquals(new TransferBytes(4L * rows * 16, 4L * rows * 8), session.transferred(),
                    "x up, z down, y stays");
            ResidentTensor y = first.resident("y");
            assertArrayEquals(new int[] {rows, 8}, y.shape());
            assertArrayEquals(plain.get("z").data(), first.host("z").data());

            TransferBytes before = session.transferred();
            RunResult second = session.context(cons).run(RunRequest.create().withResident("a", y).withHost("c", c));
            assertEquals(new TransferBytes(4L * 8, 4L * rows * 8), session.transferred().since(before),
                    "only c goes up: the resident input is bound in place");
            float[] expected = new float[rows * 8];
            for (int i = 0; i < expected.length; i++) expected[i] = plain.get("y").data()[i] + c[i % 8];
            assertArrayEquals(expected, second.host("out").data());

            before = session.transferred();
            HostTensor picked = y.downloadRows(new int[] {3, 1});
            assertArrayEquals(new int[] {2, 8}, picked.shape());
            float[] all = plain.get("y").data();
            for (int j = 0; j < 8; j++) {
                assertEquals(all[3 * 8 + j], picked.data()[j]);
                assertEquals(all[8 + j], picked.data()[8 + j]);
            }
            assertEquals(new TransferBytes(0, 2L * 8 * 4), session.transferred().since(before), "two rows, not five");
            assertArrayEquals(all, y.download().data());
            assertEquals(2, session.contextCount());
            assertEquals(4L * rows * 8, scope.bytes());

            scope.close();
            assertTrue(y.isClosed());
            IllegalArgumentException freed = assertThrows(IllegalArgumentException.class,
                    () -> session.context(cons).run(RunRequest.create().withResident("a", y).withHost("c", c)));
            assertTrue(freed.getMessage().contains("freed"), freed.getMessage());
        }
    }

    /**
     * A closed context hands its arena to the backend's pool and a freed resident output hands its array; the next
     * context takes both (holding the last run's values) and computes what a fresh backend computes, to the bit. The
     * first run packs the weights onto the heap, which empties the pool (the weights stay; the buffers can go).
     */
    @Test
    void theNextContextReusesTheBuffersOfAClosedOneAndOfFreedOutputs() {
        Random r = new Random(4);
        int rows = 50_000; // an arena and an output of over 1 MiB each: the sizes the pool keeps
        Graph g = new Graph();
        Tensor a = g.linear(g.input("x", rows, 16), g.weight("w", 8, 16), g.weight("b", 8));
        Tensor y = g.relu(g.add(g.scale(a, 3f), g.input("c", 8)));
        g.output("y", y);
        g.output("z", g.scale(y, 2f));
        InMemoryWeights w = weights(r);
        float[] x1 = rand(r, rows * 16);
        float[] x2 = rand(r, rows * 16);
        float[] c = rand(r, 8);
        Map<String, HostTensor> expected;
        try (CpuBackend fresh = new CpuBackend(2); CompiledGraph cg = fresh.compile(g, w)) {
            expected = cg.run(Map.of("x", x2, "c", c));
        }
        try (CpuBackend be = new CpuBackend(2); CompiledGraph cg = be.compile(g, w); RunSession session = new RunSession()) {
            long arena = ((CpuCompiledGraph) cg).plan().arenaBytes();
            long output = 4L * rows * 8;
            assertTrue(arena >= 1 << 20, "arena " + arena);
            FloatPool pool = be.buffers();
            pool.clear();
            pool.give(new float[1 << 18]);
            assertEquals(1 << 20, pool.heldBytes());
            ResidentScope first = session.newScope(be);
            session.context(cg).run(RunRequest.create().withHost("x", x1).withHost("c", c).keepResident(first, "y"));
            assertEquals(arena, pool.heldBytes(), "packing the Linear weight took the MiB; the arena is back after the run");
            session.release(cg);
            assertEquals(arena, pool.heldBytes(), "closing the context hands back nothing more");
            first.close();
            assertEquals(arena + output, pool.heldBytes(), "and the freed output");
            try (ResidentScope second = session.newScope(be)) {
                RunResult out = session.context(cg).run(RunRequest.create().withHost("x", x2).withHost("c", c)
                        .keepResident(second, "y"));
                assertEquals(arena, pool.heldBytes(), "both taken again, the arena back after the run");
                assertArrayEquals(expected.get("y").data(), out.resident("y").download().data());
                assertArrayEquals(expected.get("z").data(), out.host("z").data());
            }
            assertEquals(arena + output, pool.heldBytes(),
                    "host outputs are the caller's: only the resident one came back");
        }
    }

    @Test
    void contextsASessionKeepsRunInOneArena() {
        // as a predictor's session keeps the detector's context between prompts while the next image's encoder runs:
        // each context holding its arena between runs, the second graph would make an arena of its own
        Random r = new Random(5);
        InMemoryWeights w = weights(r);
        Graph large = producer(50_000);
        Graph smaller = producer(40_000); // an arena of more than half the first one's: the pool hands that one over
        float[] x1 = rand(r, 50_000 * 16);
        float[] x2 = rand(r, 40_000 * 16);
        Map<String, HostTensor> expected;
        try (CpuBackend fresh = new CpuBackend(2); CompiledGraph cg = fresh.compile(smaller, w)) {
            expected = cg.run(Map.of("x", x2));
        }
        try (CpuBackend be = new CpuBackend(2); CompiledGraph first = be.compile(large, w);
             CompiledGraph second = be.compile(smaller, w); RunSession session = new RunSession()) {
            long arena = ((CpuCompiledGraph) first).plan().arenaBytes();
            long other = ((CpuCompiledGraph) second).plan().arenaBytes();
            assertTrue(other >= 1 << 20 && 2 * other >= arena && other < arena, arena + " and " + other);
            FloatPool pool = be.buffers();
            pool.clear();
            session.context(first).run(RunRequest.create().withHost("x", x1));
            assertEquals(arena, pool.heldBytes(), "the first context's arena, back after its run");
            RunResult out = session.context(second).run(RunRequest.create().withHost("x", x2));
            assertEquals(arena, pool.heldBytes(), "the second context ran in it and handed it back; no other made");
            assertEquals(2, session.contextCount(), "both contexts kept");
            assertArrayEquals(expected.get("y").data(), out.host("y").data());
            assertArrayEquals(expected.get("z").data(), out.host("z").data());
            session.context(first).run(RunRequest.create().withHost("x", x1));
            assertEquals(arena, pool.heldBytes(), "and the first one again");
        }
    }

    @Test
    void misuseFailsClearly() {
        Random r = new Random(2);
        try (CpuBackend be = new CpuBackend(1); CpuBackend other = new CpuBackend(1);
             CompiledGraph prod = be.compile(producer(2), weights(r)); CompiledGraph cons = be.compile(consumer(2),
                     new InMemoryWeights()); ExecutionContext ctx = cons.newContext();
             ResidentScope foreign = new ResidentScope(other)) {
            ResidentTensor a = foreign.upload(new HostTensor(new int[] {2, 8}, new float[16]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ctx.run(RunRequest.create().withResident("a", a).withHost("c", new float[8])));
            assertTrue(e.getMessage().contains("resident in backend"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ctx.run(RunRequest.create()
                    .withHost("a", new float[16]).withHost("c", new float[8]).keepResident(foreign, "out")));
            assertTrue(e.getMessage().contains("scope of backend"), e.getMessage());
            try (ResidentScope mine = new ResidentScope(be)) {
                e = assertThrows(IllegalArgumentException.class, () -> ctx.run(RunRequest.create()
                        .withHost("a", new float[16]).withHost("c", new float[8]).keepResident(mine, "nope")));
                assertTrue(e.getMessage().contains("'nope' is not an output"), e.getMessage());
            }
            ExecutionContext closed = prod.newContext();
            closed.close();
            assertThrows(IllegalStateException.class, () -> closed.run(Map.of("x", new float[32])));
        }
    }

    @Test
    void contextsOfOneGraphRunInParallelWithTheResultsOfOneThread() throws Exception {
        Random r = new Random(3);
        int rows = 300;
        Graph g = new Graph();
        Tensor x = g.input("x", 1, rows, 64);
        Tensor h = g.gelu(g.linear(x, g.weight("w1", 96, 64), g.weight("b1", 96)));
        Tensor q = g.reshape(g.linear(h, g.weight("wq", 64, 96), null), 1, rows, 4, 16);
        Tensor att = g.attention(q, q, q, null, 0.25f);
        g.output("y", g.layerNorm(g.reshape(att, 1, rows, 64), g.weight("g", 64), g.weight("beta", 64), 1e-5f));
        InMemoryWeights w = new InMemoryWeights().put("w1", rand(r, 96 * 64), 96, 64).put("b1", rand(r, 96), 96)
                .put("wq", rand(r, 64 * 96), 64, 96).put("g", rand(r, 64), 64).put("beta", rand(r, 64), 64);
        int callers = 4;
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < callers; i++) inputs.add(rand(r, rows * 64));
        try (CpuBackend be = new CpuBackend(3); CompiledGraph cg = be.compile(g, w)) {
            List<float[]> expected = new ArrayList<>();
            try (ExecutionContext one = cg.newContext()) {
                for (float[] in : inputs) expected.add(one.run(Map.of("x", in)).get("y").data());
            }
            CyclicBarrier start = new CyclicBarrier(callers);
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                List<Future<List<float[]>>> futures = new ArrayList<>();
                for (int t = 0; t < callers; t++) {
                    final int me = t;
                    futures.add(pool.submit(() -> {
                        List<float[]> out = new ArrayList<>();
                        try (ExecutionContext ctx = cg.newContext()) {
                            start.await();
                            for (int k = 0; k < 5; k++) {
                                out.add(ctx.run(Map.of("x", inputs.get((me + k) % callers))).get("y").data());
                            }
                        }
                        return out;
                    }));
                }
                for (int t = 0; t < callers; t++) {
                    List<float[]> got = futures.get(t).get(2, TimeUnit.MINUTES);
                    for (int k = 0; k < got.size(); k++) {
                        assertArrayEquals(expected.get((t + k) % callers), got.get(k), "caller " + t + ", run " + k);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            try (ExecutionContext a = cg.newContext(); ExecutionContext b = cg.newContext()) {
                assertNotSame(a, b);
            }
        }
    }
}
