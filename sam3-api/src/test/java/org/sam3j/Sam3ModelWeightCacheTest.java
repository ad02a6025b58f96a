package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.ReferenceScores;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;
import org.sam3j.weights.SyntheticWeights;

/**
 * The {@code cpu} backend's packed weights kept in a cache directory: a model loaded from a checkpoint file fills
 * the cache, and a second model of the same file maps it instead of packing, with the reference's scores and the same
 * masks to the bit.
 */
@Tag("slow") // two tiny models from a checkpoint file, each an encode and a text prompt (about 40 s on two cores)
class Sam3ModelWeightCacheTest {
    @TempDir
    Path dir;

    @Test
    void aSecondModelMapsThePackedWeightsTheFirstWroteAndGivesTheSameMasks() throws Exception {
        Sam3Config config;
        float[] reference;
        FixtureSet fixtures = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        try (FixtureCase truck = fixtures.openCase("truck")) {
            config = Verifier.configOf(fixtures);
            reference = ReferenceScores.ofInstances(truck, "text0");
        }
        // the fixture's synthetic weights, as a checkpoint file (a store with a fingerprint)
        List<StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> e : Sam3Model.parameterShapes(config).entrySet()) {
            float[] v = new float[Math.toIntExact(Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact))];
            SyntheticWeights.fill(e.getKey(), e.getValue(), v);
            tensors.add(StoredTensor.ofFloats(e.getKey(), e.getValue(), v));
        }
        Path checkpoint = dir.resolve("sam3.safetensors");
        SafetensorsWriter.write(checkpoint, tensors, Map.of("format", "pt"));
        tensors = null;
        Path cache = dir.resolve("cache");

        MaskResult[] first = run(checkpoint, config, cache);
        Map<Path, FileTime> written = files(cache.resolve("cpu-weights"));
        assertFalse(written.isEmpty(), "the first model wrote its packed weights");

        MaskResult[] second = run(checkpoint, config, cache);
        assertEquals(written, files(cache.resolve("cpu-weights")), "the second model wrote nothing: it mapped them");
        assertArrayEquals(reference, ReferenceScores.of(second[0]), 1e-4f, "the reference's instances");
        for (int r = 0; r < first.length; r++) {
            assertArrayEquals(ReferenceScores.of(first[r]), ReferenceScores.of(second[r]), "result " + r);
            for (int i = 0; i < first[r].size(); i++) {
                assertEquals(first[r].instances().get(i).mask().toRle(), second[r].instances().get(i).mask().toRle(),
                        "result " + r + ", mask " + i);
            }
        }
    }

    /** A text prompt and a click on the truck, on a model of {@code checkpoint} with a cache directory. */
    private static MaskResult[] run(Path checkpoint, Sam3Config config, Path cache) throws Exception {
        try (Sam3Model model = Sam3Model.builder().checkpoint(checkpoint).config(config).backend("cpu")
                .backendOptions(BackendOptions.builder().threads(2).cacheDirectory(cache).build())
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).build();
             Sam3Predictor p = model.newPredictor()) {
            p.setImage(SharedData.resolve("images/truck.jpg"));
            return new MaskResult[] {p.predict(Prompt.builder().text("truck").threshold(0.25f).build()),
                    p.predict(Prompt.point(320, 240))};
        }
    }

    private static Map<Path, FileTime> files(Path d) throws Exception {
        Map<Path, FileTime> m = new TreeMap<>();
        if (!Files.isDirectory(d)) return m;
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : (Iterable<Path>) s::iterator) m.put(p.getFileName(), Files.getLastModifiedTime(p));
        }
        return m;
    }
}
