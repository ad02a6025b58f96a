package org.sam3j.video;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import org.sam3j.backend.HostTensor;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.runner.ConceptModel;
import org.sam3j.weights.WeightStore;

/**
 * The detector of the detector+tracker ("text") video family on one frame: the image concept detector with the
 * text prompt (the reference batches [text, "visual"] and uses entry 0; entries do not interact, so the text is
 * encoded alone), joint scores ({@code supervise_joint_box_scores}), then mask NMS, and the detections kept above
 * {@code score_threshold_detection} ({@code det_out}).
 */
final class VideoDetector implements AutoCloseable {
    private final Backend backend;
    private final ConceptModel model;
    private final TextTrackingSettings settings;
    /** Module outputs of the text encoder reported with every encoding (verification; none in production). */
    private final Set<String> textModules;
    /** Module outputs of the detector reported with a frame's internals (verification; none in production). */
    private final Set<String> detectorModules;

    /** The production detector: its graphs export nothing but the outputs the loop uses. */
    VideoDetector(Backend backend, WeightStore weights, Sam3Config config, TextTrackingSettings settings) {
        this(backend, weights, config, settings, Set.of());
    }

    /**
     * A detector that also reports what the modules at {@code moduleOutputs} (paths in the checkpoint tree, see
     * {@link org.sam3j.graph.Graph#moduleOutputs()}) returned: the text encoder's in
     * {@link ConceptModel.TextFeatures#hooks()} of every encoding, the detector's with a frame's internals ({@link #detect(RunSession, ImageEmbedding,
     * ConceptModel.TextFeatures, boolean, BiConsumer)}), by path. Elements of a module's return value that our graphs
     * do not compute (the text mask, the fusion encoder's valid ratios) are the caller's.
     *
     * @throws IllegalArgumentException if no module of the text encoder or the detector returns one of the paths
     */
    VideoDetector(Backend backend, WeightStore weights, Sam3Config config, TextTrackingSettings settings,
                  Set<String> moduleOutputs) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.model = new ConceptModel(backend, weights, config);
        this.settings = Objects.requireNonNull(settings, "settings");
        Set<String> text = new HashSet<>();
        Set<String> det = new HashSet<>();
        if (!moduleOutputs.isEmpty()) {
            Set<String> textRecorded = ConceptModel.textGraph(config).moduleOutputs().keySet();
            Set<String> detRecorded = ConceptModel.detectorGraph(config, ConceptModel.MAX_BOXES).moduleOutputs().keySet();
            for (String path : moduleOutputs) {
                if (textRecorded.contains(path)) text.add(path);
                else if (detRecorded.contains(path)) det.add(path);
                else {
                    throw new IllegalArgumentException("no module of the text encoder or the detector returns '" + path
                            + "'");
                }
            }
        }
        this.textModules = Set.copyOf(text);
        this.detectorModules = Set.copyOf(det);
    }

    TextTrackingSettings settings() {
        return settings;
    }

    /** Encodes the prompt's 32 token ids once per session (with the text encoder's module outputs asked for). */
    ConceptModel.TextFeatures encodeText(RunSession session, int[] tokenIds) {
        return model.encodeText(session, tokenIds, textModules);
    }

    /**
     * One frame's detector outputs and detections.
     *
     * @param classLogits   last-layer class logits {@code [Q]} (before the presence is folded in)
     * @param presenceLogit the last layer's presence logit
     * @param jointLogits   {@code pred_logits} of the video detector {@code [Q]}
     * @param boxes         normalised (cx, cy, w, h) {@code [Q·4]}
     * @param masks         mask logits {@code [n·S·S]} of the queries in {@code maskQueries}
     * @param maskQueries   the queries whose masks are held, in row order (every query, or the NMS candidates)
     * @param maskSize      S (288)
     * @param nms           the NMS step
     * @param kept          {@code det_out}: kept query indices, in query order
     */
    record FrameDetections(float[] classLogits, float presenceLogit, float[] jointLogits, float[] boxes, float[] masks,
                           int[] maskQueries, int maskSize, DetectionNms.Result nms, int[] kept) {
        /** The row of {@code query}'s mask in {@code masks}. */
        int rowOf(int query) {
            int r = java.util.Arrays.binarySearch(maskQueries, query);
            if (r < 0) throw new IllegalArgumentException("query " + query + " has no mask here");
            return r;
        }

        /** Normalised (x0, y0, x1, y1) of every query {@code [Q·4]}. */
        float[] boxesXyxy() {
            return cxcywhToXyxy(boxes);
        }

        /** Kept detections' scores {@code sigmoid(logit after NMS)}. */
        float[] keptScores() {
            float[] s = new float[kept.length];
            for (int i = 0; i < kept.length; i++) s[i] = DetectorScores.sigmoid(nms.logitsAfter()[kept[i]]);
            return s;
        }

        /** Kept detections' mask logits {@code [n·S·S]}. */
        float[] keptMasks() {
            int hw = maskSize * maskSize;
            float[] out = new float[kept.length * hw];
            for (int i = 0; i < kept.length; i++) System.arraycopy(masks, rowOf(kept[i]) * hw, out, i * hw, hw);
            return out;
        }
    }

    /**
     * Runs the detector on a frame's backbone features.
     *
     * @param allMasks download every query's mask (to inspect them); otherwise the masks stay in the backend and
     *                 only the NMS candidates' rows are downloaded
     */
    FrameDetections detect(RunSession session, ImageEmbedding embedding, ConceptModel.TextFeatures text,
                           boolean allMasks) {
        return detect(session, embedding, text, allMasks, null);
    }

    /**
     * As {@link #detect(RunSession, ImageEmbedding, ConceptModel.TextFeatures, boolean)}; with {@code internals}
     * (not null) every query's mask is downloaded and the detector's recorded tensors ({@code det.*} of the
     * reference) go to it: the module outputs asked for at construction by module path, the outputs and NMS
     * (computed here) by the reference's names ({@code pred_logits}, {@code nms_ious}, ...).
     */
    FrameDetections detect(RunSession session, ImageEmbedding embedding, ConceptModel.TextFeatures text,
                           boolean allMasks, BiConsumer<String, HostTensor> internals) {
        boolean hooks = internals != null;
        allMasks |= hooks;
        try (ResidentScope scope = allMasks ? null : session.newScope(backend)) {
            ConceptModel.Detection d = model.detect(session, scope, embedding, text, new float[0], new boolean[0],
                    hooks ? detectorModules : Set.of());
            float[] joint = DetectorScores.jointLogits(d.predLogits(), d.presenceLogit());
            int q = joint.length;
            int[] rows;
            if (allMasks) {
                rows = java.util.stream.IntStream.range(0, q).toArray();
            } else {
                float t = settings.scoreThresholdDetection();
                rows = java.util.stream.IntStream.range(0, q).filter(i -> DetectorScores.sigmoid(joint[i]) > t).toArray();
            }
            float[] masks = allMasks ? d.allMasks() : d.maskRows(rows).data();
            int hw = d.maskSize() * d.maskSize();
            int[] rowOfQuery = new int[q];
            java.util.Arrays.fill(rowOfQuery, -1);
            for (int i = 0; i < rows.length; i++) rowOfQuery[rows[i]] = i;
            DetectionNms.Result nms = DetectionNms.apply(joint, masks, hw, i -> rowOfQuery[i],
                    settings.scoreThresholdDetection(), settings.detNmsThresh());
            FrameDetections out = new FrameDetections(d.predLogits(), d.presenceLogit(), joint, d.predBoxes(), masks, rows,
                    d.maskSize(), nms, nms.kept(settings.scoreThresholdDetection()));
            if (hooks) report(d.hooks(), out, internals);
            return out;
        }
    }

    /**
     * The reference's {@code det.*} tensors of one frame: the module outputs by path, in the reference's element
     * order; the outputs and NMS in its layouts (flat where only the order matters).
     */
    private static void report(Map<String, HostTensor> modules, FrameDetections d, BiConsumer<String, HostTensor> sink) {
        modules.forEach(sink);
        // what the video model computes from the detector's outputs (not a module's return value)
        int q = d.jointLogits().length;
        int s = d.maskSize();
        float[] probs = new float[q];
        for (int i = 0; i < q; i++) probs[i] = DetectorScores.sigmoid(d.jointLogits()[i]);
        sink.accept("pred_logits", new HostTensor(new int[] {1, q, 1}, d.jointLogits().clone()));
        sink.accept("presence_logit_dec", new HostTensor(new int[] {1, 1}, new float[] {d.presenceLogit()}));
        sink.accept("probs", new HostTensor(new int[] {q}, probs));
        sink.accept("pred_boxes", new HostTensor(new int[] {1, q, 4}, d.boxes().clone()));
        sink.accept("pred_boxes_xyxy", new HostTensor(new int[] {1, q, 4}, d.boxesXyxy()));
        sink.accept("pred_masks", new HostTensor(new int[] {1, q, s, s}, d.masks().clone()));
        float[][] ious = d.nms().ious();
        float[] flat = new float[ious.length * ious.length];
        for (int i = 0; i < ious.length; i++) System.arraycopy(ious[i], 0, flat, i * ious.length, ious.length);
        sink.accept("nms_ious", new HostTensor(new int[] {ious.length, ious.length}, flat));
        sink.accept("pred_logits_after_nms", new HostTensor(new int[] {1, q, 1}, d.nms().logitsAfter().clone()));
    }

    /** {@code box_cxcywh_to_xyxy} in float32. */
    static float[] cxcywhToXyxy(float[] b) {
        float[] out = new float[b.length];
        for (int i = 0; i < b.length; i += 4) {
            float cx = b[i];
            float cy = b[i + 1];
            float w = b[i + 2];
            float h = b[i + 3];
            out[i] = cx - 0.5f * w;
            out[i + 1] = cy - 0.5f * h;
            out[i + 2] = cx + 0.5f * w;
            out[i + 3] = cy + 0.5f * h;
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
