package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.image.ImageLoader;
import org.sam3j.postprocess.ConceptPostprocessor;
import org.sam3j.testing.SharedData;

/**
 * The runtime under the predictor (tiny configuration, synthetic weights): prompts on an image already set
 * move only their own small inputs and the kept results across the backend's boundary, and predictors on
 * one model run in parallel with the results of one thread.
 */
class Sam3PredictorRuntimeTest {
    private static Sam3Model model;
    private static Sam3Predictor predictor;
    private static RgbImage truck;

    @BeforeAll
    static void load() throws Exception {
        model = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny())
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).build();
        truck = ImageLoader.read(SharedData.resolve("images/truck.jpg"));
        predictor = model.newPredictor();
        predictor.setImage(truck);
    }

    @AfterAll
    static void close() {
        if (predictor != null) predictor.close();
        if (model != null) model.close();
    }

    private static TransferBytes stage(MaskResult r, String stage) {
        TransferBytes b = r.transferBytes().get(stage);
        assertTrue(b != null, "no transfer count for " + stage + " in " + r.transferBytes());
        return b;
    }

    @Test
    void promptsAfterSetImageMoveOnlyTheirOwnInputsAndResults() {
        Sam3Config c = model.config();
        int s = c.imageSize();
        int d = c.dModel();
        int side = 4 * c.gridSize();
        int q = c.numQueries();
        long fpnLevel = 4L * d * side * side;   // the largest detector level, 288² x d floats

        MaskResult text = predictor.predict(Prompt.builder().text("a wheel").threshold(0.3f).build());
        assertEquals(new TransferBytes(3L * s * s * 4, 0), stage(text, "image encoder"),
                "setImage uploaded the preprocessed image and kept every level in the backend");
        int encoded = 8;   // "a wheel": start, two words, end — the phrase's tokens, rounded up to a multiple of 8
        assertEquals(new TransferBytes(4L * encoded, 4L * encoded * d), stage(text, "text encoder"),
                "the phrase's token ids up, their language features down");
        // the context's text tokens, the padded exemplar-box slots (unused, masked) and the geometry encoder's CLS
        // token
        int tokens = c.textContextLength();
        int slots = Prompt.MAX_EXEMPLARS;
        int promptTokens = tokens + slots + 1;
        assertEquals(new TransferBytes(4L * (tokens * d + 2 * promptTokens + 5 * slots), 4L * (q + 4 * q + 1)),
                stage(text, "detector"), "language features, attention bias, pooling weights and the padded boxes and"
                        + " labels up; logits, boxes and presence down");
        assertTrue(stage(text, "detector").uploaded() < fpnLevel / 100, "no image level uploaded");
        TransferBytes post = stage(text, "post-processing");
        assertEquals(0, post.uploaded());
        assertEquals(0, post.downloaded() % (4L * side * side), "whole low-resolution masks");

        MaskResult again = predictor.predict(Prompt.builder().text("a wheel").threshold(0.3f).build());
        assertEquals(TransferBytes.ZERO, stage(again, "text encoder"), "cached text features stay on the host");
        assertEquals(text.instances(), again.instances());

        MaskResult click = predictor.predict(Prompt.point(500, 375));
        assertEquals(3, click.size());
        // a click fills the fixed point slots (2 box corners, the clicks, the padding point): coordinates, labels
        // and validity (a prompt without a mask runs the graph without the mask input); out: the four candidate
        // masks, their IoUs and the object score
        int pointSlots = Prompt.MAX_POINTS + 3;
        assertEquals(new TransferBytes(4L * (2 * pointSlots + pointSlots + pointSlots),
                4L * (4 * side * side + 4 + 1)), stage(click, "mask decoder"));
        assertTrue(stage(click, "mask decoder").uploaded() < fpnLevel / 100, "no tracker level uploaded");
        assertEquals(TransferBytes.ZERO, stage(click, "post-processing"));
    }

    @Test
    void conceptPromptsDownloadTheMasksOfTheKeptQueriesOnly() {
        MaskResult raw = predictor.predict(Prompt.builder().text("truck").threshold(0.25f).build(),
                CallOptions.none().withRawOutputs());
        float[] scores = ConceptPostprocessor.scores(raw.rawOutputs().get("pred_logits").toArray(),
                raw.rawOutputs().get("presence_logit").buffer().get(0));
        long perMask = 288L * 288 * 4;
        int keptLow = ConceptPostprocessor.withThreshold(0.25f).keptQueries(scores).length;
        int keptHigh = ConceptPostprocessor.withThreshold(0.5f).keptQueries(scores).length;
        assertNotEquals(keptLow, keptHigh, "the two thresholds must keep different numbers of queries");
        assertEquals((200L + keptLow) * perMask, stage(raw, "post-processing").downloaded(),
                "raw outputs requested: all 200 masks, then the kept ones");

        MaskResult low = predictor.predict(Prompt.builder().text("truck").threshold(0.25f).build());
        MaskResult high = predictor.predict(Prompt.builder().text("truck").threshold(0.5f).build());
        assertEquals(keptLow * perMask, stage(low, "post-processing").downloaded());
        assertEquals(keptHigh * perMask, stage(high, "post-processing").downloaded());
        assertEquals(stage(low, "detector"), stage(high, "detector"), "the threshold does not change the detector's traffic");
        assertEquals(raw.instances(), low.instances(), "raw outputs do not change the result");
        assertTrue(low.rawOutputs().isEmpty());
    }

    /** The prompts every thread runs (in an order of its own). */
    private static List<Prompt> prompts() {
        return List.of(Prompt.builder().text("truck").threshold(0.25f).build(),
                Prompt.builder().text("wheel").threshold(0.2f).build(),
                Prompt.builder().text("a red truck").threshold(0.3f).build());
    }

    /**
     * Everything a result says, exactly, in little memory (results of ~50 full-size masks each would not fit
     * the test heap 20 times over): per instance its index, score and box bits, the mask's RLE and a hash of
     * the low-resolution logits' bits; the presence score.
     */
    private static String fingerprint(MaskResult r) {
        StringBuilder sb = new StringBuilder().append(r.presenceScore()).append('\n');
        for (Instance i : r.instances()) {
            sb.append(i.index()).append(' ').append(Float.floatToIntBits(i.score())).append(' ');
            for (float v : i.box().toArray()) sb.append(Float.floatToIntBits(v)).append(',');
            sb.append(' ').append(i.mask().toRle().toMap().get("counts"));
            sb.append(' ').append(Arrays.hashCode(i.lowResLogits().logits())).append('\n');
        }
        return sb.toString();
    }

    /** Four image encodes and twelve prompts (about two minutes on two cores): with the slow tests. */
    @Test
    @Tag("slow")
    void fourPredictorsOnOneModelRunInParallelWithTheResultsOfOneThread() throws Exception {
        List<Prompt> prompts = prompts();
        List<String> expected = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (Prompt p : prompts) {
            MaskResult r = predictor.predict(p);
            expected.add(fingerprint(r));
            sizes.add(r.size());
        }

        // the test's predictor and three new ones; encodes one at a time (each holds ~235 MB of activations
        // while it runs, which a 3 GB test heap cannot afford four times over), prompts all at once
        int n = 4;
        List<Sam3Predictor> predictors = new ArrayList<>(List.of(predictor));
        for (int t = 1; t < n; t++) predictors.add(model.newPredictor());
        for (int t = 1; t < n; t++) predictors.get(t).setImage(truck);
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                final int shift = t;
                final Sam3Predictor p = predictors.get(t);
                futures.add(pool.submit(() -> {
                    start.await();
                    String[] out = new String[prompts.size()];
                    for (int k = 0; k < prompts.size(); k++) {
                        int i = (k + shift) % prompts.size();
                        out[i] = fingerprint(p.predict(prompts.get(i)));
                    }
                    return List.of(out);
                }));
            }
            for (int t = 0; t < n; t++) {
                List<String> got = futures.get(t).get(10, TimeUnit.MINUTES);
                for (int i = 0; i < prompts.size(); i++) {
                    // scores, boxes, masks and low-resolution logits, exactly
                    assertEquals(expected.get(i), got.get(i), "thread " + t + ", prompt " + i);
                }
            }
        } finally {
            pool.shutdownNow();
            for (int t = 1; t < n; t++) predictors.get(t).close();
        }
        assertTrue(sizes.get(0) > 0, "the comparison has instances to compare: " + sizes);
    }
}
