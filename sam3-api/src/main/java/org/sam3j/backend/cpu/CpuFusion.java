package org.sam3j.backend.cpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.SliceRows;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;

/**
 * The CPU backends' fusion pass, part of their compilation: groups neighbouring operations of the planned
 * schedule into one step that makes fewer passes over memory. The graph and its memory plan are not changed (the
 * graph is what every backend and the ONNX exporter see); a fused step writes exactly the buffers the plan gives
 * the nodes it covers, and only where the plan makes that safe, so a fused run computes the same values, bit for
 * bit, as the unfused one:
 * <ul>
 *   <li>{@link Kind#LINEAR_GELU} and {@link Kind#LINEAR_RELU}: a {@code LINEAR} whose only consumer is the next
 *       operation, a {@code GELU} (the image encoder's MLPs) or a {@code RELU} (the fusion encoder's and the
 *       detector decoder's feed-forward layers) the plan runs in place on it: the activation is applied by the
 *       product's epilogue while each block of the output is in the cache;</li>
 *   <li>{@link Kind#CONV_TRANSPOSE_EPILOGUE}: a transposed convolution followed by per-pixel operations on its
 *       output, each the only reader of the one before: an {@code ADD} of an operand of the same shape, a
 *       {@code LAYER_NORM} over the channels, a {@code GELU} (the FPN necks' GELU, the mask decoder's upscaling
 *       {@code GELU(norm(convT(x) + feat))} and {@code GELU(convT(x) + feat)}): applied to each output row as the
 *       convolution scatters it, into the last operation's buffer (the ones before are never written);</li>
 *   <li>{@link Kind#ADD_LAYER_NORM}: an {@code ADD} of two operands of its own shape followed by a
 *       {@code LAYER_NORM} of the sum (a residual connection and the next pre-norm, or a post-norm block's
 *       {@code norm(x + f(x))}): one pass per row writes the sum and its normalisation, where the norm's buffer
 *       does not partly overlap an operand of the sum or the sum (in place on it, the sum is not kept);</li>
 *   <li>{@link Kind#SLICE_ROPE}: a {@code SLICE} of rows (the q or k third of a fused qkv projection) read only by
 *       a {@code ROPE} the plan runs in place on it: the rotation reads the sliced rows where they are, at the
 *       slice's place in the schedule, and the later {@code ROPE} step is dropped;</li>
 *   <li>{@link Kind#GROUP_NORM_RELU}: a {@code GROUP_NORM} read only by the next operation, a {@code RELU} (the
 *       pixel decoder's {@code ReLU(GroupNorm(x))}): the normalising pass applies the {@code max(v, 0)} and writes
 *       the {@code RELU}'s buffer (the norm's is never written), which may be the norm's input itself but not a part
 *       of it;</li>
 *   <li>{@link Kind#UPSAMPLE_CONV}: a 2 × nearest {@code UPSAMPLE_NEAREST} read only by the next operation, a
 *       3 × 3 {@code CONV2D} of stride 1 and padding 1 (the pixel decoder's): the convolution reads the small map
 *       and the upsampled map is never written — by Winograd ({@link WinogradConv}, each upsampled pixel read from
 *       the small map: the unfused values), or, with Winograd off, on the small map with summed kernel taps
 *       ({@link UpsampledConv}, whose products the planned buffer holds). That per-tap form is the one fusion that
 *       is not bit for bit: summing kernel taps first changes the result by float rounding.</li>
 * </ul>
 * Only FP32 nodes are fused (reduced-precision nodes are rounded after each operation). Before planning, the
 * backend also asks {@link #attentionValueViews} which slices to plan as strided views: the v third of a fused
 * qkv projection, read by the attention kernels at the projection's row stride instead of being copied out.
 */
final class CpuFusion {
    /** What a step computes. */
    enum Kind {
        /** One node, by its own kernel. */
        SINGLE,
        /** {@code GELU(LINEAR(x))}. */
        LINEAR_GELU,
        /** {@code RELU(LINEAR(x))}. */
        LINEAR_RELU,
        /**
         * {@code CONV_TRANSPOSE2D(x)} then up to an {@code ADD}, a {@code LAYER_NORM} and a {@code GELU}, in that order;
         * {@code second} is the last of them (the others are its {@code input(0)} chain back to the convolution).
         */
        CONV_TRANSPOSE_EPILOGUE,
        /** {@code s = a + b; LAYER_NORM(s)}. */
        ADD_LAYER_NORM,
        /** {@code ROPE(SLICE(x))}. */
        SLICE_ROPE,
        /** {@code CONV2D(UPSAMPLE_NEAREST(x))}. */
        UPSAMPLE_CONV,
        /** {@code RELU(GROUP_NORM(x))}. */
        GROUP_NORM_RELU
    }

    /**
     * One step of a compiled schedule.
     *
     * @param kind   what it computes
     * @param first  the (first) node it computes
     * @param second the node fused into it, or null
     * @param last   index in the plan's schedule of the last node done once this step has run (for progress)
     * @param label  the profile's name of the step ({@code LINEAR+GELU}, or the op's name)
     */
    record Step(Kind kind, Tensor first, Tensor second, int last, String label) {}

    private CpuFusion() {}

    /** The plan's schedule as steps, each node on its own ({@code fuse = false}) or fused where possible. */
    static List<Step> steps(MemoryPlan plan, boolean fuse) {
        return steps(plan, fuse, t -> false);
    }

    /**
     * {@link #steps(MemoryPlan, boolean)}, where a reduced-precision {@code LINEAR} that {@code roundsItself} accepts
     * (its engine rounds the values it writes, {@link GemmEngine#forOperands}) may take its activation as FP32
     * epilogue through a widening cast planned as a view.
     */
    static List<Step> steps(MemoryPlan plan, boolean fuse, Predicate<Tensor> roundsItself) {
        List<Tensor> schedule = plan.schedule();
        int n = schedule.size();
        List<Tensor> nodes = plan.graph().nodes();
        // readers of each computed value, through reshapes and cast views (scheduled nodes and the graph's outputs)
        int[] readers = new int[nodes.size()];
        for (Tensor t : schedule) {
            for (int i = 0; i < t.inputCount(); i++) readers[value(plan, t.input(i)).id()]++;
        }
        for (Tensor out : plan.graph().outputs().values()) readers[value(plan, out).id()]++;
        boolean[] dropped = new boolean[nodes.size()];
        List<Step> steps = new ArrayList<>(n);
        int done = -1;
        for (int i = 0; i < n; i++) {
            Tensor t = schedule.get(i);
            if (dropped[t.id()]) {
                done = Math.max(done, i);
                continue;
            }
            Tensor next = i + 1 < n ? schedule.get(i + 1) : null;
            Kind activation = fuse && next != null ? linearActivation(plan, t, next, roundsItself) : null;
            if (activation != null) {
                done = Math.max(done, i + 1);
                steps.add(new Step(activation, t, next, done, "LINEAR+" + next.op().name()));
                i++;
                continue;
            }
            int chain = fuse ? convTransposeChain(plan, schedule, i, readers) : 0;
            if (chain > 0) {
                StringBuilder label = new StringBuilder(t.op().name());
                for (int j = 1; j <= chain; j++) label.append('+').append(schedule.get(i + j).op().name());
                done = Math.max(done, i + chain);
                steps.add(new Step(Kind.CONV_TRANSPOSE_EPILOGUE, t, schedule.get(i + chain), done, label.toString()));
                i += chain;
                continue;
            }
            if (fuse && next != null && addLayerNorm(plan, t, next)) {
                done = Math.max(done, i + 1);
                steps.add(new Step(Kind.ADD_LAYER_NORM, t, next, done, "ADD+LAYER_NORM"));
                i++;
                continue;
            }
            if (fuse && next != null && upsampleConv(plan, t, next, readers)) {
                done = Math.max(done, i + 1);
                steps.add(new Step(Kind.UPSAMPLE_CONV, t, next, done, "UPSAMPLE_NEAREST+CONV2D"));
                i++;
                continue;
            }
            if (fuse && next != null && groupNormRelu(plan, t, next, readers)) {
                done = Math.max(done, i + 1);
                steps.add(new Step(Kind.GROUP_NORM_RELU, t, next, done, "GROUP_NORM+RELU"));
                i++;
                continue;
            }
            Tensor rope = fuse ? sliceRope(plan, t, schedule, i, readers) : null;
            if (rope != null) {
                dropped[rope.id()] = true;
                done = Math.max(done, i);
                steps.add(new Step(Kind.SLICE_ROPE, t, rope, done, "SLICE+ROPE"));
                continue;
            }
            done = Math.max(done, i);
            steps.add(new Step(Kind.SINGLE, t, null, done, t.op().name()));
        }
        return Collections.unmodifiableList(steps);
    }

    /**
     * The {@code SLICE}s of {@code graph} the CPU attention kernels can read in place as strided views: FP32 slices
     * of a computed node's rows, read (through reshapes only) by attention ops as their values {@code v}, whose
     * token rows are exactly the slice's rows, and never an output.
     */
    static Predicate<Tensor> attentionValueViews(Graph graph) {
        List<Tensor> nodes = graph.nodes();
        boolean[] ok = new boolean[nodes.size()];
        boolean[] read = new boolean[nodes.size()];
        for (Tensor t : nodes) {
            // any float type: the CPU backends hold every one in float arrays
            if (t.op() != Op.SLICE || t.dtype() != t.input(0).dtype() || value(t.input(0)).op().isLeaf()) continue;
            SliceRows rows = SliceRows.of(t);
            ok[t.id()] = rows.stride() != rows.rowLength(); // a contiguous slice gains nothing over its copy
        }
        for (Tensor t : nodes) {
            for (int i = 0; i < t.inputCount(); i++) {
                Tensor in = t.input(i);
                if (t.op() == Op.RESHAPE) continue; // judged at the reshape's readers
                Tensor v = value(in);
                if (v.op() != Op.SLICE || !ok[v.id()]) continue;
                read[v.id()] = true;
                SliceRows rows = SliceRows.of(v);
                boolean values = t.op() == Op.ATTENTION && i == 2 && in.shape().length == 4
                        && rows.outer() == in.dim(0) * in.dim(1) && rows.rowLength() == in.dim(2) * in.dim(3);
                if (!values) ok[v.id()] = false;
            }
        }
        for (Tensor out : graph.outputs().values()) ok[value(out).id()] = false;
        return t -> ok[t.id()] && read[t.id()];
    }

    /** The node that computed {@code t}'s values, through reshapes and casts planned as views. */
    private static Tensor value(MemoryPlan plan, Tensor t) {
        while (t.op() == Op.RESHAPE || t.op() == Op.CAST && plan.isView(t)) t = t.input(0);
        return t;
    }

    /** The node that computed {@code t}'s values ({@code t} itself unless it is a view). */
    private static Tensor value(Tensor t) {
        while (t.op() == Op.RESHAPE) t = t.input(0);
        return t;
    }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) {
            if (t.dtype() != DType.F32) return false;
        }
        return true;
    }

    private static boolean inPlace(MemoryPlan plan, Tensor a, Tensor b) {
        return plan.kind(a) == MemoryPlan.Kind.ARENA && plan.kind(b) == MemoryPlan.Kind.ARENA
                && plan.storageRoot(a) == plan.storageRoot(b) && plan.arenaOffset(a) == plan.arenaOffset(b);
    }

    /**
     * {@link Kind#LINEAR_GELU} or {@link Kind#LINEAR_RELU} when {@code act} is that activation run in place on
     * {@code lin}'s product of a weight, else null.
     */
    private static Kind linearActivation(MemoryPlan plan, Tensor lin, Tensor act, Predicate<Tensor> roundsItself) {
        Kind kind = act.op() == Op.GELU ? Kind.LINEAR_GELU : act.op() == Op.RELU ? Kind.LINEAR_RELU : null;
        // an FP32 product, or a reduced one whose engine rounds its values (the activation then reads them widened)
        boolean reads = act.input(0) == lin && f32(lin) || widened(plan, act.input(0), lin) && roundsItself.test(lin);
        boolean fits = kind != null && lin.op() == Op.LINEAR && reads && lin.input(1).op() == Op.WEIGHT && f32(act)
                && inPlace(plan, lin, act);
        return fits ? kind : null;
    }

    /**
     * Whether {@code in} reads {@code x}'s values as FP32 floats: through reshapes, and for a reduced {@code x} one
     * widening cast planned as a view (the same floats).
     */
    private static boolean readsAsFp32(MemoryPlan plan, Tensor in, Tensor x) {
        boolean cast = false;
        while (true) {
            if (in.op() == Op.RESHAPE) {
                in = in.input(0);
            } else if (!cast && in.op() == Op.CAST && in.dtype() == DType.F32 && plan.isView(in)) {
                cast = true;
                in = in.input(0);
            } else {
                return in == x && (cast ? x.dtype() != DType.F32 : f32(x));
            }
        }
    }

    /** Whether {@code in} is {@code x}'s reduced values widened to FP32 by a cast planned as a view (the same floats). */
    private static boolean widened(MemoryPlan plan, Tensor in, Tensor x) {
        return in.op() == Op.CAST && in.input(0) == x && in.dtype() == DType.F32 && plan.isView(in);
    }

    /**
     * How many operations after the {@code CONV_TRANSPOSE2D} at {@code at} in the schedule its step can apply (see
     * {@link Kind#CONV_TRANSPOSE_EPILOGUE}): the next ones, each reading the one before as its first operand and its
     * only reader, an {@code ADD} (first, of an operand of its own shape), a {@code LAYER_NORM}, a {@code GELU}
     * (last); 0 for none. The last one's buffer must not overlap the convolution's input or the sum's other operand,
     * which are read while it is written.
     */
    private static int convTransposeChain(MemoryPlan plan, List<Tensor> schedule, int at, int[] readers) {
        Tensor conv = schedule.get(at);
        if (conv.op() != Op.CONV_TRANSPOSE2D || !f32(conv)) return 0;
        Tensor prev = conv;
        Tensor other = null;
        int count = 0;
        int ok = 0;
        boolean norm = false;
        for (int j = at + 1; j < schedule.size(); j++) {
            Tensor t = schedule.get(j);
            if (t.inputCount() == 0 || t.input(0) != prev || readers[prev.id()] != 1 || !f32(t)) break;
            if (t.op() == Op.ADD && count == 0) {
                other = t.input(1);
                if (!f32(other) || !java.util.Arrays.equals(other.shape(), t.shape())) break;
            } else if (t.op() == Op.LAYER_NORM && !norm) {
                norm = true;
            } else if (t.op() != Op.GELU) {
                break;
            }
            count++;
            prev = t;
            if (!overlaps(plan, t, conv.input(0)) && (other == null || !overlaps(plan, t, other))) ok = count;
            if (t.op() == Op.GELU) break;
        }
        return ok;
    }

    private static boolean upsampleConv(MemoryPlan plan, Tensor up, Tensor conv, int[] readers) {
        if (up.op() != Op.UPSAMPLE_NEAREST || conv.op() != Op.CONV2D || conv.input(0) != up || readers[up.id()] != 1) {
            return false;
        }
        Tensor x = up.input(0);
        Tensor w = conv.input(1);
        Attrs.Conv c = conv.attrs(Attrs.Conv.class);
        if (!f32(x, up, conv) || w.op() != Op.WEIGHT
                || !UpsampledConv.applies(up.attrs(Attrs.Upsample.class).factor(), w.dim(2), w.dim(3), c.stride(), c.padding())) {
            return false;
        }
        // the upsampled map's own arena buffer, free for the products: the convolution reads nothing else from it
        long need = UpsampledConv.scratchFloats(x.dim(0), x.dim(1), x.dim(2), w.dim(0));
        return plan.kind(up) == MemoryPlan.Kind.ARENA && need <= up.numel() && !overlaps(plan, up, conv)
                && !overlaps(plan, up, x);
    }

    private static boolean groupNormRelu(MemoryPlan plan, Tensor gn, Tensor relu, int[] readers) {
        if (gn.op() != Op.GROUP_NORM || relu.op() != Op.RELU || relu.input(0) != gn || readers[gn.id()] != 1) {
            return false;
        }
        // the statistics read all of x before the normalising pass writes; that pass reads each value of x before
        // it writes the same index, so the output may be x itself, but no other part of it
        return f32(gn, relu, gn.input(0)) && safeOverlap(plan, relu, gn.input(0));
    }

    private static boolean addLayerNorm(MemoryPlan plan, Tensor add, Tensor ln) {
        if (add.op() != Op.ADD || ln.op() != Op.LAYER_NORM || ln.input(0) != add) return false;
        Tensor a = add.input(0);
        Tensor b = add.input(1);
        if (!f32(add, ln, a, b) || a.numel() != add.numel() || b.numel() != add.numel()) return false;
        if (!java.util.Arrays.equals(a.shape(), add.shape()) || !java.util.Arrays.equals(b.shape(), add.shape())) return false;
        // rows are processed in parallel: the norm may overwrite an operand of the sum, or the sum itself (a
        // post-norm block's x = norm(x + f(x)), planned in place), only row for row
        return safeOverlap(plan, ln, a) && safeOverlap(plan, ln, b) && safeOverlap(plan, ln, add)
                && safeOverlap(plan, add, a) && safeOverlap(plan, add, b);
    }

    /** Whether {@code w}'s values can be written row by row while {@code r}'s same rows are read. */
    private static boolean safeOverlap(MemoryPlan plan, Tensor w, Tensor r) {
        return !overlaps(plan, w, r) || plan.arenaOffset(w) == plan.arenaOffset(r);
    }

    private static boolean overlaps(MemoryPlan plan, Tensor x, Tensor y) {
        if (plan.kind(x) != MemoryPlan.Kind.ARENA || plan.kind(y) != MemoryPlan.Kind.ARENA) {
            // outputs have arrays of their own, per storage root; leaves are not written
            return plan.kind(x) == MemoryPlan.Kind.OUTPUT && plan.storageRoot(x) == plan.storageRoot(y);
        }
        long x0 = plan.arenaOffset(x);
        long y0 = plan.arenaOffset(y);
        return x0 < y0 + 4 * y.numel() && y0 < x0 + 4 * x.numel();
    }

    /** The {@code ROPE} that {@code slice} can be fused into, or null. */
    private static Tensor sliceRope(MemoryPlan plan, Tensor slice, List<Tensor> schedule, int at, int[] readers) {
        if (slice.op() != Op.SLICE || readers[slice.id()] != 1) return null;
        Tensor rope = null;
        for (int j = at + 1; j < schedule.size(); j++) {
            Tensor t = schedule.get(j);
            boolean reads = false;
            for (int k = 0; k < t.inputCount(); k++) reads |= value(plan, t.input(k)) == slice;
            if (reads) {
                rope = t.op() == Op.ROPE && value(plan, t.input(0)) == slice ? t : null;
                break;
            }
        }
        // an FP32 slice, or a reduced one read widened (the slice's values are its operand's, already rounded)
        if (rope == null || !readsAsFp32(plan, rope.input(0), slice) || rope.shape().length != 4 || !f32(rope)
                || !inPlace(plan, slice, rope)) {
            return null;
        }
        if (plan.kind(rope.input(1)) != MemoryPlan.Kind.EXTERNAL || plan.kind(rope.input(2)) != MemoryPlan.Kind.EXTERNAL) {
            return null; // the tables must exist at the slice's place in the schedule
        }
        SliceRows s = SliceRows.of(slice);
        return s.outer() == rope.dim(0) * rope.dim(1) && s.rowLength() == rope.dim(2) * rope.dim(3) ? rope : null;
    }
}
