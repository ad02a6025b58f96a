package org.sam3j.bench;

import java.util.EnumMap;
import java.util.Map;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
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

    /** The flops of one node (0 for operations that are not products). */
    public static long flops(Tensor t) {
        switch (t.op()) {
            case LINEAR: {
                Tensor w = t.input(1);
                long n = w.dim(0);
                long k = w.dim(1);
                return 2L * (t.numel() / n) * n * k;
            }
            case MATMUL: {
                Tensor a = t.input(0);
                long k = a.dim(-1);
                return 2L * t.numel() * k;
            }
            case CONV2D: {
                Tensor w = t.input(1);
                long k = (long) w.dim(1) * w.dim(2) * w.dim(3);
                return 2L * t.numel() * k;
            }
            case CONV_TRANSPOSE2D: {
                Tensor x = t.input(0);
                return 2L * x.numel() * t.dim(3) * 4;
            }
            case ATTENTION: {
                Tensor q = t.input(0);
                Tensor k = t.input(1);
                Tensor v = t.input(2);
                return 2L * q.dim(0) * q.dim(2) * q.dim(1) * k.dim(1) * (q.dim(3) + (long) v.dim(3));
            }
            default:
                return 0;
        }
    }
}
