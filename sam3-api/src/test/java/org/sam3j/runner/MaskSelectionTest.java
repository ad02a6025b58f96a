package org.sam3j.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Multimask output and the single-mask stability fall-back. */
class MaskSelectionTest {
    private static final int SIDE = 10;

    @Test
    void multimaskReturnsTokensOneToThree() {
        assertArrayEquals(new int[] {1, 2, 3}, MaskSelection.select(new float[4 * SIDE * SIDE], new float[4], SIDE, true));
    }

    @Test
    void stableSingleMaskIsTokenZero() {
        float[] masks = new float[4 * SIDE * SIDE];
        java.util.Arrays.fill(masks, 0, 50, 5f);    // half the map clearly inside
        java.util.Arrays.fill(masks, 50, 100, -5f);  // half clearly outside
        assertEquals(1f, MaskSelection.stabilityScore(masks, 0, 100));
        assertArrayEquals(new int[] {0}, MaskSelection.select(masks, new float[] {0.1f, 0.9f, 0.8f, 0.95f}, SIDE, false));
    }

    @Test
    void unstableSingleMaskFallsBackToTheBestMultimaskToken() {
        float[] masks = new float[4 * SIDE * SIDE];
        java.util.Arrays.fill(masks, 0, 50, 5f);
        java.util.Arrays.fill(masks, 50, 52, 0.01f);  // 2 of 52 pixels between −δ and +δ: 50/52 < 0.98
        java.util.Arrays.fill(masks, 52, 100, -5f);
        assertEquals(50f / 52f, MaskSelection.stabilityScore(masks, 0, 100), 1e-7);
        assertArrayEquals(new int[] {2}, MaskSelection.select(masks, new float[] {0.99f, 0.5f, 0.9f, 0.7f}, SIDE, false));
        assertEquals(1, MaskSelection.bestMultimaskToken(new float[] {0, 0.5f, 0.5f, 0.5f}), "first on ties");
    }

    @Test
    void emptyMaskIsStable() {
        float[] masks = new float[4 * SIDE * SIDE];
        java.util.Arrays.fill(masks, -3f);
        assertEquals(1f, MaskSelection.stabilityScore(masks, 0, 100));
        assertArrayEquals(new int[] {0}, MaskSelection.select(masks, new float[4], SIDE, false));
    }
}
