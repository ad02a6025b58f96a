package org.sam3j.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.LowResMask;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
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

    private static Prompt click(float x, float y) {
        return Prompt.point(x, y);
    }

    private static LowResMask low(float[] logits) {
        return LowResMask.of(logits, SIDE, SIDE);
    }

    @Test
    void multimaskPointPromptGivesThreeMasks() {
        try (InteractiveDecoder d = decoder()) {
            MaskDecoding out = d.predict(embedding, click(320, 200));
            assertEquals(3, out.count());
            assertEquals(W, out.width());
            assertEquals(H, out.height());
            assertEquals(SIDE, out.side());
            for (int i = 0; i < 3; i++) {
                for (float v : out.lowResLogits(i)) assertTrue(v >= -32 && v <= 32);
                assertEquals(i + 1, out.token(i));
                assertTrue(out.iou(i) >= 0 && out.iou(i) <= 1, "IoU through a sigmoid");
                assertEquals(W * H, out.logitsAtOriginalSize(i).length);
            }
            assertArrayEquals(new int[] {1, 2, 256}, out.sparse().shape(), "click + padding point");
            assertArrayEquals(new int[] {1, 1, 1, 256}, out.dense().shape());
            assertArrayEquals(new int[] {1, 4, SIDE, SIDE}, out.lowResMasks().shape());
            assertArrayEquals(new int[] {1, 4}, out.iouPredictions().shape());
            assertArrayEquals(new int[] {1, 4, 256}, out.maskTokens().shape());

            MaskResult result = out.toResult(true).build();
            assertEquals(3, result.size());
            for (Instance inst : result.instances()) {   // best IoU first; index = output order
                int i = inst.index();
                assertEquals(out.iou(i), inst.score());
                float[] logits = out.logitsAtOriginalSize(i);
                for (int k = 0; k < logits.length; k++) {
                    assertEquals(logits[k] > 0, inst.mask().get(k % W, k / W), "mask = logits above 0");
                }
                assertEquals(low(out.lowResLogits(i)), inst.lowResLogits());
            }
            assertArrayEquals(new int[] {3, SIDE, SIDE}, result.rawOutputs().get("low_res_logits").shape());
            assertEquals(out.objectScoreLogit(), result.rawOutputs().get("object_score_logit").toArray()[0]);
        }
    }

    @Test
    void singleMaskIsTokenZeroOrTheStabilityFallBack() {
        try (InteractiveDecoder d = decoder()) {
            MaskDecoding out = d.predict(embedding, Prompt.box(new Box(100, 100, 400, 300)));
            assertEquals(1, out.count(), "a box is not ambiguous: one mask by default");
            float[] all = out.lowResMasks().data();
            float[] iou = out.iouPredictions().data();
            int expected = MaskSelection.isStable(all, 0, SIDE * SIDE) ? 0 : MaskSelection.bestMultimaskToken(iou);
            assertEquals(expected, out.token(0));
            assertEquals(iou[expected], out.iou(0));
            float[] low = out.lowResLogits(0);
            for (int k = 0; k < low.length; k++) {
                assertEquals(Math.max(-32f, Math.min(32f, all[expected * SIDE * SIDE + k])), low[k]);
            }
            assertArrayEquals(new int[] {1, 3, 256}, out.sparse().shape(), "two corners + padding");
        }
    }

    @Test
    void oneCompiledGraphForEveryPromptWithoutAMaskAndOneWithIt() {
        try (InteractiveDecoder d = decoder()) {
            MaskDecoding a = d.predict(embedding, click(100, 100));
            MaskDecoding b = d.predict(embedding, click(500, 400));
            MaskDecoding c = d.predict(embedding, Prompt.builder().point(500, 400, false).multimask(false).build());
            assertEquals(1, d.compiledGraphCount(), "coordinates, labels and multimask do not change the graph");
            assertFalse(java.util.Arrays.equals(a.lowResLogits(0), b.lowResLogits(0)), "coordinates are inputs");
            assertFalse(java.util.Arrays.equals(b.lowResMasks().data(), c.lowResMasks().data()), "labels are inputs");
            d.predict(embedding, Prompt.builder().point(1, 1, true).box(new Box(0, 0, 9, 9)).build());
            d.predict(embedding, Prompt.builder().point(1, 1, true).point(2, 2, true).build());
            assertEquals(1, d.compiledGraphCount(), "boxes and more clicks are inputs too");
            d.predict(embedding, Prompt.builder().mask(low(a.lowResLogits(0))).build());
            d.predict(embedding, Prompt.builder().point(3, 3, true).mask(low(b.lowResLogits(0))).build());
            assertEquals(2, d.compiledGraphCount(), "mask prompts share a second graph");
        }
    }

    @Test
    void iterativeRefinementWithThePreviousLowResLogits() {
        try (InteractiveDecoder d = decoder()) {
            MaskDecoding first = d.predict(embedding, click(320, 200));
            int best = 0;
            for (int i = 1; i < first.count(); i++) if (first.iou(i) > first.iou(best)) best = i;
            Prompt refine = Prompt.builder().point(320, 200, true).point(50, 60, false)
                    .mask(low(first.lowResLogits(best))).build();
            MaskDecoding second = d.predict(embedding, refine);
            assertEquals(1, second.count());
            assertArrayEquals(new int[] {1, 72, 72, 256}, second.dense().shape());
            assertEquals(W * H, second.logitsAtOriginalSize(0).length);

            Prompt noMask = Prompt.builder().point(320, 200, true).point(50, 60, false).build();
            MaskDecoding without = d.predict(embedding, noMask);
            double diff = maxAbsDiff(second.lowResMasks().data(), without.lowResMasks().data());
            assertTrue(diff > 1e-3, "the mask prompt changes the prediction (max difference " + diff + ")");

            MaskDecoding again = d.predict(embedding, Prompt.builder().mask(low(second.lowResLogits(0))).multimask(true).build());
            assertEquals(3, again.count());
            assertNull(again.sparse(), "a mask alone has no sparse tokens");
        }
    }

    @Test
    void maskPromptEmbeddingMatchesANaiveComputation() {
        SplittableRandom r = new SplittableRandom(7);
        float[] mask = new float[SIDE * SIDE];
        for (int i = 0; i < mask.length; i++) mask[i] = (float) (8 * r.nextDouble() - 4);
        try (InteractiveDecoder d = decoder()) {
            MaskDecoding out = d.predict(embedding, Prompt.builder().mask(low(mask)).build());
            float[] ours = out.dense().data();
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
                    () -> d.predict(embedding, click(W + 0.5f, 10)));
            assertTrue(e.getMessage().contains("point 0 (640.5, 10.0) is outside the image [0, 640] x [0, 480]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> d.predict(embedding, Prompt.box(new Box(0, 0, 10, H + 1))));
            assertTrue(e.getMessage().contains("box corner (x1, y1)"), e.getMessage());
            d.predict(embedding, Prompt.box(new Box(0, 0, W, H)));   // the closed range is inside
            d.predict(embedding, Prompt.box(new Box(10, 10, 10, 10)));   // a degenerate box, as the reference accepts
            e = assertThrows(IllegalArgumentException.class, () -> d.predict(embedding,
                    Prompt.builder().point(1, 1, true).mask(LowResMask.of(new float[256 * 256], 256, 256)).build()));
            assertTrue(e.getMessage().contains("mask prompt must be the 288x288 low-resolution logits"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> d.predict(embedding, Prompt.text("a car")));
            assertTrue(e.getMessage().contains("not an interactive prompt"), e.getMessage());
            ImageEmbedding detectorOnly = new ImageEmbedding(embedding.fpn(), null, W, H);
            e = assertThrows(IllegalArgumentException.class, () -> d.predict(detectorOnly, click(1, 1)));
            assertTrue(e.getMessage().contains("no tracker features"), e.getMessage());
            ImageEmbedding wrong = new ImageEmbedding(embedding.fpn(), List.of(embedding.sam2Fpn().get(1),
                    embedding.sam2Fpn().get(0), embedding.sam2Fpn().get(2)), W, H);
            e = assertThrows(IllegalArgumentException.class, () -> d.predict(wrong, click(1, 1)));
            assertTrue(e.getMessage().contains("tracker level 0 has shape"), e.getMessage());
        }
        InteractiveDecoder closed = decoder();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.predict(embedding, click(1, 1)));
    }

    /** conv 2×2/2 → LayerNorm2d → GELU → conv 2×2/2 → LayerNorm2d → GELU → conv 1×1, in double, channels-last. */
    private static double[] naiveMaskDownscaling(float[] mask) {
        String p = "tracker.sam_prompt_encoder.mask_downscaling.";
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

    @Test
    void aPreparedImageGivesTheResultsOfTheEmbeddingBitForBit() {
        SplittableRandom r = new SplittableRandom(3);
        float[] mask = new float[SIDE * SIDE];
        for (int i = 0; i < mask.length; i++) mask[i] = (float) (6 * r.nextDouble() - 3);
        List<Prompt> prompts = List.of(click(100, 100),
                Prompt.builder().point(500, 400, false).multimask(false).build(),
                Prompt.builder().point(320, 200, true).point(50, 60, false).box(new Box(40, 30, 600, 450)).build(),
                Prompt.box(new Box(10, 20, 300, 200)),
                Prompt.builder().point(320, 200, true).mask(low(mask)).build());
        try (InteractiveDecoder d = decoder(); RunSession session = new RunSession();
             ResidentScope imageScope = new ResidentScope(cpu)) {
            InteractiveDecoder.DecoderImage prepared = d.prepare(session, imageScope, embedding);
            int hw = CONFIG.gridSize() * CONFIG.gridSize();
            int c = CONFIG.dModel();
            assertEquals((long) Float.BYTES * (hw * c + 3 * hw * c / 2), prepared.bytes(), "image tokens + 3 projections");
            assertEquals(prepared.bytes(), imageScope.bytes(), "owned by the scope it was prepared in");
            for (Prompt p : prompts) {
                MaskDecoding a = d.predict(session, prepared, p, true);
                MaskDecoding b = d.predict(session, embedding, p, true);
                assertArrayEquals(b.lowResMasks().data(), a.lowResMasks().data(), p + " masks");
                assertArrayEquals(b.iouPredictions().data(), a.iouPredictions().data(), p + " IoU");
                assertArrayEquals(b.maskTokens().data(), a.maskTokens().data(), p + " mask tokens");
                assertArrayEquals(b.sparse().data(), a.sparse().data(), p + " sparse");
                assertEquals(b.objectScoreLogit(), a.objectScoreLogit(), p + " object score");
                assertArrayEquals(b.tokens(), a.tokens(), p + " tokens");
                assertEquals(b.count(), a.count(), p + " count");
            }
            // the embedding's graph without a mask, the prepared image's, the one with a mask
            assertEquals(3, d.compiledGraphCount());
            List<ResidentTensor> parts = prepared.parts();
            InteractiveDecoder.DecoderImage swapped = new InteractiveDecoder.DecoderImage(embedding,
                    List.of(parts.get(1), parts.get(0), parts.get(2), parts.get(3)));
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> d.predict(session, swapped, click(1, 1), false));
            assertTrue(bad.getMessage().contains("prepared image part 0 has shape"), bad.getMessage());
            imageScope.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> d.predict(session, prepared, click(1, 1), false));
            assertTrue(e.getMessage().contains("freed"), e.getMessage());
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
