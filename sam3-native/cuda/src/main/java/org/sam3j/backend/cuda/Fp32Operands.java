package org.sam3j.backend.cuda;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;

/**
 * Where the float32 copies of exact operands (RoPE tables, ROI boxes, gather indices) come from when a
 * compiled graph stores activations in FP16/BF16, and how often they are converted. One copy per
 * tensor and compiled graph, shared by all its consumers; conversions only where values can change:
 * <ul>
 *   <li>{@link Mode#INPUT}: a graph input (or a view of one): its float32 upload staging, no conversion;</li>
 *   <li>{@link Mode#LEAF}: a constant or weight (or a view of one): converted once when the graph is
 *       compiled (weights are immutable);</li>
 *   <li>{@link Mode#ONCE}: computed from constants and weights only: its value is the same in every
 *       run, so it is converted in the first run that succeeds and never again (also not recorded into
 *       a CUDA Graph captured later);</li>
 *   <li>{@link Mode#EVERY_RUN}: computed from an input: converted in every run, once however many
 *       operations read it.</li>
 * </ul>
 * Pure host logic over the {@link MemoryPlan}; {@code Fp32OperandsTest} checks it without a GPU (nothing
 * here has run on a GPU). Not thread-safe: owned by one compiled graph.
 */
final class Fp32Operands {
    /** Where an operand's float32 copy comes from. */
    enum Mode { INPUT, LEAF, ONCE, EVERY_RUN }

    private final MemoryPlan plan;
    private final boolean[] dependsOnInput;
    private final Map<Integer, Long> copies = new HashMap<>();
    private boolean succeeded;
    private long conversions;

    Fp32Operands(MemoryPlan plan) {
        this.plan = plan;
        List<Tensor> nodes = plan.graph().nodes();
        dependsOnInput = new boolean[nodes.size()];
        for (Tensor t : nodes) { // ids are topological: inputs of a node come before it
            boolean d = t.op() == Op.INPUT;
            for (int i = 0; i < t.inputCount() && !d; i++) d = dependsOnInput[t.input(i).id()];
            dependsOnInput[t.id()] = d;
        }
    }

    /** Operand slots read as float32 (exact values): RoPE tables, ROI boxes, gather indices. */
    static boolean fp32Operand(Tensor consumer, int i) {
        switch (consumer.op()) {
            case ROPE: return i == 1 || i == 2;
            case ROI_ALIGN:
            case GATHER: return i == 1;
            default: return false;
        }
    }

    /** The tensor whose float32 copy serves {@code t}: the storage root of a view of a leaf, else {@code t}. */
    Tensor source(Tensor t) {
        if (plan.kind(t) == MemoryPlan.Kind.EXTERNAL) return plan.graph().nodes().get(plan.storageRoot(t));
        return t;
    }

    /** How operand {@code t} gets its float32 copy. */
    Mode mode(Tensor t) {
        Tensor s = source(t);
        if (s.op() == Op.INPUT) return Mode.INPUT;
        if (s.op() == Op.CONSTANT || s.op() == Op.WEIGHT) return Mode.LEAF;
        return dependsOnInput[s.id()] ? Mode.EVERY_RUN : Mode.ONCE;
    }

    /**
     * How one consumer reads operand {@code t} as float32.
     *
     * @param address     device address of the float32 values
     * @param source      the tensor converted ({@link #source} of the operand)
     * @param convertHere whether this consumer's step must convert first (the first consumer of a computed
     *                    operand; its conversion asks {@link #convertNow} each time it is launched)
     */
    record Binding(long address, Tensor source, boolean convertHere) {}

    /**
     * Binds operand {@code t} of a consumer: an input's staging ({@code inputStaging}), a leaf's copy made
     * once ({@code leafCopy}, uploaded at compile time), or a computed tensor's copy ({@code computedCopy},
     * allocated once; the first consumer converts). Each function receives the {@link #source}.
     */
    Binding bind(Tensor t, ToLongFunction<Tensor> inputStaging, ToLongFunction<Tensor> leafCopy,
                 ToLongFunction<Tensor> computedCopy) {
        Tensor s = source(t);
        Mode m = mode(t);
        if (m == Mode.INPUT) return new Binding(inputStaging.applyAsLong(s), s, false);
        Long a = copies.get(s.id());
        if (a != null) return new Binding(a, s, false);
        a = m == Mode.LEAF ? leafCopy.applyAsLong(s) : computedCopy.applyAsLong(s);
        copies.put(s.id(), a);
        return new Binding(a, s, m != Mode.LEAF);
    }

    /** Float32 copies made. */
    int copies() {
        return copies.size();
    }

    /**
     * Asked by a conversion step when it is launched (or recorded into a CUDA Graph): whether operand
     * {@code t} must be converted in this run; counts the conversions it allows.
     */
    boolean convertNow(Tensor t) {
        Mode m = mode(t);
        boolean now = m == Mode.EVERY_RUN || (m == Mode.ONCE && !succeeded);
        if (now) conversions++;
        return now;
    }

    /** A run completed without error: copies of {@link Mode#ONCE} operands hold their final values. */
    void runSucceeded() {
        succeeded = true;
    }

    /** Conversions launched (or recorded) so far. */
    long conversions() {
        return conversions;
    }
}
