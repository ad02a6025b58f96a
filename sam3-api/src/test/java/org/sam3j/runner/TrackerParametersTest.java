package org.sam3j.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/**
 * The interactive graphs declare exactly the checkpoint's prompt-encoder, mask-decoder and
 * {@code no_mem_embed} parameters, with the checkpoint's shapes ({@code conv_s0}/{@code conv_s1} belong
 * to the image stage, {@link org.sam3j.model.vision.VisionBackbone}).
 */
class TrackerParametersTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "full"})
    void declaredParametersEqualTheCheckpointList(String set) throws Exception {
        FixtureSet fixtures = FixtureSet.open(SharedData.resolve("fixtures/sam3/" + set));
        Sam3Config config = Verifier.configOf(fixtures);
        Map<String, Tensor> declared = new java.util.LinkedHashMap<>();
        declared.putAll(InteractiveGraph.decoder(config, InteractiveGraph.Layout.DEFAULT).weights());
        declared.putAll(InteractiveGraph.densePe(config).weights());

        Set<String> expected = new TreeSet<>();
        for (String name : fixtures.paramShapes().keySet()) {
            boolean heads = name.startsWith("tracker.sam_prompt_encoder.") || name.startsWith("tracker.sam_mask_decoder.");
            boolean imageStage = name.startsWith("tracker.sam_mask_decoder.conv_s");
            if ((heads && !imageStage) || name.equals("tracker.no_mem_embed")) expected.add(name);
        }
        assertEquals(expected, new TreeSet<>(declared.keySet()));
        for (Map.Entry<String, Tensor> e : declared.entrySet()) {
            assertArrayEquals(fixtures.paramShapes().get(e.getKey()),
                    Arrays.stream(e.getValue().shape()).asLongStream().toArray(), e.getKey());
        }
        // the graph declares the same parameters whatever its number of click slots
        Graph one = InteractiveGraph.decoder(config, new InteractiveGraph.Layout(1));
        assertEquals(expected, new TreeSet<>(one.weights().keySet()));
    }
}
