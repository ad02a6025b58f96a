package org.sam3j.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sam3j.Sam3Config;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.detector.ConceptDetector;

/**
 * How the detector's two graphs are wired to their callers, and the one place that names their ports, where
 * exporters and other runtimes see them:
 * <ul>
 *   <li>the image side (once per image, {@link ConceptDetector#imageSide}): inputs {@code fpn.0..2}, outputs
 *       {@code fusion_self_attended}, {@code pixel_lateral.0} (144²) and {@code pixel_lateral.1} (288²);</li>
 *   <li>the prompt graph (typed inputs {@link ConceptDetector.Inputs}, outputs {@link Outputs}): inputs
 *       {@code fpn.2}, the image side's three outputs, {@code language_features}, {@code prompt_bias},
 *       {@code pool_weights}, {@code boxes}, {@code box_labels}; outputs {@code pred_logits}, {@code pred_boxes},
 *       {@code presence_logit}, {@code pred_masks}.</li>
 * </ul>
 */
final class DetectorPorts {
    private static final String FPN = "fpn.";
    private static final String SELF_ATTENDED = "fusion_self_attended";
    private static final String LATERAL = "pixel_lateral.";
    private static final String LANGUAGE = "language_features";
    private static final String PROMPT_BIAS = "prompt_bias";
    private static final String POOL_WEIGHTS = "pool_weights";
    private static final String BOXES = "boxes";
    private static final String LABELS = "box_labels";
    private static final String PRED_LOGITS = "pred_logits";
    private static final String PRED_BOXES = "pred_boxes";
    private static final String PRESENCE_LOGIT = "presence_logit";
    private static final String PRED_MASKS = "pred_masks";

    /**
     * The detector graph's outputs.
     *
     * @param <T>           {@link Tensor} while building, a host tensor after a run
     * @param predLogits    per-query logits of the last decoder layer {@code [Q, 1]}
     * @param predBoxes     per-query boxes (cx, cy, w, h) normalised {@code [Q, 4]}
     * @param presenceLogit the last layer's presence logit {@code [1, 1]}
     * @param predMasks     per-query mask logits {@code [Q, H·W]} (null after a run that kept them resident)
     */
    record Outputs<T>(T predLogits, T predBoxes, T presenceLogit, T predMasks) {}

    private DetectorPorts() {}

    /** Declares the image side's inputs in {@code g}: the detector neck levels 288², 144², 72². */
    static List<Tensor> declareLevels(Graph g, Sam3Config config) {
        int d = config.dModel();
        int side = config.gridSize();
        List<Tensor> fpn = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int s = side * 4 >> i;
            fpn.add(g.input(FPN + i, 1, s, s, d));
        }
        return fpn;
    }

    /** Marks the image side's outputs in {@code g} (the 72² tokens are the prompt graph's input {@code fpn.2}). */
    static void markImageSide(Graph g, ConceptDetector.ImageSide side) {
        g.output(SELF_ATTENDED, side.selfAttended());
        g.output(LATERAL + 0, side.lateralMid());
        g.output(LATERAL + 1, side.lateralFine());
    }

    /** Keeps every output of an image-side run resident in {@code scope}. */
    static RunRequest keepImageSide(RunRequest in, ResidentScope scope) {
        return in.keepResident(scope, SELF_ATTENDED, LATERAL + 0, LATERAL + 1);
    }

    /** Binds the embedding's detector levels to an image-side run (resident, not copied). */
    static RunRequest bindLevels(RunRequest in, ImageEmbedding embedding) {
        for (int i = 0; i < 3; i++) in = in.withResident(FPN + i, embedding.fpn().get(i));
        return in;
    }

    /** The image side a run kept resident. */
    static ConceptModel.DetectorImage readImageSide(RunResult out, ImageEmbedding embedding) {
        return new ConceptModel.DetectorImage(embedding, out.resident(SELF_ATTENDED), out.resident(LATERAL + 0),
                out.resident(LATERAL + 1));
    }

    /** Declares the prompt graph's inputs in {@code g} for a prompt of {@code promptLength} tokens. */
    static ConceptDetector.Inputs declare(Graph g, Sam3Config config, int textTokens, int boxSlots, int promptLength) {
        int d = config.dModel();
        int side = config.gridSize();
        Tensor image = g.reshape(g.input(FPN + 2, 1, side, side, d), side * side, d);
        Tensor selfAttended = g.input(SELF_ATTENDED, side * side, d);
        Tensor lateralMid = g.input(LATERAL + 0, 1, 2 * side, 2 * side, d);
        Tensor lateralFine = g.input(LATERAL + 1, 1, 4 * side, 4 * side, d);
        Tensor language = g.input(LANGUAGE, textTokens, d);
        Tensor promptBias = g.input(PROMPT_BIAS, 1, 1, 1, promptLength);
        Tensor poolWeights = g.input(POOL_WEIGHTS, 1, promptLength);
        Tensor boxes = boxSlots > 0 ? g.input(BOXES, boxSlots, 4) : null;
        Tensor labels = boxSlots > 0 ? g.input(LABELS, boxSlots) : null;
        return new ConceptDetector.Inputs(new ConceptDetector.ImageSide(image, selfAttended, lateralMid, lateralFine),
                language, promptBias, poolWeights, boxes, labels);
    }

    /** Marks the outputs in {@code g}. */
    static void mark(Graph g, Outputs<Tensor> o) {
        g.output(PRED_LOGITS, o.predLogits());
        g.output(PRED_BOXES, o.predBoxes());
        g.output(PRESENCE_LOGIT, o.presenceLogit());
        g.output(PRED_MASKS, o.predMasks());
    }

    /** Binds one packed prompt (its boxes only when it has box slots) and the image's share (resident, not copied). */
    static RunRequest bind(RunRequest in, ConceptModel.DetectorImage image, float[] language, ConceptModel.Packed packed) {
        RunRequest r = in.withHost(LANGUAGE, language)
                .withHost(PROMPT_BIAS, packed.bias())
                .withHost(POOL_WEIGHTS, packed.pool());
        if (packed.labels().length > 0) r = r.withHost(BOXES, packed.boxes()).withHost(LABELS, packed.labels());
        return r.withResident(FPN + 2, image.embedding().fpn().get(2))
                .withResident(SELF_ATTENDED, image.selfAttended())
                .withResident(LATERAL + 0, image.lateralMid())
                .withResident(LATERAL + 1, image.lateralFine());
    }

    /** Asks for the masks to stay in the backend, owned by {@code scope}. */
    static RunRequest keepMasks(RunRequest in, ResidentScope scope) {
        return in.keepResident(scope, PRED_MASKS);
    }

    /** The masks a run kept resident. */
    static ResidentTensor residentMasks(RunResult out) {
        return out.resident(PRED_MASKS);
    }

    /** Removes the outputs from a run's downloaded tensors (what remains are hooks). */
    static <T> Outputs<T> take(Map<String, T> host) {
        return new Outputs<>(host.remove(PRED_LOGITS), host.remove(PRED_BOXES), host.remove(PRESENCE_LOGIT),
                host.remove(PRED_MASKS));
    }
}
