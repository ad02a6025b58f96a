package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Association} on hand-made masks (released thresholds: new 0.7, assoc 0.1, matched 0.5). */
class AssociationTest {
    private static final TextTrackingSettings S = TextTrackingSettings.released();

    private static boolean[] mask(int... on) {
        boolean[] m = new boolean[10];
        for (int i : on) m[i] = true;
        return m;
    }

    @Test
    void decisions() {
        boolean[][] det = {mask(0, 1, 2, 3, 4), mask(7, 8), mask(5), mask(0, 1, 2, 3)};
        float[] scores = {0.9f, 0.9f, 0.5f, 0.85f};
        boolean[][] trk = {mask(0, 1, 2, 3, 4), mask(6, 7, 8, 9), mask()};
        long[] ids = {4, 7, 9};
        Association.Result r = Association.associate(det, scores, trk, ids, S);
        assertEquals(1f, r.ious()[0][0]);
        assertEquals(0.5f, r.ious()[1][1]);
        assertEquals(0.8f, r.ious()[3][0]);
        // det 2 overlaps nothing but scores below 0.7; det 1 overlaps track 7
        assertArrayEquals(new int[] {}, r.newDetections());
        assertArrayEquals(new long[] {}, r.unmatchedTrackIds());
        assertArrayEquals(new long[] {9}, r.emptyTrackIds());
        assertArrayEquals(new long[] {4}, r.detToMatchedTrackIds().get(0));
        assertArrayEquals(new long[] {7}, r.detToMatchedTrackIds().get(1));
        assertArrayEquals(new long[] {}, r.detToMatchedTrackIds().get(2));
        // det 0 (IoU 1) and det 3 (IoU 0.8) are both high-confidence for track 4: the later one wins
        assertEquals(Map.of(4L, 3), r.highConfDetOfTrack());
    }

    @Test
    void newAndUnmatched() {
        boolean[][] det = {mask(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)};
        boolean[][] trk = {mask(0)};
        Association.Result r = Association.associate(det, new float[] {0.95f}, trk, new long[] {3}, S);
        assertEquals(0.1f, r.ious()[0][0]);   // ≥ assoc threshold: not new, but < 0.5: unmatched
        assertArrayEquals(new int[] {}, r.newDetections());
        assertArrayEquals(new long[] {3}, r.unmatchedTrackIds());
        boolean[][] det2 = {mask(5, 6)};
        Association.Result r2 = Association.associate(det2, new float[] {0.95f}, trk, new long[] {3}, S);
        assertArrayEquals(new int[] {0}, r2.newDetections());
        assertEquals(Map.of(), r2.highConfDetOfTrack());
    }

    @Test
    void noTracksOrNoDetections() {
        Association.Result r = Association.associate(new boolean[][] {mask(1)}, new float[] {0.1f}, new boolean[0][],
                new long[0], S);
        assertArrayEquals(new int[] {0}, r.newDetections());   // every detection is new when nothing is tracked
        assertEquals(Map.of(), r.detToMatchedTrackIds());
        Association.Result e = Association.associate(new boolean[0][], new float[0], new boolean[][] {mask(1), mask()},
                new long[] {1, 2}, S);
        assertArrayEquals(new long[] {1}, e.unmatchedTrackIds());
        assertArrayEquals(new long[] {2}, e.emptyTrackIds());
        assertThrows(IllegalArgumentException.class,
                () -> Association.associate(new boolean[1][], new float[0], new boolean[0][], new long[0], S));
    }
}
