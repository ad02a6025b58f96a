package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.MemoryPlanner;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * float32 operand copies in FP16/BF16 graphs: one copy per tensor whatever the number of consumers,
 * constants and weights converted once at compile time, input-independent computed operands once in
 * the first successful run, input-dependent ones every run, inputs never (their float32 staging).
 * Counted through the binding {@code CudaCompiledGraph} makes, host-side (nothing here ran on a GPU).
 */
class Fp32OperandsTest {
    private static float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.25f;
        return v;
    }

    private final Graph g = new Graph();
    private Tensor sinComputed;
    private Tensor cos;
    private Tensor boxes;
    private Tensor ids;

    /** RoPE twice on the same tables, ROI align twice on the same computed boxes, a gather, a reshaped table. */
    private MemoryPlan plan() {
        Tensor x = g.input("x", 1, 4, 2, 8);
        cos = g.constant("cos", values(16), 4, 4);
        sinComputed = g.scale(g.constant("sin0", values(16), 4, 4), 0.5f); // from constants only
        Tensor q = g.rope(x, cos, sinComputed);
        Tensor k = g.rope(g.scale(x, 2f), cos, sinComputed);
        Tensor cosFlat = g.constant("cosflat", values(16), 16);
        Tensor k2 = g.rope(g.reshape(k, 1, 4, 2, 8), g.reshape(cosFlat, 4, 4), sinComputed);
        Tensor k3 = g.rope(k2, g.reshape(cosFlat, 4, 4), sinComputed);
        Tensor img = g.input("img", 1, 8, 8, 4);
        boxes = g.scale(g.input("boxes", 3, 4), 8f); // from an input
        Tensor r1 = g.roiAlign(img, boxes, 2, 1f, -1);
        Tensor r2 = g.roiAlign(g.scale(img, 2f), boxes, 2, 1f, -1);
        ids = g.input("ids", 5);
        Tensor e = g.gather(g.weight("emb", 10, 4), ids);
        g.output("q", q);
        g.output("k3", k3);
        g.output("r1", r1);
        g.output("r2", r2);
        g.output("e", e);
        return MemoryPlanner.plan(g);
    }

    /** What CudaCompiledGraph builds: per consumer slot a binding; conversion steps in schedule order. */
    private final Map<String, Integer> made = new HashMap<>();
    private final List<Runnable> conversionSteps = new ArrayList<>();
    private final List<Long> addresses = new ArrayList<>();

    private Fp32Operands compile(MemoryPlan plan) {
        Fp32Operands ops = new Fp32Operands(plan);
        long[] next = {0x1000};
        for (Tensor t : plan.schedule()) {
            for (int i = 0; i < t.inputCount(); i++) {
                if (!Fp32Operands.fp32Operand(t, i)) continue;
                Fp32Operands.Binding b = ops.bind(t.input(i),
                        s -> count("staging", 0x9000 + s.id()),
                        s -> count("leaf copy", next[0] += 0x100),
                        s -> count("computed copy", next[0] += 0x100));
                addresses.add(b.address());
                if (b.convertHere()) {
                    Tensor source = b.source();
                    conversionSteps.add(() -> ops.convertNow(source));
                }
            }
        }
        return ops;
    }

    private long count(String what, long address) {
        made.merge(what, 1, Integer::sum);
        return address;
    }

    private long run(Fp32Operands ops, boolean succeeds) {
        long before = ops.conversions();
        conversionSteps.forEach(Runnable::run);
        if (succeeds) ops.runSucceeded();
        return ops.conversions() - before;
    }

    @Test
    void modesFollowWhatTheValuesDependOn() {
        MemoryPlan plan = plan();
        Fp32Operands ops = new Fp32Operands(plan);
        assertEquals(Fp32Operands.Mode.LEAF, ops.mode(cos));
        assertEquals(Fp32Operands.Mode.ONCE, ops.mode(sinComputed));
        assertEquals(Fp32Operands.Mode.EVERY_RUN, ops.mode(boxes));
        assertEquals(Fp32Operands.Mode.INPUT, ops.mode(ids));
    }

    @Test
    void oneCopyPerTensorAndConversionsOnlyWhereValuesChange() {
        Fp32Operands ops = compile(plan());
        // 8 RoPE table slots + 2 ROI boxes + 1 gather index slot
        assertEquals(11, addresses.size());
        // cos and cosflat (its two reshapes share the constant's copy) at compile time; sin and boxes once each
        assertEquals(2, made.get("leaf copy"));
        assertEquals(2, made.get("computed copy"));
        assertEquals(1, made.get("staging"));
        assertEquals(4, ops.copies());
        assertEquals(2, conversionSteps.size(), "one conversion step per computed operand, not per consumer");

        assertEquals(2, run(ops, true), "first run: the constant-only table and the boxes");
        assertEquals(1, run(ops, true), "later runs: only the input-dependent boxes");
        assertEquals(1, run(ops, true));
    }

    @Test
    void aFailedFirstRunConvertsAgain() {
        Fp32Operands ops = compile(plan());
        assertEquals(2, run(ops, false));
        assertEquals(2, run(ops, true), "the constant-only copy is final only after a run succeeded");
        assertEquals(1, run(ops, true));
    }

    @Test
    void consumersOfOneTensorShareItsAddress() {
        MemoryPlan plan = plan();
        Fp32Operands ops = new Fp32Operands(plan);
        Fp32Operands.Binding first = ops.bind(sinComputed, s -> 1, s -> 2, s -> 0x5000);
        Fp32Operands.Binding second = ops.bind(sinComputed, s -> 1, s -> 2, s -> 0x6000);
        assertTrue(first.convertHere());
        assertFalse(second.convertHere());
        assertEquals(first.address(), second.address());
    }
}
