package org.sam3j.model.vision;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Scope;

/**
 * The Perception-Encoder ViT trunk ({@code detector.backbone.vision_backbone.trunk}): patch embedding
 * (14×14, no bias), the pre-training 24×24 absolute position embedding tiled over the 72×72 grid,
 * {@code ln_pre}, then windowed and global blocks. The output is the state after the last global block.
 */
public final class VisionTransformer {
    /** Intermediate states of one forward pass, channels-last. */
    public record Output(Tensor patchEmbed, Tensor lnPre, List<Tensor> blocks, Tensor last) {}

    private final Scope scope;
    private final Sam3Config config;
    private final Conv2d patchEmbed;
    private final Tensor posEmbed;
    private final LayerNorm lnPre;
    private final List<VitBlock> blocks = new ArrayList<>();
    private final int lastGlobal;

    /** Declares the trunk's parameters in {@code s}. */
    public VisionTransformer(Scope s, Sam3Config config) {
        this.scope = s;
        this.config = config;
        int dim = config.vitDim();
        int p = config.patchSize();
        int pretrainGrid = config.pretrainImageSize() / p;
        if (config.gridSize() % pretrainGrid != 0) {
            throw new IllegalArgumentException("token grid " + config.gridSize()
                    + " is not a multiple of the position-embedding grid " + pretrainGrid);
        }
        this.patchEmbed = new Conv2d(s.child("patch_embed.proj"), 3, dim, p, p, 0, false);
        this.posEmbed = s.weight("pos_embed", 1, 1 + pretrainGrid * pretrainGrid, dim);
        this.lnPre = new LayerNorm(s.child("ln_pre"), dim, 1e-5f);
        int headDim = dim / config.vitHeads();
        int grid = config.gridSize();
        int win = config.vitWindowSize();
        Tensor[] windowRope = AxialRope.windowTables(s.graph(), s.qualify("rope.window"), grid, win, headDim,
                config.ropeTheta());
        Tensor[] globalRope = AxialRope.tables(s.graph(), s.qualify("rope.global"), grid, headDim, config.ropeTheta(),
                (float) ((double) win / grid));
        int[] globals = config.vitGlobalBlocks();
        this.lastGlobal = globals[globals.length - 1];
        for (int i = 0; i <= lastGlobal; i++) {
            boolean global = config.isGlobalBlock(i);
            blocks.add(new VitBlock(s.child("blocks").child(i), dim, config.vitHeads(), config.vitMlpDim(),
                    global ? 0 : win, global ? globalRope : windowRope));
        }
    }

    /** {@code image[B, 3, S, S]} (normalised, channels-first as the preprocessor writes it) → trunk states. */
    public Output forward(Tensor image) {
        Graph g = image.graph();
        int b = image.dim(0);
        int grid = config.gridSize();
        int dim = config.vitDim();
        Tensor x = patchEmbed.forward(g.permute(image, 0, 2, 3, 1));
        Tensor patch = scope.child("patch_embed").returns(x);
        // tile the pre-training position grid over the token grid (rows 1.. skip the CLS position)
        int pg = config.pretrainImageSize() / config.patchSize();
        Tensor pos = g.reshape(g.slice(posEmbed, 1, 1, 1 + pg * pg), 1, 1, pg, 1, pg, dim);
        x = g.reshape(g.add(g.reshape(x, b, grid / pg, pg, grid / pg, pg, dim), pos), b, grid, grid, dim);
        x = lnPre.forward(x);
        Tensor ln = scope.child("ln_pre").returns(x);
        List<Tensor> states = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(x);
            states.add(scope.child("blocks").child(i).returns(x));   // the block's output, recorded here
        }
        // the reference trunk returns a list of channels-first feature maps, the last block's first
        scope.returns("0", ModuleOutput.channelsFirst(x));
        return new Output(patch, ln, states, x);
    }

    /** Index of the block whose output is the trunk output. */
    public int outputBlock() {
        return lastGlobal;
    }
}
