package org.sam3j.ffmpeg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.sam3j.FrameSampling;
import org.sam3j.FrameSource;
import org.sam3j.RgbImage;

/**
 * The frames of a video file decoded by FFmpeg (JavaCV's {@link FFmpegFrameGrabber}), one at a time: any container
 * and codec the bundled FFmpeg reads (MP4/MOV with H.264, HEVC, AV1 or MPEG-4, MKV and WebM with VP8/VP9/AV1,
 * Motion-JPEG AVI, ...). Memory stays constant: the decoder and the last decoded frame. Reading in increasing order
 * decodes each frame once; reading backward seeks to the key frame before and decodes forward from there.
 * Optionally resampled to a lower frame rate (every source frame nearest to {@code i / fps} seconds).
 *
 * <p>{@link #open} demuxes the file once to count its video packets (no decoding), so {@link #frameCount()} is
 * exact even where the container does not store it (MKV, WebM). A file FFmpeg cannot read is reported by
 * {@link #open} in one line naming it. Not thread-safe; close it to free the decoder.
 */
public final class FFmpegVideoSource implements FrameSource, AutoCloseable {
    private final Path file;
    private final FFmpegFrameGrabber grabber;
    private final FrameSampling sampling;
    private final int count;
    private int next;   // the source frame the decoder returns next
    private int lastIndex = -1;
    private RgbImage last;

    private FFmpegVideoSource(Path file, FFmpegFrameGrabber grabber, double sourceFps, int sourceCount, double fps) {
        this.file = file;
        this.grabber = grabber;
        this.sampling = new FrameSampling(sourceFps, sourceCount, fps);
        this.count = sampling.count();
    }

    /** Opens a video at its own frame rate (see {@link #open(Path, double)}). */
    public static FFmpegVideoSource open(Path file) throws IOException {
        return open(file, 0);
    }

    /**
     * Opens a video file.
     *
     * @param fps frames per second to sample ({@code ≤ 0} or at least the file's rate: every frame)
     * @throws NoSuchFileException for a missing file
     * @throws IOException         naming the file if FFmpeg cannot read it, it has no video stream or no frame
     */
    public static FFmpegVideoSource open(Path file, double fps) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such video file");
        int frames = countFrames(file);
        FFmpegFrameGrabber g = start(file);
        double srcFps = g.getVideoFrameRate();
        return new FFmpegVideoSource(file, g, Double.isFinite(srcFps) && srcFps > 0 ? srcFps : 0, frames, fps);
    }

    /** A started grabber that yields RGB24 images, or one line naming the file and what FFmpeg said. */
    private static FFmpegFrameGrabber start(Path file) throws IOException {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        try {
            g.start();
        } catch (FFmpegFrameGrabber.Exception e) {
            g.close();
            throw new IOException("cannot decode video " + file + ": " + reason(e), e);
        }
        if (!g.hasVideo()) {
            g.close();
            throw new IOException("cannot decode video " + file + ": it has no video stream");
        }
        return g;
    }

    /** The number of packets of the stream the grabber decodes (its first video stream): one per frame. */
    private static int countFrames(Path file) throws IOException {
        try (FFmpegFrameGrabber g = start(file)) {
            AVFormatContext oc = g.getFormatContext();
            int stream = -1;
            for (int i = 0; i < oc.nb_streams() && stream < 0; i++) {
                AVCodecParameters par = oc.streams(i).codecpar();
                if (par.codec_type() == avutil.AVMEDIA_TYPE_VIDEO && par.codec_id() != avcodec.AV_CODEC_ID_NONE) stream = i;
            }
            int n = 0;
            for (AVPacket p; (p = g.grabPacket()) != null; ) {
                if (p.stream_index() == stream) n++;
                avcodec.av_packet_unref(p);
            }
            if (n == 0) throw new IOException("cannot decode video " + file + ": its video stream has no frame");
            return n;
        } catch (FFmpegFrameGrabber.Exception e) {
            throw new IOException("cannot decode video " + file + ": " + reason(e), e);
        }
    }

    /** JavaCV reports "call() error N: ..."; FFmpeg's own text for the error code says it best. */
    private static final Pattern FFMPEG_ERROR = Pattern.compile("(\\w+)\\(\\) error (-?\\d+)");

    /** What went wrong, in one line: FFmpeg's message for the error and the call that failed. */
    static String reason(Exception e) {
        String m = String.valueOf(e.getMessage());
        Matcher f = FFMPEG_ERROR.matcher(m);
        if (f.find()) {
            byte[] text = new byte[256];
            if (avutil.av_strerror(Integer.parseInt(f.group(2)), text, text.length) == 0) {
                int len = 0;
                while (len < text.length && text[len] != 0) len++;
                return new String(text, 0, len, StandardCharsets.UTF_8) + " (" + f.group(1) + ")";
            }
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
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

    /** Width of the frames in pixels. */
    public int width() {
        return grabber.getImageWidth();
    }

    /** Height of the frames in pixels. */
    public int height() {
        return grabber.getImageHeight();
    }


    @Override
    public synchronized RgbImage read(int index) throws IOException {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException("frame " + index + " of " + count);
        if (index == lastIndex) return last;
        int src = sampling.sourceIndex(index);
        try {
            if (src < next) {   // backward: FFmpeg seeks to the key frame before and decodes up to the frame
                grabber.setVideoFrameNumber(src);
                next = src;
            }
            Frame f;
            do {
                f = grabber.grabImage();
                if (f == null) throw new IOException("video " + file + " ends before frame " + src);
                next++;
            } while (next <= src);
            last = toRgb(f);
        } catch (FFmpegFrameGrabber.Exception e) {
            throw new IOException("cannot decode frame " + src + " of " + file + ": " + reason(e), e);
        }
        lastIndex = index;
        return last;
    }

    /** Copies the grabber's RGB24 image (rows may be padded) into a packed {@link RgbImage}. */
    private static RgbImage toRgb(Frame f) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        ByteBuffer buf = ((ByteBuffer) f.image[0]).duplicate();
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            buf.position(y * f.imageStride);
            buf.get(rgb, y * w * 3, w * 3);
        }
        return RgbImage.of(w, h, rgb);
    }

    @Override
    public synchronized void close() throws IOException {
        last = null;
        grabber.close();
    }
}
