package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link DetectionNms} and {@link DetectorScores} on hand-made queries. */
class DetectionNmsTest {
    /** Four queries of 2x2 masks: q0 (p .62) and q2 (p .73) overlap by IoU 1/3, q1 below threshold, q3 apart. */
    @Test
    void greedyByProbabilitySuppressesOverlaps() {
        float[] logits = {0.5f, -2f, 1f, 0.2f};
        float[] masks = {
            1, 1, -1, -1,   // q0
            1, 1, 1, 1,     // q1 (not a candidate)
            1, 1, 1, -1,    // q2: IoU with q0 = 2/3
            -1, -1, -1, 1,  // q3
        };
        DetectionNms.Result r = DetectionNms.apply(logits, masks, 4, q -> q, 0.5f, 0.5f);
        assertArrayEquals(new int[] {0, 2, 3}, r.candidates());
        assertEquals(2f / 3f, r.ious()[0][1], 1e-7);
        assertEquals(0f, r.ious()[1][2]);
        assertTrue(r.keep()[2]);
        assertFalse(r.keep()[0]);
        assertTrue(r.keep()[3]);
        assertFalse(r.keep()[1]);
        assertEquals(0.5f - 1e4f, r.logitsAfter()[0]);
        assertEquals(1f, r.logitsAfter()[2]);
        assertArrayEquals(new int[] {2, 3}, r.kept(0.5f));
        // a looser IoU threshold keeps q0 as well
        assertArrayEquals(new int[] {0, 2, 3}, DetectionNms.apply(logits, masks, 4, q -> q, 0.5f, 0.7f).kept(0.5f));
    }

    @Test
    void emptyMasksHaveIouZero() {
        assertEquals(0f, MaskOps.iou(new boolean[4], new boolean[4]));
    }

    @Test
    void jointLogitsFoldPresenceAndClamp() {
        float[] j = DetectorScores.jointLogits(new float[] {0f, 30f, -30f}, 0f);
        assertEquals(Math.log(0.25 / 0.75), j[0], 1e-6);
        assertEquals(0f, j[1], 1e-6);      // sigmoid(30)·0.5 = 0.5
        assertEquals(-6.9068f, j[2], 1e-3);   // clamped to eps 1e-3: log(1e-3 / 0.999)
        // eps 1e-3 bounds the logit by log(0.999 / 1e-3) ≈ 6.9068 before the ±10 clamp matters
        assertEquals(Math.log(1 / 1e-3), DetectorScores.jointLogits(new float[] {40f}, 40f)[0], 1e-5);
    }
}
