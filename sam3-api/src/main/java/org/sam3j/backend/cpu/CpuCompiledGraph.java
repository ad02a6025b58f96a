package org.sam3j.backend.cpu;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.TransferCounter;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Op;
import org.sam3j.graph.OpCost;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.WeightStore;

/**
 * A graph compiled for the CPU backend: the memory plan, the schedule as steps (operations fused where the plan
 * allows, see {@link CpuFusion}) with their progress fractions, and the
 * weights it reads (held by the backend, read and packed once, shared by every graph and context).
 * Immutable but for the one-time preparation of its weights ({@link #prepareWeights}); runs happen in
 * {@link CpuExecutionContext}s, one per caller.
 */
final class CpuCompiledGraph implements CompiledGraph {
    private final CpuBackend backend;
    private final MemoryPlan plan;
    private final WeightStore weights;
    /** Fraction of the graph's work done after each scheduled operation (the last is exactly 1). */
    private final double[] doneAfter;
    /** The schedule as run: single operations and fused groups ({@link CpuFusion}). */
    private final List<CpuFusion.Step> steps;
    /** The {@code Linear} weights the graph multiplies by, each once. */
    private final List<CpuBackend.LinearWeight> linearWeights;
    /** the weights of reduced-precision products on the engine for their operands ({@link GemmEngine#forOperands}) */
    private final List<ReducedWeight> reducedLinearWeights;
    /** Whether {@link #prepareWeights} has run to the end. */
    private volatile boolean weightsPrepared;

    /** A {@code Linear} weight prepared by another engine than the backend's. */
    private record ReducedWeight(GemmEngine engine, CpuBackend.LinearWeight weight) {}

    /** The profile's label of the time spent by {@link #prepareWeights} in a run. */
    static final String PREPARE_WEIGHTS = "PREPARE_WEIGHTS";

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
        this.steps = CpuFusion.steps(plan, fuse, backend::roundsItself);
        List<CpuBackend.LinearWeight> linear = new ArrayList<>();
        List<ReducedWeight> reduced = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Tensor t : plan.graph().nodes()) {
            if (t.op() != Op.LINEAR || t.input(1).op() != Op.WEIGHT) continue;
            Tensor w = t.input(1);
            String name = w.attrs(Attrs.Named.class).name();
            GemmEngine engine = backend.productEngine(t);
            if (!seen.add(name + "#" + engine.name())) continue;
            CpuBackend.LinearWeight lw = new CpuBackend.LinearWeight(name, w.dim(1), w.dim(0));
            if (engine == backend.gemm()) {
                linear.add(lw);
            } else {
                reduced.add(new ReducedWeight(engine, lw));
            }
        }
        this.linearWeights = List.copyOf(linear);
        this.reducedLinearWeights = List.copyOf(reduced);
    }

    /**
     * Prepares the engine's form of every {@code Linear} weight of the graph before the first run's first operation,
     * all in one go ({@link CpuBackend#prepareLinearWeights}, which packs them into a few large arrays); later calls
     * return at once. Measured on the full model with the pure-Java engine (2 cores, {@code StartupProfile}): the
     * image encoder's weights (1.7 GB) took 0.7–1.1 s, the text encoder's (1.2 GB) 0.9–2.9 s, mostly allocating new
     * memory; packed by each operation as the run reached it, the first image and first text prompt had taken 10.6 s
     * and 6.5 s longer than the next ones. Engines that multiply the mapped checkpoint in place (OpenBLAS) only wrap
     * it.
     *
     * @return the nanoseconds this call spent, 0 when the weights were already prepared
     */
    long prepareWeights(Parallel par) {
        if (weightsPrepared) return 0;
        long t0 = System.nanoTime();
        backend.prepareLinearWeights(par, weights, linearWeights);
        for (ReducedWeight r : reducedLinearWeights) { // one after another, each packed by all workers
            CpuBackend.LinearWeight w = r.weight();
            backend.linearWeight(par, r.engine(), weights, w.name(), w.k(), w.n());
        }
        weightsPrepared = true;
        return System.nanoTime() - t0;
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
