package org.sam3j.graph;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a module's forward returned, as a PyTorch forward hook on the reference module records it: the graph
 * node, and how the recorded tensor differs from ours where it does, declared once by the module that returns
 * it. Recorded in a graph's module-output table ({@link Graph#recordModuleOutput}); nothing is computed or
 * added to the graph unless someone asks for it ({@link #tensor()}).
 *
 * <p>Our tensors are channels-last where the reference's are channels-first, and batch-first where some of the
 * reference's are sequence-first ({@code [L, B, C]}); with batch 1 the latter have the same element order, so
 * only the element order is compared and only a channel permutation ({@link #channelsFirst}) is declared.
 */
public final class ModuleOutput {
    /** Which rows the reference has, where ours are a fixed layout of prompt slots. */
    public enum Rows {
        /** Every row: the same element order as the reference. */
        ALL,
        /**
         * Rows of fixed prompt slots (box slots, point slots) of which the reference has only those the prompt uses:
         * the runner that packed the prompt keeps those rows of the downloaded tensor.
         */
        USED_SLOTS
    }

    private final Supplier<Tensor> build;
    private final Rows rows;
    private Tensor built;

    private ModuleOutput(Supplier<Tensor> build, Rows rows) {
        this.build = Objects.requireNonNull(build, "build");
        this.rows = Objects.requireNonNull(rows, "rows");
    }

    /** A node recorded as it is. */
    public static ModuleOutput of(Tensor t) {
        Objects.requireNonNull(t, "t");
        return new ModuleOutput(() -> t, Rows.ALL);
    }

    /** A channels-last node {@code [N, H, W, C]} that the reference records channels-first {@code [N, C, H, W]}. */
    public static ModuleOutput channelsFirst(Tensor nhwc) {
        Objects.requireNonNull(nhwc, "nhwc");
        if (nhwc.rank() != 4) throw new IllegalArgumentException("channels-first of a rank-" + nhwc.rank() + " tensor");
        return new ModuleOutput(() -> nhwc.graph().permute(nhwc, 0, 3, 1, 2), Rows.ALL);
    }

    /**
     * A recorded value that takes nodes to build (e.g. the per-layer states the reference stacks): built on the
     * first {@link #tensor()}, so graphs nobody asks it of stay as they are.
     */
    public static ModuleOutput lazy(Supplier<Tensor> build) {
        return new ModuleOutput(build, Rows.ALL);
    }

    /** This output, whose leading rows are fixed prompt slots (see {@link Rows#USED_SLOTS}). */
    public ModuleOutput usedSlotRows() {
        return new ModuleOutput(build, Rows.USED_SLOTS);
    }

    /** The node in the reference's element order (built, and added to the graph, on first use). */
    public Tensor tensor() {
        if (built == null) built = Objects.requireNonNull(build.get(), "module output");
        return built;
    }

    /** Which rows the reference has. */
    public Rows rows() {
        return rows;
    }
}
