package org.sam3j.postprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.Mask;
import org.sam3j.MaskResult;
import org.sam3j.backend.HostTensor;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Probe;

class ConceptPostprocessorTest {
    private static final int LOW = 288;

    private static float[] whole(FixtureCase c, String key) throws Exception {
        return c.whole(key).orElseThrow(() -> new AssertionError("fixture lacks whole " + key)).toFloats();
    }

    private static long[] wholeLongs(FixtureCase c, String key) throws Exception {
        StoredTensor t = c.whole(key).orElseThrow(() -> new AssertionError("fixture lacks whole " + key));
        return t.toLongs();
    }

    private static float threshold(FixtureCase c, String key) {
        for (var p : c.prompts()) {
            if (p.get("key").asText().equals(key)) return (float) p.get("threshold").asDouble();
        }
        throw new AssertionError("no prompt " + key);
    }

    /**
     * The tiny fixtures: scores, the kept queries, boxes, and, for the kept queries whose low-resolution
     * logits are stored whole ({@code top3_masks}), the upsampled probabilities (against the
     * {@code final_mask_probs} probe) and the mask areas.
     */
    @ParameterizedTest(name = "text{0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void matchesTinyFixture(int i) throws Exception {
        String key = "text" + i;
        try (FixtureCase c = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny")).openCase("truck")) {
            int w = c.width();
            int h = c.height();
            float[] logits = whole(c, key + ".pred_logits");
            float[] boxes = whole(c, key + ".pred_boxes");
            float presence = whole(c, key + ".presence_logit")[0];
            assertEquals(200, logits.length);

            // scores
            float[] scores = ConceptPostprocessor.scores(logits, presence);
            float[] refScores = whole(c, key + ".scores");
            double maxScoreErr = 0;
            for (int q = 0; q < 200; q++) maxScoreErr = Math.max(maxScoreErr, Math.abs(scores[q] - refScores[q]));
            assertTrue(maxScoreErr <= 1e-6, "scores differ by " + maxScoreErr);

            // kept queries, in query order
            ConceptPostprocessor pp = ConceptPostprocessor.withThreshold(threshold(c, key));
            int[] kept = pp.keptQueries(scores);
            float[] finalScores = whole(c, key + ".final_scores");
            assertEquals(finalScores.length, kept.length, "kept count");
            for (int j = 0; j < kept.length; j++) {
                assertEquals(finalScores[j], scores[kept[j]], 1e-6f, "final score " + j);
            }

            // masks: only the top-3 queries' low-res logits are stored whole
            long[] top3 = wholeLongs(c, key + ".top3_index");
            float[] top3Masks = whole(c, key + ".top3_masks");
            Map<Integer, float[]> lowRes = new HashMap<>();
            for (int t = 0; t < top3.length; t++) {
                float[] m = new float[LOW * LOW];
                System.arraycopy(top3Masks, t * LOW * LOW, m, 0, LOW * LOW);
                lowRes.put((int) top3[t], m);
            }
            // queries without stored logits get a mask of the whole image (an empty one would not be an instance)
            float[] whole = new float[LOW * LOW];
            java.util.Arrays.fill(whole, 1f);
            MaskResult result = pp.process(logits, boxes, presence, q -> lowRes.getOrDefault(q, whole), LOW, LOW, w, h);
            assertEquals(kept.length, result.size());
            assertEquals(ConceptPostprocessor.sigmoid(presence), result.presenceScore().orElseThrow(), 0.0);
            Map<Integer, Instance> byQuery = new HashMap<>();
            float prev = Float.POSITIVE_INFINITY;
            for (Instance inst : result.instances()) {
                assertTrue(inst.score() <= prev, "sorted by score");
                prev = inst.score();
                byQuery.put(inst.index(), inst);
                assertEquals(w, inst.mask().width());
                assertEquals(h, inst.mask().height());
            }

            // boxes
            float[] finalBoxes = whole(c, key + ".final_boxes_xyxy");
            double maxBoxErr = 0;
            for (int j = 0; j < kept.length; j++) {
                Instance inst = byQuery.get(kept[j]);
                assertEquals(scores[kept[j]], inst.score());
                float[] b = inst.box().toArray();
                // instances carry the reference's box clipped to the image
                float[] ref = new Box(finalBoxes[4 * j], finalBoxes[4 * j + 1], finalBoxes[4 * j + 2], finalBoxes[4 * j + 3])
                        .clip(w, h).toArray();
                for (int k = 0; k < 4; k++) maxBoxErr = Math.max(maxBoxErr, Math.abs(b[k] - ref[k]));
            }
            assertTrue(maxBoxErr <= 1e-3, "boxes differ by " + maxBoxErr + " px");

            // mask probabilities (probe) and areas of the instances we have logits for
            float[] probe = c.probe(key + ".final_mask_probs");
            long numel = c.stats().get(key + ".final_mask_probs").numel();
            assertEquals((long) kept.length * w * h, numel);
            long[] idx = Probe.indices(numel);
            long[] refArea = wholeLongs(c, key + ".final_mask_area");
            int plane = w * h;
            int compared = 0;
            double maxProbErr = 0;
            List<String> areas = new ArrayList<>();
            long worstArea = 0;
            for (int j = 0; j < kept.length; j++) {
                float[] low = lowRes.get(kept[j]);
                if (low == null) continue;
                float[] up = ConceptPostprocessor.upsampleLogits(low, LOW, LOW, w, h);
                for (int k = 0; k < idx.length; k++) {
                    if (idx[k] / plane != j) continue;
                    float p = ConceptPostprocessor.sigmoid(up[(int) (idx[k] % plane)]);
                    maxProbErr = Math.max(maxProbErr, Math.abs(p - probe[k]));
                    compared++;
                }
                Mask mask = byQuery.get(kept[j]).mask();
                assertEquals(Mask.fromLogits(up, w, h), mask);
                long diff = mask.area() - refArea[j];
                worstArea = Math.max(worstArea, Math.abs(diff));
                areas.add("q" + kept[j] + ": " + mask.area() + " vs " + refArea[j] + " (" + (diff >= 0 ? "+" : "") + diff + ")");
            }
            System.out.printf("%s: %d kept (ref %d), max |score err| %.3g, max |box err| %.3g px, %d probe values in "
                            + "%d top-3 instances, max |prob err| %.3g, mask areas %s%n", key, kept.length,
                    finalScores.length, maxScoreErr, maxBoxErr, compared, areas.size(), maxProbErr, areas);
            assertTrue(areas.size() > 0, "no top-3 query among the kept ones");
            assertTrue(compared > 0, "no probe value fell into a top-3 instance");
            assertTrue(maxProbErr <= 1e-4, "mask probabilities differ by " + maxProbErr);
            assertTrue(worstArea <= 5, "mask areas differ by up to " + worstArea + " px: " + areas);
        }
    }

    /** The full fixture: flat scores, nothing above its threshold 0.25, so an empty result; masks never read. */
    @Test
    void fullFixtureKeepsNothing() throws Exception {
        Path dir = SharedData.resolve("fixtures/sam3/full");
        try (FixtureCase c = FixtureSet.open(dir).openCase("truck")) {
            for (int i = 0; i < 4; i++) {
                String key = "text" + i;
                float[] logits = whole(c, key + ".pred_logits");
                float presence = whole(c, key + ".presence_logit")[0];
                float[] scores = ConceptPostprocessor.scores(logits, presence);
                float[] ref = whole(c, key + ".scores");
                for (int q = 0; q < scores.length; q++) assertEquals(ref[q], scores[q], 1e-6f);
                ConceptPostprocessor pp = ConceptPostprocessor.withThreshold(threshold(c, key));
                assertEquals(0, pp.keptQueries(scores).length);
                assertEquals(0, c.whole(key + ".final_scores").orElseThrow().numel());
                MaskResult r = pp.process(logits, whole(c, key + ".pred_boxes"), presence,
                        q -> fail("mask of query " + q + " requested"), LOW, LOW, c.width(), c.height());
                assertTrue(r.isEmpty());
                assertTrue(r.best().isEmpty());
                assertEquals(c.width(), r.imageWidth());
                assertTrue(r.presenceScore().isPresent());
            }
        }
    }

    @Test
    void thresholdValidation() {
        assertEquals(0.5f, ConceptPostprocessor.withDefaults().threshold());
        assertEquals(0f, ConceptPostprocessor.withThreshold(0f).threshold());
        assertEquals(1f, ConceptPostprocessor.withThreshold(1f).threshold());
        for (float bad : new float[] {-0.01f, 1.01f, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConceptPostprocessor.withThreshold(bad));
            assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        }
    }

    @Test
    void keepsStrictlyAboveThreshold() {
        ConceptPostprocessor pp = ConceptPostprocessor.withThreshold(0.5f);
        assertArrayEquals(new int[] {1, 3}, pp.keptQueries(new float[] {0.5f, 0.51f, 0.2f, 0.99f, Float.NaN}));
    }

    /** A synthetic 3-query case through the array and tensor entry points. */
    @Test
    void smallSyntheticCase() {
        float[] logits = {3f, -5f, 1f};
        float[] boxes = {0.5f, 0.5f, 0.5f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.25f, 0.25f, 0.5f, 0.5f};
        int mw = 4;
        int mh = 2;
        float[] masks = new float[3 * mh * mw];
        for (int k = 0; k < mh * mw; k++) {
            masks[k] = k % mw < 2 ? 5f : -5f; // query 0: left half
            masks[2 * mh * mw + k] = 5f; // query 2: everything
        }
        ConceptPostprocessor pp = ConceptPostprocessor.withThreshold(0.3f);
        MaskResult r = pp.process(logits, boxes, 2f, masks, mw, mh, 8, 4);
        float presence = ConceptPostprocessor.sigmoid(2f);
        assertEquals(2, r.size());
        Instance best = r.instances().get(0);
        assertEquals(0, best.index());
        assertEquals(ConceptPostprocessor.sigmoid(3f) * presence, best.score());
        assertEquals(new Box(2, 1, 6, 3), best.box());
        assertEquals(16, best.area()); // left half of 8x4
        assertEquals(java.util.Optional.of(new Box(0, 0, 4, 4)), best.mask().boundingBox());
        assertEquals(mw, best.lowResLogits().width());
        assertEquals(5f, best.lowResLogits().get(1, 1));
        Instance second = r.instances().get(1);
        assertEquals(2, second.index());
        assertEquals(32, second.area());
        assertEquals(new Box(0, 0, 4, 2), second.box());

        MaskResult viaTensors = pp.process(new HostTensor(new int[] {1, 3, 1}, logits),
                new HostTensor(new int[] {1, 3, 4}, boxes), new HostTensor(new int[] {1, 1}, new float[] {2f}),
                new HostTensor(new int[] {1, 3, mh, mw}, masks), 8, 4);
        assertEquals(r.instances(), viaTensors.instances());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pp.process(logits, boxes, 2f, new float[5], mw, mh, 8, 4));
        assertTrue(e.getMessage().contains("lowResMasks"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> pp.process(logits, new float[8], 2f, masks, mw, mh, 8, 4));
        assertThrows(IllegalArgumentException.class, () -> pp.process(logits, boxes, 2f, masks, mw, mh, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> pp.process(logits, boxes, Float.NaN, masks, mw, mh, 8, 4));
        assertThrows(IllegalArgumentException.class,
                () -> pp.process(logits, boxes, 2f, q -> new float[3], mw, mh, 8, 4));
    }

    @Test
    void instancesHaveClippedBoxesAndPixels() {
        // query 0: a box reaching past the right and bottom edges, a mask of pixels; query 1: kept by its score
        // but its mask has no pixel at the original size; query 2: below the threshold
        float[] logits = {3f, 3f, -3f};
        float[] boxes = {0.8f, 0.8f, 0.6f, 0.6f, 0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.1f, 0.1f};
        float[] full = new float[4];
        java.util.Arrays.fill(full, 2f);
        float[] none = new float[4];
        java.util.Arrays.fill(none, -2f);
        MaskResult r = ConceptPostprocessor.withDefaults().process(logits, boxes, 5f, q -> q == 0 ? full : none, 2, 2, 10, 20);
        assertEquals(1, r.size(), "the query without mask pixels is not an instance");
        Instance inst = r.instances().get(0);
        assertEquals(0, inst.index());
        assertEquals(new Box(5f, 10f, 10f, 20f), inst.box(), "clipped to the 10x20 image");
        assertEquals(200, inst.area());
        // the reference's unclipped box stays available for comparisons
        assertEquals(11f, ConceptPostprocessor.box(boxes, 0, 10, 20).x1(), 1e-5f);
    }
}
