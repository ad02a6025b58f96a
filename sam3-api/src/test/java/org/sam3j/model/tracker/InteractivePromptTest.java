package org.sam3j.model.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Prompt construction and its validation messages. */
class InteractivePromptTest {

    @Test
    void buildsPointsBoxAndMaskAndIsImmutable() {
        float[] mask = new float[288 * 288];
        InteractivePrompt p = InteractivePrompt.builder().positive(1, 2).negative(3, 4).box(0, 0, 10, 20).mask(mask).build();
        assertEquals(2, p.pointCount());
        assertEquals(1, p.label(0));
        assertEquals(0, p.label(1));
        assertEquals(3f, p.pointX(1));
        assertEquals(4f, p.pointY(1));
        assertArrayEquals(new float[] {0, 0, 10, 20}, p.box());
        p.box()[0] = 99;
        assertEquals(0f, p.box()[0]);
        mask[0] = 5;
        assertEquals(0f, p.mask()[0], "the prompt keeps its own copy");
        assertTrue(p.hasMask());
        assertFalse(InteractivePrompt.point(1, 1).hasBox());
        assertTrue(InteractivePrompt.box(1, 1, 1, 1).hasBox(), "a degenerate box is allowed");
    }

    @Test
    void emptyPromptIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.builder().build());
        assertTrue(e.getMessage().contains("empty prompt"), e.getMessage());
    }

    @Test
    void maskAloneIsAccepted() {
        assertTrue(InteractivePrompt.builder().mask(new float[4]).build().hasMask());
    }

    @Test
    void labelsOtherThanZeroOrOneAreRejected() {
        for (int label : new int[] {-1, 2, 3}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InteractivePrompt.builder().point(1, 1, label));
            assertTrue(e.getMessage().contains("label " + label), e.getMessage());
        }
    }

    @Test
    void nonFiniteValuesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InteractivePrompt.builder().positive(Float.NaN, 1));
        assertTrue(e.getMessage().contains("point x is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.builder().box(0, 0, Float.POSITIVE_INFINITY, 1));
        assertTrue(e.getMessage().contains("box x1 is Infinity"), e.getMessage());
        float[] mask = new float[16];
        mask[7] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.builder().mask(mask));
        assertTrue(e.getMessage().contains("mask prompt value 7 is NaN"), e.getMessage());
    }

    @Test
    void invertedBoxIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.box(10, 0, 5, 5));
        assertTrue(e.getMessage().contains("x0 <= x1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.box(0, 10, 5, 5));
    }

    @Test
    void coordinatesOutsideTheImageAreNamed() {
        InteractivePrompt.point(0, 0).checkInside(100, 50);
        InteractivePrompt.point(100, 50).checkInside(100, 50);   // closed range
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InteractivePrompt.builder().positive(1, 1).negative(101, 3).build().checkInside(100, 50));
        assertTrue(e.getMessage().contains("point 1 (101.0, 3.0) is outside the image [0, 100] x [0, 50]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.box(-1, 0, 5, 5).checkInside(100, 50));
        assertTrue(e.getMessage().contains("box corner (x0, y0)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InteractivePrompt.box(0, 0, 5, 51).checkInside(100, 50));
        assertTrue(e.getMessage().contains("box corner (x1, y1)"), e.getMessage());
    }
}
