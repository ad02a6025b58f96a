package org.sam3j.backend.cpu;

import java.util.List;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.TransferCounter;
import org.sam3j.graph.OpCost;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.WeightStore;

/**
 * A graph compiled for the CPU backend: the memory plan, the schedule as steps (operations fused where the plan
 * allows, see {@link CpuFusion}) with their progress fractions, and the
 * weights it reads (held by the backend, read and packed once, shared by every graph and context).
 * Immutable: runs happen in {@link CpuExecutionContext}s, one per caller.
 */
final class CpuCompiledGraph implements CompiledGraph {
    private final CpuBackend backend;
    private final MemoryPlan plan;
    private final WeightStore weights;
    /** Fraction of the graph's work done after each scheduled operation (the last is exactly 1). */
    private final double[] doneAfter;
    /** The schedule as run: single operations and fused groups ({@link CpuFusion}). */
    private final List<CpuFusion.Step> steps;

    CpuCompiledGraph(CpuBackend backend, MemoryPlan plan, WeightStore weights, boolean fuse) {
        this.backend = backend;
        this.plan = plan;
        this.weights = weights;
        long floats = plan.arenaBytes() / 4;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("graph needs " + plan.arenaBytes() + " bytes of activations, more than one"
                    + " Java array can hold");
        }
        List<Tensor> schedule = plan.schedule();
        double[] cumulative = new double[schedule.size()];
        double total = 0;
        for (int i = 0; i < cumulative.length; i++) {
            total += OpCost.work(schedule.get(i));
            cumulative[i] = total;
        }
        for (int i = 0; i < cumulative.length; i++) cumulative[i] /= total;
        if (cumulative.length > 0) cumulative[cumulative.length - 1] = 1.0;
        this.doneAfter = cumulative;
        this.steps = CpuFusion.steps(plan, fuse);
    }

    /** The steps of a run, in order. */
    List<CpuFusion.Step> steps() {
        return steps;
    }

    @Override
    public MemoryPlan plan() {
        return plan;
    }

    CpuBackend backend() {
        return backend;
    }

    WeightStore weights() {
        return weights;
    }

    /** Progress fractions per scheduled operation (shared, read only). */
    double[] doneAfter() {
        return doneAfter;
    }

    @Override
    public ExecutionContext newContext(TransferCounter counter) {
        return new CpuExecutionContext(this, counter);
    }

    /** Nothing to free: the weights belong to the backend, activations to the contexts. */
    @Override
    public void close() {}
}
