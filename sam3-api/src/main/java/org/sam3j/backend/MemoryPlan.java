package org.sam3j.backend;

import java.util.Collections;
import java.util.List;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;

/**
 * Where every node of a graph lives while it runs, computed once per graph by {@link MemoryPlanner}.
 *
 * <p>Intermediates share one arena: a node's bytes are reused as soon as its last consumer has run,
 * and element-wise nodes may overwrite an operand that dies with them. Inputs, weights and constants
 * live outside the arena ({@link Kind#EXTERNAL}); marked outputs get storage of their own
 * ({@link Kind#OUTPUT}) so they survive the run. Reshapes are views of their operand's storage, and so are the
 * slices a backend asks to read in place (strided views, {@link #isStridedView}) and the casts whose values a backend
 * keeps in their operand's storage ({@link #isView}).
 */
public final class MemoryPlan {
    /** Storage class of a node. */
    public enum Kind {
        /** Not computed: no output depends on it. */
        UNUSED,
        /** Supplied from outside the arena (input, weight, constant). */
        EXTERNAL,
        /** A range of the shared arena. */
        ARENA,
        /** Dedicated storage of a marked output (or of the tensor an output is a view of). */
        OUTPUT
    }

    private final Graph graph;
    private final Kind[] kinds;
    private final int[] storageRoot;
    private final long[] offsets;
    private final List<Tensor> schedule;
    private final long arenaBytes;
    private final long outputBytes;
    private final long unplannedBytes;
    private final boolean[] strided;
    private final boolean[] view;

    MemoryPlan(Graph graph, Kind[] kinds, int[] storageRoot, long[] offsets, List<Tensor> schedule,
               long arenaBytes, long outputBytes, long unplannedBytes, boolean[] strided, boolean[] view) {
        this.graph = graph;
        this.kinds = kinds;
        this.storageRoot = storageRoot;
        this.offsets = offsets;
        this.schedule = Collections.unmodifiableList(schedule);
        this.arenaBytes = arenaBytes;
        this.outputBytes = outputBytes;
        this.unplannedBytes = unplannedBytes;
        this.strided = strided;
        this.view = view;
    }

    /** The planned graph. */
    public Graph graph() {
        return graph;
    }

    /** Storage class of node {@code t}. */
    public Kind kind(Tensor t) {
        return kinds[t.id()];
    }

    /**
     * The node that owns the storage {@code t} lives in: itself, the operand a reshape views, or the
     * operand an in-place node overwrites (transitively).
     */
    public int storageRoot(Tensor t) {
        return storageRoot[t.id()];
    }

    /**
     * Whether {@code t} is a strided view (a {@code SLICE} planned as a view of its operand, or a reshape of one):
     * its rows lie in its operand's storage at the operand's row stride, from {@link #arenaOffset} on.
     */
    public boolean isStridedView(Tensor t) {
        return strided[t.id()];
    }

    /**
     * Whether {@code t} is a view: a reshape, a strided slice, or a cast the backend keeps in its operand's storage,
     * with no storage and no step of its own ({@link #storageRoot} and {@link #arenaOffset} are its operand's).
     */
    public boolean isView(Tensor t) {
        return view[t.id()];
    }

    /** Byte offset in the arena of an {@link Kind#ARENA} node (of a view: of its first element). */
    public long arenaOffset(Tensor t) {
        return offsets[t.id()];
    }

    /** The nodes to execute, in order (views, leaves and unused nodes excluded). */
    public List<Tensor> schedule() {
        return schedule;
    }

    /** Size of the shared activation arena: the planned peak of intermediate memory. */
    public long arenaBytes() {
        return arenaBytes;
    }

    /** Bytes of dedicated output storage. */
    public long outputBytes() {
        return outputBytes;
    }

    /** Planned peak activation memory: the arena plus the outputs. */
    public long peakActivationBytes() {
        return arenaBytes + outputBytes;
    }

    /** What the intermediates would take without any reuse (every node its own buffer). */
    public long unplannedBytes() {
        return unplannedBytes;
    }

    @Override
    public String toString() {
        return String.format("memory plan: %d ops, arena %.1f MiB + outputs %.1f MiB (without reuse %.1f MiB)",
                schedule.size(), arenaBytes / 1048576.0, outputBytes / 1048576.0, unplannedBytes / 1048576.0);
    }
}
