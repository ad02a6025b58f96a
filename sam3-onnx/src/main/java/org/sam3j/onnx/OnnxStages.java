package org.sam3j.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sam3j.Precision;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.runner.ConceptModel;
import org.sam3j.runner.ImageEncoder;
import org.sam3j.runner.InteractiveDecoder;

/**
 * The stages of the model, as the model compiles them, by export name: {@code image_encoder} (ViT and both necks,
 * input {@code image}), {@code text_encoder} ({@code token_ids} → {@code language_features}), {@code detector}
 * (geometry, fusion encoder, decoder, scoring and segmentation head; {@link ConceptModel#MAX_BOXES} exemplar-box
 * slots), {@code dense_pe} (the interactive decoder's grid encoding, computed once) and {@code interactive_decoder}
 * (prompt encoder and mask decoder; padded click slots, a box, an optional mask). There is no video tracker step yet.
 */
public final class OnnxStages {
    private OnnxStages() {}

    /**
     * Every stage's graph for {@code config} at {@code precision}, in pipeline order: the FP32 graphs rewritten by
     * {@link PrecisionPolicy} (products in FP16/BF16 with their weights stored so, the rest FP32, explicit casts;
     * inputs and outputs FP32).
     */
    public static Map<String, Graph> of(Sam3Config config, Precision precision) {
        Map<String, Graph> m = new LinkedHashMap<>();
        of(config).forEach((name, g) -> m.put(name, PrecisionPolicy.apply(g, precision)));
        return m;
    }

    /** Every stage's FP32 graph for {@code config}, in pipeline order. */
    public static Map<String, Graph> of(Sam3Config config) {
        Map<String, Graph> m = new LinkedHashMap<>();
        m.put("image_encoder", ImageEncoder.graph(config, true));
        m.put("text_encoder", ConceptModel.textGraph(config, false));
        m.put("detector", ConceptModel.detectorGraph(config, ConceptModel.MAX_BOXES, false));
        m.put("dense_pe", InteractiveDecoder.densePeGraph(config));
        m.put("interactive_decoder", InteractiveDecoder.decoderGraph(config));
        return m;
    }
}
