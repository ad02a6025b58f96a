package org.sam3j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.io.CheckpointFormatException;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;

/** Loading released-checkpoint layouts under the internal names. */
class CheckpointWeightsTest {
    private static final String VIT = "detector.backbone.vision_backbone.trunk.";
    private static final String HF = "detector_model.vision_encoder.backbone.";

    /** The encoder's parameters (names and shapes) for the tiny configuration. */
    private static Map<String, long[]> encoderParams() throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        Graph g = new Graph();
        Tensor img = g.input("image", 1, 3, 1008, 1008);
        Sam3Tree.of(g, org.sam3j.verify.Verifier.configOf(set)).visionBackbone(true).forward(img);
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : g.weights().entrySet()) {
            long[] s = set.paramShapes().get(e.getKey());
            assertTrue(s != null, "the fixture declares " + e.getKey());
            assertArrayEquals(s, Arrays.stream(e.getValue().shape()).asLongStream().toArray(), e.getKey());
            out.put(e.getKey(), s);
        }
        return out;
    }

    /** Writes the tiny encoder's synthetic weights in the Hugging Face layout (q/k/v split, CLS row dropped). */
    private static Path writeHfLayout(Path dir, Map<String, long[]> params) throws Exception {
        SyntheticWeights syn = SyntheticWeights.of(params);
        List<StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> e : params.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] v = syn.floats(name);
            HfKeyMapping.Source src = HfKeyMapping.source(name);
            assertTrue(src != null, "HF mapping covers " + name);
            if (src.kind() == HfKeyMapping.Kind.PAD_ROWS) {
                int row = (int) shape[shape.length - 1];
                long[] s = shape.clone();
                s[s.length - 2] -= src.amount();
                tensors.add(StoredTensor.ofFloats(src.hfNames().get(0), s, Arrays.copyOfRange(v, row * src.amount(), v.length)));
            } else if (src.kind() == HfKeyMapping.Kind.CONCAT) {
                assertEquals(3, src.hfNames().size(), name);
                long[] s = shape.clone();
                s[0] /= 3;
                int part = v.length / 3;
                for (int i = 0; i < 3; i++) {
                    tensors.add(StoredTensor.ofFloats(src.hfNames().get(i), s, Arrays.copyOfRange(v, i * part, (i + 1) * part)));
                }
            } else {
                tensors.add(StoredTensor.ofFloats(src.hfNames().get(0), shape, v));
            }
        }
        // a key of the layout that the encoder graph does not read (the text resizer's bias) is known, not unexpected
        tensors.add(StoredTensor.ofFloats("detector_model.text_projection.bias", new long[] {2}, new float[] {1, 2}));
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        return file;
    }

    @Test
    void huggingFaceLayoutMapsToInternalNames(@TempDir Path dir) throws Exception {
        Map<String, long[]> params = encoderParams();
        writeHfLayout(dir, params);
        SyntheticWeights syn = SyntheticWeights.of(params);
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            assertTrue(w.isHuggingFaceLayout());
            for (Map.Entry<String, long[]> e : params.entrySet()) {
                String name = e.getKey();
                assertTrue(w.contains(name), name);
                assertArrayEquals(e.getValue(), w.shape(name), name);
                float[] expected = syn.floats(name);
                if (name.equals(VIT + "pos_embed")) {
                    Arrays.fill(expected, 0, (int) e.getValue()[2], 0f); // the CLS row is not in the HF file
                }
                assertArrayEquals(expected, w.floats(name), name);
                java.nio.FloatBuffer inPlace = w.mappedFloats(name);
                FloatReader reader = w.floatReader(name);
                if (HfKeyMapping.source(name).kind() == HfKeyMapping.Kind.RENAME) {
                    float[] mapped = new float[inPlace.capacity()];
                    inPlace.get(0, mapped);
                    assertArrayEquals(expected, mapped, name + " read in place");
                    float[] read = new float[expected.length];
                    reader.read(0, read, 0, read.length);
                    assertArrayEquals(expected, read, name + " read from the file");
                } else {
                    assertEquals(null, inPlace, name + " is re-laid out, so not offered in place");
                    assertEquals(null, reader, name + " is re-laid out, so not read as stored");
                }
            }
            assertFalse(w.contains(VIT + "blocks.5.norm1.weight"));
            WeightLoadingException missing = assertThrows(WeightLoadingException.class, () -> w.floats(VIT + "blocks.5.norm1.weight"));
            assertTrue(missing.getMessage().contains("missing parameter"), missing.getMessage());
        }
    }

    @Test
    void officialNamesInSafetensorsAreReadDirectly(@TempDir Path dir) throws Exception {
        float[] v = {1, 2, 3, 4};
        Path file = dir.resolve("official.safetensors");
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats(VIT + "ln_pre.weight", new long[] {4}, v)), Map.of());
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            assertFalse(w.isHuggingFaceLayout());
            assertArrayEquals(v, w.floats(VIT + "ln_pre.weight"));
            assertArrayEquals(new long[] {4}, w.shape(VIT + "ln_pre.weight"));
        }
    }

    @Test
    void theFingerprintNamesTheFileAndChangesWhenItIsRewritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("official.safetensors");
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats(VIT + "ln_pre.weight", new long[] {4}, new float[] {1, 2, 3, 4})), Map.of());
        String first;
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            first = w.fingerprint().orElseThrow();
        }
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            assertEquals(first, w.fingerprint().orElseThrow(), "the same file, the same fingerprint");
        }
        assertTrue(first.contains(file.toAbsolutePath().toString()), first);
        // the same size, other values, written later
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats(VIT + "ln_pre.weight", new long[] {4}, new float[] {5, 6, 7, 8})), Map.of());
        java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(
                java.nio.file.Files.getLastModifiedTime(file).toMillis() + 2000));
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            assertNotEquals(first, w.fingerprint().orElseThrow());
        }
    }

    @Test
    void onlyFloat32ParametersAreOfferedInPlace(@TempDir Path dir) throws Exception {
        float[] v = {1, 2, 3, 4};
        java.nio.ByteBuffer half = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (short bits : new short[] {0x3C00, 0x4000, 0x4200, 0x4400}) half.putShort(bits); // 1, 2, 3, 4 in float16
        half.flip();
        Path file = dir.resolve("mixed.safetensors");
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats(VIT + "ln_pre.weight", new long[] {4}, v),
                new StoredTensor(VIT + "ln_pre.bias", org.sam3j.io.DType.F16, new long[] {4}, half)), Map.of());
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            java.nio.FloatBuffer inPlace = w.mappedFloats(VIT + "ln_pre.weight");
            assertTrue(inPlace.isDirect() && inPlace.isReadOnly(), "a read-only view of the mapping");
            float[] got = new float[inPlace.capacity()];
            inPlace.get(0, got);
            assertArrayEquals(v, got);
            assertEquals(null, w.mappedFloats(VIT + "ln_pre.bias"), "float16 must be converted, not read in place");
            assertEquals(null, w.floatReader(VIT + "ln_pre.bias"), "float16 must be converted, not read as stored");
            assertArrayEquals(v, w.floats(VIT + "ln_pre.bias"));
            assertEquals(null, w.mappedFloats(VIT + "absent"));
            assertEquals(null, w.floatReader(VIT + "absent"));
        }
    }

    @Test
    void aFloatReaderReadsAnyRangeFromTheFileInPieces(@TempDir Path dir) throws Exception {
        // more values than one read buffer holds (1 MiB), so reads cross its end
        float[] v = new float[300_001];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 7;
        Path file = dir.resolve("big.safetensors");
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats(VIT + "ln_pre.bias", new long[] {7}, new float[7]),
                StoredTensor.ofFloats(VIT + "pos_embed", new long[] {v.length}, v)), Map.of());
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            FloatReader r = w.floatReader(VIT + "pos_embed");
            float[] all = new float[v.length + 3];
            r.read(0, all, 3, v.length);
            assertArrayEquals(v, Arrays.copyOfRange(all, 3, all.length));
            float[] part = new float[5];
            r.read(299_996, part, 0, 5);
            assertArrayEquals(Arrays.copyOfRange(v, 299_996, 300_001), part);
            assertThrows(IndexOutOfBoundsException.class, () -> r.read(299_997, new float[5], 0, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> r.read(0, new float[5], 2, 5));
        }
    }

    @Test
    void torchCheckpointWithForeignKeysIsRefusedWithTheKeysListed() throws Exception {
        // reader_test.pt holds real SAM 3 names plus "test.*" tensors that no SAM 3 checkpoint has
        WeightLoadingException e = assertThrows(WeightLoadingException.class,
                () -> CheckpointWeights.open(SharedData.resolve("fixtures/checkpoints/reader_test.pt")));
        assertTrue(e.getMessage().contains("unexpected key 'test.bf16'"), e.getMessage());
        assertFalse(e.getMessage().contains("unexpected key 'detector."), e.getMessage());
    }

    @Test
    void aFileOfAnotherModelIsNotASam3Checkpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("other.safetensors");
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats("encoder.layer.0.weight", new long[] {1}, new float[] {1})), Map.of());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointWeights.open(file));
        assertTrue(e.getMessage().contains("not a SAM 3 checkpoint"), e.getMessage());
    }

    @Test
    void missingFileOrEmptyDirectory(@TempDir Path dir) {
        assertThrows(NoSuchFileException.class, () -> CheckpointWeights.open(dir.resolve("nope.pt")));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> CheckpointWeights.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void truncatedSafetensorsIsAFormatError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(StoredTensor.ofFloats(VIT + "ln_pre.weight", new long[] {256}, new float[256])), Map.of());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 100));
        assertThrows(CheckpointFormatException.class, () -> CheckpointWeights.open(file));
    }

    @Test
    void releasedConfigIsTheDefault() {
        assertTrue(Sam3Config.released().isReleasedArchitecture());
        assertEquals(32, Sam3Config.released().vitDepth());
    }
}
