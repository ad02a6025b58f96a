package org.sam3j.model.detector;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.Scope;

/**
 * The segmentation head's pixel decoder: starting from the coarsest map, each finer neck level is
 * added to the nearest-upsampled previous map, then Conv 3×3 → GroupNorm(8) → ReLU. The neck levels' part of each
 * convolution does not depend on the prompt, so it is split off ({@link #laterals}) and computed once per image.
 */
final class PixelDecoder {
    /** Groups of the GroupNorms. */
    private static final int GROUPS = 8;

    private final Graph g;
    private final Conv2d[] convs = new Conv2d[2];
    private final Tensor[] normWeights = new Tensor[2];
    private final Tensor[] normBiases = new Tensor[2];

    PixelDecoder(Scope s, int d) {
        this.g = s.graph();
        for (int i = 0; i < 2; i++) {
            convs[i] = new Conv2d(s.child("conv_layers").child(i), d, d, 3, 1, 1, true);
            normWeights[i] = s.child("norms").child(i).weight("weight", d);
            normBiases[i] = s.child("norms").child(i).weight("bias", d);
        }
    }

    /**
     * The finer levels' share of the convolutions, computed once per image: {@code Conv(level)} with the bias, for
     * {@code mid[1, 2s, 2s, d]} and {@code fine[1, 4s, 4s, d]}. A convolution is linear, so
     * {@code Conv(level + up(prev)) = Conv(level) + Conv'(up(prev))}, {@code Conv'} without the bias.
     */
    Tensor[] laterals(Tensor mid, Tensor fine) {
        return new Tensor[] {convs[0].forward(mid), convs[1].forward(fine)};
    }

    /**
     * {@code coarse[1, s, s, d]} and the {@link #laterals} of the finer levels → {@code [1, 4s, 4s, d]}: each level's
     * lateral plus the convolution (without bias) of the nearest-upsampled previous map, then GroupNorm and ReLU.
     */
    Tensor forward(Tensor coarse, Tensor[] laterals) {
        Tensor prev = coarse;
        for (int i = 0; i < 2; i++) {
            Tensor x = g.add(laterals[i], convs[i].forwardWithoutBias(g.upsampleNearest(prev, 2)));
            prev = g.relu(g.groupNorm(x, GROUPS, normWeights[i], normBiases[i], 1e-5f));
        }
        return prev;
    }
}
