package org.sam3j.video;

/**
 * The detector+tracker ("text") family's detection and association thresholds ({@code index.json →
 * video_settings} of the video fixtures; the released values by default).
 *
 * @param scoreThresholdDetection a query is a detection when its probability exceeds this (0.5)
 * @param detNmsThresh            NMS: a candidate survives a kept one when their mask IoU is at most this (0.1)
 * @param assocIouThresh          a detection overlapping a track by at least this IoU is not new (0.1)
 * @param trkAssocIouThresh       a track overlapping a detection by at least this IoU is matched (0.5)
 * @param newDetThresh            a detection may start an object when its score is at least this (0.7)
 * @param fillHoleArea            hole filling: components of at most this many pixels are flipped (16)
 */
public record TextTrackingSettings(float scoreThresholdDetection, float detNmsThresh, float assocIouThresh,
                                   float trkAssocIouThresh, float newDetThresh, int fillHoleArea) {
    /** Checks the values. */
    public TextTrackingSettings {
        for (float v : new float[] {scoreThresholdDetection, detNmsThresh, assocIouThresh, trkAssocIouThresh,
                newDetThresh}) {
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("thresholds must lie in [0, 1]: " + scoreThresholdDetection
                        + "/" + detNmsThresh + "/" + assocIouThresh + "/" + trkAssocIouThresh + "/" + newDetThresh);
            }
        }
        if (fillHoleArea < 0) throw new IllegalArgumentException("fill_hole_area " + fillHoleArea + " < 0");
    }

    /** SAM 3's released values ({@code build_sam3_video_model}). */
    public static TextTrackingSettings released() {
        return new TextTrackingSettings(0.5f, 0.1f, 0.1f, 0.5f, 0.7f, 16);
    }
}
