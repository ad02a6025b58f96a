package org.sam3j.verify;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.RunSession;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.weights.WeightStore;

/** Checks the fixture keys of one prompt family against a cached image embedding. */
interface StageVerifier {
    /** Whether this stage produces {@code bareKey} (the key without a leading {@code hook.}). */
    boolean handles(String bareKey);

    /** Whether the stage needs the tracker levels of the embedding. */
    boolean needsTrackerFeatures();

    /**
     * Runs the stage's prompts of case {@code c} in {@code session} (the case's execution contexts, the
     * embedding's levels resident in {@code backend}) and compares every wanted key it produces.
     *
     * @param wanted fixture keys (as recorded, with {@code hook.}) this stage handles
     * @param done   receives a verdict per compared key
     * @param timings receives human-readable timing lines
     */
    void verify(FixtureCase c, Sam3Config config, Backend backend, WeightStore weights, RunSession session,
                ImageEmbedding embedding,
                double tol, List<String> wanted, Map<String, ProbeResult> done, List<String> timings) throws IOException;
}
