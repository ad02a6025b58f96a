package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BoxTest {
    @Test
    void sizes() {
        Box b = new Box(10, 20, 40, 30);
        assertEquals(30f, b.width());
        assertEquals(10f, b.height());
        assertEquals(300.0, b.area());
        assertEquals(0.0, new Box(5, 5, 5, 9).area());
        assertArrayEquals(new float[] {10, 20, 40, 30}, b.toArray());
    }

    @Test
    void validation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Box(10, 0, 9, 5));
        assertTrue(e.getMessage().contains("x1 < x0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Box(0, 10, 5, 9));
        assertTrue(e.getMessage().contains("y1 < y0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Box(Float.NaN, 0, 5, 5));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Box(0, 0, Float.POSITIVE_INFINITY, 5));
        assertThrows(IllegalArgumentException.class, () -> Box.fromCxCyWhNormalized(0.5f, 0.5f, -0.1f, 0.1f, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> Box.fromCxCyWhNormalized(0.5f, 0.5f, 0.1f, 0.1f, 0, 10));
    }

    @Test
    void fromNormalizedCentreSizeInFloat() {
        Box b = Box.fromCxCyWhNormalized(0.5f, 0.25f, 0.2f, 0.5f, 1800, 1200);
        assertEquals(new Box((0.5f - 0.5f * 0.2f) * 1800f, (0.25f - 0.5f * 0.5f) * 1200f,
                (0.5f + 0.5f * 0.2f) * 1800f, (0.25f + 0.5f * 0.5f) * 1200f), b);
        assertEquals(720f, b.x0(), 1e-3f);
        assertEquals(0f, b.y0(), 1e-3f);
        assertEquals(1080f, b.x1(), 1e-3f);
        assertEquals(600f, b.y1(), 1e-3f);
        // the reference does not clip
        Box out = Box.fromCxCyWhNormalized(0.05f, 0.5f, 0.2f, 0.2f, 100, 100);
        assertTrue(out.x0() < 0);
        Box c = out.clip(100, 100);
        assertEquals(0f, c.x0());
        assertEquals(40f, c.y0(), 1e-4f);
        assertEquals(15f, c.x1(), 1e-4f);
        assertEquals(60f, c.y1(), 1e-4f);
    }

    @Test
    void clip() {
        assertEquals(new Box(0, 0, 10, 10), new Box(-5, -5, 20, 20).clip(10, 10));
        assertEquals(new Box(10, 2, 10, 3), new Box(12, 2, 15, 3).clip(10, 10));
    }
}
