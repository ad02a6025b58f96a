package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.sam3j.video.TrackerLimits;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.onnx.proto.Onnx.ModelProto;
import org.sam3j.onnx.proto.Onnx.NodeProto;
import org.sam3j.onnx.proto.Onnx.TensorProto;
import org.sam3j.weights.InMemoryWeights;

/** The ONNX files themselves: what is written, inline or with external data, and what is refused. */
class OnnxExporterTest {
    private static Graph graph() {
        Graph g = new Graph();
        Tensor x = g.input("x", 2, 3);
        g.input("unused", 7);
        Tensor y = g.linear(x, g.weight("w", 4, 3), g.weight("b", 4));
        g.weight("never", 5);
        g.output("y", g.gelu(y));
        g.output("y2", y);
        return g;
    }

    private static InMemoryWeights weights() {
        InMemoryWeights w = new InMemoryWeights();
        w.put("w", new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, new long[] {4, 3});
        w.put("b", new float[] {0.5f, -1, 2, 3}, new long[] {4});
        return w;
    }

    @Test
    void inlineModelHasTheGraphsNamesShapesAndWeights(@TempDir Path dir) throws Exception {
        OnnxModel m = new OnnxExporter().export("demo", graph(), weights());
        assertFalse(m.hasExternalData());
        ModelProto p = ModelProto.parseFrom(m.toByteArray());
        assertEquals(OnnxExporter.IR_VERSION, p.getIrVersion());
        assertEquals(17, p.getOpsetImport(0).getVersion());
        assertEquals("demo", p.getGraph().getName());
        assertEquals(List.of("x"), p.getGraph().getInputList().stream().map(v -> v.getName()).toList(),
                "inputs no output reads are left out");
        assertEquals(List.of("y", "y2"), p.getGraph().getOutputList().stream().map(v -> v.getName()).toList());
        assertEquals(List.of(2L, 4L), p.getGraph().getOutput(0).getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.getDimValue()).toList());
        Map<String, TensorProto> init = p.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(TensorProto::getName, t -> t));
        assertFalse(init.containsKey("never"), "weights no output reads are left out");
        TensorProto w = init.get("w");
        assertEquals(List.of(4L, 3L), w.getDimsList());
        float[] values = new float[12];
        ByteBuffer.wrap(w.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, values);
        List<String> ops = p.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertTrue(ops.containsAll(List.of("Gemm", "Erf", "Identity")), ops.toString());
        assertEquals("fp32", p.getMetadataPropsList().stream().filter(e -> e.getKey().equals("sam3j.precision"))
                .findFirst().orElseThrow().getValue());

        OnnxModel.Written written = m.write(dir);
        assertEquals(dir.resolve("demo.onnx"), written.model());
        assertNull(written.data());
        assertEquals(p, ModelProto.parseFrom(Files.readAllBytes(written.model())));
        assertEquals(64, written.sha256().length());
        assertEquals(written.sha256(), new OnnxExporter().export("demo", graph(), weights()).write(dir.resolve("again"))
                .sha256(), "the export is deterministic");
    }

    @Test
    void beyondTheThresholdWeightsGoToAnAlignedDataFile(@TempDir Path dir) throws Exception {
        OnnxModel m = new OnnxExporter(10).export("demo", graph(), weights());
        assertTrue(m.hasExternalData());
        assertThrows(IllegalStateException.class, m::toByteArray);
        OnnxModel.Written written = m.write(dir);
        assertEquals(dir.resolve("demo.onnx.data"), written.data());
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(written.model()));
        TensorProto b = p.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("b")).findFirst()
                .orElseThrow();
        assertEquals(TensorProto.DataLocation.EXTERNAL, b.getDataLocation());
        Map<String, String> ext = b.getExternalDataList().stream().collect(Collectors.toMap(e -> e.getKey(), e -> e.getValue()));
        assertEquals("demo.onnx.data", ext.get("location"));
        long offset = Long.parseLong(ext.get("offset"));
        assertEquals(0, offset % OnnxExporter.EXTERNAL_ALIGNMENT);
        assertEquals("16", ext.get("length"));
        byte[] data = Files.readAllBytes(written.data());
        float[] values = new float[4];
        ByteBuffer.wrap(data, (int) offset, 16).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        assertArrayEquals(new float[] {0.5f, -1, 2, 3}, values);
        assertNotEquals(new OnnxExporter().export("demo", graph(), weights()).write(dir.resolve("inline")).sha256(),
                written.sha256());
    }

    @Test
    void badRequestsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OnnxExporter(-1));
        assertThrows(IllegalArgumentException.class, () -> new OnnxExporter(OnnxExporter.PROTOBUF_LIMIT + 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OnnxExporter().export("a/b", graph(), weights()));
        assertTrue(e.getMessage().contains("stage name"), e.getMessage());
        Graph none = new Graph();
        none.input("x", 1);
        e = assertThrows(IllegalArgumentException.class, () -> new OnnxExporter().export("s", none, weights()));
        assertTrue(e.getMessage().contains("no output"), e.getMessage());
        Graph clash = new Graph();
        clash.output("x", clash.relu(clash.input("x", 1)));
        e = assertThrows(IllegalArgumentException.class, () -> new OnnxExporter().export("s", clash, weights()));
        assertTrue(e.getMessage().contains("output 'x'"), e.getMessage());
    }

    @Test
    void everyStageOfTheModelIsNamed() {
        Map<String, Graph> stages = OnnxStages.of(Sam3Config.tiny());
        assertEquals(List.of("image_encoder", "text_encoder", "detector_image", "detector", "dense_pe", "interactive_decoder",
                "memory_attention", "tracker_decoder", "memory_encoder"), List.copyOf(stages.keySet()));
        assertEquals(List.of("memory_attention", "tracker_decoder", "memory_encoder"), List.copyOf(OnnxStages.of(
                Sam3Config.tiny(), java.util.EnumSet.of(OnnxStages.Group.TRACKER), TrackerLimits.released(
                        Sam3Config.tiny())).keySet()));
        assertEquals(List.of("image"), List.copyOf(stages.get("image_encoder").inputs().keySet()));
        assertTrue(stages.get("detector").outputs().keySet().containsAll(List.of("pred_logits", "pred_boxes",
                "presence_logit", "pred_masks")));
        // the image side feeds the prompt graph: its outputs and the 72² level are the prompt graph's image inputs
        assertEquals(List.of("fpn.0", "fpn.1", "fpn.2"), List.copyOf(stages.get("detector_image").inputs().keySet()));
        for (String port : stages.get("detector_image").outputs().keySet()) {
            assertTrue(stages.get("detector").inputs().containsKey(port), port);
        }
        assertTrue(stages.get("detector").inputs().containsKey("fpn.2"));
        assertFalse(stages.get("detector").inputs().containsKey("fpn.0"));
    }
}
