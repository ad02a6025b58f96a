package org.sam3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/** The encoder declares exactly the checkpoint's vision parameters, with the checkpoint's shapes. */
class VisionBackboneParametersTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "full"})
    void declaredParametersEqualTheCheckpointList(String set) throws Exception {
        FixtureSet fixtures = FixtureSet.open(SharedData.resolve("fixtures/sam3/" + set));
        Sam3Config config = Verifier.configOf(fixtures);
        Graph g = new Graph();
        Sam3Tree.of(g, config).visionBackbone(true).forward(g.input("image", 1, 3, 1008, 1008));
        Set<String> expected = new TreeSet<>();
        for (String name : fixtures.paramShapes().keySet()) {
            if (name.startsWith("detector.backbone.vision_backbone.") || name.startsWith("tracker.sam_mask_decoder.conv_s")) {
                // blocks after the last global block do not contribute to the trunk output
                expected.add(name);
            }
        }
        Set<String> declared = new TreeSet<>(g.weights().keySet());
        assertEquals(expected, declared);
        for (Map.Entry<String, Tensor> e : g.weights().entrySet()) {
            assertArrayEquals(fixtures.paramShapes().get(e.getKey()),
                    Arrays.stream(e.getValue().shape()).asLongStream().toArray(), e.getKey());
        }
        assertTrue(config.equals(Sam3Config.released()) == set.equals("full"));
        assertEquals(set.equals("tiny"), config.equals(Sam3Config.tiny()));
    }

    @Test
    void configurationOverridesAreValidated() {
        Sam3Config c = Sam3Config.released().withOverrides(Map.of("vit_depth", 2, "vit_global_blocks", java.util.List.of(1)));
        assertEquals(2, c.vitDepth());
        assertThrows(IllegalArgumentException.class, () -> Sam3Config.released().withOverrides(Map.of("vit_depth", 2)),
                "global blocks 7..31 outside a depth of 2");
        assertThrows(IllegalArgumentException.class, () -> Sam3Config.released().withOverrides(Map.of("depth", 2)));
    }
}
