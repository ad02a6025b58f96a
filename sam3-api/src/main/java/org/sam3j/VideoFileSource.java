package org.sam3j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.bytedeco.opencv.global.opencv_videoio;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_videoio.VideoCapture;

/**
 * The frames of a video file, decoded one at a time with OpenCV's {@code VideoCapture} (constant memory: the
 * decoder and the last decoded frame). Reading in increasing order decodes each frame once; reading backward
 * seeks. Optionally resampled to a lower frame rate (every source frame nearest to {@code i / fps} seconds).
 *
 * <p><b>Formats.</b> Whatever the OpenCV natives on the class path can decode. The {@code org.bytedeco:opencv}
 * build sam3j uses has no FFmpeg or GStreamer backend: it reads Motion-JPEG {@code .avi} (OpenCV's own codec),
 * not H.264 {@code .mp4}. For MP4, MKV, WebM and the other formats FFmpeg reads, use
 * {@code org.sam3j.ffmpeg.FFmpegVideoSource} from the artifact {@code org.sam3j:sam3-ffmpeg} (same contract), or
 * extract the frames to a folder ({@link FrameSource#folder}). A file OpenCV cannot open is reported by
 * {@link #open} in one line.
 *
 * <p><b>Optional dependency</b> as {@link MatImages}: only code using this class needs {@code org.bytedeco:opencv}.
 * Not thread-safe; close it to free the decoder.
 */
public final class VideoFileSource implements FrameSource, AutoCloseable {
    private final Path file;
    private final VideoCapture capture;
    private final FrameSampling sampling;
    private final int count;
    private int next;   // the source frame the decoder reads next
    private int lastIndex = -1;
    private RgbImage last;

    private VideoFileSource(Path file, VideoCapture capture, double sourceFps, int sourceCount, double fps) {
        this.file = file;
        this.capture = capture;
        this.sampling = new FrameSampling(sourceFps, sourceCount, fps);
        this.count = sampling.count();
    }

    /** Opens a video at its own frame rate (see {@link #open(Path, double)}). */
    public static VideoFileSource open(Path file) throws IOException {
        return open(file, 0);
    }

    /**
     * Opens a video file.
     *
     * @param fps frames per second to sample ({@code ≤ 0} or at least the file's rate: every frame)
     * @throws NoSuchFileException for a missing file
     * @throws IOException         naming the file if OpenCV cannot decode it or it has no frame
     */
    public static VideoFileSource open(Path file, double fps) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such video file");
        VideoCapture cap = new VideoCapture(file.toAbsolutePath().toString());
        if (!cap.isOpened()) {
            cap.close();
            throw new IOException("cannot decode video " + file + " (this OpenCV build reads Motion-JPEG .avi; "
                    + "read other formats with org.sam3j:sam3-ffmpeg's FFmpegVideoSource)");
        }
        double srcFps = cap.get(opencv_videoio.CAP_PROP_FPS);
        int n = (int) Math.round(cap.get(opencv_videoio.CAP_PROP_FRAME_COUNT));
        if (n <= 0) {   // some containers do not say: count by decoding (constant memory)
            n = 0;
            while (cap.grab()) n++;
            cap.release();
            cap.close();
            cap = new VideoCapture(file.toAbsolutePath().toString());
        }
        if (n <= 0) {
            cap.close();
            throw new IOException("video " + file + " has no frame OpenCV can decode");
        }
        return new VideoFileSource(file, cap, Double.isFinite(srcFps) ? srcFps : 0, n, fps);
    }

    @Override
    public int frameCount() {
        return count;
    }

    /** Frames per second of the frames this source yields (0 if the file does not say). */
    public double fps() {
        return sampling.outputFps();
    }

    /** Time of frame {@code index} in seconds from the start (NaN if the file's rate is unknown). */
    public double timeOf(int index) {
        return sampling.timeOf(index);
    }


    @Override
    public synchronized RgbImage read(int index) throws IOException {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException("frame " + index + " of " + count);
        if (index == lastIndex) return last;
        int src = sampling.sourceIndex(index);
        if (src < next) {   // backward: seek (the decoder restarts from the previous key frame)
            capture.set(opencv_videoio.CAP_PROP_POS_FRAMES, src);
            next = src;
        }
        while (next < src) {
            if (!capture.grab()) throw new IOException("video " + file + " ends before frame " + src);
            next++;
        }
        try (Mat mat = new Mat()) {
            if (!capture.read(mat) || mat.empty()) throw new IOException("cannot decode frame " + src + " of " + file);
            next++;
            last = MatImages.toRgbImage(mat);
        }
        lastIndex = index;
        return last;
    }

    @Override
    public synchronized void close() {
        capture.release();
        capture.close();
        last = null;
    }
}
