package org.sam3j.video;

import org.sam3j.RgbImage;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.image.PillowBicubic;

/**
 * Frame preprocessing of SAM 3's SAM 2-style tracker ({@code init_state} → {@code load_video_frames}): the RGB
 * frame resized to a square with Pillow's bicubic filter (aspect ratio not kept), divided by 255 in double and
 * rounded to float, then {@code (x − 0.5) / 0.5}. (The detector family resizes bilinearly instead; the two
 * loaders differ by up to 0.2 in normalised units.)
 */
public final class VideoFrames {
    private static final float[] LEVELS = new float[256];

    static {
        for (int v = 0; v < 256; v++) LEVELS[v] = ((float) (v / 255.0) - 0.5f) / 0.5f;
    }

    private VideoFrames() {}

    /** The model input {@code [3, size, size]} (channel planes R, G, B) of one frame. */
    public static float[] interactiveInput(RgbImage frame, int size) {
        return ImagePreprocessor.planes(PillowBicubic.resize(frame, size, size).rgb(), size * size, LEVELS);
    }
}
