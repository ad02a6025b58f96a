package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;
import org.sam3j.weights.SyntheticWeights;

/** Loading a model from files: clear errors for bad files, and a checkpoint on disk gives the reference's results. */
class Sam3ModelLoadingTest {
    @Test
    void missingCheckpointIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("sam3.pt");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> Sam3Model.builder().checkpoint(missing).build());
        assertTrue(e.getMessage().contains("sam3.pt"), e.getMessage());
    }

    @Test
    void corruptCheckpointFailsClearly(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("model.safetensors");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Exception e = assertThrows(Exception.class, () -> Sam3Model.builder().checkpoint(bad).build());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void builderNeedsWeights() {
        assertThrows(IllegalStateException.class, () -> Sam3Model.builder().build());
    }

    /** Writes the synthetic tiny model as a safetensors checkpoint with official names, loads it, clicks. */
    @Test
    @Tag("slow")
    void checkpointOnDiskGivesTheReferenceResult(@TempDir Path dir) throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        Sam3Config config = Verifier.configOf(set);
        Map<String, long[]> shapes = Sam3Model.parameterShapes(config);
        List<StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = StoredTensor.numel(e.getValue());
            float[] v = new float[(int) n];
            SyntheticWeights.fill(e.getKey(), e.getValue(), v);
            tensors.add(StoredTensor.ofFloats(e.getKey(), e.getValue(), v));
        }
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        tensors.clear();
        try (Sam3Model model = Sam3Model.builder().checkpoint(file).config(config).build();
             Sam3Predictor p = model.newPredictor();
             FixtureCase truck = set.openCase("truck")) {
            assertTrue(!model.hasTokenizer(), "no tokenizer beside the file");
            p.setImage(SharedData.resolve("images/truck.jpg"));
            MaskResult r = p.predict(Prompt.point(500, 375));
            float[] ref = truck.whole("inter0.iou").orElseThrow().toFloats();
            Arrays.sort(ref);
            float[] ours = new float[r.size()];
            for (int i = 0; i < ours.length; i++) ours[ours.length - 1 - i] = r.instances().get(i).score();
            assertArrayEquals(ref, ours, 1e-4f);
        }
    }
}
