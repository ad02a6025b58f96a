package org.sam3j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.io.CheckpointFormatException;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;

/**
 * The architecture is read from a checkpoint's layer stacks (no {@code --config} needed), a configuration
 * that disagrees with the file is one message naming the depths, and a file that is neither format is
 * called that.
 */
class ConfigInferenceTest {
    @TempDir
    Path dir;

    /** A checkpoint holding one small tensor per layer of each stack, with the given depths (official names). */
    private Path checkpoint(String name, int vit, int text, int fusion, int decoder, int geometry, int... ropeGlobal)
            throws Exception {
        List<StoredTensor> t = new ArrayList<>();
        for (int i = 0; i < vit; i++) {
            t.add(tensor("detector.backbone.vision_backbone.trunk.blocks." + i + ".norm1.weight", 1));
        }
        for (int i : ropeGlobal) {
            // the RoPE buffer of a global block covers the whole 72x72 grid
            t.add(tensor("detector.backbone.vision_backbone.trunk.blocks." + i + ".attn.freqs_cis", 72 * 72, 1));
        }
        for (int i = 0; i < text; i++) {
            t.add(tensor("detector.backbone.language_backbone.encoder.transformer.resblocks." + i + ".ln_1.weight", 1));
        }
        for (int i = 0; i < fusion; i++) t.add(tensor("detector.transformer.encoder.layers." + i + ".norm1.weight", 1));
        for (int i = 0; i < decoder; i++) t.add(tensor("detector.transformer.decoder.layers." + i + ".norm1.weight", 1));
        for (int i = 0; i < geometry; i++) t.add(tensor("detector.geometry_encoder.encode." + i + ".norm1.weight", 1));
        Path p = dir.resolve(name);
        SafetensorsWriter.write(p, t, java.util.Map.of());
        return p;
    }

    private static StoredTensor tensor(String name, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return StoredTensor.ofFloats(name, shape, new float[(int) n]);
    }

    @Test
    void tinyDepthsAreInferred() throws Exception {
        try (CheckpointWeights w = CheckpointWeights.open(checkpoint("tiny.safetensors", 2, 1, 1, 1, 1))) {
            assertEquals(Sam3Config.tiny(), w.inferConfig());
        }
    }

    @Test
    void releasedDepthsGiveTheReleasedArchitecture() throws Exception {
        try (CheckpointWeights w = CheckpointWeights.open(checkpoint("full.safetensors", 32, 24, 6, 6, 3))) {
            Sam3Config c = w.inferConfig();
            assertEquals(Sam3Config.released(), c);
            assertTrue(c.isReleasedArchitecture());
        }
    }

    @Test
    void globalBlocksComeFromTheRopeBuffersWhenPresent() throws Exception {
        try (CheckpointWeights w = CheckpointWeights.open(checkpoint("rope.safetensors", 6, 2, 1, 1, 1, 2, 5))) {
            Sam3Config c = w.inferConfig();
            assertEquals(6, c.vitDepth());
            assertArrayEquals(new int[] {2, 5}, c.vitGlobalBlocks());
            assertEquals(2, c.textLayers());
        }
        try (CheckpointWeights w = CheckpointWeights.open(checkpoint("norope.safetensors", 8, 2, 1, 1, 1))) {
            assertArrayEquals(new int[] {1, 3, 5, 7}, w.inferConfig().vitGlobalBlocks(), "released pattern, scaled");
        }
    }

    @Test
    void theModelBuilderUsesTheCheckpointsDepths() throws Exception {
        Path p = checkpoint("model.safetensors", 2, 1, 1, 1, 1);
        try (Sam3Model m = Sam3Model.builder().checkpoint(p).build()) {
            assertEquals(Sam3Config.tiny(), m.config(), "no configuration given: the checkpoint's");
        }
        WeightLoadingException e = assertThrows(WeightLoadingException.class,
                () -> Sam3Model.builder().checkpoint(p).config(Sam3Config.released()).build());
        assertTrue(e.getMessage().contains("the configuration does not match the checkpoint"), e.getMessage());
        assertTrue(e.problems().contains("vit layers: the configuration has 32, the checkpoint 2"), e.problems().toString());
        assertTrue(e.problems().stream().anyMatch(s -> s.contains("leave the configuration out")), e.problems().toString());
    }

    @Test
    void aFileOfNeitherFormatIsCalledThat() throws Exception {
        Path random = dir.resolve("sam3.pt");
        byte[] bytes = new byte[4096];
        new java.util.Random(7).nextBytes(bytes);
        bytes[8] = 'x'; // not the '{' a safetensors header starts with
        Files.write(random, bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointWeights.open(random));
        assertTrue(e.getMessage().contains("not a SAM 3 checkpoint: neither a PyTorch checkpoint"), e.getMessage());
        assertTrue(!e.getMessage().contains("header length"), e.getMessage());
    }
}
