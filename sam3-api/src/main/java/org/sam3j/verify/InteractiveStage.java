package org.sam3j.verify;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.sam3j.backend.Backend;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.model.Sam3Config;
import org.sam3j.weights.WeightStore;

/** The {@code inter<i>} keys: interactive prompts (points, boxes, masks). */
final class InteractiveStage implements StageVerifier {
    @Override
    public boolean handles(String bareKey) {
        return bareKey.startsWith("inter");
    }

    @Override
    public boolean needsTrackerFeatures() {
        return true;
    }

    @Override
    public void verify(FixtureCase c, Sam3Config config, Backend backend, WeightStore weights, ImageEmbedding embedding,
                       double tol, List<String> wanted, Map<String, ProbeResult> done, List<String> timings)
            throws IOException {
        // filled in by the interactive path
    }
}
