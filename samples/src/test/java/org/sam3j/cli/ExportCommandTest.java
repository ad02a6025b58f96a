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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.onnx.proto.Onnx.ModelProto;
import org.sam3j.onnx.proto.Onnx.TensorProto;
import org.sam3j.onnx.proto.Onnx.ValueInfoProto;
import org.sam3j.tensorrt.TensorRtEngines;

/** {@code sam3 export --format onnx|tensorrt}: one model per stage and a manifest that describes them; bad options fail first. */
class ExportCommandTest {
    @Test
    @SuppressWarnings("unchecked")
    void writesEveryStageAndTheManifest(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("onnx");
        CliRun r = CliRun.of("export", "--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--out", out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Map<String, Object> manifest = SegmentOutput.readJsonObject(out.resolve(ExportCommand.MANIFEST));
        assertEquals("fp32", manifest.get("precision"));
        assertEquals(17, manifest.get("opset"));
        assertEquals(64, ((String) manifest.get("model_hash")).length());
        List<Map<String, Object>> stages = (List<Map<String, Object>>) manifest.get("stages");
        assertEquals(List.of("image_encoder", "text_encoder", "detector_image", "detector", "dense_pe", "interactive_decoder",
                "memory_attention", "tracker_decoder", "memory_encoder"), stages.stream().map(s -> s.get("stage")).toList());
        for (Map<String, Object> s : stages) {
            Path file = out.resolve((String) s.get("file"));
            ModelProto m;
            try (var in = Files.newInputStream(file)) {
                m = ModelProto.parseFrom(in);
            }
            assertEquals(s.get("stage"), m.getGraph().getName());
            List<Map<String, Object>> inputs = (List<Map<String, Object>>) s.get("inputs");
            assertEquals(inputs.stream().map(v -> v.get("name")).toList(),
                    m.getGraph().getInputList().stream().map(ValueInfoProto::getName).toList());
            for (Map<String, Object> v : inputs) assertEquals("float32", v.get("dtype"));
            List<Map<String, Object>> outputs = (List<Map<String, Object>>) s.get("outputs");
            assertEquals(outputs.stream().map(v -> v.get("name")).toList(),
                    m.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList());
            assertTrue(m.getGraph().getInitializerCount() > 0, s.get("stage") + " has weights");
        }
        Map<String, Object> image = stages.get(0);
        assertEquals(List.of(1, 3, 1008, 1008), ((List<Map<String, Object>>) image.get("inputs")).get(0).get("shape"));
        assertTrue(r.out().contains("wrote 9 stages"), r.out());
        Map<String, Object> tracker = (Map<String, Object>) manifest.get("tracker");
        assertEquals(10, tracker.get("memory_frames"));
        assertEquals(76, tracker.get("pointer_tokens"));
        Map<String, Object> attention = stages.get(6);
        Map<String, Object> memory = ((List<Map<String, Object>>) attention.get("inputs")).stream()
                .filter(v -> v.get("name").equals("memory")).findFirst().orElseThrow();
        assertEquals(List.of(1, 10 * 72 * 72 + 76, 64), memory.get("shape"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesTheTrackerStagesAlone(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tracker");
        CliRun r = CliRun.of("export", "--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--stages",
                "tracker", "--out", out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Map<String, Object> manifest = SegmentOutput.readJsonObject(out.resolve(ExportCommand.MANIFEST));
        List<Map<String, Object>> stages = (List<Map<String, Object>>) manifest.get("stages");
        assertEquals(List.of("memory_attention", "tracker_decoder", "memory_encoder"),
                stages.stream().map(s -> s.get("stage")).toList());
        for (Map<String, Object> s : stages) assertTrue(Files.size(out.resolve((String) s.get("file"))) > 0, s.toString());
        List<String> inputs = ((List<Map<String, Object>>) stages.get(0).get("inputs")).stream()
                .map(v -> (String) v.get("name")).toList();
        assertEquals(List.of("src", "src_pos", "memory", "memory_pos", "memory_valid"), inputs);
    }

    /** {@code --bf16-form float-carried}: only float32 values (bfloat16 weights widened), loadable by ONNX Runtime's CPU provider. */
    @Test
    @SuppressWarnings("unchecked")
    void bf16CanBeWrittenForTheCpuProvider(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("carried");
        CliRun r = CliRun.of("export", "--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--stages",
                "tracker", "--precision", "bf16", "--bf16-form", "float-carried", "--out", out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Map<String, Object> manifest = SegmentOutput.readJsonObject(out.resolve(ExportCommand.MANIFEST));
        assertEquals("float-carried", manifest.get("bf16_form"));
        for (Map<String, Object> s : (List<Map<String, Object>>) manifest.get("stages")) {
            Path file = out.resolve((String) s.get("file"));
            ModelProto m;
            try (var in = Files.newInputStream(file)) {
                m = ModelProto.parseFrom(in);
            }
            for (ValueInfoProto v : m.getGraph().getValueInfoList()) {
                assertEquals(TensorProto.DataType.FLOAT_VALUE, v.getType().getTensorType().getElemType(), v.getName());
            }
            ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
            try (ai.onnxruntime.OrtSession.SessionOptions so = new ai.onnxruntime.OrtSession.SessionOptions()) {
                env.createSession(file.toString(), so).close();
            }
        }
        CliRun bad = CliRun.of("export", "--format", "onnx", "--weights", "synthetic", "--bf16-form", "fp8", "--out",
                dir.resolve("x").toString());
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--bf16-form fp8: use native or float-carried"), bad.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16"}) // fp16 writes the same structure with another type (OnnxReducedExportTest has both)
    @SuppressWarnings("unchecked")
    void reducedPrecisionExportsRecordTheirTypes(String precision, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("onnx");
        CliRun r = CliRun.of("export", "--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--precision",
                precision, "--out", out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Map<String, Object> manifest = SegmentOutput.readJsonObject(out.resolve(ExportCommand.MANIFEST));
        assertEquals(precision, manifest.get("precision"));
        String reduced = precision.equals("fp16") ? "float16" : "bfloat16";
        assertTrue(((String) manifest.get("precision_note")).contains(reduced), manifest.toString());
        int type = precision.equals("fp16") ? TensorProto.DataType.FLOAT16_VALUE : TensorProto.DataType.BFLOAT16_VALUE;
        for (Map<String, Object> s : (List<Map<String, Object>>) manifest.get("stages")) {
            assertEquals(precision, s.get("precision"), s.toString()); // every stage holds products
            for (String side : List.of("inputs", "outputs")) {
                for (Map<String, Object> v : (List<Map<String, Object>>) s.get(side)) assertEquals("float32", v.get("dtype"));
            }
            ModelProto m;
            try (var in = Files.newInputStream(out.resolve((String) s.get("file")))) {
                m = ModelProto.parseFrom(in);
            }
            boolean reducedWeights = m.getGraph().getInitializerList().stream().anyMatch(t -> t.getDataType() == type);
            assertTrue(reducedWeights, s.get("stage") + ": weights stored " + reduced);
        }
        Map<String, Object> fp32 = SegmentOutput.readJsonObject(writeFp32(dir).resolve(ExportCommand.MANIFEST));
        assertFalse(fp32.get("model_hash").equals(manifest.get("model_hash")), "the hash tells precisions apart");
    }

    private static Path writeFp32(Path dir) {
        Path out = dir.resolve("fp32");
        CliRun r = CliRun.of("export", "--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--out",
                out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        return out;
    }

    @Test
    void badOptionsAreOneLineWithStatusTwo(@TempDir Path dir) {
        String o = dir.resolve("x").toString();
        String[][] cases = {
            {"--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--precision", "int3", "--out", o},
            {"--format", "pdf", "--weights", "synthetic", "--out", o},
            {"--format", "onnx", "--weights", "real", "--out", o},
            {"--format", "onnx", "--out", o},
            {"--format", "onnx", "--weights", "synthetic", "--config", "tiny"},
            {"--format", "onnx", "--model", dir.resolve("nope.pt").toString(), "--out", o},
            {"--format", "tensorrt", "--weights", "synthetic", "--config", "tiny", "--out", o},
            {"--format", "onnx", "--weights", "synthetic", "--config", "tiny", "--stages", "video", "--out", o},
        };
        String[] expected = {"unknown precision 'int3'", "--format pdf: use onnx or tensorrt",
            "--weights accepts only 'synthetic'", "give --model M or --weights synthetic", "--out", "nope.pt",
            // no GPU or TensorRT here: refused before any weight is read or file written
            "--format tensorrt: cannot build TensorRT engines here: " + TensorRtEngines.unavailableReason(),
            "--stages video: use all, image or tracker"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 1];
            args[0] = "export";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            CliRun r = CliRun.of(args);
            assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("sam3: ") && r.err().contains(expected[i]), r.err());
        }
        assertFalse(Files.exists(dir.resolve("x")), "nothing written");
    }
}
