package org.sam3j.ffmpeg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.sam3j.RgbImage;

/**
 * Writes frames to a video file with FFmpeg (JavaCV's {@link FFmpegFrameRecorder}), the codec chosen by the file's
 * extension:
 * <ul>
 *   <li>{@code .mp4}, {@code .mov}, {@code .mkv}: H.264 (the bundled FFmpeg's encoder is OpenH264), or MPEG-4
 *       Part 2 where an FFmpeg build has no H.264 encoder; width and height are rounded down to even numbers
 *       (4:2:0 chroma), the frames scaled to fit;</li>
 *   <li>{@code .avi}: Motion-JPEG (what OpenCV's own reader decodes, so the file also opens with
 *       {@code org.sam3j.VideoFileSource}).</li>
 * </ul>
 * Frames must all have the size given to {@link #create}. Not thread-safe; {@link #close} finishes the file.
 */
public final class FFmpegVideoWriter implements AutoCloseable {
    private final Path file;
    private final FFmpegFrameRecorder recorder;
    private final int width;
    private final int height;
    private final String codec;

    private FFmpegVideoWriter(Path file, FFmpegFrameRecorder recorder, int width, int height, String codec) {
        this.file = file;
        this.recorder = recorder;
        this.width = width;
        this.height = height;
        this.codec = codec;
    }

    /** Whether {@link #create} writes a file with this name (by its extension, ignoring case). */
    public static boolean supports(Path file) {
        return container(file) != null;
    }

    private static String container(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".mp4")) return "mp4";
        if (n.endsWith(".mov")) return "mov";
        if (n.endsWith(".mkv")) return "matroska";
        if (n.endsWith(".avi")) return "avi";
        return null;
    }

    /**
     * Creates (or replaces) a video file.
     *
     * @param fps frames per second ({@code > 0})
     * @throws IllegalArgumentException for an extension other than .mp4, .mov, .mkv, .avi, or a bad rate or size
     * @throws IOException              naming the file if FFmpeg cannot create it
     */
    public static FFmpegVideoWriter create(Path file, double fps, int width, int height) throws IOException {
        String format = container(file);
        if (format == null) {
            throw new IllegalArgumentException(file + ": write .mp4, .mov or .mkv (H.264) or .avi (Motion-JPEG)");
        }
        if (!(fps > 0) || !Double.isFinite(fps)) throw new IllegalArgumentException("frame rate must be > 0, got " + fps);
        if (width < 2 || height < 2) throw new IllegalArgumentException("frame size " + width + "x" + height + " is too small");
        boolean mjpeg = format.equals("avi");
        int codecId;
        if (mjpeg) {
            codecId = avcodec.AV_CODEC_ID_MJPEG;
        } else {
            AVCodec h264 = avcodec.avcodec_find_encoder(avcodec.AV_CODEC_ID_H264);
            codecId = h264 != null && !h264.isNull() ? avcodec.AV_CODEC_ID_H264 : avcodec.AV_CODEC_ID_MPEG4;
        }
        int w = mjpeg ? width : width & ~1;
        int h = mjpeg ? height : height & ~1;
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toAbsolutePath().toString(), w, h, 0);
        r.setFormat(format);
        r.setVideoCodec(codecId);
        r.setFrameRate(fps);
        if (mjpeg) {
            r.setPixelFormat(avutil.AV_PIX_FMT_YUVJ420P);
            r.setVideoQuality(2);   // JPEG quantiser scale: 2 is near-lossless
        } else {
            r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            // about 0.3 bit per pixel and frame: well above the visibility of coding noise, far below raw size
            r.setVideoBitrate((int) Math.min(Integer.MAX_VALUE, Math.max(1e6, 0.3 * w * h * fps)));
            r.setGopSize((int) Math.max(1, Math.round(fps)));   // a key frame a second keeps backward seeks short
        }
        try {
            r.start();
        } catch (FFmpegFrameRecorder.Exception e) {
            r.close();
            throw new IOException("cannot write video " + file + ": " + FFmpegVideoSource.reason(e), e);
        }
        return new FFmpegVideoWriter(file, r, width, height, avcodec.avcodec_get_name(codecId).getString());
    }

    /** The codec frames are encoded with (FFmpeg's name: {@code h264}, {@code mpeg4}, {@code mjpeg}). */
    public String codec() {
        return codec;
    }

    /** Appends a frame. */
    public void write(RgbImage frame) throws IOException {
        if (frame.width() != width || frame.height() != height) {
            throw new IllegalArgumentException(file + ": the frame is " + frame.width() + "x" + frame.height()
                    + ", the video " + width + "x" + height);
        }
        try {
            recorder.recordImage(width, height, Frame.DEPTH_UBYTE, 3, width * 3, avutil.AV_PIX_FMT_RGB24,
                    ByteBuffer.wrap(frame.rgb()));
        } catch (FFmpegFrameRecorder.Exception e) {
            throw new IOException("cannot write video " + file + ": " + FFmpegVideoSource.reason(e), e);
        }
    }

    /** Flushes the encoder and writes the container's index. */
    @Override
    public void close() throws IOException {
        recorder.close();
    }
}
