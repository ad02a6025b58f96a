package org.sam3j.model.vision;

import java.util.List;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.ConvTranspose2x2;
import org.sam3j.model.nn.Scope;

/**
 * The SimpleFPN neck ({@code convs} for the detector, {@code sam2_convs} for the tracker): four
 * branches over the trunk output at scales ×4, ×2, ×1 and ×0.5, each ending in a 1×1 and a 3×3
 * convolution to {@code d_model} channels.
 */
public final class SimpleFpnNeck {
    private final ConvTranspose2x2 up4a;
    private final ConvTranspose2x2 up4b;
    private final ConvTranspose2x2 up2;
    private final Conv2d[] conv1x1 = new Conv2d[4];
    private final Conv2d[] conv3x3 = new Conv2d[4];

    /** Declares the neck's parameters in {@code s} (e.g. {@code ...vision_backbone.convs}). */
    public SimpleFpnNeck(Scope s, int inDim, int dModel) {
        int half = inDim / 2;
        int quarter = inDim / 4;
        up4a = new ConvTranspose2x2(s.child("0.dconv_2x2_0"), inDim, half);
        up4b = new ConvTranspose2x2(s.child("0.dconv_2x2_1"), half, quarter);
        up2 = new ConvTranspose2x2(s.child("1.dconv_2x2"), inDim, half);
        int[] in = {quarter, half, inDim, inDim};
        for (int i = 0; i < 4; i++) {
            conv1x1[i] = new Conv2d(s.child(i).child("conv_1x1"), in[i], dModel, 1, 1, 0, true);
            conv3x3[i] = new Conv2d(s.child(i).child("conv_3x3"), dModel, dModel, 3, 1, 1, true);
        }
    }

    /** Trunk output {@code [B, 72, 72, C]} → levels 288², 144², 72², 36² (channels-last). */
    public List<Tensor> forward(Tensor x) {
        Graph g = x.graph();
        Tensor l0 = up4b.forward(g.gelu(up4a.forward(x)));
        Tensor l1 = up2.forward(x);
        Tensor l3 = g.maxPool2x2(x);
        Tensor[] pre = {l0, l1, x, l3};
        Tensor[] out = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            out[i] = conv3x3[i].forward(conv1x1[i].forward(pre[i]));
        }
        return List.of(out);
    }
}
