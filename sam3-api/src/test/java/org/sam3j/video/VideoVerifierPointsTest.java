package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.backend.HostTensor;
import org.sam3j.io.StoredTensor;
import org.sam3j.model.tracker.SamPromptEncoder;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.ProbeResult;

/**
 * The {@code sam.point_coords} / {@code sam.point_labels} check of {@link VideoVerifier}: the points of the recorded
 * prompt calls, put through the prompt encoder's input transformation and mapped back as the tracker's hooks do
 * ({@link VideoTracker#referencePoints}), pass; a wrong transformation (a shift, clicks reordered, box corners after
 * the clicks) fails. No model runs here.
 */
class VideoVerifierPointsTest {
    private static final int SIDE = 1008;

    /** The heads of one object whose prompt encoder got {@code prompt} in our slot order, {@code shift} added. */
    private static TrackerEngine.Heads heads(Prompt prompt, int w, int h, float shift, boolean boxFirst) {
        List<float[]> corners = new ArrayList<>();
        Box b = prompt.boxOrNull();
        if (b != null) {
            corners.add(new float[] {norm(b.x0(), w, shift), norm(b.y0(), h, shift), 2});
            corners.add(new float[] {norm(b.x1(), w, shift), norm(b.y1(), h, shift), 3});
        }
        List<float[]> clicks = new ArrayList<>();
        for (Prompt.Point p : prompt.points()) {
            clicks.add(new float[] {norm(p.x(), w, shift), norm(p.y(), h, shift), p.positive() ? 1 : 0});
        }
        List<float[]> slots = new ArrayList<>(boxFirst ? corners : clicks);
        slots.addAll(boxFirst ? clicks : corners);
        slots.add(new float[] {0, 0, -1});   // the padding point the reference's encoder appends
        int n = slots.size();
        float[] coords = new float[2 * n];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            coords[2 * i] = slots.get(i)[0];
            coords[2 * i + 1] = slots.get(i)[1];
            labels[i] = slots.get(i)[2];
        }
        Map<String, HostTensor> sparse = Map.of(TrackerEngine.POINT_COORDS, new HostTensor(new int[] {1, n, 2}, coords),
                TrackerEngine.POINT_LABELS, new HostTensor(new int[] {1, n}, labels));
        return new TrackerEngine.Heads(null, null, 0, 0, null, null, null, Float.NaN, sparse);
    }

    private static float norm(float v, int size, float shift) {
        return SamPromptEncoder.normalizeCoordinate(v, size, SIDE) + shift / SIDE;
    }

    /** The results of the recorded calls' points put through {@code heads} with {@code shift} and the slot order. */
    private static List<ProbeResult> check(float shift, boolean boxFirst, boolean swapClicks) throws IOException {
        List<ProbeResult> results = new ArrayList<>();
        try (VideoVerifier v = VideoVerifier.open(FixtureSet.open(SharedData.resolve(VideoFixture.DIR)));
             VideoFixture fx = VideoFixture.open()) {
            List<Prompt> prompts = new ArrayList<>();
            v.callsAndPrompts(prompts);
            for (int k = 0; k < prompts.size(); k++) {
                Prompt p = prompts.get(k);
                if (swapClicks && p.points().size() > 1) {
                    Prompt.Builder b = Prompt.builder();
                    for (int i = p.points().size() - 1; i >= 0; i--) {
                        b.point(p.points().get(i).x(), p.points().get(i).y(), p.points().get(i).positive());
                    }
                    p = b.build();
                }
                HostTensor[] ours = VideoTracker.referencePoints(new TrackerEngine.Heads[] {heads(p, fx.width, fx.height,
                        shift, boxFirst)}, SIDE);
                String key = "inter0.p" + k + ".sam.point_";
                StoredTensor coords = fx.whole(key + "coords").orElseThrow();
                StoredTensor labels = fx.whole(key + "labels").orElseThrow();
                results.add(VideoVerifier.pointCoords(key + "coords", ours[0], coords.shape(), coords.toFloats(),
                        v.pointTolerance()));
                results.add(VideoVerifier.pointLabels(key + "labels", ours[1], labels.shape(), labels.toLongs()));
            }
        }
        assertEquals(6, results.size(), "three recorded prompt calls");
        return results;
    }

    private static long count(List<ProbeResult> results, ProbeResult.Status s) {
        return results.stream().filter(r -> r.status() == s).count();
    }

    @Test
    void theRecordedCallsPassThroughTheEncodersTransformation() throws IOException {
        List<ProbeResult> results = check(0, true, false);
        results.forEach(r -> assertEquals(ProbeResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void coordinatesShiftedByHalfAPixelFail() throws IOException {
        List<ProbeResult> results = check(0.5f, true, false);
        for (ProbeResult r : results) {
            assertEquals(r.key().endsWith("coords") ? ProbeResult.Status.FAIL : ProbeResult.Status.PASS, r.status(), r.line());
        }
    }

    @Test
    void clicksInAnotherOrderFail() throws IOException {
        List<ProbeResult> results = check(0, true, true);
        // call 1 is a positive and a negative click: both its coordinates and its labels differ
        assertEquals(2, count(results, ProbeResult.Status.FAIL), results.toString());
        results.stream().filter(r -> r.status() == ProbeResult.Status.FAIL)
                .forEach(r -> assertEquals(true, r.key().startsWith("inter0.p1."), r.line()));
    }

    @Test
    void boxCornersAfterTheClicksFail() {
        // a call with a box and a click, recorded as the reference orders it: corners (labels 2, 3) first
        Prompt p = Prompt.builder().box(new Box(100, 50, 400, 300)).point(200, 100, true).build();
        float[] ref = new float[6];
        float[] corners = {100, 50, 400, 300};
        for (int i = 0; i < 4; i++) ref[i] = corners[i] / (i % 2 == 0 ? 640 : 480) * SIDE;
        ref[4] = 200f / 640 * SIDE;
        ref[5] = 100f / 480 * SIDE;
        long[] shape = {1, 3, 2};
        long[] labels = {2, 3, 1};
        for (boolean boxFirst : new boolean[] {true, false}) {
            HostTensor[] ours = VideoTracker.referencePoints(new TrackerEngine.Heads[] {heads(p, 640, 480, 0, boxFirst)}, SIDE);
            ProbeResult c = VideoVerifier.pointCoords("c", ours[0], shape, ref, 1e-3);
            ProbeResult l = VideoVerifier.pointLabels("l", ours[1], new long[] {1, 3}, labels);
            ProbeResult.Status expected = boxFirst ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL;
            assertEquals(expected, c.status(), c.line());
            assertEquals(expected, l.status(), l.line());
        }
    }

    @Test
    void theOwnPaddingSlotIsLeftOutAndMustBeLast() {
        Prompt p = Prompt.builder().point(10, 20, true).build();
        HostTensor[] ours = VideoTracker.referencePoints(new TrackerEngine.Heads[] {heads(p, 640, 480, 0, true)}, SIDE);
        assertEquals(List.of(1, 1, 2), List.of(ours[0].shape()[0], ours[0].shape()[1], ours[0].shape()[2]));
        // kept: the padding slot → one point more than recorded, a shape mismatch
        ProbeResult r = VideoVerifier.pointCoords("c", new HostTensor(new int[] {1, 2, 2}, new float[4]), new long[] {1, 1, 2},
                new float[2], 1e-3);
        assertEquals(ProbeResult.Status.FAIL, r.status(), r.line());
        Map<String, HostTensor> noPadding = Map.of(TrackerEngine.POINT_COORDS, new HostTensor(new int[] {1, 1, 2}, new float[2]),
                TrackerEngine.POINT_LABELS, new HostTensor(new int[] {1, 1}, new float[] {1}));
        TrackerEngine.Heads h = new TrackerEngine.Heads(null, null, 0, 0, null, null, null, Float.NaN, noPadding);
        assertThrows(IllegalStateException.class, () -> VideoTracker.referencePoints(new TrackerEngine.Heads[] {h}, SIDE));
        assertNull(VideoTracker.referencePoints(new TrackerEngine.Heads[] {new TrackerEngine.Heads(null, null, 0, 0, null,
                null, null, Float.NaN, Map.of())}, SIDE));
    }
}
