package org.sam3j.bench;

import java.util.EnumMap;
import java.util.Map;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.OpCost;
import org.sam3j.graph.Tensor;

/**
 * Floating-point operations of a graph's matrix work: {@code 2·m·n·k} summed over its {@code LINEAR},
 * {@code MATMUL}, {@code CONV2D} (im2col product), {@code CONV_TRANSPOSE2D} and {@code ATTENTION}
 * ({@code q·kᵀ} and {@code p·v}) nodes. Element-wise work (norms, activations, softmax) is not counted:
 * it is small next to the products and is what a GEMM-bound efficiency figure leaves out on purpose.
 */
public final class GraphFlops {
    private GraphFlops() {}

    /** Flops per operation kind, for the nodes of {@code g} (every node: build the graph with only what runs). */
    public static Map<Op, Long> byOp(Graph g) {
        Map<Op, Long> m = new EnumMap<>(Op.class);
        for (Tensor t : g.nodes()) {
            long f = flops(t);
            if (f > 0) m.merge(t.op(), f, Long::sum);
        }
        return m;
    }

    /** Total flops of the products in {@code g}. */
    public static long total(Graph g) {
        return byOp(g).values().stream().mapToLong(Long::longValue).sum();
    }

    /** The flops of one node (0 for operations that are not products): {@link OpCost#flops(Tensor)}. */
    public static long flops(Tensor t) {
        return OpCost.flops(t);
    }
}
