package org.sam3j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/** The liveness planner: reuse, in-place execution, pinned outputs, pruning. */
class MemoryPlannerTest {

    /** A chain of element-wise ops over one buffer needs one buffer, not one per node. */
    @Test
    void chainReusesOneBuffer() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1024);
        Tensor y = x;
        for (int i = 0; i < 10; i++) y = g.relu(g.scale(y, 2f));
        g.output("y", g.permute(g.reshape(y, 32, 32), 1, 0));
        MemoryPlan p = MemoryPlanner.plan(g);
        assertEquals(20 + 1, p.schedule().size());
        assertTrue(p.arenaBytes() <= 2 * 4096, p.toString());
        assertEquals(20L * 4096, p.unplannedBytes());
    }

    /**
     * A slice planned as a strided view has no storage and no step; its operand lives until the view's last reader
     * (nothing computed in between may take its bytes), and a view cannot be an output.
     */
    @Test
    void stridedViewsKeepTheirOperandAlive() {
        Graph g = new Graph();
        Tensor x = g.input("x", 8, 3, 16);
        Tensor qkv = g.scale(x, 2f);                          // [8, 3, 16]: rows of 48, the third third at 32
        Tensor v = g.slice(qkv, 1, 2, 3);                     // the view
        Tensor other = g.relu(g.scale(g.slice(qkv, 1, 0, 1), 3f)); // computed while the view waits for its reader
        Tensor read = g.add(g.reshape(v, 8, 16), g.reshape(other, 8, 16));
        g.output("y", read);
        MemoryPlan p = MemoryPlanner.plan(g, t -> 4, t -> t == v);
        assertTrue(p.isStridedView(v));
        assertFalse(p.isStridedView(qkv));
        assertFalse(p.schedule().contains(v));
        assertEquals(p.storageRoot(qkv), p.storageRoot(v));
        assertEquals(p.arenaOffset(qkv) + 4L * 32, p.arenaOffset(v));
        long q0 = p.arenaOffset(qkv), q1 = q0 + 4L * qkv.numel();
        for (Tensor t : p.schedule()) {
            if (t == qkv || p.kind(t) != MemoryPlan.Kind.ARENA || p.schedule().indexOf(t) > p.schedule().indexOf(read)) continue;
            long t0 = p.arenaOffset(t), t1 = t0 + 4L * t.numel();
            assertTrue(t1 <= q0 || t0 >= q1, t + " overlaps the viewed operand");
        }
        Graph bad = new Graph();
        Tensor bx = bad.scale(bad.input("x", 4, 2, 3), 1f);
        Tensor bv = bad.slice(bx, 1, 1, 2);
        bad.output("v", bv);
        assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.plan(bad, t -> 4, t -> t == bv));
    }

    /** Values still needed later are never overwritten; the result equals an unplanned evaluation. */
    @Test
    void liveValuesSurviveAndResultsAreCorrect() {
        Graph g = new Graph();
        Tensor x = g.input("x", 64);
        Tensor a = g.scale(x, 3f);       // needed until the end
        Tensor b = g.relu(g.scale(a, -1f));
        Tensor c = g.add(g.scale(b, 2f), a);
        Tensor d = g.add(c, a);
        g.output("mid", b);
        g.output("out", d);
        float[] in = new float[64];
        for (int i = 0; i < 64; i++) in[i] = i - 32;
        Map<String, HostTensor> out;
        try (CpuBackend cpu = new CpuBackend(1); CompiledGraph cg = cpu.compile(g, new InMemoryWeights())) {
            out = cg.run(Map.of("x", in));
            // a second run gives the same answer (arena reused between runs)
            assertArrayEquals(out.get("out").data(), cg.run(Map.of("x", in)).get("out").data());
        }
        for (int i = 0; i < 64; i++) {
            float av = 3f * in[i];
            float bv = Math.max(0f, -av);
            assertEquals(bv, out.get("mid").data()[i]);
            assertEquals(2f * bv + av + av, out.get("out").data()[i], 1e-5);
        }
        assertEquals(64, in.length, "inputs are not written");
        assertEquals(-32f, in[0]);
    }

    @Test
    void nodesNoOutputNeedsAreNotScheduled() {
        Graph g = new Graph();
        Tensor x = g.input("x", 8);
        Tensor unused = g.relu(g.scale(x, 2f));
        g.output("y", g.sigmoid(x));
        MemoryPlan p = MemoryPlanner.plan(g);
        assertEquals(1, p.schedule().size());
        assertEquals(MemoryPlan.Kind.UNUSED, p.kind(unused));
        assertFalse(p.schedule().contains(unused));
    }

    @Test
    void freeListMergesNeighbours() {
        MemoryPlanner.FreeList f = new MemoryPlanner.FreeList();
        long a = f.allocate(64);
        long b = f.allocate(128);
        long c = f.allocate(64);
        f.release(a, 64);
        f.release(b, 128);
        assertEquals(a, f.allocate(192), "merged block reused");
        f.release(c, 64);
        assertEquals(256, f.size());
    }
}
