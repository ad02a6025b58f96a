package org.sam3j.model.detector;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Mlp;
import org.sam3j.model.nn.Scope;

/**
 * The DETR-like decoder ({@code transformer.decoder}): learned queries with reference boxes and a
 * presence token. Each layer derives query positions from the current boxes (sine embedding →
 * {@code ref_point_head}) and a box relative-position bias for the image cross-attention, runs a
 * {@link DetrDecoderLayer}, then refines the boxes ({@code sigmoid(inverse_sigmoid(ref) + bbox_embed(norm(q)))})
 * and reads the presence logit ({@code presence_token_head(presence_token_out_norm(p))}, unclamped).
 */
public final class DetrDecoder {

    /**
     * Per-layer results, all lists with one entry per layer.
     *
     * @param queries        normalised query states {@code [Q, d]}
     * @param referenceBoxes the boxes each layer started from {@code [Q, 4]} (cx, cy, w, h)
     * @param presenceLogits presence logits {@code [1, 1]}
     * @param presenceState  the presence token after the last layer {@code [1, d]}
     * @param boxes          the refined boxes after the last layer {@code [Q, 4]}
     */
    public record Output(List<Tensor> queries, List<Tensor> referenceBoxes, List<Tensor> presenceLogits,
                         Tensor presenceState, Tensor boxes) {}

    private final Graph g;
    private final Scope scope;
    private final int d;
    private final int numQueries;
    private final Tensor queryEmbed;
    private final Tensor referencePoints;
    private final Tensor presenceToken;
    private final Mlp refPointHead;
    private final BoxRelativePositionBias boxRpb;
    private final List<DetrDecoderLayer> layers = new ArrayList<>();
    private final LayerNorm norm;
    private final Mlp bboxEmbed;
    private final LayerNorm presenceTokenOutNorm;
    private final Mlp presenceTokenHead;

    /** Declares the parameters in {@code s} ({@code detector.transformer.decoder} in the checkpoint). */
    public DetrDecoder(Scope s, Sam3Config config) {
        this.g = s.graph();
        this.scope = s;
        this.d = config.dModel();
        int heads = config.transformerHeads();
        this.numQueries = config.numQueries();
        this.queryEmbed = s.weight("query_embed.weight", numQueries, d);
        this.referencePoints = s.weight("reference_points.weight", numQueries, 4);
        this.presenceToken = s.weight("presence_token.weight", 1, d);
        this.refPointHead = new Mlp(s.child("ref_point_head"), 2 * d, d, d, 2);
        this.boxRpb = new BoxRelativePositionBias(s, d, heads);
        for (int i = 0; i < config.decoderLayers(); i++) {
            layers.add(new DetrDecoderLayer(s.child("layers").child(i), config));
        }
        this.norm = new LayerNorm(s.child("norm"), d, 1e-5f);
        this.bboxEmbed = new Mlp(s.child("bbox_embed"), d, d, 4, 3);
        this.presenceTokenOutNorm = new LayerNorm(s.child("presence_token_out_norm"), d, 1e-5f);
        this.presenceTokenHead = new Mlp(s.child("presence_token_head"), d, d, 1, 3);
    }

    /** Sine embedding of boxes {@code [Q, 4]} → {@code [Q, 2d]}: (cy, cx, w, h) each {@code d/2} wide. */
    private Tensor boxSine(Tensor ref) {
        int n = d / 2;
        return g.concat(1, SineEncoding.encode(g, SineEncoding.column(g, ref, 1), n),
                SineEncoding.encode(g, SineEncoding.column(g, ref, 0), n),
                SineEncoding.encode(g, SineEncoding.column(g, ref, 2), n),
                SineEncoding.encode(g, SineEncoding.column(g, ref, 3), n));
    }

    /**
     * @param memory     fused image memory {@code [HW, d]}, {@code pos} its sine positions, {@code side} = √HW
     * @param prompt     prompt tokens {@code [P, d]} with key-padding bias {@code promptBias [1, 1, 1, P]}
     */
    public Output forward(Tensor memory, Tensor pos, int side, Tensor prompt, Tensor promptBias) {
        Tensor memoryPlusPos = g.add(memory, pos);
        Tensor tgt = queryEmbed;
        Tensor presence = presenceToken;
        Tensor ref = g.sigmoid(referencePoints);
        Tensor zeroPos = g.constant("decoder.presence_pos", new float[d], 1, d);
        List<Tensor> queries = new ArrayList<>();
        List<Tensor> refs = new ArrayList<>();
        List<Tensor> presenceLogits = new ArrayList<>();
        for (DetrDecoderLayer layer : layers) {
            Tensor queryPos = refPointHead.forward(boxSine(ref));
            Tensor bias = boxRpb.forwardAfterZeroRow(ref, side);
            Tensor out = layer.forward(g.concat(0, presence, tgt), g.concat(0, zeroPos, queryPos), prompt, promptBias,
                    memory, memoryPlusPos, bias);
            presence = g.slice(out, 0, 0, 1);
            tgt = g.slice(out, 0, 1, 1 + numQueries);
            Tensor normed = norm.forward(tgt);
            refs.add(ref);
            ref = g.sigmoid(g.add(g.inverseSigmoid(ref, 1e-3f), bboxEmbed.forward(normed)));
            queries.add(normed);
            presenceLogits.add(presenceTokenHead.forward(presenceTokenOutNorm.forward(presence)));
        }
        // the reference returns every layer's queries, reference boxes and presence logits stacked, and the presence token
        scope.returns("0", ModuleOutput.lazy(() -> stack(queries)));
        scope.returns("1", ModuleOutput.lazy(() -> stack(refs)));
        scope.returns("2", ModuleOutput.lazy(() -> stack(presenceLogits)));
        scope.returns("3", presence);
        return new Output(queries, refs, presenceLogits, presence, ref);
    }

    private Tensor stack(List<Tensor> perLayer) {
        return perLayer.size() == 1 ? perLayer.get(0) : g.concat(0, perLayer.toArray(new Tensor[0]));
    }
}
