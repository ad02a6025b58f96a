package org.sam3j.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.FrameSource;
import org.sam3j.RgbImage;
import org.sam3j.testing.SharedData;

/**
 * Round trips through FFmpeg: the official clip's 8 frames (1280x720) written as H.264 MP4 (and MKV, Motion-JPEG
 * AVI) read back one frame at a time, in order, resampled and backward, each close to its original; bad files are
 * one line naming them.
 */
class FFmpegVideoTest {
    private static final int FRAMES = 8;
    /** Mean absolute difference per channel (0-255) a lossy re-encode stays under; neighbouring frames differ by 7-10. */
    private static final double LOSSY_BOUND = 5;

    @TempDir
    static Path dir;

    static RgbImage[] originals;
    static Path mp4;

    @BeforeAll
    static void writeClip() throws IOException {
        FrameSource folder = FrameSource.folder(SharedData.resolve("fixtures/sam3/video-tiny"));
        originals = new RgbImage[FRAMES];
        for (int i = 0; i < FRAMES; i++) originals[i] = folder.read(i);
        mp4 = write(dir.resolve("clip.mp4"), FRAMES);
    }

    private static Path write(Path file, int frames) throws IOException {
        try (FFmpegVideoWriter w = FFmpegVideoWriter.create(file, 4, originals[0].width(), originals[0].height())) {
            for (int i = 0; i < frames; i++) w.write(originals[i]);
        }
        return file;
    }

    static double meanAbsDiff(RgbImage a, RgbImage b) {
        assertEquals(a.width(), b.width());
        assertEquals(a.height(), b.height());
        byte[] x = a.rgb();
        byte[] y = b.rgb();
        long sum = 0;
        for (int i = 0; i < x.length; i++) sum += Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
        return (double) sum / x.length;
    }

    /** Frame {@code got} is close to original {@code i} and closer to it than to its neighbours. */
    private static void assertFrame(int i, RgbImage got) {
        double own = meanAbsDiff(got, originals[i]);
        assertTrue(own < LOSSY_BOUND, "frame " + i + " differs by " + own);
        if (i > 0) assertTrue(own < meanAbsDiff(got, originals[i - 1]), "frame " + i + " looks like frame " + (i - 1));
        if (i + 1 < FRAMES) assertTrue(own < meanAbsDiff(got, originals[i + 1]), "frame " + i + " looks like frame " + (i + 1));
    }

    @Test
    void anMp4IsReadBackFrameByFrame() throws IOException {
        try (FFmpegVideoSource s = FFmpegVideoSource.open(mp4)) {
            assertEquals(FRAMES, s.frameCount());
            assertEquals(4.0, s.fps(), 1e-9);
            assertEquals(1280, s.width());
            assertEquals(720, s.height());
            assertEquals(1.25, s.timeOf(5), 1e-9);
            RgbImage[] forward = new RgbImage[FRAMES];
            for (int i = 0; i < FRAMES; i++) {
                forward[i] = s.read(i);
                assertFrame(i, forward[i]);
            }
            // backward reads seek (key frame every 4 frames here) and decode the very same pictures
            for (int i : new int[] {6, 2, 5, 0, 7}) assertEquals(forward[i], s.read(i), "frame " + i + " after a seek");
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(FRAMES));
        }
    }

    @Test
    void aLowerFrameRateTakesTheNearestFrames() throws IOException {
        try (FFmpegVideoSource s = FFmpegVideoSource.open(mp4, 2)) {
            assertEquals(4, s.frameCount());
            assertEquals(2.0, s.fps(), 1e-9);
            for (int i = 0; i < 4; i++) {
                assertEquals(i / 2.0, s.timeOf(i), 1e-9);
                assertFrame(2 * i, s.read(i));
            }
        }
        try (FFmpegVideoSource s = FFmpegVideoSource.open(mp4, 30)) {
            assertEquals(FRAMES, s.frameCount(), "a rate above the file's keeps every frame");
        }
    }

    @Test
    void mkvAndMotionJpegAviRoundTrip() throws IOException {
        for (String name : new String[] {"clip.mkv", "clip.avi"}) {
            Path file = write(dir.resolve(name), 3);
            try (FFmpegVideoSource s = FFmpegVideoSource.open(file)) {
                assertEquals(3, s.frameCount(), name);
                for (int i = 0; i < 3; i++) assertTrue(meanAbsDiff(s.read(i), originals[i]) < LOSSY_BOUND, name + " frame " + i);
            }
        }
        try (FFmpegVideoWriter w = FFmpegVideoWriter.create(dir.resolve("codec.avi"), 4, 64, 64)) {
            assertEquals("mjpeg", w.codec());
        }
    }

    @Test
    void oddSizesAreRoundedDownToEvenForH264() throws IOException {
        Path file = dir.resolve("odd.mp4");
        byte[] rgb = new byte[33 * 17 * 3];
        java.util.Arrays.fill(rgb, (byte) 128);
        try (FFmpegVideoWriter w = FFmpegVideoWriter.create(file, 10, 33, 17)) {
            w.write(RgbImage.of(33, 17, rgb));
            assertThrows(IllegalArgumentException.class, () -> w.write(RgbImage.of(32, 16, new byte[32 * 16 * 3])));
        }
        try (FFmpegVideoSource s = FFmpegVideoSource.open(file)) {
            assertEquals(1, s.frameCount());
            RgbImage f = s.read(0);
            assertEquals(32, f.width());
            assertEquals(16, f.height());
            assertEquals(128, f.get(10, 10, 1), 3);
        }
    }

    @Test
    void badFilesAreOneLineNamingThem() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.mp4"), "not a video");
        IOException e = assertThrows(IOException.class, () -> FFmpegVideoSource.open(junk));
        assertTrue(e.getMessage().startsWith("cannot decode video " + junk + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid data"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> FFmpegVideoSource.open(dir.resolve("none.mp4")));
        IllegalArgumentException gif = assertThrows(IllegalArgumentException.class,
                () -> FFmpegVideoWriter.create(dir.resolve("x.gif"), 10, 64, 64));
        assertTrue(gif.getMessage().contains(".mp4"), gif.getMessage());
        assertFalse(FFmpegVideoWriter.supports(dir.resolve("x.gif")));
        assertTrue(FFmpegVideoWriter.supports(dir.resolve("X.MP4")));
    }
}
