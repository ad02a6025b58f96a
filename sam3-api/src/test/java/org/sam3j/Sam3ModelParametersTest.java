package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/** Every parameter the image model uses exists in the checkpoint with the same shape; what it leaves out is known. */
class Sam3ModelParametersTest {
    @Test
    void declaredParametersAreTheCheckpointsImageModelParameters() throws Exception {
        for (String set : new String[] {"tiny", "full"}) {
            FixtureSet fixtures = FixtureSet.open(SharedData.resolve("fixtures/sam3/" + set));
            Sam3Config config = Verifier.configOf(fixtures);
            Map<String, long[]> ours = Sam3Model.parameterShapes(config);
            Map<String, long[]> ref = fixtures.paramShapes();
            for (Map.Entry<String, long[]> e : ours.entrySet()) {
                assertTrue(ref.containsKey(e.getKey()), set + ": " + e.getKey() + " is not a checkpoint parameter");
                assertArrayEquals(ref.get(e.getKey()), e.getValue(), set + ": shape of " + e.getKey());
            }
            Set<String> unused = new TreeSet<>(ref.keySet());
            unused.removeAll(ours.keySet());
            for (String k : unused) {
                boolean known = k.startsWith("detector.geometry_encoder.points_")        // PCS ignores points
                        || k.startsWith("detector.segmentation_head.pixel_decoder.conv_layers.2.") // 3rd stage unused
                        || k.startsWith("detector.segmentation_head.pixel_decoder.norms.2.")
                        || isVideoOnly(k);
                assertTrue(known, set + ": unexpected unused parameter " + k);
            }
            assertEquals(0, ours.keySet().stream().filter(k -> k.contains("points_")).count());
        }
    }

    /**
     * Tracker parts no path reads: the no-memory position encoding (unused by the official tracker too).
     */
    private static boolean isVideoOnly(String k) {
        return k.equals("tracker.no_mem_pos_enc");
    }
}
