package org.sam3j.model.tracker;

import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * The tracker's memory encoder ({@code tracker.maskmem_backbone}, SAM 3's {@code SimpleMaskEncoder}), on
 * channels-last tensors: the mask, already resized to {@value #MASK_SIZE}² and scaled ({@code ×20 − 10}), goes
 * through the mask downsampler (four [3×3 stride-2 conv → LayerNorm2d → GELU] stages, 1 → 4 → 16 → 64 → 256
 * channels, then a 1×1 conv); it is added to the projected frame features ({@code pix_feat_proj}); two ConvNeXt
 * blocks fuse them ({@code fuser.layers.i}: depthwise 7×7 conv, LayerNorm, Linear 256 → 1024, GELU,
 * Linear 1024 → 256, layer scale {@code gamma}, residual); {@code out_proj} maps to 64 memory channels.
 *
 * <p>The graph IR has no grouped convolution: the depthwise 7×7 conv is the sum of 49 shifted copies of the
 * zero-padded map, each scaled per channel by its tap (the same products, summed in another order).
 */
public final class MemoryEncoder {
    /** Side of the mask the downsampler reads ({@code interpol_size}). */
    public static final int MASK_SIZE = 1152;
    /** Channels of a memory ({@code mem_dim}; {@link Sam3Config#memoryDim()}, for code without a configuration at hand). */
    public static final int MEM_DIM = 64;
    /** Graph input: scaled masks {@code [B, 1152, 1152, 1]}. */
    public static final String MASK = "mask";
    /** Graph input: the frame's 72² tracker level {@code [B, h, w, C]} (before any memory). */
    public static final String PIX_FEAT = "pix_feat";
    /** Graph output: mask downsampler output {@code [B, h, w, C]}. */
    public static final String MASK_DOWN = "mask_down";
    /** Graph output: memory features before the no-object embedding {@code [B, h, w, 64]}. */
    public static final String FEATURES = "features";

    private static final int KERNEL = 7;

    private final Conv2d[] downConvs = new Conv2d[4];
    private final LayerNorm[] downNorms = new LayerNorm[4];
    private final Conv2d downOut;
    private final Conv2d pixFeatProj;
    private final Tensor[] dwWeight = new Tensor[2];
    private final Tensor[] dwBias = new Tensor[2];
    private final LayerNorm[] cxNorm = new LayerNorm[2];
    private final Linear[] pw1 = new Linear[2];
    private final Linear[] pw2 = new Linear[2];
    private final Tensor[] gamma = new Tensor[2];
    private final Conv2d outProj;
    private final int dim;

    /**
     * Declares the parameters in {@code s} ({@code tracker.maskmem_backbone} in the checkpoint): width
     * {@link Sam3Config#dModel()}, memory channels {@link Sam3Config#memoryDim()}.
     */
    public MemoryEncoder(Scope s, Sam3Config config) {
        Graph g = s.graph();
        int dim = config.dModel();
        this.dim = dim;
        Scope ds = s.child("mask_downsampler.encoder");
        int in = 1;
        for (int i = 0; i < 4; i++) {
            int out = in * 4;
            downConvs[i] = new Conv2d(ds.child(3 * i), in, out, 3, 2, 1, true);
            downNorms[i] = new LayerNorm(ds.child(3 * i + 1), out, 1e-6f);
            in = out;
        }
        this.downOut = new Conv2d(ds.child(12), in, dim, 1, 1, 0, true);
        this.pixFeatProj = new Conv2d(s.child("pix_feat_proj"), dim, dim, 1, 1, 0, true);
        for (int i = 0; i < 2; i++) {
            Scope p = s.child("fuser.layers").child(i);
            Tensor w = p.weight("dwconv.weight", dim, 1, KERNEL, KERNEL);
            dwWeight[i] = g.permute(g.reshape(w, dim, KERNEL * KERNEL), 1, 0);   // [49, C]: one row per tap
            dwBias[i] = g.reshape(p.weight("dwconv.bias", dim), 1, 1, 1, dim);
            cxNorm[i] = new LayerNorm(p.child("norm"), dim, 1e-6f);
            pw1[i] = new Linear(p.child("pwconv1"), dim, 4 * dim, true);
            pw2[i] = new Linear(p.child("pwconv2"), 4 * dim, dim, true);
            gamma[i] = g.reshape(p.weight("gamma", dim), 1, 1, 1, dim);
        }
        this.outProj = new Conv2d(s.child("out_proj"), dim, config.memoryDim(), 1, 1, 0, true);
    }

    /**
     * The graph of one batch size (the module at its checkpoint place, {@link Sam3Tree#memoryEncoder()}): inputs
     * {@link #MASK}, {@link #PIX_FEAT}; outputs {@link #MASK_DOWN}, {@link #FEATURES}.
     */
    public static Graph graph(Sam3Config config, int batch) {
        Graph g = new Graph();
        int dim = config.dModel();
        int grid = config.gridSize();
        MemoryEncoder enc = Sam3Tree.of(g, config).memoryEncoder();
        Tensor mask = g.input(MASK, batch, MASK_SIZE, MASK_SIZE, 1);
        Tensor pix = g.input(PIX_FEAT, batch, grid, grid, dim);
        Tensor[] out = enc.forward(mask, pix);
        g.output(MASK_DOWN, out[0]);
        g.output(FEATURES, out[1]);
        return g;
    }

    /** {@code [mask_down, features]} for scaled masks {@code [B, 1152, 1152, 1]} and frame features {@code [B, h, w, C]}. */
    public Tensor[] forward(Tensor mask, Tensor pixFeat) {
        Graph g = mask.graph();
        Tensor m = mask;
        for (int i = 0; i < 4; i++) m = g.gelu(downNorms[i].forward(downConvs[i].forward(m)));
        Tensor maskDown = downOut.forward(m);
        Tensor x = g.add(pixFeatProj.forward(pixFeat), maskDown);
        for (int i = 0; i < 2; i++) {
            Tensor y = depthwise(x, dwWeight[i], dwBias[i]);
            y = pw2[i].forward(g.gelu(pw1[i].forward(cxNorm[i].forward(y))));
            x = g.add(x, g.mul(y, gamma[i]));
        }
        return new Tensor[] {maskDown, outProj.forward(x)};
    }

    /** Depthwise {@code KERNEL × KERNEL} convolution, padding {@code KERNEL / 2}, of {@code x[B, h, w, C]}. */
    private Tensor depthwise(Tensor x, Tensor taps, Tensor bias) {
        Graph g = x.graph();
        int b = x.dim(0);
        int h = x.dim(1);
        int w = x.dim(2);
        int pad = KERNEL / 2;
        Tensor zr = g.constant("dw_pad_rows", new float[b * pad * w * dim], b, pad, w, dim);
        Tensor padded = g.concat(1, zr, x, zr);
        Tensor zc = g.constant("dw_pad_cols", new float[b * (h + 2 * pad) * pad * dim], b, h + 2 * pad, pad, dim);
        padded = g.concat(2, zc, padded, zc);
        Tensor acc = null;
        for (int dy = 0; dy < KERNEL; dy++) {
            Tensor rows = g.slice(padded, 1, dy, dy + h);
            for (int dx = 0; dx < KERNEL; dx++) {
                Tensor shifted = g.slice(rows, 2, dx, dx + w);
                int k = dy * KERNEL + dx;
                Tensor tap = g.reshape(g.slice(taps, 0, k, k + 1), 1, 1, 1, dim);
                Tensor term = g.mul(shifted, tap);
                acc = acc == null ? term : g.add(acc, term);
            }
        }
        return g.add(acc, bias);
    }
}
