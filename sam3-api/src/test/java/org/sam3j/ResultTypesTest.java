package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** {@link LowResMask}, {@link Instance} and {@link MaskResult}. */
class ResultTypesTest {
    private static final LowResMask LOW = LowResMask.of(new float[] {1, -1, 2, -2}, 2, 2);

    private static Instance inst(int index, float score, int w, int h) {
        return Instance.of(index, score, new Box(0, 0, 1, 1), Mask.empty(w, h), LOW);
    }

    @Test
    void lowResMaskCopies() {
        float[] v = {1, 2, 3, 4, 5, 6};
        LowResMask m = LowResMask.of(v, 3, 2);
        v[0] = 42;
        assertEquals(1f, m.get(0, 0));
        m.logits()[1] = 42;
        assertEquals(2f, m.get(1, 0));
        assertEquals(6f, m.get(2, 1));
        assertEquals(3, m.width());
        assertEquals(2, m.height());
        assertEquals(LowResMask.of(new float[] {5, 6, 7}, 1, 3), LowResMask.of(new float[] {4, 5, 6, 7}, 1, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> LowResMask.of(new float[5], 3, 2));
        assertThrows(IllegalArgumentException.class, () -> LowResMask.of(new float[6], 1, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> LowResMask.of(new float[0], 0, 0));
    }

    @Test
    void instance() {
        Mask mask = RleTest.mask("0110", "0110");
        Instance i = Instance.of(17, 0.75f, new Box(1, 0, 3, 2), mask, LOW);
        assertEquals(17, i.index());
        assertEquals(0.75f, i.score());
        assertEquals(4, i.area());
        assertSame(mask, i.mask());
        assertEquals(i, Instance.of(17, 0.75f, new Box(1, 0, 3, 2), RleTest.mask("0110", "0110"), LOW));
        assertThrows(IllegalArgumentException.class, () -> Instance.of(-1, 0.5f, new Box(0, 0, 1, 1), mask, LOW));
        assertThrows(IllegalArgumentException.class, () -> Instance.of(0, Float.NaN, new Box(0, 0, 1, 1), mask, LOW));
        assertThrows(NullPointerException.class, () -> Instance.of(0, 0.5f, null, mask, LOW));
    }

    @Test
    void resultSortsByScoreThenIndex() {
        MaskResult r = MaskResult.builder(4, 3)
                .addInstance(inst(5, 0.3f, 4, 3))
                .addInstance(inst(9, 0.9f, 4, 3))
                .addInstance(inst(2, 0.3f, 4, 3))
                .addInstances(List.of(inst(7, 0.6f, 4, 3), inst(1, 0.3f, 4, 3)))
                .presenceScore(0.8)
                .timing("encode", Duration.ofMillis(30))
                .timing("decode", Duration.ofMillis(5))
                .timing("encode", Duration.ofMillis(31))
                .rawOutput("pred_logits", RawTensor.of(new int[] {2}, new float[] {1, 2}))
                .build();
        assertEquals(List.of(9, 7, 1, 2, 5), r.instances().stream().map(Instance::index).toList());
        assertEquals(5, r.size());
        assertFalse(r.isEmpty());
        assertEquals(9, r.best().orElseThrow().index());
        assertEquals(OptionalDouble.of(0.8), r.presenceScore());
        assertEquals(List.of("encode", "decode"), List.copyOf(r.timings().keySet()));
        assertEquals(Duration.ofMillis(31), r.timings().get("encode"));
        assertEquals(Map.of("pred_logits", 2), Map.of("pred_logits", r.rawOutputs().get("pred_logits").numel()));
        assertEquals(4, r.imageWidth());
        assertEquals(3, r.imageHeight());
        assertThrows(UnsupportedOperationException.class, () -> r.instances().clear());
        assertThrows(UnsupportedOperationException.class, () -> r.timings().clear());
        assertThrows(UnsupportedOperationException.class, () -> r.rawOutputs().clear());
        assertTrue(r.toString().contains("5 instances"), r.toString());

        MaskResult more = r.toBuilder().timing("post", Duration.ofMillis(1)).build();
        assertEquals(List.of("encode", "decode", "post"), List.copyOf(more.timings().keySet()));
        assertEquals(r.instances(), more.instances());
        assertEquals(3, r.timings().size() + 1, "the original is unchanged");
    }

    @Test
    void emptyResult() {
        MaskResult r = MaskResult.empty(10, 20);
        assertTrue(r.isEmpty());
        assertEquals(0, r.size());
        assertTrue(r.best().isEmpty());
        assertTrue(r.presenceScore().isEmpty());
        assertTrue(r.timings().isEmpty());
    }

    @Test
    void builderValidation() {
        assertThrows(IllegalArgumentException.class, () -> MaskResult.builder(0, 3));
        MaskResult.Builder b = MaskResult.builder(4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.addInstance(inst(0, 0.5f, 3, 4)));
        assertTrue(e.getMessage().contains("3x4 mask"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.presenceScore(1.5));
        assertThrows(IllegalArgumentException.class, () -> b.presenceScore(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> b.timing(" ", Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.timing("x", Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> b.rawOutput("", RawTensor.of(new int[] {0}, new float[0])));
    }
}
