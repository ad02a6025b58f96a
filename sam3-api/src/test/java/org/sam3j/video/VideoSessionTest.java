package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.FrameSource;
import org.sam3j.RgbImage;
import org.sam3j.VideoFrameResult;
import org.sam3j.backend.cpu.CpuBackend;

/** The public video session: bad input gets one clear error before any frame is encoded; a tracked clip. */
class VideoSessionTest {
    private static FrameSource blank(int n) {
        return new FrameSource() {
            @Override
            public int frameCount() {
                return n;
            }

            @Override
            public RgbImage read(int index) {
                throw new AssertionError("no frame should be decoded for bad input");
            }
        };
    }

    private static FrameSource small(int n) {
        return new FrameSource() {
            @Override
            public int frameCount() {
                return n;
            }

            @Override
            public RgbImage read(int index) {
                return RgbImage.of(64, 48, new byte[64 * 48 * 3]);
            }
        };
    }

    @Test
    void badInputIsRejectedBeforeAnyWork() throws IOException {
        try (VideoFixture fx = VideoFixture.open(); CpuBackend cpu = new CpuBackend();
             VideoTracking tracking = new VideoTracking(cpu, fx.weights, fx.config, TrackerSettings.released());
             TrackingSession s = tracking.open(blank(3))) {
            assertEquals(3, s.frameCount());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.addPoints(3, 1, new float[] {1, 1}, new int[] {1}));
            assertTrue(e.getMessage().contains("frame 3 is outside the video's 3 frames"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.addPoints(-1, 1, new float[] {1, 1}, new int[] {1}));
            e = assertThrows(IllegalArgumentException.class, () -> s.addPoints(0, 1, new float[] {1, 1, 2}, new int[] {1}));
            assertTrue(e.getMessage().contains("one (x, y) pair per label"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.addPoints(0, 1, new float[0], new int[0]));
            assertThrows(IllegalArgumentException.class, () -> s.addPoints(0, 1, new float[] {1, 1}, new int[] {5}));
            assertThrows(IllegalArgumentException.class, () -> s.addBox(0, 1, 10, 10, 5, 5));
            IllegalStateException noPrompt = assertThrows(IllegalStateException.class, () -> s.propagate(r -> { }));
            assertTrue(noPrompt.getMessage().contains("no object"), noPrompt.getMessage());
        }
        // a click outside the frame is refused once the frame's size is known, before its backbone runs
        try (VideoFixture fx = VideoFixture.open(); CpuBackend cpu = new CpuBackend();
             VideoTracking tracking = new VideoTracking(cpu, fx.weights, fx.config, TrackerSettings.released());
             TrackingSession s = tracking.open(small(2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.addPoints(0, 1, new float[] {100, 10}, new int[] {1}));
            assertTrue(e.getMessage().contains("outside the image [0, 64] x [0, 48]"), e.getMessage());
        }
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> blankFolder());
        assertTrue(empty.getMessage().contains("no .jpg"), empty.getMessage());
    }

    @TempDir
    static Path tmp;

    private static void blankFolder() throws IOException {
        FrameSource.folder(Files.createDirectories(tmp.resolve("empty")));
    }

    /** The session on the fixture's first two frames gives the reference's mask areas and boxes. */
    @Test
    @Tag("slow")
    void sessionTracksTheFixtureClip() throws IOException {
        try (VideoFixture fx = VideoFixture.open(); CpuBackend cpu = new CpuBackend();
             VideoTracking tracking = new VideoTracking(cpu, fx.weights, fx.config, TrackerSettings.released());
             TrackingSession s = tracking.open(FrameSource.files(List.of(fx.frame(0), fx.frame(1))))) {
            s.addPoints(0, 1, new float[] {770, 500}, new int[] {1});
            s.addPoints(0, 1, new float[] {770, 500, 780, 660}, new int[] {1, 0});
            s.addBox(0, 2, 995, 95, 1275, 668);
            List<VideoFrameResult> results = new ArrayList<>();
            s.propagate(results::add);
            assertEquals(2, results.size());
            for (VideoFrameResult r : results) {
                long[] area = fx.whole("inter0.f" + r.frame() + ".out.mask_area").orElseThrow().toLongs();
                int nearZero = fx.json.get("prompts").get(0).get("frames").get(r.frame()).get("near_zero_logit_pixels").asInt();
                assertEquals(List.of(1, 2), r.objects().stream().map(VideoFrameResult.TrackedObject::objectId).toList());
                for (int o = 0; o < 2; o++) {
                    long ours = r.objects().get(o).mask().area();
                    System.out.printf("frame %d object %d area %d (reference %d)%n", r.frame(), o + 1, ours, area[o]);
                    assertTrue(Math.abs(ours - area[o]) <= nearZero, "area " + ours + " vs " + area[o]);
                }
            }
            assertTrue(s.retainedMemoryBytes() > 0);
        }
    }

    /**
     * A pushed stream (a producer thread, e.g. a camera) is tracked as frames arrive; the pass ends when the
     * producer closes the stream, and the session's state stays bounded.
     */
    @Test
    @Tag("slow")
    void aPushedStreamIsTrackedUntilItEnds() throws Exception {
        org.sam3j.PushFrameSource stream = new org.sam3j.PushFrameSource();
        Thread camera = new Thread(() -> {
            try {
                for (int i = 0; i < 3; i++) {
                    byte[] rgb = new byte[64 * 48 * 3];
                    for (int p = 0; p < 64 * 48; p++) rgb[3 * p] = (byte) (p % 64 < 32 + i ? 200 : 20);
                    stream.push(RgbImage.of(64, 48, rgb));
                }
                stream.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        camera.start();
        List<Integer> frames = new ArrayList<>();
        try (VideoFixture fx = VideoFixture.open(); CpuBackend cpu = new CpuBackend();
             VideoTracking tracking = new VideoTracking(cpu, fx.weights, fx.config, TrackerSettings.released());
             TrackingSession s = tracking.open(stream)) {
            s.addBox(0, 1, 4, 4, 30, 40);
            s.propagate(r -> frames.add(r.frame()));
            assertTrue(s.retainedMemoryBytes() > 0);
        }
        camera.join(10_000);
        assertEquals(List.of(0, 1, 2), frames);
    }
}
