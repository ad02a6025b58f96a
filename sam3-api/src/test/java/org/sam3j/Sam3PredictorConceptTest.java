package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.image.ImageLoader;
import org.sam3j.testing.ReferenceScores;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/**
 * The public API end to end on the tiny configuration with synthetic weights: results equal the
 * reference's post-processed outputs, the embedding and text features are computed once, and bad
 * prompts fail clearly.
 */
class Sam3PredictorConceptTest {
    private static Sam3Model model;
    private static Sam3Predictor predictor;
    private static FixtureSet fixtures;
    private static FixtureCase truck;

    @BeforeAll
    static void load() throws Exception {
        fixtures = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        Sam3Config config = Verifier.configOf(fixtures);
        model = Sam3Model.builder().syntheticWeights().config(config)
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).build();
        predictor = model.newPredictor();
        predictor.setImage(SharedData.resolve("images/truck.jpg"));
        truck = fixtures.openCase("truck");
    }

    @AfterAll
    static void close() throws Exception {
        if (predictor != null) predictor.close();
        if (model != null) model.close();
        if (truck != null) truck.close();
    }

    /**
     * The reference's kept scores, best first, of the instances with mask pixels (the API does not return a
     * kept query whose mask is empty at the original size).
     */
    private static float[] referenceScores(String key) throws Exception {
        return ReferenceScores.ofInstances(truck, key);
    }

    private static float[] scores(MaskResult r) {
        return ReferenceScores.of(r);
    }

    @Test
    void textPromptGivesTheReferenceInstances() throws Exception {
        MaskResult r = predictor.predict(Prompt.builder().text("truck").threshold(0.25f).build());
        float[] ref = referenceScores("text0");
        assertEquals(ref.length, r.size(), "instances kept");
        assertArrayEquals(ref, scores(r), 1e-4f);
        Instance best = r.best().orElseThrow();
        assertEquals(1800, best.mask().width());
        assertEquals(1200, best.mask().height());
        assertTrue(r.presenceScore().isPresent());
        assertTrue(r.timings().containsKey("detector"));
        assertTrue(r.rawOutputs().isEmpty(), "raw outputs only on request");
        MaskResult raw = predictor.predict(Prompt.builder().text("truck").threshold(0.25f).build(),
                CallOptions.none().withRawOutputs());
        assertEquals(4, raw.rawOutputs().get("pred_masks").shape().length);
        assertArrayEquals(scores(r), scores(raw));
        // boxes of the best instance equal the reference's box of that query
        float[] refBoxes = truck.whole("text0.final_boxes_xyxy").orElseThrow().toFloats();
        float[] keptScores = truck.whole("text0.final_scores").orElseThrow().toFloats();
        int row = -1;
        for (int i = 0; i < keptScores.length; i++) if (Math.abs(keptScores[i] - best.score()) < 1e-6) row = i;
        assertTrue(row >= 0);
        assertArrayEquals(Arrays.copyOfRange(refBoxes, 4 * row, 4 * row + 4), best.box().toArray(), 0.05f);
    }

    @Test
    void exemplarBoxesInPixelsGiveTheReferenceInstances() throws Exception {
        // text3: boxes given normalised (cx, cy, w, h) in the fixture; here in pixels of the 1800x1200 photo
        float w = 1800;
        float h = 1200;
        Box pos = new Box((0.31f - 0.153f / 2) * w, (0.615f - 0.229f / 2) * h, (0.31f + 0.153f / 2) * w,
                (0.615f + 0.229f / 2) * h);
        Box neg = new Box(0.4f * w, 0.2f * h, 0.6f * w, 0.4f * h);
        MaskResult r = predictor.predict(Prompt.builder().exemplar(pos, true).exemplar(neg, false).threshold(0.25f).build());
        float[] ref = referenceScores("text3");
        assertEquals(ref.length, r.size());
        assertArrayEquals(ref, scores(r), 1e-4f);
    }

    /**
     * The first concept prompt about an image prepares the detector's share of it and frees the two finer detector
     * levels, which only that preparation reads; later concept prompts and clicks on the image work and hold no more.
     */
    @Test
    void theFirstConceptPromptReplacesTheFinerLevelsByTheDetectorsShare() throws Exception {
        Sam3Config config = model.config();
        int s = config.gridSize();
        long d = config.dModel();
        try (Sam3Predictor p = model.newPredictor()) {
            assertEquals(0, p.residentBytes(), "no image yet");
            p.setImage(SharedData.resolve("images/truck.jpg"));
            long encoded = p.residentBytes();
            MaskResult first = p.predict(Prompt.builder().text("truck").threshold(0.25f).build());
            // - the 288² and 144² levels, + the self-attended tokens and the two convolved levels
            long prepared = encoded - 4 * d * (16L * s * s + 4L * s * s) + 4 * d * (s * s + 4L * s * s + 16L * s * s);
            assertEquals(prepared, p.residentBytes());
            MaskResult again = p.predict(Prompt.builder().text("truck").threshold(0.25f).build());
            assertArrayEquals(scores(first), scores(again));
            p.predict(Prompt.point(320, 240));
            // + the mask decoder's share: the image tokens and the first two-way block's three projections (d / 2)
            long clicked = prepared + 4 * (d * s * s + 3 * (d / 2) * s * s);
            assertEquals(clicked, p.residentBytes(), "the first click adds the mask decoder's share of the image");
            p.predict(Prompt.point(100, 100));
            p.predict(Prompt.builder().text("truck").threshold(0.25f).build());
            assertEquals(clicked, p.residentBytes(), "later prompts and clicks add nothing to the image's memory");
            p.clearImage();
            assertEquals(0, p.residentBytes());
        }
    }

    /**
     * A predictor that has worked on another image first gets the buffers that image left to the backend (the
     * encoder's and the preparation's arenas, the freed embedding, the prompt's masks), holding that image's
     * values; the truck's results are still the reference's, and the same to the bit as on buffers another truck
     * encode left.
     */
    @Test
    void anImageAfterAnotherOneGivesTheSameResultsOnTheBuffersItLeft() throws Exception {
        RgbImage truckImage = ImageLoader.read(SharedData.resolve("images/truck.jpg"));
        byte[] rgb = truckImage.rgb();
        int w = truckImage.width();
        byte[] mirrored = new byte[rgb.length];
        for (int y = 0; y < truckImage.height(); y++)
            for (int x = 0; x < w; x++)
                System.arraycopy(rgb, 3 * (y * w + x), mirrored, 3 * (y * w + w - 1 - x), 3);
        Prompt text = Prompt.builder().text("truck").threshold(0.25f).build();
        MaskResult fresh;
        try (Sam3Predictor p = model.newPredictor()) {
            p.setImage(truckImage);
            fresh = p.predict(text);
        }
        try (Sam3Predictor p = model.newPredictor()) {
            p.setImage(RgbImage.of(w, truckImage.height(), mirrored));
            p.predict(Prompt.builder().text("wheel").threshold(0.25f).build());
            p.predict(Prompt.point(320, 240));
            p.setImage(truckImage);
            MaskResult again = p.predict(text);
            assertArrayEquals(referenceScores("text0"), scores(again), 1e-4f);
            assertArrayEquals(scores(fresh), scores(again));
            for (int i = 0; i < fresh.size(); i++) {
                assertEquals(fresh.instances().get(i).mask().toRle(), again.instances().get(i).mask().toRle(), "mask " + i);
            }
        }
    }

    @Test
    void theImageIsEncodedOnceAndRepeatedPhrasesAreNotReEncoded() throws Exception {
        long before = model.textEncodings();
        MaskResult a = predictor.predict(Prompt.builder().text("a red wheel").threshold(0.3f).build());
        MaskResult b = predictor.predict(Prompt.builder().text("A  red wheel ").threshold(0.99f).build()); // same tokens
        assertEquals(1, predictor.imageEncodings(), "setImage ran once, prompts reuse the embedding");
        assertEquals(before + 1, model.textEncodings(), "the repeated phrase came from the cache");
        // the threshold selects exactly the reference scores above it
        float[] all = truck.whole("text1.scores").orElseThrow().toFloats();
        long above = 0;
        for (float s : all) if (s > 0.3f) above++;
        assertEquals(above, a.size(), "instances above 0.3");
        for (Instance i : a.instances()) assertTrue(i.score() > 0.3f);
        assertTrue(b.isEmpty(), "nothing above 0.99");
        assertThrows(IllegalArgumentException.class, () -> Prompt.builder().text("x").threshold(1.5f));
    }

    @Test
    void badPromptsFailClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Prompt.text("   "));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> predictor.predict(Prompt.exemplar(new Box(1700, 100, 1900, 300))));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Prompt.builder().build());
        assertTrue(e.getMessage().contains("empty prompt"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Prompt.builder().text("truck").point(10, 10, true).build());
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }

    @Test
    void predictWithoutImageFails() {
        try (Sam3Predictor p = model.newPredictor()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.predict(Prompt.text("truck")));
            assertTrue(e.getMessage().contains("setImage"), e.getMessage());
        }
    }

    @Test
    void textWithoutTokenizerFailsClearly() throws Exception {
        try (Sam3Model m = Sam3Model.builder().syntheticWeights().config(model.config()).build()) {
            assertTrue(!m.hasTokenizer());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.textFeatures(new org.sam3j.backend.RunSession(), "truck"));
            assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
        }
    }
}
