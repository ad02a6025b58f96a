package org.sam3j.graph;

/**
 * Estimated cost of a graph node: the floating-point operations of its matrix work ({@code 2·m·n·k} for
 * {@code LINEAR}, {@code MATMUL}, {@code CONV2D} as an im2col product, {@code CONV_TRANSPOSE2D}, and
 * {@code q·kᵀ} plus {@code p·v} for {@code ATTENTION}, over each query's window when windowed), and a work figure that also counts one unit per
 * output element, so element-wise and data-movement nodes weigh something. Backends use {@link #work}
 * to report progress as a fraction of a graph's work; benchmarks use {@link #flops} for efficiency.
 */
public final class OpCost {
    private OpCost() {}

    /** The flops of one node's products (0 for operations that are not products). */
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
                Attrs.Attention a = t.attrs(Attrs.Attention.class);
                // a windowed query sees only its window's keys
                long keys = a.windowed() ? a.windowTokens() : k.dim(1);
                return 2L * q.dim(0) * q.dim(2) * q.dim(1) * keys * (q.dim(3) + (long) v.dim(3));
            }
            default:
                return 0;
        }
    }

    /** Relative work of one node: its {@link #flops} plus its number of output elements. */
    public static long work(Tensor t) {
        return flops(t) + t.numel();
    }
}
