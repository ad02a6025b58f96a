package org.sam3j.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.tensorrt.TensorRtRuntime.Gpu;
import org.sam3j.tensorrt.TensorRtRuntime.Status;

/** {@link TensorRtEngines#build}: key, cache and builder together, on a fake runtime status and a recording TensorRT. */
class TensorRtEnginesTest {
    @TempDir
    Path dir;

    static final Status TWO_GPUS = new Status(null, "10.15.1",
            List.of(new Gpu(0, "NVIDIA H200", "9.0"), new Gpu(1, "NVIDIA L4", "8.9")));
    static final byte[] ONNX = "detector-onnx".getBytes(StandardCharsets.UTF_8);

    @Test
    void buildsOnceThenServesFromTheCacheKeyedByWhatItWasBuiltFor() throws IOException {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        BackendOptions o = BackendOptions.builder().precision(Precision.FP16).device(1).cacheDirectory(dir).build();
        TensorRtEngines.Built a = TensorRtEngines.build("detector", ONNX, null, "m1", o, TWO_GPUS, new EngineBuilder(api));
        assertEquals(EngineCache.Outcome.BUILT, a.outcome());
        assertEquals(new EngineKey("m1", EngineCache.sha256(ONNX), "detector", Precision.FP16, "strong", "NVIDIA L4", "8.9",
                "10.15.1"), a.key());
        assertArrayEquals("ENGINE:detector-onnx".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(a.engineFile()));
        TensorRtEngines.Built b = TensorRtEngines.build("detector", ONNX, null, "m1", o, TWO_GPUS, new EngineBuilder(api));
        assertEquals(EngineCache.Outcome.CACHED, b.outcome());
        assertEquals(1, api.opened);
        // The timing cache of the first build is saved for the GPU model and TensorRT version.
        assertEquals("+t", Files.readString(new EngineCache(dir).timingCacheFile(a.key())));
        // Another model hash or precision is another engine.
        TensorRtEngines.build("detector", ONNX, null, "m2", o, TWO_GPUS, new EngineBuilder(api));
        TensorRtEngines.build("detector", ONNX, null, "m1", o.toBuilder().precision(Precision.BF16).build(), TWO_GPUS,
                new EngineBuilder(api));
        assertEquals(3, api.opened);
    }

    @Test
    void unavailableFailsFastBeforeAnyWork() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        Status none = new Status("libnvinfer.so.10 is not loadable (...); no CUDA device: no CUDA-capable GPU", null, List.of());
        BackendOptions o = BackendOptions.builder().cacheDirectory(dir.resolve("c")).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TensorRtEngines.build("detector", ONNX, null, "m1", o, none, new EngineBuilder(api)));
        assertEquals("cannot build TensorRT engines here: " + none.reason(), e.getMessage());
        assertEquals(0, api.opened);
        assertFalse(Files.exists(dir.resolve("c")));
    }

    @Test
    void badArgumentsAreRefusedBeforeBuilding() {
        RecordingTensorRtApi api = new RecordingTensorRtApi();
        BackendOptions o = BackendOptions.builder().cacheDirectory(dir).build();
        IllegalArgumentException dev = assertThrows(IllegalArgumentException.class, () -> TensorRtEngines.build("detector",
                ONNX, null, "m1", o.toBuilder().device(2).build(), TWO_GPUS, new EngineBuilder(api)));
        assertEquals("CUDA device 2 does not exist (2 found)", dev.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TensorRtEngines.build("detector", new byte[0], null, "m1", o, TWO_GPUS, new EngineBuilder(api)));
        assertThrows(IllegalArgumentException.class,
                () -> TensorRtEngines.build("detector", ONNX, null, " ", o, TWO_GPUS, new EngineBuilder(api)));
        assertThrows(IllegalArgumentException.class, () -> TensorRtEngines.build("detector", ONNX, null, "m1",
                o.toBuilder().extra("tensorrt.typing", "loose").build(), TWO_GPUS, new EngineBuilder(api)));
        assertEquals(0, api.opened);
        assertTrue(api.calls.isEmpty());
    }
}
