package org.sam3j.video;

import java.util.Objects;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.RunSession;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.model.detector.ConceptModel;
import org.sam3j.weights.WeightStore;

/**
 * The detector of the detector+tracker ("text") video family on one frame: the image concept detector with the
 * text prompt (the reference batches [text, "visual"] and uses entry 0; entries do not interact, so the text is
 * encoded alone), joint scores ({@code supervise_joint_box_scores}), then mask NMS, and the detections kept above
 * {@code score_threshold_detection} ({@code det_out}).
 */
final class VideoDetector implements AutoCloseable {
    private final ConceptModel model;
    private final TextTrackingSettings settings;

    VideoDetector(Backend backend, WeightStore weights, Sam3Config config, TextTrackingSettings settings) {
        this.model = new ConceptModel(backend, weights, config);
        this.settings = Objects.requireNonNull(settings, "settings");
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
     * @param masks         mask logits {@code [Q·S·S]}
     * @param maskSize      S (288)
     * @param nms           the NMS step
     * @param kept          {@code det_out}: kept query indices, in query order
     */
    record FrameDetections(float[] classLogits, float presenceLogit, float[] jointLogits, float[] boxes, float[] masks,
                           int maskSize, DetectionNms.Result nms, int[] kept) {
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
            for (int i = 0; i < kept.length; i++) System.arraycopy(masks, kept[i] * hw, out, i * hw, hw);
            return out;
        }
    }

    /** Runs the detector on a frame's backbone features. */
    FrameDetections detect(RunSession session, ImageEmbedding embedding, ConceptModel.TextFeatures text) {
        ConceptModel.Detection d = model.detect(session, null, embedding, text, new float[0], new boolean[0], false);
        float[] joint = DetectorScores.jointLogits(d.predLogits(), d.presenceLogit());
        int hw = d.maskSize() * d.maskSize();
        float[] masks = d.allMasks();
        DetectionNms.Result nms = DetectionNms.apply(joint, masks, hw, q -> q, settings.scoreThresholdDetection(),
                settings.detNmsThresh());
        return new FrameDetections(d.predLogits(), d.presenceLogit(), joint, d.predBoxes(), masks, d.maskSize(), nms,
                nms.kept(settings.scoreThresholdDetection()));
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
