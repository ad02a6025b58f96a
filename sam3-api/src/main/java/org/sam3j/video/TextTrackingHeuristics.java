package org.sam3j.video;

/**
 * The detector+tracker ("text") family's masklet heuristics ({@code index.json → video_settings} of the video
 * fixtures; the released values by default): hotstart removal, keep-alive suppression, occlusion-based
 * suppression, reconditioning and the object limit. The thresholds of detection and association are in
 * {@link TextTrackingSettings}.
 *
 * @param hotstartDelay                  frames an object is watched after its birth; also how many frames outputs
 *                                       are held back so that objects removed in that window are never shown (15)
 * @param hotstartUnmatchThresh          an object in its hotstart window is removed once unmatched this often (8)
 * @param hotstartDupThresh              … or once it duplicated an older object this often (8)
 * @param suppressUnmatchedOnlyWithinHotstart when false, objects whose keep-alive counter reached 0 are hidden (true)
 * @param initTrkKeepAlive               keep-alive counter of a new object (30)
 * @param maxTrkKeepAlive                counter ceiling, +1 per matched frame (30)
 * @param minTrkKeepAlive                counter floor, −1 per unmatched frame (−1)
 * @param occlusionSuppressThreshold     mask IoU from which the more recently occluded of two objects is
 *                                       suppressed; 0 turns the step off (0.7)
 * @param decreaseKeepAliveForEmptyMasklets empty tracker masks also count down the keep-alive counter (false)
 * @param reconditionEveryNthFrame       frames whose index is a multiple of this re-prompt objects with their
 *                                       high-confidence detection; 0 turns it off (16)
 * @param maxNumObjects                  most objects tracked at once; new detections beyond it are dropped, lowest
 *                                       score first (10000)
 */
public record TextTrackingHeuristics(int hotstartDelay, int hotstartUnmatchThresh, int hotstartDupThresh,
                                     boolean suppressUnmatchedOnlyWithinHotstart, int initTrkKeepAlive,
                                     int maxTrkKeepAlive, int minTrkKeepAlive, float occlusionSuppressThreshold,
                                     boolean decreaseKeepAliveForEmptyMasklets, int reconditionEveryNthFrame,
                                     int maxNumObjects) {
    /** Checks the values. */
    public TextTrackingHeuristics {
        if (hotstartDelay < 0 || hotstartUnmatchThresh < 0 || hotstartDupThresh < 0 || reconditionEveryNthFrame < 0) {
            throw new IllegalArgumentException("hotstart / recondition settings must not be negative: " + hotstartDelay
                    + "/" + hotstartUnmatchThresh + "/" + hotstartDupThresh + "/" + reconditionEveryNthFrame);
        }
        if (minTrkKeepAlive > maxTrkKeepAlive) {
            throw new IllegalArgumentException("keep-alive range " + minTrkKeepAlive + " > " + maxTrkKeepAlive);
        }
        if (!(occlusionSuppressThreshold >= 0f && occlusionSuppressThreshold <= 1f)) {
            throw new IllegalArgumentException("occlusion threshold must lie in [0, 1]: " + occlusionSuppressThreshold);
        }
        if (maxNumObjects < 1) throw new IllegalArgumentException("max_num_objects " + maxNumObjects + " < 1");
    }

    /** SAM 3's released values ({@code build_sam3_video_model}). */
    public static TextTrackingHeuristics released() {
        return new TextTrackingHeuristics(15, 8, 8, true, 30, 30, -1, 0.7f, false, 16, 10000);
    }
}
