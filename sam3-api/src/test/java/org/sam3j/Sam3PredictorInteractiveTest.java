package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/**
 * Interactive prompts through the public API (tiny configuration, synthetic weights): candidates and
 * IoUs equal the reference's, refinement with a previous mask works, bad prompts fail clearly, and
 * concept and interactive prompts share one embedding.
 */
class Sam3PredictorInteractiveTest {
    private static Sam3Model model;
    private static Sam3Predictor predictor;
    private static FixtureCase truck;

    @BeforeAll
    static void load() throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        model = Sam3Model.builder().syntheticWeights().config(Verifier.configOf(set)).build();
        predictor = model.newPredictor();
        predictor.setImage(SharedData.resolve("images/truck.jpg"));
        truck = set.openCase("truck");
    }

    @AfterAll
    static void close() throws Exception {
        if (predictor != null) predictor.close();
        if (model != null) model.close();
        if (truck != null) truck.close();
    }

    private static float[] sortedDescending(float[] v) {
        float[] s = v.clone();
        Arrays.sort(s);
        for (int i = 0; i < s.length / 2; i++) {
            float t = s[i];
            s[i] = s[s.length - 1 - i];
            s[s.length - 1 - i] = t;
        }
        return s;
    }

    private static float[] scores(MaskResult r) {
        float[] s = new float[r.size()];
        for (int i = 0; i < s.length; i++) s[i] = r.instances().get(i).score();
        return s;
    }

    @Test
    void clickGivesThreeCandidatesWithTheReferenceIou() throws Exception {
        MaskResult r = predictor.predict(Prompt.point(500, 375));
        assertEquals(3, r.size(), "a single click is ambiguous: three candidates");
        float[] ref = truck.whole("inter0.iou").orElseThrow().toFloats();
        assertArrayEquals(sortedDescending(ref), scores(r), 1e-4f);
        Instance best = r.best().orElseThrow();
        assertEquals(1800, best.mask().width());
        assertEquals(288, best.lowResLogits().width());
        // the reported box is the mask's extent
        if (best.area() > 0) assertEquals(best.mask().boundingBox().orElseThrow(), best.box());
    }

    @Test
    void boxWithSingleMaskAndCombinedPromptMatchTheReference() throws Exception {
        MaskResult one = predictor.predict(Prompt.builder().box(new Box(425, 600, 700, 875)).multimask(false).build());
        assertEquals(1, one.size());
        assertArrayEquals(truck.whole("inter1.iou").orElseThrow().toFloats(), scores(one), 1e-4f);
        MaskResult combined = predictor.predict(Prompt.builder().point(500, 375, true).point(1125, 625, false)
                .box(new Box(75, 275, 1725, 850)).multimask(true).build());
        assertArrayEquals(sortedDescending(truck.whole("inter2.iou").orElseThrow().toFloats()), scores(combined), 1e-4f);
        assertEquals(1, predictor.imageEncodings(), "interactive prompts reuse the embedding");
    }

    @Test
    void previousLogitsRefineTheMask() {
        MaskResult first = predictor.predict(Prompt.point(500, 375));
        LowResMask previous = first.best().orElseThrow().lowResLogits();
        MaskResult refined = predictor.predict(Prompt.builder().point(500, 375, true).mask(previous).build());
        assertEquals(1, refined.size(), "one mask when refining");
        assertNotEquals(first.best().orElseThrow().score(), refined.best().orElseThrow().score(),
                "the mask prompt changes the prediction");
    }

    @Test
    void theFirstPromptWithoutAMaskKeepsTheDecodersShareOfTheImage() throws Exception {
        try (Sam3Predictor p = model.newPredictor()) {
            p.setImage(SharedData.resolve("images/truck.jpg"));
            long embedding = p.residentBytes();
            int side = 4 * model.config().gridSize();
            MaskResult masked = p.predict(Prompt.builder().mask(LowResMask.of(new float[side * side], side, side)).build());
            assertEquals(embedding, p.residentBytes(), "a mask prompt does not use the prepared image");
            MaskResult first = p.predict(Prompt.point(500, 375));
            int hw = model.config().gridSize() * model.config().gridSize();
            int c = model.config().dModel();
            long share = (long) Float.BYTES * (hw * c + 3 * hw * c / 2);
            assertEquals(embedding + share, p.residentBytes(), "image tokens and three projections, once");
            p.predict(Prompt.box(new Box(425, 600, 700, 875)));
            assertEquals(embedding + share, p.residentBytes());
            assertArrayEquals(scores(predictor.predict(Prompt.point(500, 375))), scores(first), 0f);
            assertEquals(1, masked.size());
            p.clearImage();
            assertEquals(0, p.residentBytes());
        }
    }

    @Test
    void badInteractivePromptsFailClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> predictor.predict(Prompt.point(1900, 10)));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(Prompt.box(new Box(10, 10, 2000, 50))));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> predictor.predict(Prompt.builder().point(10, 10, true).mask(LowResMask.of(new float[64 * 64], 64, 64))
                        .build()));
        assertTrue(e.getMessage().contains("288x288"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Prompt.point(Float.NaN, 3));
        e = assertThrows(IllegalArgumentException.class,
                () -> Prompt.builder().point(10, 10, true).threshold(0.3f).build());
        assertTrue(e.getMessage().contains("concept"), e.getMessage());
    }
}
