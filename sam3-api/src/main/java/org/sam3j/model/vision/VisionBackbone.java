package org.sam3j.model.vision;

import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.Scope;

/**
 * The image half of SAM 3 that every prompt reuses: the PE ViT trunk, the detector neck
 * ({@code convs}) and, for interactive prompts, the tracker neck ({@code sam2_convs}) with the mask
 * decoder's high-resolution projections {@code conv_s0}/{@code conv_s1} applied as the reference does
 * when an image is set. The 36² neck level is declared (its weights exist) but dropped.
 */
public final class VisionBackbone {
    /**
     * The image embedding, channels-last.
     *
     * @param trunk     the trunk's intermediate states
     * @param fpn       detector levels 288², 144², 72² ({@code d_model} channels)
     * @param sam2Fpn   tracker levels: 288² after {@code conv_s0} (32 ch), 144² after {@code conv_s1}
     *                  (64 ch), 72² (256 ch); null when the tracker neck is off
     */
    public record Features(VisionTransformer.Output trunk, List<Tensor> fpn, List<Tensor> sam2Fpn) {}

    private final VisionTransformer trunk;
    private final SimpleFpnNeck convs;
    private final SimpleFpnNeck sam2Convs;
    private final Conv2d convS0;
    private final Conv2d convS1;

    /**
     * Declares the parameters.
     *
     * @param s               this module ({@code detector.backbone.vision_backbone} in the checkpoint)
     * @param maskDecoder     the tracker's mask decoder ({@code tracker.sam_mask_decoder}), whose high-resolution
     *                        projections {@code conv_s0}/{@code conv_s1} run here, once per image
     * @param withTrackerNeck also build {@code sam2_convs} and the mask decoder's high-res projections
     */
    public VisionBackbone(Scope s, Scope maskDecoder, Sam3Config config, boolean withTrackerNeck) {
        this.trunk = new VisionTransformer(s.child("trunk"), config);
        this.convs = new SimpleFpnNeck(s.child("convs"), config.vitDim(), config.dModel());
        if (withTrackerNeck) {
            this.sam2Convs = new SimpleFpnNeck(s.child("sam2_convs"), config.vitDim(), config.dModel());
            this.convS0 = new Conv2d(maskDecoder.child("conv_s0"), config.dModel(), config.dModel() / 8, 1, 1, 0, true);
            this.convS1 = new Conv2d(maskDecoder.child("conv_s1"), config.dModel(), config.dModel() / 4, 1, 1, 0, true);
        } else {
            this.sam2Convs = null;
            this.convS0 = null;
            this.convS1 = null;
        }
    }

    /** {@code image[B, 3, S, S]} → features. */
    public Features forward(Tensor image) {
        VisionTransformer.Output t = trunk.forward(image);
        List<Tensor> levels = convs.forward(t.last()).subList(0, 3);
        List<Tensor> sam2 = null;
        if (sam2Convs != null) {
            List<Tensor> s = sam2Convs.forward(t.last());
            sam2 = List.of(convS0.forward(s.get(0)), convS1.forward(s.get(1)), s.get(2));
        }
        return new Features(t, levels, sam2);
    }
}
