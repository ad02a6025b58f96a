package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.image.ImageLoader;

/**
 * The interactions of the SAM 2-style video API, on clips built from the fixture's first frames (backbone
 * features computed once per frame for the class; the default tests use frame 0 only): backward propagation,
 * object removal, refinement on a tracked frame, mask prompts. Each check compares two runs of our tracker whose results the reference's logic
 * makes identical (or different), so a wrong direction, selection or removal shows as a mismatch.
 */
class VideoInteractionsTest {
    private static CpuBackend backend;
    private static VideoFixture fx;
    private static TrackerEngine engine;
    private static ResidentScope scope;
    private static final TrackerEngine.Frame[] ENCODED = new TrackerEngine.Frame[2];

    private static final Prompt CLICK = Prompt.builder().point(770, 500, true).build();
    private static final Prompt BOX = Prompt.box(new Box(995, 95, 1275, 668));

    @BeforeAll
    static void open() throws IOException {
        backend = new CpuBackend();
        fx = VideoFixture.open();
        engine = new TrackerEngine(backend, fx.weights, fx.config, TrackerSettings.released());
        scope = new ResidentScope(backend);
        encoded(0);
    }

    /** Fixture frame {@code t}'s features (the default tests use frame 0 only: one backbone run). */
    private static synchronized TrackerEngine.Frame encoded(int t) {
        if (ENCODED[t] == null) {
            try {
                float[] img = VideoFrames.interactiveInput(ImageLoader.read(fx.frame(t)), fx.config.imageSize());
                ENCODED[t] = engine.encode(t, img, fx.width, fx.height, scope);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return ENCODED[t];
    }

    @AfterAll
    static void close() throws IOException {
        if (engine != null) engine.close();
        if (scope != null) scope.close();
        if (fx != null) fx.close();
        if (backend != null) backend.close();
    }

    /** A clip whose frame {@code i} has the features of fixture frame {@code source[i]}. */
    private static VideoTracker.FrameProvider clip(int... source) {
        return new VideoTracker.FrameProvider() {
            @Override
            public TrackerEngine.Frame acquire(int index) {
                TrackerEngine.Frame f = encoded(source[index]);
                return new TrackerEngine.Frame(index, f.embedding(), f.pixFeat());
            }

            @Override
            public void release(TrackerEngine.Frame frame) {}
        };
    }

    private static Map<Integer, VideoTracker.TrackedFrame> collect(List<VideoTracker.TrackedFrame> out) {
        Map<Integer, VideoTracker.TrackedFrame> m = new LinkedHashMap<>();
        for (VideoTracker.TrackedFrame f : out) m.put(f.frame(), f);
        return m;
    }

    /**
     * Tracking a clip backward from a prompt on its last frame gives, frame for frame, what tracking the reversed
     * clip forward from its first frame gives: the reference mirrors temporal positions and the selection's scan.
     * Here on a clip of one repeated frame (one backbone run) and one object: the two passes see the same
     * features, so any asymmetry of the backward memory read (pointer positions, the frames scanned) shows.
     */
    @Test
    @Tag("slow")   // a backbone pass and several tracker steps: run by .ci/run's slow stage
    void backwardFromTheLastFrameEqualsForward() {
        assertBackwardEqualsForwardOnReversed(new int[] {0, 0, 0}, BOX);
    }

    /** As above with two different frames and two objects (a batch of two through the memory). */
    @Test
    @Tag("slow")
    void backwardFromTheLastFrameEqualsForwardOnTheReversedClip() {
        assertBackwardEqualsForwardOnReversed(new int[] {0, 1, 1}, CLICK, BOX);
    }

    private static void assertBackwardEqualsForwardOnReversed(int[] order, Prompt... objects) {
        int n = order.length;
        int[] reversed = new int[n];
        for (int i = 0; i < n; i++) reversed[i] = order[n - 1 - i];
        List<VideoTracker.TrackedFrame> back = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(order), n, TrackerHooks.NONE)) {
            for (int o = 0; o < objects.length; o++) t.addPrompt(n - 1, o + 1, objects[o]);
            t.propagate(back::add, true, null, null);
            assertThrows(IllegalStateException.class, () -> t.addPrompt(0, 9, CLICK), "new object after tracking");
        }
        List<VideoTracker.TrackedFrame> fwd = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(reversed), n, TrackerHooks.NONE)) {
            for (int o = 0; o < objects.length; o++) t.addPrompt(0, o + 1, objects[o]);
            t.propagate(fwd::add, false, null, null);
        }
        List<Integer> down = new ArrayList<>();
        List<Integer> up = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            down.add(n - 1 - i);
            up.add(i);
        }
        assertEquals(down, back.stream().map(VideoTracker.TrackedFrame::frame).toList());
        assertEquals(up, fwd.stream().map(VideoTracker.TrackedFrame::frame).toList());
        for (int k = 0; k < n; k++) {
            VideoTracker.TrackedFrame b = back.get(k);
            VideoTracker.TrackedFrame f = fwd.get(k);
            assertArrayEquals(f.scores(), b.scores(), "scores at step " + k);
            for (int o = 0; o < objects.length; o++) {
                assertArrayEquals(f.lowRes()[o], b.lowRes()[o], "object " + o + " at step " + k);
            }
        }
        // the tracked frames differ from the prompted one: the comparison is not vacuous
        assertFalse(Arrays.equals(back.get(0).lowRes()[0], back.get(1).lowRes()[0]));
    }

    /**
     * Removing an object before the first propagation leaves exactly the session that never had it: nothing of it
     * reached a memory yet (the preflight's non-overlap couples objects only once consolidated).
     */
    @Test
    @Tag("slow")   // a backbone pass and several tracker steps: run by .ci/run's slow stage
    void removingAnObjectBeforePropagationEqualsNeverHavingIt() {
        List<VideoTracker.TrackedFrame> removed = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(0, 0), 2, TrackerHooks.NONE)) {
            t.addPrompt(0, 7, BOX);
            t.addPrompt(0, 1, CLICK);
            t.removeObject(7);
            assertThrows(IllegalArgumentException.class, () -> t.removeObject(7));
            assertEquals(List.of(1), t.objectIds());
            t.propagate(removed::add);
        }
        List<VideoTracker.TrackedFrame> only = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(0, 0), 2, TrackerHooks.NONE)) {
            t.addPrompt(0, 1, CLICK);
            t.propagate(only::add);
        }
        assertEquals(2, removed.size());
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(new int[] {1}, removed.get(k).objectIds());
            assertArrayEquals(only.get(k).scores(), removed.get(k).scores());
            assertArrayEquals(only.get(k).lowRes()[0], removed.get(k).lowRes()[0], "frame " + k);
        }
    }

    /**
     * Removing an object after a propagation, then propagating again: the prompted frame's stored output of the
     * remaining object is unchanged, and its later frames equal those of a session that never had the removed
     * object exactly when the two objects' masks did not compete on the prompted frame — the reference encodes
     * that frame's memory once, after the pixel-wise non-overlap constraint across objects, and removal keeps it.
     */
    @Test
    @Tag("slow")
    void removingAnObjectAfterPropagationKeepsThePromptedFramesCoupling() {
        List<VideoTracker.TrackedFrame> after = new ArrayList<>();
        float[] low1;
        float[] low2;
        try (VideoTracker t = new VideoTracker(engine, clip(0, 0, 0), 3, TrackerHooks.NONE)) {
            low1 = t.addPrompt(0, 1, CLICK);
            low2 = t.addPrompt(0, 2, BOX);
            t.propagate(f -> { });
            t.removeObject(2);
            assertEquals(List.of(1), t.objectIds());
            assertEquals(List.of(0), t.conditioningFrames());
            t.propagate(after::add);
        }
        List<VideoTracker.TrackedFrame> only = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(0, 0, 0), 3, TrackerHooks.NONE)) {
            t.addPrompt(0, 1, CLICK);
            t.propagate(only::add);
        }
        assertArrayEquals(only.get(0).lowRes()[0], after.get(0).lowRes()[0], "the prompted frame's output");
        float[] h1 = engine.highRes(low1);
        float[] h2 = engine.highRes(low2);
        long lost = 0;   // pixels object 1 loses to object 2 under the non-overlap constraint
        for (int i = 0; i < h1.length; i++) if (h1[i] > 0 && h2[i] > h1[i]) lost++;
        boolean same = Arrays.equals(only.get(2).lowRes()[0], after.get(2).lowRes()[0]);
        System.out.printf("object 1 loses %d pixels to object 2 on the prompted frame; frame 2 equal: %s%n", lost, same);
        assertEquals(lost == 0, same, "later frames equal the never-had-it session iff nothing was clamped");
    }

    /**
     * Clicks on a frame already tracked refine it: the heads read the object's memory (so the mask differs from the
     * same clicks on an untracked frame), the frame becomes a conditioning frame, and the next pass yields the
     * refined mask there and selects it as conditioning memory for the following frame.
     */
    @Test
    @Tag("slow")
    void refinementOnATrackedFrameMakesItAConditioningFrame() {
        Prompt fix = Prompt.builder().point(400, 300, true).build();
        Map<String, Object> meta = new LinkedHashMap<>();
        TrackerHooks hooks = new TrackerHooks() {
            @Override
            public void accept(String key, HostTensor value) {}

            @Override
            public void meta(String key, Object value) {
                meta.put(key, value);
            }
        };
        float[] refined;
        List<VideoTracker.TrackedFrame> second = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(0, 1, 0), 3, hooks)) {
            t.addPrompt(0, 1, BOX);
            List<VideoTracker.TrackedFrame> first = new ArrayList<>();
            t.propagate(first::add, false, null, 1);
            assertEquals(List.of(0, 1), first.stream().map(VideoTracker.TrackedFrame::frame).toList());
            assertEquals(List.of(0), t.conditioningFrames());
            refined = t.addPrompt(1, 1, fix);
            assertEquals(List.of(1), t.pendingFrames());
            meta.clear();
            t.propagate(second::add);
            assertEquals(List.of(0, 1), t.conditioningFrames());
        }
        assertEquals(List.of(0, 1, 2), second.stream().map(VideoTracker.TrackedFrame::frame).toList());
        assertArrayEquals(refined, second.get(1).lowRes()[0], "the pass yields the refined mask on frame 1");
        assertEquals(List.of(0, 1), meta.get("f2.mem_sel.cond_frames"));
        float[] fresh;
        try (VideoTracker t = new VideoTracker(engine, clip(0, 1, 0), 3, TrackerHooks.NONE)) {
            fresh = t.addPrompt(1, 1, fix);
        }
        assertFalse(Arrays.equals(fresh, refined), "a refinement reads the object's memory");
    }

    /**
     * A mask prompt is the object's output on its frame (object score +10, the mask kept at video size), it
     * propagates, and an empty mask marks the object absent (score −10).
     */
    @Test
    @Tag("slow")
    void aMaskPromptIsTheOutputOnItsFrame() {
        int w = fx.width;
        int h = fx.height;
        boolean[] mask = new boolean[w * h];
        for (int y = 200; y < 500; y++) for (int x = 300; x < 700; x++) mask[y * w + x] = true;
        List<VideoTracker.TrackedFrame> out = new ArrayList<>();
        try (VideoTracker t = new VideoTracker(engine, clip(0, 1), 2, TrackerHooks.NONE)) {
            t.addMask(0, 4, mask, w, h);
            t.addMask(0, 5, new boolean[w * h], w, h);
            assertThrows(IllegalArgumentException.class, () -> t.addMask(0, 6, new boolean[10], 5, 2));
            t.propagate(out::add);
        }
        assertEquals(2, out.size());
        VideoTracker.TrackedFrame f0 = out.get(0);
        assertArrayEquals(new float[] {10f, -10f}, f0.scores());
        float[] video = org.sam3j.postprocess.BilinearResize.resize(f0.lowRes()[0], 288, 288, h, w);
        long inter = 0;
        long union = 0;
        for (int i = 0; i < video.length; i++) {
            boolean ours = video[i] > 0;
            if (ours && mask[i]) inter++;
            if (ours || mask[i]) union++;
        }
        double iou = (double) inter / union;
        assertTrue(iou > 0.98, "frame 0 output vs the mask prompt: IoU " + iou);
        for (float v : f0.lowRes()[1]) assertTrue(v < 0, "the empty mask stays empty");
        assertTrue(out.get(1).scores()[0] > 0, "the masked object is tracked on frame 1");
    }
}
