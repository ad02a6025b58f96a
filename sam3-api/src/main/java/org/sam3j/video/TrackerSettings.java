package org.sam3j.video;

/**
 * The tracker settings that shape the memory read (the released values, {@code index.json → tracker_settings}
 * of the video fixtures).
 *
 * @param numMaskmem            memory slots: the current frame plus {@code numMaskmem − 1} past frames (7)
 * @param maxCondFramesInAttn   conditioning frames attended at most (4)
 * @param maxObjPtrsInEncoder   object pointers attended at most (16)
 * @param mfThreshold           memory selection: a past frame is valid when its {@code eff_iou_score} exceeds this (0.01)
 * @param sigmoidScaleForMemEnc mask scale before the memory encoder (20)
 * @param sigmoidBiasForMemEnc  mask bias before the memory encoder (−10)
 */
public record TrackerSettings(int numMaskmem, int maxCondFramesInAttn, int maxObjPtrsInEncoder, float mfThreshold,
                              float sigmoidScaleForMemEnc, float sigmoidBiasForMemEnc) {
    /** Checks the values. */
    public TrackerSettings {
        if (numMaskmem < 2 || maxCondFramesInAttn < 2 || maxObjPtrsInEncoder < 2) {
            throw new IllegalArgumentException("tracker settings " + numMaskmem + "/" + maxCondFramesInAttn + "/"
                    + maxObjPtrsInEncoder);
        }
    }

    /** SAM 3's released video tracker settings. */
    public static TrackerSettings released() {
        return new TrackerSettings(7, 4, 16, 0.01f, 20f, -10f);
    }
}
