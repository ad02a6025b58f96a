package org.sam3j.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.Precision;
import org.sam3j.tensorrt.BuildSettings.Typing;

/** The build sequence and configuration {@link EngineBuilder} gives TensorRT, on a recording {@link TensorRtApi}. */
class EngineBuilderTest {
    private static final byte[] ONNX = "onnx-model".getBytes(StandardCharsets.UTF_8);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void strongFp16UsesTheExportsCastsWithoutPrecisionFlags() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        EngineBuilder.Result r = new EngineBuilder(api).build("detector", ONNX, null,
                new BuildSettings(Precision.FP16, Typing.STRONG, 0), new byte[0]);
        assertEquals(List.of("open stronglyTyped=true", "parse 10 bytes", "setTimingCache ''", "build", "close"), api.calls);
        assertArrayEquals(utf8("ENGINE:onnx-model"), r.engine());
        assertArrayEquals(utf8("+t"), r.timingCache());
    }

    @Test
    void flagsBf16SetsTheFlagObeysConstraintsAndPinsFp32Layers() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        new EngineBuilder(api).build("image_encoder", ONNX, Path.of("/x/image_encoder.onnx"),
                new BuildSettings(Precision.BF16, Typing.FLAGS, 3L << 30), utf8("T1"));
        assertEquals(List.of("open stronglyTyped=false", "parse 10 bytes at image_encoder.onnx", "setFlag BF16",
                "setFlag OBEY_PRECISION_CONSTRAINTS", "pinToFp32 [SOFTMAX, NORMALIZATION, REDUCE]",
                "setWorkspace 3221225472", "setTimingCache 'T1'", "build", "close"), api.calls);
    }

    @Test
    void fp32ClearsTf32AndSetsNoPrecisionFlagInEitherTyping() {
        for (Typing t : Typing.values()) {
            RecordingTensorRtApi api = new RecordingTensorRtApi();
            new EngineBuilder(api).build("text_encoder", ONNX, null, new BuildSettings(Precision.FP32, t, 0), new byte[0]);
            assertTrue(api.calls.contains("clearFlag TF32"), api.calls.toString());
            assertTrue(api.calls.stream().noneMatch(c -> c.startsWith("setFlag") || c.startsWith("pinToFp32")), api.calls.toString());
            assertEquals("open stronglyTyped=" + (t == Typing.STRONG), api.calls.get(0));
        }
    }

    @Test
    void parserErrorsAndLoggedErrorsMakeOneExceptionAndNothingIsBuilt() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        api.parserErrors = List.of("node 3 (Gather_3, Gather): bad indices", "node 9 (RoiAlign_9, RoiAlign): unsupported");
        api.loggedErrors = List.of("ModelImporter: failed", "node 3 (Gather_3, Gather): bad indices");
        EngineBuildException e = assertThrows(EngineBuildException.class, () -> new EngineBuilder(api)
                .build("detector", ONNX, null, new BuildSettings(Precision.FP16, Typing.STRONG, 0), new byte[0]));
        assertEquals("stage detector: TensorRT's ONNX parser rejected the model: node 3 (Gather_3, Gather): bad indices;"
                + " node 9 (RoiAlign_9, RoiAlign): unsupported; ModelImporter: failed", e.getMessage());
        assertTrue(api.calls.stream().noneMatch(c -> c.equals("build")), api.calls.toString());
        assertEquals(1, api.closed);
    }

    @Test
    void aFailedBuildNamesTheLoggedErrorsAndClosesTheSession() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        api.buildFails = true;
        api.loggedErrors = List.of("out of memory building Myelin graph");
        EngineBuildException e = assertThrows(EngineBuildException.class, () -> new EngineBuilder(api)
                .build("image_encoder", ONNX, null, new BuildSettings(Precision.FP16, Typing.STRONG, 0), new byte[0]));
        assertEquals("stage image_encoder: TensorRT could not build the engine: out of memory building Myelin graph", e.getMessage());
        assertEquals(1, api.closed);
    }

    @Test
    void aRejectedTimingCacheFallsBackToAFreshOne() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        api.rejectTimingCache = true;
        EngineBuilder.Result r = new EngineBuilder(api).build("dense_pe", ONNX, null,
                new BuildSettings(Precision.FP16, Typing.STRONG, 0), utf8("from-another-gpu"));
        assertTrue(api.calls.containsAll(List.of("setTimingCache 'from-another-gpu'", "setTimingCache ''")), api.calls.toString());
        assertArrayEquals(utf8("+t"), r.timingCache());
    }

    @Test
    void refusesAnEmptyModelBeforeOpeningTensorRt() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        assertThrows(IllegalArgumentException.class, () -> new EngineBuilder(api)
                .build("detector", new byte[0], null, new BuildSettings(Precision.FP16, Typing.STRONG, 0), new byte[0]));
        assertEquals(0, api.opened);
    }
}
