package org.sam3j.graph;

import java.util.List;
import java.util.Map;

/**
 * Windowed attention ({@link Attrs.Attention#windowed()}) spelled out as plain operations: the token grid is
 * partitioned into windows (reshape, permute, reshape), attention runs over {@code B·windows} batches of
 * {@code window²} tokens, and the windows are put back. This is the attribute's definition (the ONNX export emits
 * the same operators; tests hold the backends' in-place windows to it bit for bit) and the lowering for a kernel
 * that reads only contiguous batches. The CPU, OpenBLAS and CUDA backends run the attribute as it is.
 */
public final class AttentionWindows {
    private AttentionWindows() {}

    /** Whether {@code graph} has a windowed attention node. */
    public static boolean any(Graph graph) {
        for (Tensor t : graph.nodes()) if (isWindowed(t)) return true;
        return false;
    }

    /** Whether {@code t} is a windowed attention node. */
    public static boolean isWindowed(Tensor t) {
        return t.op() == Op.ATTENTION && t.attrs(Attrs.Attention.class).windowed();
    }

    /**
     * {@code graph} with every windowed attention replaced by partition, global attention, unpartition; the graph
     * itself if it has none. Inputs, weights (names and types), constants and outputs are the same.
     */
    public static Graph partitioned(Graph graph) {
        if (!any(graph)) return graph;
        Graph dst = new Graph();
        List<Tensor> nodes = graph.nodes();
        Tensor[] mapped = new Tensor[nodes.size()];
        for (Tensor t : nodes) {
            Tensor[] in = new Tensor[t.inputCount()];
            for (int i = 0; i < in.length; i++) in[i] = mapped[t.input(i).id()];
            mapped[t.id()] = switch (t.op()) {
                case INPUT -> dst.input(t.attrs(Attrs.Named.class).name(), t.shape());
                case WEIGHT -> dst.weight(t.attrs(Attrs.Named.class).name(), t.dtype(), t.shape());
                case CONSTANT -> dst.constant(t.label(), t.attrs(Attrs.Constant.class).values(), t.shape());
                default -> isWindowed(t) ? partitionedAttention(dst, in, t.attrs(Attrs.Attention.class))
                        : dst.copyOf(t, in);
            };
        }
        for (Map.Entry<String, Tensor> e : graph.outputs().entrySet()) dst.output(e.getKey(), mapped[e.getValue().id()]);
        return dst;
    }

    private static Tensor partitionedAttention(Graph g, Tensor[] in, Attrs.Attention a) {
        Tensor q = partition(g, in[0], a);
        Tensor k = partition(g, in[1], a);
        Tensor v = partition(g, in[2], a);
        return unpartition(g, g.attention(q, k, v, null, a.scale()), a);
    }

    /** {@code x[B, gridH·gridW, H, D]} → {@code [B·windows, window², H, D]}, windows row-major. */
    public static Tensor partition(Graph g, Tensor x, Attrs.Attention a) {
        int b = x.dim(0);
        int w = a.window();
        int c = x.dim(2) * x.dim(3);
        Tensor tiles = g.reshape(x, b, a.gridH() / w, w, a.gridW() / w, w, c);
        return g.reshape(g.permute(tiles, 0, 1, 3, 2, 4, 5), b * a.windowCount(), w * w, x.dim(2), x.dim(3));
    }

    /** Inverse of {@link #partition}: {@code y[B·windows, window², H, D]} → {@code [B, gridH·gridW, H, D]}. */
    public static Tensor unpartition(Graph g, Tensor y, Attrs.Attention a) {
        int b = y.dim(0) / a.windowCount();
        int w = a.window();
        int c = y.dim(2) * y.dim(3);
        Tensor tiles = g.reshape(y, b, a.gridH() / w, a.gridW() / w, w, w, c);
        return g.reshape(g.permute(tiles, 0, 1, 3, 2, 4, 5), b, a.gridH() * a.gridW(), y.dim(2), y.dim(3));
    }
}
