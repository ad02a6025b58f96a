package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.ForwardingWeights;
import org.sam3j.weights.CheckpointWeights;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.weights.WeightStore;

/**
 * The pure-Java engine over a checkpoint file: a token table is gathered row by row from its memory mapping and
 * Linear weights (plain and fused with GELU) are packed as read from the file in pieces, never read as heap copies
 * nor through a mapping, and the results are exactly those of the same values held in memory.
 */
class CpuMappedWeightsTest {
    private static final String TABLE = "detector.test.embed.weight";
    private static final String FC1 = "detector.test.fc1.weight";
    private static final String B1 = "detector.test.fc1.bias";
    private static final String FC2 = "detector.test.fc2.weight";

    private final Random rnd = new Random(7);

    @Test
    void aGraphOverAMappedCheckpointReadsItInPlaceAndEqualsTheWeightsInMemory(@TempDir Path dir) throws Exception {
        Map<String, long[]> shapes = Map.of(TABLE, new long[] {50, 29}, FC1, new long[] {61, 29}, B1, new long[] {61},
                FC2, new long[] {700, 61});
        InMemoryWeights memory = new InMemoryWeights();
        List<StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] s = e.getValue();
            float[] v = rand((int) (s[0] * (s.length > 1 ? s[1] : 1)));
            memory.put(e.getKey(), v, s);
            tensors.add(StoredTensor.ofFloats(e.getKey(), s, v));
        }
        Path file = dir.resolve("weights.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        Graph g = new Graph();
        Tensor tokens = g.gather(g.weight(TABLE, 50, 29), g.input("ids", 300));
        Tensor h = g.linear(tokens, g.weight(FC1, 61, 29), g.weight(B1, 61));
        g.output("y", g.linear(g.gelu(h), g.weight(FC2, 700, 61), null));
        float[] ids = new float[300];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(50);
        Map<String, float[]> in = Map.of("ids", ids);
        try (CheckpointWeights mapped = CheckpointWeights.open(file)) {
            assertNotNull(mapped.mappedFloats(TABLE), "a float32 safetensors weight is offered in place");
            float[] want = run(memory, g, in);
            NoCopies watched = new NoCopies(mapped, Set.of(TABLE, FC1, FC2));
            float[] got = run(watched, g, in);
            assertArrayEquals(want, got);
            assertNotEquals(0f, got[0]);
            assertEquals(Set.of(TABLE), watched.mapped, "the table is read from the mapping, the Linear weights are not");
            assertEquals(Set.of(FC1, FC2), watched.read, "Linear weights are packed as read from the file");
        }
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static float[] run(WeightStore weights, Graph g, Map<String, float[]> in) {
        try (CpuBackend b = new CpuBackend(2); CompiledGraph cg = b.compile(g, weights)) {
            cg.run(in);
            return cg.run(in).get("y").data().clone(); // the second run reuses the prepared weights
        }
    }

    /** Forwards to a checkpoint but refuses heap copies of the weights that must be read in place. */
    private static final class NoCopies extends ForwardingWeights {
        private final Set<String> inPlace;

        NoCopies(CheckpointWeights base, Set<String> inPlace) {
            super(base);
            this.inPlace = inPlace;
        }

        final Set<String> mapped = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<String> read = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public float[] floats(String name) {
            if (inPlace.contains(name)) throw new AssertionError(name + " was copied instead of read in place");
            return super.floats(name);
        }

        @Override
        public java.nio.FloatBuffer mappedFloats(String name) {
            mapped.add(name);
            return super.mappedFloats(name);
        }

        @Override
        public org.sam3j.weights.FloatReader floatReader(String name) {
            read.add(name);
            return super.floatReader(name);
        }
    }
}
