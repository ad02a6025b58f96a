package org.sam3j.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;

/**
 * A prompt's text encoded on its valid tokens only, rounded up to a multiple of 8 (the production path on backends that
 * compile cheaply), gives the states of the whole context at those tokens, and zero rows past them; a fixed-shape
 * backend encodes all 32.
 */
class ShortTextTest {
    private static final Sam3Config CONFIG = Sam3Config.tiny();
    private static final int T = CONFIG.textContextLength();
    private static final int D = CONFIG.dModel();

    private static CpuBackend cpu;
    private static SyntheticWeights weights;

    @BeforeAll
    static void setUp() {
        cpu = new CpuBackend();
        weights = SyntheticWeights.forGraph(ConceptModel.textGraph(CONFIG));
    }

    @AfterAll
    static void tearDown() {
        cpu.close();
    }

    /** start, {@code words} ids, end, then zero padding. */
    private static int[] ids(int words) {
        int[] ids = new int[T];
        ids[0] = 49406;
        for (int i = 1; i <= words; i++) ids[i] = 320 + 97 * i;
        ids[Math.min(words + 1, T - 1)] = 49407;
        return ids;
    }

    @Test
    void validTokensGiveTheWholeContextsStatesAndZeroPadding() {
        try (ConceptModel model = new ConceptModel(cpu, weights, CONFIG); RunSession session = new RunSession()) {
            // 3 tokens (one step of 8), 8 (exactly one), 9 (two steps), 32 (the whole context: one graph for both)
            for (int words : new int[] {1, 6, 7, 30}) {
                int[] ids = ids(words);
                // the tokens encoded: the valid ones rounded up to a multiple of 8
                int valid = Math.min(T, (words + 2 + 7) / 8 * 8);
                ConceptModel.TextFeatures shortText = model.encodeText(session, ids);
                ConceptModel.TextFeatures whole = model.encodeText(session, ids, Set.of());
                assertEquals(T * D, shortText.features().length, words + " words");
                assertArrayEquals(whole.padding(), shortText.padding());
                float[] expected = Arrays.copyOf(Arrays.copyOf(whole.features(), valid * D), T * D);
                float scale = 0;
                for (float v : whole.features()) scale = Math.max(scale, Math.abs(v));
                assertTrue(scale > 0);
                for (int i = 0; i < T * D; i++) {
                    assertEquals(expected[i], shortText.features()[i], 1e-5f * scale,
                            words + " words: token " + i / D + ", channel " + i % D);
                }
                if (valid < T) {
                    // the whole context's rows there are not zero: the short form did not encode them
                    float padded = 0;
                    for (int i = valid * D; i < T * D; i++) padded = Math.max(padded, Math.abs(whole.features()[i]));
                    assertTrue(padded > 0, words + " words");
                }
            }
        }
    }

    @Test
    void aFixedShapeBackendEncodesTheWholeContext() {
        Backend fixed = new Backend() {
            @Override
            public String name() {
                return "fixed-shapes";
            }

            @Override
            public BackendOptions options() {
                return cpu.options();
            }

            @Override
            public CompiledGraph compile(Graph graph, WeightStore w) {
                assertEquals(T, graph.inputs().get("token_ids").dim(0), "the text graph's tokens");
                return cpu.compile(graph, w);
            }

            @Override
            public boolean prefersFixedShapes() {
                return true;
            }

            @Override
            public void close() {}
        };
        try (ConceptModel model = new ConceptModel(fixed, weights, CONFIG); RunSession session = new RunSession()) {
            int[] ids = ids(1);
            ConceptModel.TextFeatures text = model.encodeText(session, ids);
            float padded = 0;
            for (int i = 3 * D; i < T * D; i++) padded = Math.max(padded, Math.abs(text.features()[i]));
            assertTrue(padded > 0, "the padding's rows computed");
        }
    }
}
