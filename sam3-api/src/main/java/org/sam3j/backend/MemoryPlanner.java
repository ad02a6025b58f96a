package org.sam3j.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;

/**
 * Liveness-based buffer planning over a {@link Graph} (as ggml's graph allocator): walks the nodes in
 * order, gives each computed node the best-fitting free range of one arena, and returns ranges to the
 * free list after their last consumer. Backends of any kind (CPU arrays, device memory) use the plan.
 */
public final class MemoryPlanner {
    /** Alignment of every arena range, in bytes. */
    public static final int ALIGNMENT = 64;

    private MemoryPlanner() {}

    /** Plans the graph's memory with each node stored in its own element type. */
    public static MemoryPlan plan(Graph graph) {
        return plan(graph, DType::byteSize);
    }

    /**
     * Plans the graph's memory with {@code elementBytes} per element of each type (a backend that keeps every
     * float type in FP32 arrays, as the CPU backends do, plans with 4 for all of them).
     */
    public static MemoryPlan plan(Graph graph, ToIntFunction<DType> elementBytes) {
        return plan(graph, elementBytes, t -> false);
    }

    /**
     * As {@link #plan(Graph, ToIntFunction)}, with the {@code SLICE} nodes {@code stridedView} accepts planned as
     * strided views: no storage and no step of their own, their operand kept alive until the view's last reader,
     * their offset that of their first element in the operand. Only a backend whose kernels read such a view's rows
     * at the operand's row stride (the slice's readers, through reshapes) may ask for this; a view must not be an
     * output of the graph.
     */
    public static MemoryPlan plan(Graph graph, ToIntFunction<DType> elementBytes, Predicate<Tensor> stridedView) {
        return plan(graph, elementBytes, stridedView, t -> false);
    }

    /**
     * As {@link #plan(Graph, ToIntFunction, Predicate)}, with the {@code CAST} nodes {@code castView} accepts planned
     * as views of their operand's storage, as reshapes are: a backend that keeps both types in the same elements (the
     * CPU backends' FP32 arrays widening a BF16 value) or whose readers of the cast convert as they read. A cast of a
     * strided view, or to or from a type of another element size, is planned as a node of its own whatever
     * {@code castView} says.
     */
    public static MemoryPlan plan(Graph graph, ToIntFunction<DType> elementBytes, Predicate<Tensor> stridedView,
                                  Predicate<Tensor> castView) {
        List<Tensor> nodes = graph.nodes();
        int n = nodes.size();

        // 1. which nodes any output depends on
        boolean[] needed = graph.neededByOutputs();

        // 2. storage roots of views, and pinned (output) roots
        int[] root = new int[n];
        boolean[] view = new boolean[n];        // a reshape, or a strided slice, of its operand's storage
        boolean[] strided = new boolean[n];     // a strided slice, or a reshape of one
        for (int i = 0; i < n; i++) {
            Tensor t = nodes.get(i);
            boolean slice = t.op() == Op.SLICE && stridedView.test(t);
            boolean cast = t.op() == Op.CAST && !strided[t.input(0).id()] && castView.test(t)
                    && elementBytes.applyAsInt(t.dtype()) == elementBytes.applyAsInt(t.input(0).dtype());
            view[i] = t.op() == Op.RESHAPE || slice || cast;
            strided[i] = slice || (t.op() == Op.RESHAPE && strided[t.input(0).id()]);
            root[i] = view[i] ? root[t.input(0).id()] : i;
        }
        boolean[] pinned = new boolean[n];
        for (Tensor out : graph.outputs().values()) {
            if (strided[out.id()]) throw new IllegalArgumentException("a strided view cannot be an output: " + out);
            pinned[root[out.id()]] = true;
        }

        // 3. last consumer of every storage root (views extend their root's life)
        int[] lastUse = new int[n];
        java.util.Arrays.fill(lastUse, -1);
        for (int i = 0; i < n; i++) {
            if (!needed[i]) continue;
            Tensor t = nodes.get(i);
            for (int j = 0; j < t.inputCount(); j++) {
                int r = root[t.input(j).id()];
                lastUse[r] = Math.max(lastUse[r], i);
            }
        }

        MemoryPlan.Kind[] kinds = new MemoryPlan.Kind[n];
        long[] offsets = new long[n];
        int[] owner = new int[n];          // storage owner after in-place takeovers (follow until fixed point)
        int[] liveUntil = new int[n];      // per owner: index of the last node reading that storage
        for (int i = 0; i < n; i++) owner[i] = i;
        List<Tensor> schedule = new ArrayList<>();
        FreeList arena = new FreeList();
        long outputBytes = 0;
        long unplanned = 0;
        for (int i = 0; i < n; i++) {
            Tensor t = nodes.get(i);
            if (!needed[i]) {
                kinds[i] = MemoryPlan.Kind.UNUSED;
                continue;
            }
            if (t.op().isLeaf()) {
                kinds[i] = MemoryPlan.Kind.EXTERNAL;
                continue;
            }
            if (view[i]) {
                continue; // resolved below, after every takeover is known
            }
            schedule.add(t);
            long bytes = align(t.numel() * elementBytes.applyAsInt(t.dtype()));
            if (pinned[i]) {
                kinds[i] = MemoryPlan.Kind.OUTPUT;
                outputBytes += bytes;
            } else {
                unplanned += bytes;
                int src = find(owner, root[t.input(0).id()]);
                kinds[i] = MemoryPlan.Kind.ARENA;
                if (t.op().inPlace() && !strided[t.input(0).id()] && kinds[src] == MemoryPlan.Kind.ARENA && liveUntil[src] == i
                        && !pinned[src] && t.input(0).numel() == t.numel()
                        && elementBytes.applyAsInt(t.input(0).dtype()) == elementBytes.applyAsInt(t.dtype())) {
                    owner[i] = src;                 // overwrite the dying operand
                    offsets[i] = offsets[src];
                    liveUntil[src] = lastUse[i];
                } else {
                    offsets[i] = arena.allocate(bytes);
                    liveUntil[i] = lastUse[i];
                }
            }
            // release operands whose last consumer this was
            int self = find(owner, i);
            for (int j = 0; j < t.inputCount(); j++) {
                int o = find(owner, root[t.input(j).id()]);
                if (o != self && liveUntil[o] == i && kinds[o] == MemoryPlan.Kind.ARENA && !pinned[o]) {
                    arena.release(offsets[o], align(nodes.get(o).numel() * elementBytes.applyAsInt(nodes.get(o).dtype())));
                    liveUntil[o] = -1;
                }
            }
        }
        int[] storageRoot = new int[n];
        for (int i = 0; i < n; i++) {
            if (!needed[i]) {
                storageRoot[i] = i;
                continue;
            }
            int o = find(owner, root[i]);
            storageRoot[i] = o;
            if (view[i]) {
                kinds[i] = kinds[o];
                // nodes are in order: the operand's offset (itself a view's, maybe) is final here
                offsets[i] = offsets[nodes.get(i).input(0).id()];
                if (nodes.get(i).op() == Op.SLICE) {
                    offsets[i] += (long) SliceRows.of(nodes.get(i)).start() * elementBytes.applyAsInt(nodes.get(i).dtype());
                }
            }
        }
        return new MemoryPlan(graph, kinds, storageRoot, offsets, schedule, arena.size(), outputBytes, unplanned, strided,
                view);
    }

    private static int find(int[] owner, int i) {
        while (owner[i] != i) i = owner[i];
        return i;
    }

    static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Best-fit allocator over a growing arena. */
    static final class FreeList {
        private final List<long[]> free = new ArrayList<>(); // {offset, size}, sorted by offset
        private long end;

        long allocate(long size) {
            int best = -1;
            for (int i = 0; i < free.size(); i++) {
                long s = free.get(i)[1];
                if (s >= size && (best < 0 || s < free.get(best)[1])) best = i;
            }
            if (best >= 0) {
                long[] b = free.get(best);
                long off = b[0];
                if (b[1] == size) {
                    free.remove(best);
                } else {
                    b[0] += size;
                    b[1] -= size;
                }
                return off;
            }
            // grow: reuse a free block that touches the end
            if (!free.isEmpty()) {
                long[] last = free.get(free.size() - 1);
                if (last[0] + last[1] == end) {
                    free.remove(free.size() - 1);
                    end = last[0] + size;
                    return last[0];
                }
            }
            long off = end;
            end += size;
            return off;
        }

        void release(long offset, long size) {
            int i = 0;
            while (i < free.size() && free.get(i)[0] < offset) i++;
            free.add(i, new long[] {offset, size});
            // merge with the next and the previous block
            if (i + 1 < free.size() && free.get(i)[0] + free.get(i)[1] == free.get(i + 1)[0]) {
                free.get(i)[1] += free.get(i + 1)[1];
                free.remove(i + 1);
            }
            if (i > 0 && free.get(i - 1)[0] + free.get(i - 1)[1] == free.get(i)[0]) {
                free.get(i - 1)[1] += free.get(i)[1];
                free.remove(i);
            }
        }

        long size() {
            return end;
        }
    }
}
