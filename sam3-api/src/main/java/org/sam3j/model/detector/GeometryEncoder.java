package org.sam3j.model.detector;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * The exemplar (geometry) prompt encoder ({@code SequenceGeometryEncoder}): each box becomes the sum
 * of a direct projection of (cx, cy, w, h), an ROI-pooled and projected patch of the normalised 72²
 * image features, a projection of its sine position encoding, and its label embedding; a learned CLS
 * token is appended (always, even with no boxes); then {@code final_proj} → {@code norm} → pre-norm
 * layers that attend to the image → {@code encode_norm}.
 *
 * <p>Box slots may be padding: with a key-padding bias that masks them, the valid boxes and the CLS
 * token get the results of the sequence without them (the reference's key-padding mask), and the
 * padding tokens' own outputs are to be ignored (masked again wherever the prompt is attended to).
 */
public final class GeometryEncoder {
    private static final int ROI = 7;

    private final Graph g;
    private final Scope scope;
    private final int d;
    private final Tensor labelEmbed;
    private final Tensor clsEmbed;
    private final Linear boxesDirectProject;
    private final Conv2d boxesPoolProject;
    private final Linear boxesPosEncProject;
    private final LayerNorm imgPreNorm;
    private final Linear finalProj;
    private final LayerNorm norm;
    private final List<EncoderLayer> encode = new ArrayList<>();
    private final LayerNorm encodeNorm;

    /** Declares the parameters in {@code s} ({@code detector.geometry_encoder} in the checkpoint). */
    public GeometryEncoder(Scope s, Sam3Config config) {
        this.g = s.graph();
        this.scope = s;
        this.d = config.dModel();
        this.labelEmbed = s.weight("label_embed.weight", 2, d);
        this.clsEmbed = s.weight("cls_embed.weight", 1, d);
        this.boxesDirectProject = new Linear(s.child("boxes_direct_project"), 4, d, true);
        this.boxesPoolProject = new Conv2d(s.child("boxes_pool_project"), d, d, ROI, 1, 0, true);
        this.boxesPosEncProject = new Linear(s.child("boxes_pos_enc_project"), d + 2, d, true);
        this.imgPreNorm = new LayerNorm(s.child("img_pre_norm"), d, 1e-5f);
        this.finalProj = new Linear(s.child("final_proj"), d, d, true);
        this.norm = new LayerNorm(s.child("norm"), d, 1e-5f);
        for (int i = 0; i < config.geometryEncoderLayers(); i++) {
            encode.add(new EncoderLayer(s.child("encode").child(i), config));
        }
        this.encodeNorm = new LayerNorm(s.child("encode_norm"), d, 1e-5f);
    }

    /**
     * Encodes the exemplar boxes.
     *
     * @param boxes  normalised (cx, cy, w, h) {@code [n, 4]}, or null for none
     * @param labels 1 positive / 0 negative as floats {@code [n]}, or null for none
     * @param image  the 72² neck level as a sequence {@code [H·W, d]} (row-major)
     * @param pos    its sine position encoding {@code [H·W, d]}
     * @param side   the level's side (72)
     * @param tokenBias key-padding bias over the output tokens {@code [1, 1, 1, n + 1]} (0 valid, large
     *               negative for padding box slots), or null when all are valid
     * @return prompt tokens {@code [n + 1, d]}: the boxes, then the CLS token
     */
    public Tensor forward(Tensor boxes, Tensor labels, Tensor image, Tensor pos, int side, Tensor tokenBias) {
        Tensor tokens = clsEmbed;
        if (boxes != null) {
            tokens = g.concat(0, encodeBoxes(boxes, labels, image, side), clsEmbed);
        }
        Tensor x = norm.forward(finalProj.forward(tokens));
        Tensor keys = g.add(image, pos);
        for (EncoderLayer layer : encode) x = layer.forward(x, tokenBias, null, keys, image, null);
        Tensor out = encodeNorm.forward(x);
        // (tokens, key-padding mask): the mask is the caller's; the reference has only the boxes in use
        scope.returns("0", ModuleOutput.of(out).usedSlotRows());
        return out;
    }

    private Tensor encodeBoxes(Tensor boxes, Tensor labels, Tensor image, int side) {
        int n = boxes.dim(0);
        Tensor direct = boxesDirectProject.forward(boxes);
        // ROI pooling on the normalised features: boxes in feature pixels, aligned=False, 7×7, adaptive sampling
        Tensor feats = g.reshape(imgPreNorm.forward(image), 1, side, side, d);
        Tensor xyxy = g.scale(SineEncoding.cxcywhToXyxy(g, boxes), side);
        Tensor pooled = g.roiAlign(feats, xyxy, ROI, 1f, -1);
        Tensor pool = g.reshape(boxesPoolProject.forward(pooled), n, d);
        // [pos_y(cy), pos_x(cx), h, w]
        Tensor cx = SineEncoding.column(g, boxes, 0);
        Tensor cy = SineEncoding.column(g, boxes, 1);
        Tensor enc = g.concat(1, SineEncoding.encode(g, cy, d / 2), SineEncoding.encode(g, cx, d / 2),
                SineEncoding.column(g, boxes, 3), SineEncoding.column(g, boxes, 2));
        Tensor posEnc = boxesPosEncProject.forward(enc);
        Tensor embed = g.add(g.add(direct, pool), posEnc);
        return g.add(g.gather(labelEmbed, labels), embed);
    }
}
