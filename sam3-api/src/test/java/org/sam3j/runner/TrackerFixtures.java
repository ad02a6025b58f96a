package org.sam3j.runner;

import java.util.List;
import java.util.SplittableRandom;
import org.sam3j.Sam3Config;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.weights.SyntheticWeights;

/** Synthetic weights and random image embeddings for tests that need no reference fixture. */
final class TrackerFixtures {
    private TrackerFixtures() {}

    /** Synthetic values for every parameter the interactive graphs declare. */
    static SyntheticWeights weights(Sam3Config config) {
        return SyntheticWeights.forGraph(InteractiveGraph.decoder(config, InteractiveGraph.Layout.DEFAULT));
    }

    /** An embedding with tracker levels of uniform random values in [-1, 1), uploaded into {@code scope}. */
    static ImageEmbedding embedding(ResidentScope scope, Sam3Config config, int width, int height, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int g = config.gridSize();
        int c = config.dModel();
        HostTensor s0 = random(r, 1, 4 * g, 4 * g, c / 8);
        HostTensor s1 = random(r, 1, 2 * g, 2 * g, c / 4);
        HostTensor s2 = random(r, 1, g, g, c);
        HostTensor tiny = new HostTensor(new int[] {1, 1, 1, 1}, new float[1]);
        return new ImageEmbedding(List.of(scope.upload(tiny), scope.upload(tiny), scope.upload(tiny)),
                List.of(scope.upload(s0), scope.upload(s1), scope.upload(s2)), width, height);
    }

    static HostTensor random(SplittableRandom r, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return new HostTensor(shape, v);
    }
}
