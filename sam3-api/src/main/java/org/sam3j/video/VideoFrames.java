package org.sam3j.video;

import org.sam3j.RgbImage;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.image.PillowResize;

/**
 * Frame preprocessing of SAM 3's two video families, which use different official loaders (they differ by up to
 * 0.2 in normalised units): the SAM 2-style tracker ({@code init_state} → {@code load_video_frames}) resizes the
 * RGB frame to a square with Pillow's bicubic filter, divides by 255 in double and rounds to float; the
 * detector+tracker ("text") family resizes with Pillow's bilinear filter (torchvision {@code resize} of a PIL
 * image) and divides by 255 in float32 ({@code to_tensor}). Both then apply {@code (x − 0.5) / 0.5}; neither keeps
 * the aspect ratio.
 */
public final class VideoFrames {
    private static final float[] LEVELS = new float[256];
    private static final float[] LEVELS_VG = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            LEVELS[v] = ((float) (v / 255.0) - 0.5f) / 0.5f;
            LEVELS_VG[v] = (v / 255f - 0.5f) / 0.5f;
        }
    }

    private VideoFrames() {}

    /** The model input {@code [3, size, size]} (channel planes R, G, B) of one frame. */
    public static float[] interactiveInput(RgbImage frame, int size) {
        return ImagePreprocessor.planes(PillowResize.resize(frame, size, size, PillowResize.Filter.BICUBIC).rgb(),
                size * size, LEVELS);
    }

    /** The detector+tracker family's model input {@code [3, size, size]} (the reference's {@code image_vg}). */
    public static float[] detectorInput(RgbImage frame, int size) {
        return ImagePreprocessor.planes(PillowResize.resize(frame, size, size, PillowResize.Filter.BILINEAR).rgb(),
                size * size, LEVELS_VG);
    }
}
