package org.sam3j.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.Sam3Config;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.detector.ConceptDetector;
import org.sam3j.weights.SyntheticWeights;

/**
 * One padded detector graph serves 0, 1 and 3 exemplar boxes with the results of a graph built for the
 * prompt's exact sequence {@code [text, boxes, CLS]} (as the detector worked before padding: one graph
 * per number of boxes, no unused slots), on synthetic weights and a random embedding.
 */
class ExemplarPaddingTest {
    private static final Sam3Config CONFIG = Sam3Config.tiny();
    private static final int T = CONFIG.textContextLength();
    /** Module outputs over the prompt's slots: the geometry tokens and the fusion encoder's prompt. */
    private static final Set<String> SLOT_OUTPUTS = Set.of("detector.geometry_encoder.0",
            "detector.transformer.encoder.memory_text");

    private static CpuBackend cpu;
    private static SyntheticWeights weights;
    private static ImageEmbedding embedding;
    private static List<HostTensor> fpnHost;
    private static ResidentScope scope;
    private static ConceptModel.TextFeatures text;

    @BeforeAll
    static void setUp() {
        cpu = new CpuBackend();
        weights = SyntheticWeights.forGraph(ConceptModel.detectorGraph(CONFIG, 1));
        SplittableRandom r = new SplittableRandom(3);
        int d = CONFIG.dModel();
        int side = CONFIG.gridSize();
        fpnHost = new ArrayList<>();
        for (int i = 0; i < 3; i++) fpnHost.add(random(r, 1, 4 * side >> i, 4 * side >> i, d));
        scope = new ResidentScope(cpu);
        List<ResidentTensor> fpn = new ArrayList<>();
        for (HostTensor t : fpnHost) fpn.add(scope.upload(t));
        embedding = new ImageEmbedding(fpn, null, 640, 480);
        boolean[] padding = new boolean[T];
        for (int i = 5; i < T; i++) padding[i] = true;   // 5 tokens of text, 27 of padding
        text = new ConceptModel.TextFeatures(random(r, T, d).data(), padding, Map.of());
    }

    @AfterAll
    static void tearDown() {
        scope.close();
        cpu.close();
    }

    @Test
    @Tag("slow") // four detector compilations (about 50 s); Sam3PredictorConceptTest checks exemplar boxes on the fixture by default
    void oneGraphServesZeroOneAndThreeExemplarBoxes() {
        float[] allBoxes = {0.3f, 0.6f, 0.15f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.7f, 0.7f, 0.4f, 0.5f};
        boolean[] allLabels = {true, false, true};
        try (ConceptModel model = new ConceptModel(cpu, weights, CONFIG); RunSession session = new RunSession()) {
            ConceptModel.DetectorImage image = model.prepare(session, scope, embedding);
            for (int n : new int[] {0, 1, 3}) {
                float[] boxes = java.util.Arrays.copyOf(allBoxes, 4 * n);
                boolean[] labels = java.util.Arrays.copyOf(allLabels, n);
                ConceptModel.Detection padded = model.detect(session, null, embedding, text, boxes, labels, SLOT_OUTPUTS);
                Map<String, HostTensor> exact = unpadded(image, boxes, labels);
                assertClose(exact.get("pred_logits").data(), padded.predLogits(), n + " boxes: logits");
                assertClose(exact.get("pred_boxes").data(), padded.predBoxes(), n + " boxes: boxes");
                assertClose(exact.get("presence_logit").data(), new float[] {padded.presenceLogit()}, n + " boxes: presence");
                assertClose(exact.get("pred_masks").data(), padded.masks(), n + " boxes: masks");
                for (String hook : SLOT_OUTPUTS) {
                    assertArrayEquals(exact.get(hook).shape(), padded.hooks().get(hook).shape(), hook + ": unused slots left out");
                    assertClose(exact.get(hook).data(), padded.hooks().get(hook).data(), n + " boxes: " + hook);
                }
            }
            assertEquals(1, model.compiledDetectorGraphs(), "one graph for 0, 1 and 3 boxes");
            model.detect(session, null, embedding, text, new float[0], new boolean[0]);
            assertEquals(2, model.compiledDetectorGraphs(), "the production graph apart from the one exporting modules");
            float[] tooMany = new float[4 * (ConceptModel.MAX_BOXES + 1)];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.detect(session, null, embedding, text, tooMany, new boolean[ConceptModel.MAX_BOXES + 1]));
            assertTrue(e.getMessage().contains("too many exemplar boxes"), e.getMessage());
        }
    }

    /**
     * A prompt on a prepared image (the image side computed once, as a predictor keeps it) gives the floats of one on
     * the bare embedding, which prepares the image for that call alone; the prepared image is resident in its scope.
     */
    @Test
    void aPreparedImageServesPromptsAsTheEmbeddingDoes() {
        try (ConceptModel model = new ConceptModel(cpu, weights, CONFIG); RunSession session = new RunSession();
             ResidentScope kept = new ResidentScope(cpu)) {
            ConceptModel.DetectorImage image = model.prepare(session, kept, embedding);
            int side = CONFIG.gridSize();
            int d = CONFIG.dModel();
            assertArrayEquals(new int[] {side * side, d}, image.selfAttended().shape());
            assertArrayEquals(new int[] {1, 2 * side, 2 * side, d}, image.lateralMid().shape());
            assertArrayEquals(new int[] {1, 4 * side, 4 * side, d}, image.lateralFine().shape());
            assertEquals(image.bytes(), kept.bytes(), "the image side lives in the scope it was given");
            float[] box = {0.3f, 0.6f, 0.15f, 0.2f};
            boolean[] label = {true};
            ConceptModel.Detection once = model.detect(session, null, embedding, text, box, label);
            for (int i = 0; i < 2; i++) {
                ConceptModel.Detection again = model.detect(session, null, image, text, box, label);
                assertArrayEquals(once.predLogits(), again.predLogits());
                assertArrayEquals(once.predBoxes(), again.predBoxes());
                assertArrayEquals(once.masks(), again.masks());
            }
            assertEquals(image.bytes(), kept.bytes(), "prompts add nothing to the image's scope");
        }
    }

    /** The prompt through a graph with exactly {@code n} box slots, all valid. */
    private static Map<String, HostTensor> unpadded(ConceptModel.DetectorImage image, float[] boxes, boolean[] labels) {
        int n = labels.length;
        Graph g = new Graph();
        ConceptDetector det = Sam3Tree.of(g, CONFIG).conceptDetector(T, n);
        ConceptDetector.Output o = det.forward(DetectorPorts.declare(g, CONFIG, T, n, det.promptLength()));
        int layers = o.decoder().queries().size();
        int q = CONFIG.numQueries();
        DetectorPorts.mark(g, new DetectorPorts.Outputs<>(g.slice(o.scores(), 0, (layers - 1) * q, layers * q),
                o.decoder().boxes(), o.decoder().presenceLogits().get(layers - 1), o.seg().masks()));
        for (String path : SLOT_OUTPUTS) g.outputModule(path);
        ConceptModel.Packed p = ConceptModel.pack(text.padding(), boxes, labels, n);
        for (float b : p.bias()) assertTrue(b == 0f || b == ConceptModel.MASKED);
        try (CompiledGraph cg = cpu.compile(g, weights); RunSession session = new RunSession()) {
            Map<String, HostTensor> out = new HashMap<>(session.context(cg)
                    .run(DetectorPorts.bind(RunRequest.create(), image, text.features(), p)).host());
            DetectorPorts.Outputs<HostTensor> d = DetectorPorts.take(out);
            out.put("pred_logits", d.predLogits());
            out.put("pred_boxes", d.predBoxes());
            out.put("presence_logit", d.presenceLogit());
            out.put("pred_masks", d.predMasks());
            return out;
        }
    }

    /** Equal up to float summation order: max |a − b| ≤ 1e-4 · max(1, max |a|). */
    private static void assertClose(float[] a, float[] b, String what) {
        assertEquals(a.length, b.length, what);
        double scale = 1;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff <= 1e-4 * scale, what + ": max difference " + diff + " (scale " + scale + ")");
    }

    private static HostTensor random(SplittableRandom r, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return new HostTensor(shape, v);
    }
}
