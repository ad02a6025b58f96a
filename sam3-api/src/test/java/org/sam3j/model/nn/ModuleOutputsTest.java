package org.sam3j.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sam3j.Sam3Config;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.model.tracker.SamPromptEncoder;
import org.sam3j.runner.ConceptModel;
import org.sam3j.weights.SyntheticWeights;

/** What modules record with {@link Scope#returns}: keyed by module path, built only when asked, never an output unless marked. */
class ModuleOutputsTest {
    @Test
    void returnsAreKeyedByPathTupleIndexAndEntry() {
        Graph g = new Graph();
        Tensor a = g.input("a", 2, 3);
        Tensor b = g.input("b", 2, 3);
        Scope s = Scope.root(g).child("detector.head");
        assertSame(a, s.returns(a));
        s.child("pair").returnsTuple(null, a, b);
        s.returns("masks", b);
        assertEquals(List.of("detector.head", "detector.head.pair.1", "detector.head.pair.2", "detector.head.masks"),
                List.copyOf(g.moduleOutputs().keySet()));
        assertSame(b, g.moduleOutputs().get("detector.head.pair.2").tensor());
        assertTrue(g.outputs().isEmpty(), "recording marks nothing");
    }

    @Test
    void declaredConversionsAddNodesOnlyWhenAsked() {
        Graph g = new Graph();
        Tensor x = g.input("x", 1, 4, 5, 3);
        Scope.root(g).child("trunk").returns("0", ModuleOutput.channelsFirst(x));
        int nodes = g.nodes().size();
        ModuleOutput m = g.moduleOutputs().get("trunk.0");
        assertEquals(nodes, g.nodes().size(), "nothing built before it is asked for");
        g.outputModule("trunk.0");
        assertArrayEquals(new int[] {1, 3, 4, 5}, g.outputs().get("trunk.0").shape());
        assertSame(m.tensor(), m.tensor(), "built once");
        assertEquals(nodes + 1, g.nodes().size());
    }

    @Test
    void anUnrecordedPathIsAnErrorNamingIt() {
        Graph g = new Graph();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.outputModule("detector.nope"));
        assertTrue(e.getMessage().contains("detector.nope"), e.getMessage());
    }

    @Test
    void productionGraphsRecordTheirModulesWithoutExtraNodesOrOutputs() {
        Sam3Config config = Sam3Config.tiny();
        Graph g = ConceptModel.detectorGraph(config, ConceptModel.MAX_BOXES);
        int nodes = g.nodes().size();
        assertEquals(Set.of("pred_logits", "pred_boxes", "presence_logit", "pred_masks"), g.outputs().keySet());
        assertTrue(g.moduleOutputs().keySet().containsAll(Set.of("detector.geometry_encoder.0",
                "detector.transformer.encoder.memory", "detector.transformer.decoder.0", "detector.dot_prod_scoring",
                "detector.segmentation_head.pred_masks")), g.moduleOutputs().keySet().toString());
        assertEquals(ModuleOutput.Rows.USED_SLOTS, g.moduleOutputs().get("detector.geometry_encoder.0").rows());
        assertEquals(nodes, g.nodes().size());
    }

    @Test
    void withoutAMaskThePromptEncoderRecordsNoMaskEmbedOverTheGridChannelsFirst() {
        int c = 8;
        int grid = 3;
        Graph g = new Graph();
        SamPromptEncoder encoder = new SamPromptEncoder(Scope.root(g).child("tracker.sam_prompt_encoder"), c, grid);
        encoder.forward(g.input("coords", 1, 2, 2), g.input("labels", 1, 2), null, null);
        assertEquals(ModuleOutput.Rows.USED_SLOTS, g.moduleOutputs().get("tracker.sam_prompt_encoder.0").rows());
        g.outputModule("tracker.sam_prompt_encoder.1");
        SyntheticWeights weights = SyntheticWeights.forGraph(g);
        try (CpuBackend cpu = new CpuBackend(); CompiledGraph cg = cpu.compile(g, weights)) {
            HostTensor dense = cg.run(Map.of("coords", new float[4], "labels", new float[2]))
                    .get("tracker.sam_prompt_encoder.1");
            assertArrayEquals(new int[] {1, c, grid, grid}, dense.shape());
            float[] noMask = weights.floats("tracker.sam_prompt_encoder." + SamPromptEncoder.NO_MASK_EMBED);
            for (int k = 0; k < c; k++) {
                for (int p = 0; p < grid * grid; p++) assertEquals(noMask[k], dense.data()[k * grid * grid + p], "channel " + k);
            }
        }
    }
}
