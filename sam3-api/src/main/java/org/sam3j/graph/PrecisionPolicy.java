package org.sam3j.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sam3j.Precision;
import org.sam3j.io.DType;

/**
 * The one place that decides what runs in reduced precision. {@link #apply} rewrites an FP32 graph for a
 * storage precision: products ({@link Op#runsInStoragePrecision()}: linear layers, matrix products,
 * convolutions, attention) take FP16/BF16 operands and weights and produce FP16/BF16 values, accumulating in
 * FP32; layout operations keep their operand's type; everything else (the residual stream, normalisation
 * statistics, softmax, activations, position encodings) runs in FP32. Every change of type is an explicit
 * {@link Op#CAST} node, so backends and exporters see the same mixed-precision function: the CPU backends
 * emulate it by rounding, and an exporter writes it as is.
 *
 * <p>Inputs and outputs stay FP32: callers see the same graph interface at every precision.
 */
public final class PrecisionPolicy {
    private PrecisionPolicy() {}

    /** The storage type of a precision. */
    public static DType storageType(Precision precision) {
        switch (precision) {
            case FP16:
                return DType.F16;
            case BF16:
                return DType.BF16;
            default:
                return DType.F32;
        }
    }

    /**
     * The graph for {@code precision}: {@code graph} itself for FP32, else a rewritten copy with the same
     * inputs, weights (by name) and outputs.
     *
     * @throws IllegalArgumentException if {@code graph} is not an all-FP32 graph
     */
    public static Graph apply(Graph graph, Precision precision) {
        if (precision == Precision.FP32) return graph;
        return new Rewrite(graph, storageType(precision)).run();
    }

    private static final class Rewrite {
        private final Graph src;
        private final DType low;
        private final Graph dst = new Graph();
        private final Tensor[] mapped;
        /** the FP32 and reduced forms made of each mapped node, so each cast is made once */
        private final Map<Tensor, Tensor> asF32 = new HashMap<>();
        private final Map<Tensor, Tensor> asLow = new HashMap<>();

        Rewrite(Graph src, DType low) {
            this.src = src;
            this.low = low;
            this.mapped = new Tensor[src.nodes().size()];
        }

        Graph run() {
            List<Tensor> nodes = src.nodes();
            boolean[] lowWeight = reducedWeights(nodes);
            for (Tensor t : nodes) {
                if (t.dtype() != DType.F32) throw new IllegalArgumentException("not an FP32 graph: " + t);
                mapped[t.id()] = switch (t.op()) {
                    case INPUT -> dst.input(t.attrs(Attrs.Named.class).name(), t.shape());
                    case WEIGHT -> dst.weight(t.attrs(Attrs.Named.class).name(), lowWeight[t.id()] ? low : DType.F32,
                            t.shape());
                    case CONSTANT -> dst.constant(t.label(), t.attrs(Attrs.Constant.class).values(), t.shape());
                    default -> rewrite(t);
                };
            }
            for (Map.Entry<String, Tensor> e : src.outputs().entrySet()) {
                dst.output(e.getKey(), f32(mapped[e.getValue().id()]));
            }
            return dst;
        }

        private Tensor rewrite(Tensor t) {
            Tensor[] in = new Tensor[t.inputCount()];
            if (t.op().runsInStoragePrecision()) {
                for (int i = 0; i < in.length; i++) {
                    Tensor x = mapped[t.input(i).id()];
                    in[i] = t.op().isFp32Operand(i) ? f32(x) : low(x);
                }
            } else if (t.op().isLayout() && allLow(t)) {
                for (int i = 0; i < in.length; i++) in[i] = mapped[t.input(i).id()];
            } else {
                for (int i = 0; i < in.length; i++) in[i] = f32(mapped[t.input(i).id()]);
            }
            return dst.copyOf(t, in);
        }

        private boolean allLow(Tensor t) {
            for (int i = 0; i < t.inputCount(); i++) if (mapped[t.input(i).id()].dtype() != low) return false;
            return true;
        }

        private Tensor f32(Tensor x) {
            if (x.dtype() == DType.F32) return x;
            return asF32.computeIfAbsent(x, v -> dst.cast(v, DType.F32));
        }

        private Tensor low(Tensor x) {
            if (x.dtype() == low) return x;
            // a value that was only widened: its reduced form exists exactly (P → F32 → P is the identity)
            if (x.op() == Op.CAST && x.input(0).dtype() == low) return x.input(0);
            return asLow.computeIfAbsent(x, v -> dst.cast(v, low));
        }

        /**
         * Weights some product reads as a reduced-precision operand: stored reduced (products bind them directly,
         * as devices do); an FP32 consumer of the same weight reads it widened from that one stored copy.
         */
        private boolean[] reducedWeights(List<Tensor> nodes) {
            boolean[] reduced = new boolean[nodes.size()];
            for (Tensor t : nodes) {
                if (!t.op().runsInStoragePrecision()) continue;
                for (int i = 0; i < t.inputCount(); i++) {
                    if (t.input(i).op() == Op.WEIGHT && !t.op().isFp32Operand(i)) reduced[t.input(i).id()] = true;
                }
            }
            return reduced;
        }
    }
}
