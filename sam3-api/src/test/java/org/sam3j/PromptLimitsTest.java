package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The slots of the padded prompt graphs bound a prompt; more is one clear error when it is built. */
class PromptLimitsTest {

    @Test
    void atMostMaxPointsClicks() {
        Prompt.Builder b = Prompt.builder();
        for (int i = 0; i < Prompt.MAX_POINTS; i++) b.point(i, i, true);
        assertEquals(Prompt.MAX_POINTS, b.build().points().size());
        b.point(1, 1, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("too many clicks: 17, a prompt has at most 16 points"), e.getMessage());
    }

    @Test
    void atMostMaxBoxesExemplars() {
        Prompt.Builder b = Prompt.builder().text("car");
        for (int i = 0; i < Prompt.MAX_EXEMPLARS; i++) b.exemplar(new Box(0, 0, 1 + i, 1 + i), true);
        assertEquals(Prompt.MAX_EXEMPLARS, b.build().exemplars().size());
        b.exemplar(new Box(0, 0, 2, 2), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("too many exemplar boxes: 17, a prompt has at most 16"), e.getMessage());
    }
}
