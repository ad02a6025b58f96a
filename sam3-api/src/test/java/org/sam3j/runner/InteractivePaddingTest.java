package org.sam3j.runner;

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
import org.sam3j.Box;
import org.sam3j.LowResMask;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.tracker.SamMaskDecoder;
import org.sam3j.model.tracker.SamPromptEncoder;
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

    private static final String SPARSE = "sparse";
    private static final String MASKS = "masks";
    private static final String IOU = "iou";
    private static final String MASK_TOKENS = "mask_tokens";
    private static final String OBJECT_SCORE = "object_score";

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
                        Prompt.Builder b = Prompt.builder();
                        for (int i = 0; i < clicks; i++) {
                            b.point((float) (W * r.nextDouble()), (float) (H * r.nextDouble()), i % 3 != 2);
                        }
                        if (box) b.box(new Box(60, 40, 420, 330));
                        if (withMask) b.mask(LowResMask.of(mask, side, side));
                        Prompt prompt = b.build();
                        MaskDecoding padded = d.predict(embedding, prompt);
                        Map<String, HostTensor> exact = unpadded(prompt);
                        assertClose(exact.get(MASKS), padded.lowResMasks(), prompt + " masks");
                        assertClose(exact.get(IOU), padded.iouPredictions(), prompt + " iou");
                        assertClose(exact.get(MASK_TOKENS), padded.maskTokens(), prompt + " mask tokens");
                        assertEquals(exact.get(OBJECT_SCORE).data()[0], padded.objectScoreLogit(),
                                1e-5 * Math.max(1, Math.abs(padded.objectScoreLogit())), prompt + " object score");
                        HostTensor sparse = padded.sparse();
                        if (clicks == 0 && !box) {
                            assertEquals(null, sparse, "a mask alone has no sparse tokens");
                        } else {
                            assertArrayEquals(exact.get(SPARSE).shape(), sparse.shape(), "valid slots only");
                            assertClose(exact.get(SPARSE), sparse, prompt + " sparse");
                        }
                        cases++;
                    }
                }
            }
            assertEquals(2, d.compiledGraphCount(), "one compiled graph for the " + cases + " prompt shapes without "
                    + "a mask prompt and with one");
        }
    }

    @Test
    void theGraphWithoutAMaskInputComputesTheBitsOfAnAbsentMask() {
        // what prompts without a mask run, against the graph with the mask input given zeros and presence 0
        InteractiveGraph.Layout layout = InteractiveGraph.Layout.DEFAULT;
        Graph withMask = InteractiveGraph.decoder(CONFIG, layout);
        Graph without = InteractiveGraph.decoder(CONFIG, layout.withoutMask());
        assertTrue(withMask.nodes().stream().anyMatch(t -> t.op() == Op.CONV2D), "the mask path's convolutions");
        assertTrue(without.nodes().stream().noneMatch(t -> t.op() == Op.CONV2D), "no mask path");
        assertTrue(without.nodes().size() < withMask.nodes().size() - 10);
        int side = 4 * CONFIG.gridSize();
        Prompt prompt = Prompt.builder().point(300, 200, true).point(100, 50, false).box(new Box(60, 40, 420, 330)).build();
        InteractiveGraph.Packed packed = InteractiveGraph.pack(prompt, layout, W, H, CONFIG.imageSize());
        Map<String, float[]> in = new HashMap<>();
        List<ResidentTensor> levels = embedding.sam2Fpn();
        in.put("feat_s0", levels.get(0).download().data());
        in.put("feat_s1", levels.get(1).download().data());
        in.put("image_embed", levels.get(2).download().data());
        try (CompiledGraph pe = cpu.compile(InteractiveGraph.densePe(CONFIG), weights)) {
            in.put("image_pe", pe.run(Map.of()).get("image_pe").data());
        }
        in.put("point_coords", packed.coords());
        in.put("point_labels", packed.labels());
        in.put("point_valid", packed.valid());
        Map<String, HostTensor> a;
        Map<String, HostTensor> b;
        try (CompiledGraph cg = cpu.compile(without, weights)) {
            a = cg.run(in);
        }
        in.put("mask_input", new float[side * side]);
        in.put("mask_present", new float[] {0f});
        try (CompiledGraph cg = cpu.compile(withMask, weights)) {
            b = cg.run(in);
        }
        for (String name : List.of("sparse_embeddings", "low_res_masks", "iou_predictions", "mask_tokens",
                "object_score_logits")) {
            assertArrayEquals(b.get(name).data(), a.get(name).data(), name);
        }
        assertEquals(null, a.get("dense_embeddings"), "no_mask_embed is not an output of the graph without the mask");
    }

    @Test
    void thePreparedImageLayoutLeavesItsImageSideToTheImageSideGraph() {
        InteractiveGraph.Layout layout = InteractiveGraph.Layout.DEFAULT;
        Graph without = InteractiveGraph.decoder(CONFIG, layout.withoutMask());
        Graph prepared = InteractiveGraph.decoder(CONFIG, layout.withPreparedImage());
        Graph side = InteractiveGraph.imageSide(CONFIG, true);
        int hw = CONFIG.gridSize() * CONFIG.gridSize();
        // products over every image token: three move out of the prompt's graph into the image side's
        assertEquals(imageProducts(without, hw) - 3, imageProducts(prepared, hw));
        assertEquals(3, imageProducts(side, hw));
        assertTrue(prepared.inputs().keySet().containsAll(side.outputs().keySet()), "the image side feeds the prompt's");
        assertTrue(!prepared.inputs().containsKey("image_embed"), "the 72² level is not read by the prompt's graph");
        assertThrows(IllegalArgumentException.class,
                () -> new InteractiveGraph.Layout(3, true, true, true), "a prepared image has no mask input");
    }

    private static long imageProducts(Graph g, int hw) {
        return g.nodes().stream().filter(t -> t.op() == Op.LINEAR && t.rank() == 3 && t.dim(1) == hw).count();
    }

    @Test
    void moreClicksThanSlotsIsOneClearError() {
        Prompt.Builder b = Prompt.builder();
        for (int i = 0; i < Prompt.MAX_POINTS; i++) b.point(i, i, true);
        Prompt full = b.build();
        b.point(1, 1, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("at most " + Prompt.MAX_POINTS + " points"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InteractiveGraph.pack(full, new InteractiveGraph.Layout(2), W, H, CONFIG.imageSize()));
        assertTrue(e.getMessage().contains("too many clicks"), e.getMessage());
    }

    @Test
    void packingPutsCornersClicksAndThePaddingPointInTheirSlots() {
        InteractiveGraph.Layout layout = new InteractiveGraph.Layout(3);
        Prompt p = Prompt.builder().point(10, 20, false).box(new Box(1, 2, 30, 40)).build();
        InteractiveGraph.Packed k = InteractiveGraph.pack(p, layout, W, H, CONFIG.imageSize());
        assertArrayEquals(new float[] {2, 3, 0, -1, -1, -1}, k.labels());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 1}, k.valid());
        assertArrayEquals(new int[] {0, 1, 2, 5}, k.validSlots(), "the reference's order: corners, clicks, padding point");
        assertArrayEquals(new float[] {0}, k.maskPresent());
        k = InteractiveGraph.pack(Prompt.builder().mask(LowResMask.of(new float[4], 2, 2)).build(), layout, W, H,
                CONFIG.imageSize());
        assertArrayEquals(new float[6], k.valid(), "a mask alone: no token, not even the padding point");
        assertArrayEquals(new float[] {1}, k.maskPresent());
    }

    /**
     * The prompt through a graph built for its exact token sequence: the points and the padding point
     * only, every token attended to, and the mask branch only when there is a mask.
     */
    private static Map<String, HostTensor> unpadded(Prompt prompt) {
        int grid = CONFIG.gridSize();
        int c = CONFIG.dModel();
        int s = CONFIG.imageSize();
        boolean hasBox = prompt.boxOrNull() != null;
        int n = (hasBox ? 2 : 0) + prompt.points().size();
        float[] coords = new float[2 * (n + 1)];
        float[] labels = new float[n + 1];
        int k = 0;
        if (hasBox) {
            float[] b = prompt.boxOrNull().toArray();
            for (int i = 0; i < 4; i++) coords[i] = SamPromptEncoder.normalizeCoordinate(b[i], i % 2 == 0 ? W : H, s);
            labels[k++] = 2;
            labels[k++] = 3;
        }
        for (int i = 0; i < prompt.points().size(); i++, k++) {
            Prompt.Point p = prompt.points().get(i);
            coords[2 * k] = SamPromptEncoder.normalizeCoordinate(p.x(), W, s);
            coords[2 * k + 1] = SamPromptEncoder.normalizeCoordinate(p.y(), H, s);
            labels[k] = p.positive() ? 1 : 0;
        }
        labels[n] = -1;   // the padding point the reference appends

        Graph g = new Graph();
        Sam3Tree tree = Sam3Tree.of(g, CONFIG);
        Tensor image = g.input("image", 1, grid, grid, c);
        Tensor featS0 = g.input("s0", 1, 4 * grid, 4 * grid, c / 8);
        Tensor featS1 = g.input("s1", 1, 2 * grid, 2 * grid, c / 4);
        SamPromptEncoder encoder = tree.promptEncoder();
        Tensor pe = g.reshape(encoder.denseEncoding(g), 1, grid * grid, c);
        Tensor pc = n > 0 ? g.input("coords", 1, n + 1, 2) : null;
        Tensor pl = n > 0 ? g.input("labels", 1, n + 1) : null;
        boolean hasMask = prompt.maskOrNull() != null;
        Tensor mask = hasMask ? g.input("mask", 1, 4 * grid, 4 * grid, 1) : null;
        SamPromptEncoder.Output prompts = encoder.forward(pc, pl, mask, null);
        SamMaskDecoder.Output out = tree.maskDecoder().forward(g.add(image, tree.noMemEmbed()), pe, prompts.sparse(), null,
                prompts.dense(), featS0, featS1);
        if (prompts.sparse() != null) g.output(SPARSE, prompts.sparse());
        g.output(MASKS, out.masks());
        g.output(IOU, out.iouPredictions());
        g.output(MASK_TOKENS, out.maskTokens());
        g.output(OBJECT_SCORE, out.objectScoreLogits());

        List<ResidentTensor> levels = embedding.sam2Fpn();
        Map<String, float[]> in = new HashMap<>();
        in.put("s0", levels.get(0).download().data());
        in.put("s1", levels.get(1).download().data());
        in.put("image", levels.get(2).download().data());
        if (n > 0) {
            in.put("coords", coords);
            in.put("labels", labels);
        }
        if (hasMask) in.put("mask", prompt.maskOrNull().logits());
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
