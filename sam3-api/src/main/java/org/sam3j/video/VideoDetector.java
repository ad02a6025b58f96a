package org.sam3j.video;

import java.util.Objects;
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

    VideoDetector(Backend backend, WeightStore weights, Sam3Config config, TextTrackingSettings settings) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.model = new ConceptModel(backend, weights, config);
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    TextTrackingSettings settings() {
        return settings;
    }

    /** Encodes the prompt's 32 token ids once per session. */
    ConceptModel.TextFeatures encodeText(RunSession session, int[] tokenIds) {
        return model.encodeText(session, tokenIds, false);
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
        try (ResidentScope scope = allMasks ? null : session.newScope(backend)) {
            ConceptModel.Detection d = model.detect(session, scope, embedding, text, new float[0], new boolean[0], false);
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
            return new FrameDetections(d.predLogits(), d.presenceLogit(), joint, d.predBoxes(), masks, rows,
                    d.maskSize(), nms, nms.kept(settings.scoreThresholdDetection()));
        }
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
