package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReferenceBinarisationTest {
    private static final float BOUND = 1e-4f;

    @Test
    void equalCountsFlipNothing() {
        float[][] logits = {{0.5f, 3e-7f, -2e-7f}, {-1f, 2f}};
        ReferenceBinarisation.Result r = ReferenceBinarisation.align(logits, 3, BOUND);
        assertSame(logits, r.logits());
        assertEquals(3, r.ours());
        assertEquals(0, r.flipped());
        assertEquals(2, r.nearZero());
        assertTrue(r.aligned());
        assertEquals("binarised 3 pixels, as the reference", r.note());
    }

    @Test
    void oneTooManyFlipsTheSmallestPositiveLogit() {
        float[][] logits = {{0.5f, 1e-5f, -2e-7f}, {3e-7f, -0.3f}};
        float[][] before = {logits[0].clone(), logits[1].clone()};
        ReferenceBinarisation.Result r = ReferenceBinarisation.align(logits, 2, BOUND);
        assertArrayEquals(new float[] {0.5f, 1e-5f, -2e-7f}, r.logits()[0]);
        assertArrayEquals(new float[] {-3e-7f, -0.3f}, r.logits()[1]);
        assertArrayEquals(before[0], logits[0]);
        assertArrayEquals(before[1], logits[1]);
        assertEquals(3, r.ours());
        assertEquals(1, r.flipped());
        assertEquals(3e-7f, r.largest());
        assertTrue(r.aligned());
        assertEquals(2, positive(r.logits()));
    }

    @Test
    void tooFewRaiseTheLogitsNearestToZeroAndZeroBecomesPositive() {
        float[][] logits = {{-5e-6f, 0f, 0.2f, -1e-6f, -0f}};
        ReferenceBinarisation.Result r = ReferenceBinarisation.align(logits, 4, BOUND);
        // 0 and −0 (|v| = 0, in index order), then −1e-6; −5e-6 stays
        assertArrayEquals(new float[] {-5e-6f, Float.MIN_VALUE, 0.2f, 1e-6f, Float.MIN_VALUE}, r.logits()[0]);
        assertEquals(3, r.flipped());
        assertEquals(1e-6f, r.largest());
        assertEquals(4, positive(r.logits()));
        assertTrue(r.note().contains("3 of 4 near-zero pixel(s) flipped"), r.note());
    }

    @Test
    void aGapLargerThanTheNearZeroPixelsIsNotAligned() {
        float[][] logits = {{2e-4f, 3e-7f, 0.7f}};
        ReferenceBinarisation.Result r = ReferenceBinarisation.align(logits, 1, BOUND);
        assertSame(logits, r.logits());
        assertEquals(0, r.flipped());
        assertFalse(r.aligned());
        assertTrue(r.note().contains("more than the 1 with |logit| < bound"), r.note());
        // nor on the other side: only positive near-zero pixels could have been the reference's zeros
        assertFalse(ReferenceBinarisation.align(new float[][] {{-3e-7f, 0.5f}}, 0, BOUND).aligned());
    }

    @Test
    void referenceCountFromTheRecordedSum() {
        // inter0.f0.mem_enc.mask_in of video-tiny: 2 × 1008², each pixel +10 or −10
        assertEquals(270_910, ReferenceBinarisation.referenceCount(-14_903_080.0, 2_032_128, 20f, -10f));
        assertEquals(0, ReferenceBinarisation.referenceCount(-100.0, 10, 20f, -10f));
        assertEquals(10, ReferenceBinarisation.referenceCount(100.0, 10, 20f, -10f));
        assertThrows(IllegalArgumentException.class, () -> ReferenceBinarisation.referenceCount(-95.0, 10, 20f, -10f));
        assertThrows(IllegalArgumentException.class, () -> ReferenceBinarisation.referenceCount(120.0, 10, 20f, -10f));
    }

    private static int positive(float[][] logits) {
        int n = 0;
        for (float[] l : logits) for (float v : l) if (v > 0f) n++;
        return n;
    }
}
