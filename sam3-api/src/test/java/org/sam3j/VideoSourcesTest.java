package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_videoio;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_videoio.VideoWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.image.ImageLoader;
import org.sam3j.testing.SharedData;

/** Video files through OpenCV (a Motion-JPEG AVI written at test time from the fixture's frames) and pushed streams. */
class VideoSourcesTest {
    @TempDir
    Path tmp;

    /** Writes the fixture's first {@code n} frames as a Motion-JPEG AVI at {@code fps}. */
    static Path writeAvi(Path out, int n, double fps) {
        Path dir = SharedData.resolve("fixtures/sam3/video-tiny");
        try (Mat first = opencv_imgcodecs.imread(dir.resolve("0.jpg").toString());
             VideoWriter w = new VideoWriter(out.toString(), VideoWriter.fourcc((byte) 'M', (byte) 'J', (byte) 'P', (byte) 'G'),
                     fps, new Size(first.cols(), first.rows()), true)) {
            assertTrue(w.isOpened(), "OpenCV writes Motion-JPEG AVI");
            for (int i = 0; i < n; i++) {
                try (Mat m = opencv_imgcodecs.imread(dir.resolve(i + ".jpg").toString())) {
                    w.write(m);
                }
            }
            w.release();
        }
        return out;
    }

    private static double meanAbsDiff(RgbImage a, RgbImage b) {
        byte[] x = a.rgb();
        byte[] y = b.rgb();
        long s = 0;
        for (int i = 0; i < x.length; i++) s += Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
        return (double) s / x.length;
    }

    @Test
    void aviFramesDecodeInOrderBackwardAndResampled() throws IOException {
        Path avi = writeAvi(tmp.resolve("clip.avi"), 4, 10);
        Path dir = SharedData.resolve("fixtures/sam3/video-tiny");
        try (VideoFileSource v = VideoFileSource.open(avi)) {
            assertEquals(4, v.frameCount());
            assertEquals(10.0, v.fps(), 1e-6);
            RgbImage f2 = v.read(2);
            assertEquals(1280, f2.width());
            assertEquals(720, f2.height());
            double same = meanAbsDiff(f2, ImageLoader.read(dir.resolve("2.jpg")));
            double other = meanAbsDiff(f2, ImageLoader.read(dir.resolve("0.jpg")));
            System.out.printf("frame 2 vs its JPEG: mean |diff| %.2f; vs frame 0: %.2f%n", same, other);
            assertTrue(same < 3 && same < other / 2, "frame 2 is the third frame (re-encoded): " + same + " vs " + other);
            assertSame(f2, v.read(2), "the last frame is cached");
            RgbImage f0 = v.read(0);   // backward: seek
            assertTrue(meanAbsDiff(f0, ImageLoader.read(dir.resolve("0.jpg"))) < 3);
            assertEquals(0.2, v.timeOf(2), 1e-9);
        }
        try (VideoFileSource half = VideoFileSource.open(avi, 5)) {   // every other frame: 0, 2
            assertEquals(2, half.frameCount());
            assertTrue(meanAbsDiff(half.read(1), ImageLoader.read(dir.resolve("2.jpg"))) < 3);
            assertEquals(0.2, half.timeOf(1), 1e-9);
        }
    }

    @Test
    void unreadableVideosGetOneLine() throws IOException {
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> VideoFileSource.open(tmp.resolve("none.mp4")));
        assertTrue(missing.getMessage().contains("none.mp4"), missing.getMessage());
        Path junk = Files.write(tmp.resolve("junk.mp4"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        IOException bad = assertThrows(IOException.class, () -> VideoFileSource.open(junk));
        assertTrue(bad.getMessage().startsWith("cannot decode video") && !bad.getMessage().contains("\n"), bad.getMessage());
        // this OpenCV build has no H.264 encoder (no FFmpeg backend): what the class comment says
        try (VideoWriter w = new VideoWriter(tmp.resolve("x.mp4").toString(),
                VideoWriter.fourcc((byte) 'a', (byte) 'v', (byte) 'c', (byte) '1'), 10, new Size(64, 48), true)) {
            System.out.println("mp4/avc1 writer opened: " + w.isOpened() + ", backends: "
                    + opencv_videoio.CAP_OPENCV_MJPEG);
        }
    }

    @Test
    void pushedFramesAreReadOnceInOrderUntilTheEnd() throws Exception {
        PushFrameSource s = new PushFrameSource();
        assertEquals(Integer.MAX_VALUE, s.frameCount());
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < 3; i++) s.push(RgbImage.of(2, 1, new byte[] {(byte) i, 0, 0, 0, 0, 0}));
                s.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        List<Integer> seen = new ArrayList<>();
        RgbImage f0 = s.read(0);
        assertSame(f0, s.read(0), "the current frame can be read again");
        seen.add(f0.rgb()[0] & 0xFF);
        seen.add(s.read(1).rgb()[0] & 0xFF);
        assertThrows(IllegalStateException.class, () -> s.read(0), "a passed frame");
        assertThrows(IllegalStateException.class, () -> s.read(5), "a frame beyond the next");
        seen.add(s.read(2).rgb()[0] & 0xFF);
        assertThrows(EOFException.class, () -> s.read(3));
        producer.join(10_000);
        assertFalse(producer.isAlive());
        assertEquals(List.of(0, 1, 2), seen);
        assertThrows(IllegalStateException.class, () -> s.push(RgbImage.of(1, 1, new byte[3])));
    }
}
