package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.backend.BackendStatus;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.Backends;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;

/** {@code sam3 info}: the summary of a checkpoint and one-line errors for bad models. */
class InfoCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void summarisesAHuggingFaceLayoutDirectory(@TempDir Path dir) throws Exception {
        String vit = "detector_model.vision_encoder.backbone.layers.";
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                StoredTensor.ofFloats(vit + "0.layer_norm1.weight", new long[] {4}, new float[4]),
                StoredTensor.ofFloats(vit + "2.layer_norm1.weight", new long[] {4}, new float[4]),
                StoredTensor.ofFloats("tracker_model.mask_decoder.conv_s0.bias", new long[] {2, 3}, new float[6])), Map.of());
        CliRun r = run("info", "--model", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("safetensors (Hugging Face layout)"), r.out());
        assertTrue(r.out().contains("3 tensors, 14 parameters"), r.out());
        assertTrue(r.out().contains("F32 x3"), r.out());
        assertTrue(r.out().contains("ViT 3 blocks"), r.out());
        assertTrue(r.out().contains("tracker heads present"), r.out());
        // the backend that segment would run first (not always "cpu"), then every backend with why it cannot run
        assertEquals(List.of("cuda", "openblas", "cpu", "onnxruntime", "tensorrt"), Backends.names());
        assertTrue(r.out().contains("backend       " + Backends.defaultName() + ": device 0, "), r.out());
        if (Backends.defaultName().equals("cpu") || Backends.defaultName().equals("openblas")) {
            // the build's tests run with the Vector API module (surefire.argLine)
            assertEquals(CpuBackend.vectorProducts(), r.out().contains("java kernels  Vector API"), r.out());
            assertEquals(CpuBackend.vectorProducts() && !CpuBackend.vectorKernels(),
                    r.out().contains("auto-vectorised longer attention"), r.out());
        }
        for (BackendStatus b : Backends.statuses()) {
            String line = b.name() + ": " + b.description() + " (";
            assertTrue(r.out().contains(line), line + " in\n" + r.out());
            if (!b.available()) assertTrue(r.out().contains("unavailable: " + b.unavailableReason()), r.out());
        }
        assertTrue(r.out().contains("config        incomplete"), "a checkpoint of 3 tensors lacks stacks: " + r.out());
    }

    @Test
    void badModelsAreOneLineErrors(@TempDir Path dir) throws Exception {
        CliRun missing = run("info", "--model", dir.resolve("nope.pt").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().startsWith("sam3: "), missing.err());

        CliRun foreign = run("info", "--model", SharedData.resolve("fixtures/checkpoints/reader_test.pt").toString());
        assertEquals(2, foreign.status(), foreign.err());
        assertTrue(foreign.err().contains("unexpected key 'test."), foreign.err());

        Path corrupt = dir.resolve("corrupt.safetensors");
        Files.write(corrupt, new byte[] {1, 2, 3});
        CliRun c = run("info", "--model", corrupt.toString());
        assertEquals(2, c.status());
        assertTrue(c.err().contains("not a safetensors file"), c.err());

        CliRun offline = run("info", "--model", "hf:facebook/sam3", "--offline", "--cache", dir.resolve("cache").toString());
        assertEquals(2, offline.status(), offline.err());
        assertTrue(offline.err().toLowerCase().contains("offline"), offline.err());

        CliRun malformed = run("info", "--model", "hf:not a repo");
        assertEquals(2, malformed.status());
        assertEquals(1, foreign.err().strip().lines().count(), foreign.err());
        for (CliRun r : List.of(missing, foreign, c, offline, malformed)) {
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }
}
