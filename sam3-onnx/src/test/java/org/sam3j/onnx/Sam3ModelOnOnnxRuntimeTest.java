package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.testing.ReferenceScores;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/**
 * {@code Sam3Model.builder().backend("onnxruntime")} through the public API (tiny configuration, synthetic weights,
 * one image encoding): a click's candidate IoUs and a text prompt's kept scores equal the reference's.
 */
@Tag("slow") // one more tiny encode on ONNX Runtime; OnnxRuntimeParityTest covers every stage in the default run
class Sam3ModelOnOnnxRuntimeTest {
    private static Sam3Model model;
    private static Sam3Predictor predictor;
    private static FixtureCase truck;

    @BeforeAll
    static void load() throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        model = Sam3Model.builder().syntheticWeights().config(Verifier.configOf(set)).backend("onnxruntime")
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).build();
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

    private static float[] descending(float[] v) {
        return ReferenceScores.descending(v);
    }

    private static float[] scores(MaskResult r) {
        return ReferenceScores.of(r);
    }

    @Test
    void runsOnOnnxRuntime() {
        assertEquals("onnxruntime", model.backendName());
    }

    @Test
    void clickMatchesTheReference() throws Exception {
        MaskResult r = predictor.predict(Prompt.point(500, 375));
        assertEquals(3, r.size());
        assertArrayEquals(descending(truck.whole("inter0.iou").orElseThrow().toFloats()), scores(r), 1e-4f);
    }

    @Test
    void textPromptMatchesTheReference() throws Exception {
        MaskResult r = predictor.predict(Prompt.builder().text("truck").threshold(0.25f).build());
        float[] all = truck.whole("text0.final_scores").orElseThrow().toFloats();
        float[] area = truck.whole("text0.final_mask_area").orElseThrow().toFloats();
        float[] kept = new float[all.length];
        int n = 0;
        for (int i = 0; i < all.length; i++) if (area[i] > 0) kept[n++] = all[i];
        assertTrue(n > 0, "the reference keeps instances");
        assertArrayEquals(descending(Arrays.copyOf(kept, n)), scores(r), 1e-4f);
    }
}
