package org.sam3j.video;

import org.sam3j.image.ImagePreprocessor;
import org.sam3j.postprocess.BilinearResize;

/**
 * The masks of an object born from a detection in the detector+tracker path, as the reference derives them from
 * the detection's 288² logits:
 * <ul>
 *   <li>the prompt mask ({@code _tracker_add_new_objects} → {@code add_new_mask}): the logits upsampled to the
 *       tracker's input mask size (1152², bilinear), {@code > 0}, then resized to the video size (antialiased
 *       bilinear) and {@code > 0.5};</li>
 *   <li>the stored low-resolution output of the birth frame (the preflight's consolidation): that video-size
 *       mask as ±1024, resized to 288² (antialiased bilinear);</li>
 *   <li>the birth frame's output ({@code build_outputs}): the hole-filled logits upsampled to the video size
 *       (bilinear), {@code > 0}.</li>
 * </ul>
 */
final class NewObjectMasks {
    /** The reference's {@code NO_OBJ_SCORE} magnitude. */
    static final float NO_OBJ_SCORE = 1024f;

    private NewObjectMasks() {}

    /** The prompt mask at video size {@code [videoH·videoW]} from detection logits {@code [s·s]}. */
    static boolean[] promptMask(float[] detLogits, int s, int inputMaskSize, int videoH, int videoW) {
        float[] up = BilinearResize.resize(detLogits, s, s, inputMaskSize, inputMaskSize);
        for (int i = 0; i < up.length; i++) up[i] = up[i] > 0f ? 1f : 0f;
        float[] video = ImagePreprocessor.resizeMapBilinearAntialias(up, inputMaskSize, inputMaskSize, videoW, videoH);
        boolean[] out = new boolean[video.length];
        for (int i = 0; i < out.length; i++) out[i] = video[i] > 0.5f;
        return out;
    }

    /** The stored low-resolution logits {@code [s·s]} of a video-size prompt mask (before hole filling). */
    static float[] storedLowRes(boolean[] videoMask, int videoH, int videoW, int s) {
        float[] v = new float[videoMask.length];
        for (int i = 0; i < v.length; i++) v[i] = videoMask[i] ? NO_OBJ_SCORE : -NO_OBJ_SCORE;
        return ImagePreprocessor.resizeMapBilinearAntialias(v, videoW, videoH, s, s);
    }

    /** The birth frame's binary output at video size from detection logits {@code [s·s]}. */
    static boolean[] output(float[] detLogits, int s, int fillHoleArea, int videoH, int videoW) {
        float[] filled = HoleFilling.fill(detLogits, s, s, fillHoleArea);
        return MaskOps.binarize(BilinearResize.resize(filled, s, s, videoH, videoW), 0, videoH * videoW);
    }
}
