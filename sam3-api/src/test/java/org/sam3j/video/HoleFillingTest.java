package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link HoleFilling}: 8-connected components, small holes filled, then small sprinkles removed. */
class HoleFillingTest {
    private static float[] grid(int h, int w, float value) {
        float[] m = new float[h * w];
        java.util.Arrays.fill(m, value);
        return m;
    }

    @Test
    void componentsAreEightConnected() {
        boolean[] on = new boolean[5 * 5];
        // a diagonal line of 3 pixels (one 8-connected component), and an isolated 2-pixel bar
        on[0] = on[6] = on[12] = true;
        on[4] = on[9] = true;
        int[] area = HoleFilling.componentAreas(on, 5, 5);
        assertEquals(3, area[0]);
        assertEquals(3, area[12]);
        assertEquals(2, area[4]);
        assertEquals(0, area[1]);
    }

    @Test
    void smallHoleIsFilledLargeHoleIsKept() {
        int h = 12;
        int w = 13;   // odd width: the reference pads, which must not matter
        float[] m = grid(h, w, 2f);
        m[2 * w + 2] = -1f;   // 1-pixel hole
        for (int y = 6; y < 11; y++) for (int x = 6; x < 11; x++) m[y * w + x] = -3f;   // 25-pixel hole
        float[] out = HoleFilling.fill(m, h, w, 16);
        assertEquals(0.1f, out[2 * w + 2]);
        assertEquals(-3f, out[8 * w + 8]);
        assertEquals(2f, out[0]);
    }

    @Test
    void sprinklesAreRemovedButNotATinyObject() {
        int h = 10;
        int w = 10;
        float[] m = grid(h, w, -5f);
        for (int y = 0; y < 6; y++) for (int x = 0; x < 6; x++) m[y * w + x] = 1f;   // 36-pixel object
        m[9 * w + 9] = 4f;   // 1-pixel sprinkle: 1 ≤ min(16, 37 / 2)
        float[] out = HoleFilling.fill(m, h, w, 16);
        assertEquals(-0.1f, out[9 * w + 9]);
        assertEquals(1f, out[0]);

        float[] tiny = grid(h, w, -5f);
        tiny[5 * w + 5] = 3f;
        tiny[5 * w + 6] = 3f;   // the only object, 2 pixels: threshold min(16, 1) = 1 keeps it
        assertArrayEquals(tiny, HoleFilling.fill(tiny, h, w, 16));
    }

    @Test
    void filledHolesCountTowardsTheForegroundArea() {
        // a 3x3 ring (8 pixels) around a 1-pixel hole: filled → 9 pixels, threshold min(16, 4) = 4 keeps it
        int h = 7;
        int w = 7;
        float[] m = grid(h, w, -1f);
        for (int y = 2; y < 5; y++) for (int x = 2; x < 5; x++) m[y * w + x] = 1f;
        m[3 * w + 3] = -1f;
        float[] out = HoleFilling.fill(m, h, w, 16);
        assertEquals(0.1f, out[3 * w + 3]);
        assertEquals(1f, out[2 * w + 2]);
    }

    @Test
    void diagonalBackgroundLeakIsOneComponent() {
        // background pixels touching only diagonally join the outside background: not a hole
        int h = 6;
        int w = 6;
        float[] m = grid(h, w, 1f);
        for (int x = 0; x < w; x++) m[x] = -1f;   // the top row is background (6 pixels)
        for (int i = 1; i < 5; i++) m[i * w + i] = -1f;   // a diagonal chain attached to it
        float[] out = HoleFilling.fill(m, h, w, 9);
        // 6 + 4 = 10 pixels > 9: nothing filled (4-connectivity would fill the chain)
        for (int i = 1; i < 5; i++) assertEquals(-1f, out[i * w + i]);
        float[] out16 = HoleFilling.fill(m, h, w, 10);
        for (int i = 1; i < 5; i++) assertEquals(0.1f, out16[i * w + i]);
    }

    @Test
    void noFillingWithoutArea() {
        float[] m = {1f, -1f, 1f, 1f};
        assertArrayEquals(m, HoleFilling.fill(m, 2, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> HoleFilling.fill(m, 3, 2, 16));
    }
}
