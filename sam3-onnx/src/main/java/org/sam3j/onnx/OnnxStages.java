package org.sam3j.onnx;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.sam3j.Precision;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.model.tracker.MemoryAttention;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.runner.ConceptModel;
import org.sam3j.runner.ImageEncoder;
import org.sam3j.runner.InteractiveDecoder;
import org.sam3j.video.TrackerLimits;

/**
 * The stages of the model, as the model compiles them, by export name.
 *
 * <p>{@link Group#IMAGE}: {@code image_encoder} (ViT and both necks, input {@code image}; also the video tracker's
 * backbone), {@code text_encoder} ({@code token_ids} → {@code language_features}), {@code detector_image} (the
 * detector's share of an image that no prompt changes, run once per image: the fusion encoder's first
 * self-attention and the pixel decoder's convolutions of the neck levels), {@code detector} (geometry, fusion
 * encoder, decoder, scoring and segmentation head; {@link ConceptDetector#MAX_BOXES} exemplar-box slots),
 * {@code dense_pe} (the interactive decoder's grid encoding, computed once) and {@code interactive_decoder} (prompt
 * encoder and mask decoder; padded click slots, a box, an optional mask; also the SAM heads of a video's prompted
 * frame).
 *
 * <p>{@link Group#TRACKER}, the video tracker's step, per object (batch 1) with fixed shapes:
 * {@code memory_attention} (the current 72² level conditioned on the memory bank: {@link TrackerLimits#memoryFrames()}
 * frame slots and {@link TrackerLimits#pointerTokens()} object-pointer slots, the used ones marked in
 * {@link MemoryAttention#MEMORY_VALID}; see {@link MemoryAttention#paddedGraph}), {@code tracker_decoder} (the SAM
 * heads of a tracked frame, on the memory-conditioned level) and {@code memory_encoder} (the mask, already scaled and
 * resized to {@value MemoryEncoder#MASK_SIZE}², fused with the frame's level into a 64-channel memory). The host-side
 * glue between them stays in Java: memory selection, mask scaling and resizing, the object-pointer MLP and temporal
 * encodings, the no-object embeddings.
 */
public final class OnnxStages {
    private OnnxStages() {}

    /** Groups of stages. */
    public enum Group {
        /** The image model: encoders, detector, interactive decoder. */
        IMAGE,
        /** The video tracker's step: memory attention, SAM heads of a tracked frame, memory encoder. */
        TRACKER
    }

    /**
     * Every stage's graph for {@code config} at {@code precision}, in pipeline order: the FP32 graphs rewritten by
     * {@link PrecisionPolicy} (products in FP16/BF16 with their weights stored so, the rest FP32, explicit casts;
     * inputs and outputs FP32).
     */
    public static Map<String, Graph> of(Sam3Config config, Precision precision) {
        return of(config, precision, EnumSet.allOf(Group.class));
    }

    /** The stages of {@code groups} (released tracker limits) at {@code precision}, in pipeline order. */
    public static Map<String, Graph> of(Sam3Config config, Precision precision, Set<Group> groups) {
        Map<String, Graph> m = new LinkedHashMap<>();
        of(config, groups, TrackerLimits.released(config)).forEach((name, g) -> m.put(name, PrecisionPolicy.apply(g, precision)));
        return m;
    }

    /** Every stage's FP32 graph for {@code config}, in pipeline order (released tracker limits). */
    public static Map<String, Graph> of(Sam3Config config) {
        return of(config, EnumSet.allOf(Group.class), TrackerLimits.released(config));
    }

    /** The FP32 graphs of {@code groups}, the memory attention holding {@code limits}, in pipeline order. */
    public static Map<String, Graph> of(Sam3Config config, Set<Group> groups, TrackerLimits limits) {
        Map<String, Graph> m = new LinkedHashMap<>();
        if (groups.contains(Group.IMAGE)) {
            m.put("image_encoder", ImageEncoder.graph(config, true));
            m.put("text_encoder", ConceptModel.textGraph(config));
            m.put("detector_image", ConceptModel.imageSideGraph(config));
            m.put("detector", ConceptModel.detectorGraph(config, ConceptModel.MAX_BOXES));
            m.put("dense_pe", InteractiveDecoder.densePeGraph(config));
            m.put("interactive_decoder", InteractiveDecoder.decoderGraph(config));
        }
        if (groups.contains(Group.TRACKER)) {
            m.put("memory_attention", MemoryAttention.paddedGraph(config, 1, limits.memoryFrames(), limits.pointerTokens()));
            m.put("tracker_decoder", InteractiveDecoder.trackingDecoderGraph(config));
            m.put("memory_encoder", MemoryEncoder.graph(config, 1));
        }
        return m;
    }
}
