package org.sam3j;

/**
 * Which source frames a video source yields when it resamples a file to a lower frame rate: frame {@code i} is the
 * source frame nearest to {@code i / fps} seconds. Shared by the video file sources so they count and time frames
 * the same way.
 *
 * @param sourceFps   the file's frame rate (0 if the file does not say)
 * @param sourceCount frames in the file
 * @param fps         the requested rate ({@code ≤ 0} or at least {@code sourceFps}: every frame)
 */
public record FrameSampling(double sourceFps, int sourceCount, double fps) {
    /** Frames the source yields. */
    public int count() {
        return everyFrame() ? sourceCount
                : Math.max(1, (int) Math.floor((sourceCount - 1) * fps / sourceFps) + 1);
    }

    /** Frames per second of the yielded frames (0 if the file does not say). */
    public double outputFps() {
        return everyFrame() ? sourceFps : fps;
    }

    /** The source frame behind yielded frame {@code index}. */
    public int sourceIndex(int index) {
        return everyFrame() ? index : (int) Math.round(index * sourceFps / fps);
    }

    /** Time of yielded frame {@code index} in seconds from the start (NaN if the file's rate is unknown). */
    public double timeOf(int index) {
        return sourceFps > 0 ? sourceIndex(index) / sourceFps : Double.NaN;
    }

    private boolean everyFrame() {
        return fps <= 0 || sourceFps <= 0 || fps >= sourceFps;
    }
}
