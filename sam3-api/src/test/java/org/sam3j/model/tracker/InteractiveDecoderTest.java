package org.sam3j.model.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.Sam3Config;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.weights.SyntheticWeights;

/**
 * The interactive runtime on synthetic weights and a random embedding: output shapes, selection, graph
 * caching, iterative refinement with a mask prompt, validation, and the mask-prompt path against a naive
 * re-computation (the reference fixtures have no mask prompt).
 */
class InteractiveDecoderTest {
    private static final int W = 640;
    private static final int H = 480;
    private static final int SIDE = 288;

    private static CpuBackend cpu;
    private static SyntheticWeights weights;
    private static ImageEmbedding embedding;
    private static final Sam3Config CONFIG = Sam3Config.tiny();

    @BeforeAll
    static void setUp() {
        cpu = new CpuBackend();
        weights = TrackerFixtures.weights(CONFIG);
        embedding = TrackerFixtures.embedding(new ResidentScope(cpu), CONFIG, W, H, 42);
    }

    @AfterAll
    static void tearDown() {
        cpu.close();
    }

    private static InteractiveDecoder decoder() {
        return new InteractiveDecoder(cpu, weights, CONFIG);
    }

    @Test
    void multimaskPointPromptGivesThreeMasks() {
        try (InteractiveDecoder d = decoder()) {
            InteractiveOutput out = d.predict(embedding, InteractivePrompt.point(320, 200));
            assertEquals(3, out.count());
            assertEquals(W, out.width());
            assertEquals(H, out.height());
            assertEquals(SIDE, out.lowResSize());
            HostTensor low = out.lowResLogits();
            assertArrayEquals(new int[] {3, SIDE, SIDE}, low.shape());
            for (float v : low.data()) assertTrue(v >= -32 && v <= 32);
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, out.maskToken(i));
                assertTrue(out.iou(i) >= 0 && out.iou(i) <= 1, "IoU through a sigmoid");
                float[] logits = out.maskLogitsAtOriginalSize(i);
                assertEquals(W * H, logits.length);
                BitSet mask = out.mask(i);
                for (int k = 0; k < logits.length; k++) assertEquals(logits[k] > 0, mask.get(k));
            }
            assertEquals(3, out.iou().length);
            Map<String, HostTensor> hooks = out.hooks();
            assertArrayEquals(new int[] {1, 2, 256}, hooks.get("sparse_embeddings").shape(), "click + padding point");
            assertArrayEquals(new int[] {1, 1, 1, 256}, hooks.get("dense_embeddings").shape());
            assertArrayEquals(new int[] {1, 4, SIDE, SIDE}, hooks.get("low_res_masks").shape());
            assertArrayEquals(new int[] {1, 4}, hooks.get("iou_predictions").shape());
            assertArrayEquals(new int[] {1, 4, 256}, hooks.get("mask_tokens").shape());
            assertArrayEquals(new int[] {1, 1}, hooks.get("object_score_logits").shape());
            assertEquals(hooks.get("object_score_logits").data()[0], out.objectScoreLogit());
            hooks.get("iou_predictions").data()[1] = 7;
            assertEquals(out.iou(0), out.hooks().get("iou_predictions").data()[1], "hooks are copies");
        }
    }

    @Test
    void singleMaskIsTokenZeroOrTheStabilityFallBack() {
        try (InteractiveDecoder d = decoder()) {
            InteractiveOutput out = d.predict(embedding, InteractivePrompt.box(100, 100, 400, 300), false);
            assertEquals(1, out.count());
            float[] all = out.hooks().get("low_res_masks").data();
            float[] iou = out.hooks().get("iou_predictions").data();
            int expected = MaskSelection.isStable(all, 0, SIDE * SIDE) ? 0 : MaskSelection.bestMultimaskToken(iou);
            assertEquals(expected, out.maskToken(0));
            assertEquals(iou[expected], out.iou(0));
            float[] low = out.lowResLogits(0);
            for (int k = 0; k < low.length; k++) {
                assertEquals(Math.max(-32f, Math.min(32f, all[expected * SIDE * SIDE + k])), low[k]);
            }
            assertArrayEquals(new int[] {1, 3, 256}, out.hooks().get("sparse_embeddings").shape(), "two corners + padding");
        }
    }

    @Test
    void oneCompiledGraphForEveryPrompt() {
        try (InteractiveDecoder d = decoder()) {
            InteractiveOutput a = d.predict(embedding, InteractivePrompt.point(100, 100));
            InteractiveOutput b = d.predict(embedding, InteractivePrompt.point(500, 400));
            InteractiveOutput c = d.predict(embedding, InteractivePrompt.builder().negative(500, 400).build(), false);
            assertEquals(1, d.compiledGraphCount(), "coordinates, labels and multimask do not change the graph");
            assertFalse(java.util.Arrays.equals(a.lowResLogits(0), b.lowResLogits(0)), "coordinates are inputs");
            assertFalse(java.util.Arrays.equals(b.hooks().get("low_res_masks").data(),
                    c.hooks().get("low_res_masks").data()), "labels are inputs");
            d.predict(embedding, InteractivePrompt.builder().positive(1, 1).box(0, 0, 9, 9).build());
            d.predict(embedding, InteractivePrompt.builder().positive(1, 1).positive(2, 2).build());
            d.predict(embedding, InteractivePrompt.builder().mask(a.lowResLogits(0)).build());
            assertEquals(1, d.compiledGraphCount(), "boxes, more clicks and masks are inputs too");
        }
    }

    @Test
    void iterativeRefinementWithThePreviousLowResLogits() {
        try (InteractiveDecoder d = decoder()) {
            InteractiveOutput first = d.predict(embedding, InteractivePrompt.point(320, 200));
            int best = 0;
            for (int i = 1; i < first.count(); i++) if (first.iou(i) > first.iou(best)) best = i;
            InteractivePrompt refine = InteractivePrompt.builder().positive(320, 200).negative(50, 60)
                    .mask(first.lowResLogits(best)).build();
            InteractiveOutput second = d.predict(embedding, refine, false);
            assertEquals(1, second.count());
            assertArrayEquals(new int[] {1, SIDE, SIDE}, second.lowResLogits().shape());
            assertArrayEquals(new int[] {1, 72, 72, 256}, second.hooks().get("dense_embeddings").shape());
            assertEquals(W * H, second.maskLogitsAtOriginalSize(0).length);

            InteractivePrompt noMask = InteractivePrompt.builder().positive(320, 200).negative(50, 60).build();
            InteractiveOutput without = d.predict(embedding, noMask, false);
            double diff = maxAbsDiff(second.hooks().get("low_res_masks").data(), without.hooks().get("low_res_masks").data());
            assertTrue(diff > 1e-3, "the mask prompt changes the prediction (max difference " + diff + ")");

            InteractiveOutput again = d.predict(embedding, InteractivePrompt.builder().mask(second.lowResLogits(0)).build());
            assertEquals(3, again.count());
            assertNull(again.hooks().get("sparse_embeddings"), "a mask alone has no sparse tokens");
        }
    }

    @Test
    void maskPromptEmbeddingMatchesANaiveComputation() {
        SplittableRandom r = new SplittableRandom(7);
        float[] mask = new float[SIDE * SIDE];
        for (int i = 0; i < mask.length; i++) mask[i] = (float) (8 * r.nextDouble() - 4);
        try (InteractiveDecoder d = decoder()) {
            InteractiveOutput out = d.predict(embedding, InteractivePrompt.builder().mask(mask).build());
            float[] ours = out.hooks().get("dense_embeddings").data();
            double[] ref = naiveMaskDownscaling(mask);
            double maxAbs = 0;
            double sumsq = 0;
            for (int i = 0; i < ref.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(ours[i] - ref[i]));
                sumsq += ref[i] * ref[i];
            }
            double rel = maxAbs / Math.sqrt(sumsq / ref.length);
            assertTrue(rel < 1e-4, "relative error " + rel);
        }
    }

    @Test
    void promptsAreCheckedAgainstTheImageAndTheModel() {
        try (InteractiveDecoder d = decoder()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.predict(embedding, InteractivePrompt.point(W + 0.5f, 10)));
            assertTrue(e.getMessage().contains("outside the image [0, 640] x [0, 480]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> d.predict(embedding, InteractivePrompt.box(0, 0, 10, H + 1)));
            assertTrue(e.getMessage().contains("box corner (x1, y1)"), e.getMessage());
            d.predict(embedding, InteractivePrompt.box(0, 0, W, H));   // the closed range is inside
            e = assertThrows(IllegalArgumentException.class,
                    () -> d.predict(embedding, InteractivePrompt.builder().positive(1, 1).mask(new float[256 * 256]).build()));
            assertTrue(e.getMessage().contains("mask prompt has 65536 values, expected 288 x 288"), e.getMessage());
            ImageEmbedding detectorOnly = new ImageEmbedding(embedding.fpn(), null, W, H);
            e = assertThrows(IllegalArgumentException.class, () -> d.predict(detectorOnly, InteractivePrompt.point(1, 1)));
            assertTrue(e.getMessage().contains("no tracker features"), e.getMessage());
            ImageEmbedding wrong = new ImageEmbedding(embedding.fpn(), List.of(embedding.sam2Fpn().get(1),
                    embedding.sam2Fpn().get(0), embedding.sam2Fpn().get(2)), W, H);
            e = assertThrows(IllegalArgumentException.class, () -> d.predict(wrong, InteractivePrompt.point(1, 1)));
            assertTrue(e.getMessage().contains("tracker level 0 has shape"), e.getMessage());
        }
        InteractiveDecoder closed = decoder();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.predict(embedding, InteractivePrompt.point(1, 1)));
    }

    /** conv 2×2/2 → LayerNorm2d → GELU → conv 2×2/2 → LayerNorm2d → GELU → conv 1×1, in double, channels-last. */
    private static double[] naiveMaskDownscaling(float[] mask) {
        String p = SamPromptEncoder.PREFIX + ".mask_downscaling.";
        double[] x = new double[mask.length];
        for (int i = 0; i < x.length; i++) x[i] = mask[i];
        x = conv(x, SIDE, 1, weights.floats(p + "0.weight"), weights.floats(p + "0.bias"), 4, 2);
        x = gelu(layerNorm2d(x, 4, weights.floats(p + "1.weight"), weights.floats(p + "1.bias")));
        x = conv(x, SIDE / 2, 4, weights.floats(p + "3.weight"), weights.floats(p + "3.bias"), 16, 2);
        x = gelu(layerNorm2d(x, 16, weights.floats(p + "4.weight"), weights.floats(p + "4.bias")));
        return conv(x, SIDE / 4, 16, weights.floats(p + "6.weight"), weights.floats(p + "6.bias"), 256, 1);
    }

    /** Stride-k, kernel-k convolution of a square channels-last map; weight [out, in, k, k]. */
    private static double[] conv(double[] x, int side, int in, float[] w, float[] b, int out, int k) {
        int o = side / k;
        double[] y = new double[o * o * out];
        for (int i = 0; i < o; i++) {
            for (int j = 0; j < o; j++) {
                for (int co = 0; co < out; co++) {
                    double s = b[co];
                    for (int ci = 0; ci < in; ci++) {
                        for (int di = 0; di < k; di++) {
                            for (int dj = 0; dj < k; dj++) {
                                s += w[((co * in + ci) * k + di) * k + dj] * x[((i * k + di) * side + j * k + dj) * in + ci];
                            }
                        }
                    }
                    y[(i * o + j) * out + co] = s;
                }
            }
        }
        return y;
    }

    private static double[] layerNorm2d(double[] x, int c, float[] w, float[] b) {
        double[] y = new double[x.length];
        for (int p = 0; p < x.length; p += c) {
            double mean = 0;
            for (int k = 0; k < c; k++) mean += x[p + k];
            mean /= c;
            double var = 0;
            for (int k = 0; k < c; k++) var += (x[p + k] - mean) * (x[p + k] - mean);
            var /= c;
            for (int k = 0; k < c; k++) y[p + k] = w[k] * (x[p + k] - mean) / Math.sqrt(var + 1e-6) + b[k];
        }
        return y;
    }

    private static double[] gelu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = 0.5 * x[i] * (1 + erf(x[i] / Math.sqrt(2)));
        return y;
    }

    /** erf by its Maclaurin series (|x| < 3) or the complementary continued fraction; double precision. */
    private static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) f = n / 2.0 / (a + f);
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return x < 0 ? -r : r;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
