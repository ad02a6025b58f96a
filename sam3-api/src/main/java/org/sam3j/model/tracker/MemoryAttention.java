package org.sam3j.model.tracker;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;
import org.sam3j.model.vision.AxialRope;

/**
 * The tracker's memory attention ({@code tracker.transformer.encoder}): {@link Sam3Config#memoryAttentionLayers()} pre-norm layers that
 * condition the current frame's 72² features on the memory bank, then a final LayerNorm.
 *
 * <p>Input {@code x = src + 0.1 · src_pos}. Each layer: self-attention (one head of 256, RoPE on queries and
 * keys, no additive position), cross-attention to the memories (queries without position; keys
 * {@code memory + memory_pos} projected from 64 to 256 channels, values {@code memory}; RoPE on the queries and
 * on the spatial memory keys, the 72² table repeated once per memory frame, but not on the trailing
 * object-pointer tokens), and a ReLU MLP (256 → {@link Sam3Config#memoryAttentionFfnDim()} → 256), each residual. A key without RoPE is rotated by
 * angle 0 (cos 1, sin 0), which is the identity, so one RoPE node serves the whole key sequence.
 */
public final class MemoryAttention {
    /** Graph input: current features {@code [B, h·w, C]}. */
    public static final String SRC = "src";
    /** Graph input: their sine position encoding {@code [B, h·w, C]}. */
    public static final String SRC_POS = "src_pos";
    /** Graph input: the concatenated memories {@code [B, L, 64]}. */
    public static final String MEMORY = "memory";
    /** Graph input: their position encoding {@code [B, L, 64]}. */
    public static final String MEMORY_POS = "memory_pos";
    /**
     * Graph input of {@link #paddedGraph}: which memory tokens are real {@code [B, L]} (1) and which are padding (0);
     * padding keys get a logit bias of {@value #PADDING_BIAS}, so their softmax weight is exactly 0.
     */
    public static final String MEMORY_VALID = "memory_valid";
    /** Graph output: layer 0's output {@code [B, h·w, C]}. */
    public static final String LAYER0 = "layer0";
    /** Graph output: the conditioned features after the final norm {@code [B, h·w, C]}. */
    public static final String OUT = "out";

    private static final float THETA = 10000f;
    /** Logit bias of a padding key: exp(bias − max) is 0 in float next to any real key. */
    private static final float PADDING_BIAS = -1e30f;

    private final Layer[] layers;
    private final LayerNorm norm;
    private final int dim;

    private record Layer(Linear saQ, Linear saK, Linear saV, Linear saOut, Linear caQ, Linear caK, Linear caV,
                         Linear caOut, Linear linear1, Linear linear2, LayerNorm norm1, LayerNorm norm2, LayerNorm norm3) {}

    /**
     * Declares the parameters in {@code s} ({@code tracker.transformer.encoder} in the checkpoint): width
     * {@link Sam3Config#dModel()}, memory channels {@link Sam3Config#memoryDim()}.
     */
    public MemoryAttention(Scope s, Sam3Config config) {
        int dim = config.dModel();
        int memDim = config.memoryDim();
        int ffn = config.memoryAttentionFfnDim();
        this.dim = dim;
        this.layers = new Layer[config.memoryAttentionLayers()];
        for (int i = 0; i < layers.length; i++) {
            Scope p = s.child("layers").child(i);
            Scope sa = p.child("self_attn");
            Scope ca = p.child("cross_attn_image");
            layers[i] = new Layer(
                    new Linear(sa.child("q_proj"), dim, dim, true),
                    new Linear(sa.child("k_proj"), dim, dim, true),
                    new Linear(sa.child("v_proj"), dim, dim, true),
                    new Linear(sa.child("out_proj"), dim, dim, true),
                    new Linear(ca.child("q_proj"), dim, dim, true),
                    new Linear(ca.child("k_proj"), memDim, dim, true),
                    new Linear(ca.child("v_proj"), memDim, dim, true),
                    new Linear(ca.child("out_proj"), dim, dim, true),
                    new Linear(p.child("linear1"), dim, ffn, true),
                    new Linear(p.child("linear2"), ffn, dim, true),
                    new LayerNorm(p.child("norm1"), dim, 1e-5f),
                    new LayerNorm(p.child("norm2"), dim, 1e-5f),
                    new LayerNorm(p.child("norm3"), dim, 1e-5f));
        }
        this.norm = new LayerNorm(s.child("norm"), dim, 1e-5f);
    }

    /**
     * The graph for one memory layout (the module at its checkpoint place, {@link Sam3Tree#memoryAttention()}).
     *
     * @param config        the architecture (widths, grid side)
     * @param batch         objects processed together
     * @param memoryFrames  spatial memories (each {@code grid²} tokens, RoPE)
     * @param pointerTokens object-pointer tokens after them (no RoPE)
     */
    public static Graph graph(Sam3Config config, int batch, int memoryFrames, int pointerTokens) {
        return graph(config, config.gridSize(), batch, memoryFrames, pointerTokens, false);
    }

    /**
     * The graph of every layout up to {@code maxFrames} spatial memories and {@code maxPointerTokens} pointer tokens,
     * with fixed shapes (for engines): the memory is {@code maxFrames} frame slots of {@code grid²} tokens, then
     * {@code maxPointerTokens} pointer slots; a layout fills the first slots of each part and marks them in
     * {@link #MEMORY_VALID} ({@link #validity}, {@link #pad}). Padding keys get no attention weight, so the output is
     * that of {@link #graph} for the layout (up to the summation order over the longer key sequence).
     */
    public static Graph paddedGraph(Sam3Config config, int batch, int maxFrames, int maxPointerTokens) {
        return graph(config, config.gridSize(), batch, maxFrames, maxPointerTokens, true);
    }

    /**
     * {@link #MEMORY_VALID} of a layout of {@code frames} spatial memories and {@code pointerTokens} pointer tokens in
     * the slots of {@link #paddedGraph}, {@code [batch, maxFrames·grid² + maxPointerTokens]}.
     *
     * @throws IllegalArgumentException if the layout does not fit the slots
     */
    public static float[] validity(int batch, int grid, int maxFrames, int maxPointerTokens, int frames, int pointerTokens) {
        checkFits(maxFrames, maxPointerTokens, frames, pointerTokens);
        int n = grid * grid;
        int len = maxFrames * n + maxPointerTokens;
        float[] v = new float[batch * len];
        for (int b = 0; b < batch; b++) {
            java.util.Arrays.fill(v, b * len, b * len + frames * n, 1f);
            java.util.Arrays.fill(v, b * len + maxFrames * n, b * len + maxFrames * n + pointerTokens, 1f);
        }
        return v;
    }

    /**
     * A memory (or its position encoding) of {@link #graph}'s layout {@code [batch, frames·grid² + pointerTokens, memDim]}
     * moved into {@link #paddedGraph}'s slots, zeros elsewhere.
     *
     * @throws IllegalArgumentException if the layout does not fit the slots or {@code memory} has another size
     */
    public static float[] pad(float[] memory, int batch, int memDim, int grid, int maxFrames, int maxPointerTokens,
                              int frames, int pointerTokens) {
        checkFits(maxFrames, maxPointerTokens, frames, pointerTokens);
        int n = grid * grid;
        int len = frames * n + pointerTokens;
        int maxLen = maxFrames * n + maxPointerTokens;
        if (memory.length != batch * len * memDim) {
            throw new IllegalArgumentException("memory has " + memory.length + " values, expected " + batch * len * memDim);
        }
        float[] out = new float[batch * maxLen * memDim];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(memory, b * len * memDim, out, b * maxLen * memDim, frames * n * memDim);
            System.arraycopy(memory, (b * len + frames * n) * memDim, out, (b * maxLen + maxFrames * n) * memDim,
                    pointerTokens * memDim);
        }
        return out;
    }

    private static void checkFits(int maxFrames, int maxPointerTokens, int frames, int pointerTokens) {
        if (frames < 0 || pointerTokens < 0 || frames + pointerTokens == 0 || frames > maxFrames
                || pointerTokens > maxPointerTokens) {
            throw new IllegalArgumentException("memory of " + frames + " frames and " + pointerTokens + " pointer tokens"
                    + " does not fit " + maxFrames + " frame slots and " + maxPointerTokens + " pointer slots");
        }
    }

    /**
     * {@link #graph} ({@code padded} false) or {@link #paddedGraph} ({@code padded} true) for a feature map of side
     * {@code grid} instead of the configuration's (small maps for tests of the layout logic).
     */
    public static Graph graph(Sam3Config config, int grid, int batch, int memoryFrames, int pointerTokens, boolean padded) {
        if (memoryFrames < 0 || pointerTokens < 0 || memoryFrames + pointerTokens == 0) {
            throw new IllegalArgumentException("memory of " + memoryFrames + " frames and " + pointerTokens + " pointer tokens");
        }
        Graph g = new Graph();
        int dim = config.dModel();
        int memDim = config.memoryDim();
        MemoryAttention attn = Sam3Tree.of(g, config).memoryAttention();
        int n = grid * grid;
        int len = memoryFrames * n + pointerTokens;
        Tensor src = g.input(SRC, batch, n, dim);
        Tensor srcPos = g.input(SRC_POS, batch, n, dim);
        Tensor memory = g.input(MEMORY, batch, len, memDim);
        Tensor memoryPos = g.input(MEMORY_POS, batch, len, memDim);
        float[][] q = AxialRope.values(grid, dim, THETA, 1f);
        int half = dim / 2;
        float[] kCos = new float[len * half];
        float[] kSin = new float[len * half];
        for (int f = 0; f < memoryFrames; f++) {
            System.arraycopy(q[0], 0, kCos, f * n * half, n * half);
            System.arraycopy(q[1], 0, kSin, f * n * half, n * half);
        }
        java.util.Arrays.fill(kCos, memoryFrames * n * half, len * half, 1f);   // pointer tokens: identity rotation
        Tensor[] qRope = {g.constant("rope_q.cos", q[0], n, half), g.constant("rope_q.sin", q[1], n, half)};
        Tensor[] kRope = {g.constant("rope_k.cos", kCos, len, half), g.constant("rope_k.sin", kSin, len, half)};
        Tensor keyBias = null;
        if (padded) {
            Tensor valid = g.input(MEMORY_VALID, batch, len);
            keyBias = g.reshape(g.affine(valid, -PADDING_BIAS, PADDING_BIAS), batch, 1, 1, len);   // 1 → 0, 0 → bias
        }
        Tensor[] out = attn.forward(src, srcPos, memory, memoryPos, qRope, kRope, keyBias);
        g.output(LAYER0, out[0]);
        g.output(OUT, out[1]);
        return g;
    }

    /** {@code [layer 0 output, final output]}. */
    public Tensor[] forward(Tensor src, Tensor srcPos, Tensor memory, Tensor memoryPos, Tensor[] qRope, Tensor[] kRope) {
        return forward(src, srcPos, memory, memoryPos, qRope, kRope, null);
    }

    /**
     * {@code [layer 0 output, final output]}, with an additive logit bias {@code [B, 1, 1, L]} on the memory keys of
     * the cross-attention (padding), or null.
     */
    public Tensor[] forward(Tensor src, Tensor srcPos, Tensor memory, Tensor memoryPos, Tensor[] qRope, Tensor[] kRope,
                            Tensor keyBias) {
        Graph g = src.graph();
        Tensor x = g.add(src, g.scale(srcPos, 0.1f));
        Tensor keysIn = g.add(memory, memoryPos);
        Tensor layer0 = null;
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            Tensor t = l.norm1().forward(x);
            x = g.add(x, attend(l.saQ().forward(t), l.saK().forward(t), l.saV().forward(t), l.saOut(), qRope, qRope, null));
            t = l.norm2().forward(x);
            x = g.add(x, attend(l.caQ().forward(t), l.caK().forward(keysIn), l.caV().forward(memory), l.caOut(), qRope, kRope,
                    keyBias));
            t = l.norm3().forward(x);
            x = g.add(x, l.linear2().forward(g.relu(l.linear1().forward(t))));
            if (i == 0) layer0 = x;
        }
        return new Tensor[] {layer0, norm.forward(x)};
    }

    /** Single-head attention with RoPE on projected {@code q [B, T, C]}, {@code k, v [B, L, C]}. */
    private Tensor attend(Tensor q, Tensor k, Tensor v, Linear outProj, Tensor[] qRope, Tensor[] kRope, Tensor bias) {
        Graph g = q.graph();
        int b = q.dim(0);
        Tensor q4 = g.rope(g.reshape(q, b, q.dim(1), 1, dim), qRope[0], qRope[1]);
        Tensor k4 = g.rope(g.reshape(k, b, k.dim(1), 1, dim), kRope[0], kRope[1]);
        Tensor v4 = g.reshape(v, b, v.dim(1), 1, dim);
        Tensor o = g.attention(q4, k4, v4, bias, (float) (1.0 / Math.sqrt(dim)));
        return outProj.forward(g.reshape(o, b, q.dim(1), dim));
    }
}
