package org.sam3j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.sam3j.RgbImage;
import org.sam3j.VideoFrameResult;
import org.sam3j.ffmpeg.FFmpegVideoWriter;

/**
 * The overlay video of {@code sam3 track --overlay}: each frame with every object's mask blended in its colour
 * (half opacity), written with FFmpeg ({@link FFmpegVideoWriter}: H.264 in .mp4/.mov/.mkv, Motion-JPEG in .avi).
 */
final class OverlayWriter implements AutoCloseable {
    /** Object colours (RGB), by object id modulo their count. */
    private static final int[][] COLOURS = {
        {230, 25, 75}, {60, 180, 75}, {255, 225, 25}, {0, 130, 200}, {245, 130, 48}, {145, 30, 180}, {70, 240, 240},
        {240, 50, 230}, {210, 245, 60}, {250, 190, 212}
    };

    private final Path file;
    private final FFmpegVideoWriter writer;
    private final int width;
    private final int height;

    OverlayWriter(Path file, double fps, int width, int height) throws IOException {
        this.file = file;
        this.width = width;
        this.height = height;
        try {
            this.writer = FFmpegVideoWriter.create(file, fps, width, height);
        } catch (IOException e) {
            throw new IOException("--overlay " + e.getMessage(), e);
        }
    }

    /** Draws the frame's masks over it and appends it. */
    void write(RgbImage frame, VideoFrameResult result) throws IOException {
        if (frame.width() != width || frame.height() != height) {
            throw new IOException("--overlay " + file + ": frame " + result.frame() + " is " + frame.width() + "x" + frame.height());
        }
        byte[] rgb = frame.rgb();
        int n = width * height;
        float[] r = new float[n];
        float[] g = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = rgb[3 * i] & 0xFF;
            g[i] = rgb[3 * i + 1] & 0xFF;
            b[i] = rgb[3 * i + 2] & 0xFF;
        }
        for (VideoFrameResult.TrackedObject o : result.objects()) {
            int[] c = COLOURS[Math.floorMod(o.objectId(), COLOURS.length)];
            boolean[] m = o.mask().toBooleanArray();
            for (int i = 0; i < n; i++) {
                if (!m[i]) continue;
                r[i] = 0.5f * r[i] + 0.5f * c[0];
                g[i] = 0.5f * g[i] + 0.5f * c[1];
                b[i] = 0.5f * b[i] + 0.5f * c[2];
            }
        }
        byte[] out = new byte[3 * n];
        for (int i = 0; i < n; i++) {
            out[3 * i] = (byte) Math.round(r[i]);
            out[3 * i + 1] = (byte) Math.round(g[i]);
            out[3 * i + 2] = (byte) Math.round(b[i]);
        }
        writer.write(RgbImage.of(width, height, out));
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
