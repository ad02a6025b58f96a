package org.sam3j.model.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.Sam3Config;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.weights.SyntheticWeights;

/**
 * One padded interactive graph serves every click/box/mask combination with the results of a graph
 * built for the prompt's exact token sequence (the reference's {@code [corners?] clicks [padding point]},
 * no unused slots, no attention bias), which is how the decoder worked before padding.
 */
class InteractivePaddingTest {
    private static final int W = 640;
    private static final int H = 480;
    private static final Sam3Config CONFIG = Sam3Config.tiny();
    private static final String[] COMPARED = {InteractiveGraph.MASKS, InteractiveGraph.IOU, InteractiveGraph.MASK_TOKENS,
        InteractiveGraph.OBJECT_SCORE};

    private static CpuBackend cpu;
    private static SyntheticWeights weights;
    private static ImageEmbedding embedding;
    private static ResidentScope scope;

    @BeforeAll
    static void setUp() {
        cpu = new CpuBackend();
        scope = new ResidentScope(cpu);
        weights = TrackerFixtures.weights(CONFIG);
        embedding = TrackerFixtures.embedding(scope, CONFIG, W, H, 11);
    }

    @AfterAll
    static void tearDown() {
        scope.close();
        cpu.close();
    }

    @Test
    void oneGraphServesOneTwoAndFiveClicksWithAndWithoutBoxAndMask() {
        SplittableRandom r = new SplittableRandom(5);
        int side = 4 * CONFIG.gridSize();
        float[] mask = new float[side * side];
        for (int i = 0; i < mask.length; i++) mask[i] = (float) (6 * r.nextDouble() - 3);
        int cases = 0;
        try (InteractiveDecoder d = new InteractiveDecoder(cpu, weights, CONFIG)) {
            for (int clicks : new int[] {0, 1, 2, 5}) {
                for (boolean box : new boolean[] {false, true}) {
                    for (boolean withMask : new boolean[] {false, true}) {
                        if (clicks == 0 && !box && !withMask) continue;
                        InteractivePrompt.Builder b = InteractivePrompt.builder();
                        for (int i = 0; i < clicks; i++) {
                            b.point((float) (W * r.nextDouble()), (float) (H * r.nextDouble()), i % 3 == 2 ? 0 : 1);
                        }
                        if (box) b.box(60, 40, 420, 330);
                        if (withMask) b.mask(mask);
                        InteractivePrompt prompt = b.build();
                        Map<String, HostTensor> padded = d.predict(embedding, prompt).hooks();
                        Map<String, HostTensor> exact = unpadded(prompt);
                        for (String k : COMPARED) assertClose(exact.get(k), padded.get(k), prompt + " " + k);
                        HostTensor sparse = padded.get(InteractiveGraph.SPARSE);
                        if (clicks == 0 && !box) {
                            assertEquals(null, sparse, "a mask alone has no sparse tokens");
                        } else {
                            assertArrayEquals(exact.get(InteractiveGraph.SPARSE).shape(), sparse.shape(), "valid slots only");
                            assertClose(exact.get(InteractiveGraph.SPARSE), sparse, prompt + " sparse");
                        }
                        cases++;
                    }
                }
            }
            assertEquals(1, d.compiledGraphCount(), "one compiled graph for " + cases + " prompt shapes");
        }
    }

    @Test
    void moreClicksThanSlotsIsOneClearError() {
        InteractivePrompt.Builder b = InteractivePrompt.builder();
        for (int i = 0; i < InteractivePrompt.MAX_POINTS; i++) b.positive(i, i);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.positive(1, 1));
        assertTrue(e.getMessage().contains("at most " + InteractivePrompt.MAX_POINTS + " points"), e.getMessage());
        InteractivePrompt full = b.build();
        e = assertThrows(IllegalArgumentException.class,
                () -> InteractiveGraph.pack(full, new InteractiveGraph.Layout(2), W, H, CONFIG.imageSize()));
        assertTrue(e.getMessage().contains("too many clicks"), e.getMessage());
    }

    @Test
    void packingPutsCornersClicksAndThePaddingPointInTheirSlots() {
        InteractiveGraph.Layout layout = new InteractiveGraph.Layout(3);
        InteractivePrompt p = InteractivePrompt.builder().negative(10, 20).box(1, 2, 30, 40).build();
        InteractiveGraph.Packed k = InteractiveGraph.pack(p, layout, W, H, CONFIG.imageSize());
        assertArrayEquals(new float[] {2, 3, 0, -1, -1, -1}, k.labels());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 1}, k.valid());
        assertArrayEquals(new int[] {0, 1, 2, 5}, k.validSlots(), "the reference's order: corners, clicks, padding point");
        assertArrayEquals(new float[] {0}, k.maskPresent());
        k = InteractiveGraph.pack(InteractivePrompt.builder().mask(new float[4]).build(), layout, W, H, CONFIG.imageSize());
        assertArrayEquals(new float[6], k.valid(), "a mask alone: no token, not even the padding point");
        assertArrayEquals(new float[] {1}, k.maskPresent());
    }

    /**
     * The prompt through a graph built for its exact token sequence: the points and the padding point
     * only, every token attended to, and the mask branch only when there is a mask.
     */
    private static Map<String, HostTensor> unpadded(InteractivePrompt prompt) {
        int grid = CONFIG.gridSize();
        int c = CONFIG.dModel();
        int s = CONFIG.imageSize();
        int n = (prompt.hasBox() ? 2 : 0) + prompt.pointCount();
        float[] coords = new float[2 * (n + 1)];
        float[] labels = new float[n + 1];
        int k = 0;
        if (prompt.hasBox()) {
            float[] b = prompt.box();
            for (int i = 0; i < 4; i++) coords[i] = SamPromptEncoder.normalizeCoordinate(b[i], i % 2 == 0 ? W : H, s);
            labels[k++] = 2;
            labels[k++] = 3;
        }
        for (int i = 0; i < prompt.pointCount(); i++, k++) {
            coords[2 * k] = SamPromptEncoder.normalizeCoordinate(prompt.pointX(i), W, s);
            coords[2 * k + 1] = SamPromptEncoder.normalizeCoordinate(prompt.pointY(i), H, s);
            labels[k] = prompt.label(i);
        }
        labels[n] = -1;   // the padding point the reference appends

        Graph g = new Graph();
        Tensor image = g.input(InteractiveGraph.IMAGE_EMBED, 1, grid, grid, c);
        Tensor featS0 = g.input(InteractiveGraph.FEAT_S0, 1, 4 * grid, 4 * grid, c / 8);
        Tensor featS1 = g.input(InteractiveGraph.FEAT_S1, 1, 2 * grid, 2 * grid, c / 4);
        SamPromptEncoder encoder = new SamPromptEncoder(g, c, grid);
        Tensor pe = g.reshape(encoder.denseEncoding(g), 1, grid * grid, c);
        Tensor pc = n > 0 ? g.input(InteractiveGraph.POINT_COORDS, 1, n + 1, 2) : null;
        Tensor pl = n > 0 ? g.input(InteractiveGraph.POINT_LABELS, 1, n + 1) : null;
        Tensor mask = prompt.hasMask() ? g.input(InteractiveGraph.MASK_INPUT, 1, 4 * grid, 4 * grid, 1) : null;
        SamPromptEncoder.Output prompts = encoder.forward(pc, pl, mask, null);
        SamMaskDecoder.Output out = new SamMaskDecoder(g, c).forward(
                g.add(image, g.weight(InteractiveGraph.NO_MEM_EMBED, 1, 1, c)), pe, prompts.sparse(), null,
                prompts.dense(), featS0, featS1);
        if (prompts.sparse() != null) g.output(InteractiveGraph.SPARSE, prompts.sparse());
        g.output(InteractiveGraph.MASKS, out.masks());
        g.output(InteractiveGraph.IOU, out.iouPredictions());
        g.output(InteractiveGraph.MASK_TOKENS, out.maskTokens());
        g.output(InteractiveGraph.OBJECT_SCORE, out.objectScoreLogits());

        List<ResidentTensor> levels = embedding.sam2Fpn();
        Map<String, float[]> in = new HashMap<>();
        in.put(InteractiveGraph.FEAT_S0, levels.get(0).download().data());
        in.put(InteractiveGraph.FEAT_S1, levels.get(1).download().data());
        in.put(InteractiveGraph.IMAGE_EMBED, levels.get(2).download().data());
        if (n > 0) {
            in.put(InteractiveGraph.POINT_COORDS, coords);
            in.put(InteractiveGraph.POINT_LABELS, labels);
        }
        if (prompt.hasMask()) in.put(InteractiveGraph.MASK_INPUT, prompt.mask());
        try (CompiledGraph cg = cpu.compile(g, weights)) {
            return cg.run(in);
        }
    }

    /** Equal up to float summation order: max |a − b| ≤ 1e-5 · max(1, max |a|). */
    private static void assertClose(HostTensor expected, HostTensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        float[] a = expected.data();
        float[] b = actual.data();
        double scale = 1;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff <= 1e-5 * scale, what + ": max difference " + diff + " (scale " + scale + ")");
    }
}
