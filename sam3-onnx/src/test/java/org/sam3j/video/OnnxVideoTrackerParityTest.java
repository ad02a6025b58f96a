package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.backend.HostTensor;
import org.sam3j.onnx.OnnxRuntimeBackend;

/**
 * The video tracker's {@code inter0} case of {@code video-tiny} with every graph on ONNX Runtime (CPU provider): the
 * backbone, the SAM heads of prompted and tracked frames, the memory encoder and the memory attention, exported by
 * {@link org.sam3j.onnx.OnnxExporter} through the {@code Backend} SPI, checked against every recorded key of all
 * eight frames by {@link VideoTrackerParityTest}'s comparison (the same tolerances as the CPU backend). ONNX Runtime
 * prefers fixed shapes, so the live loop runs the memory attention as the exported {@code memory_attention} stage
 * does: one graph with every memory slot ({@link TrackerLimits}) and a validity mask, whatever the frame's memory.
 */
@Tag("slow") // eight backbones and seven padded memory attentions of two objects on ONNX Runtime (≈ 20 min here)
class OnnxVideoTrackerParityTest {
    @BeforeAll
    static void open() throws IOException {
        VideoTrackerParityTest.open(OnnxRuntimeBackend.create(BackendOptions.defaults()));
    }

    @AfterAll
    static void close() throws IOException {
        VideoTrackerParityTest.close();
    }

    @Test
    void inter0RunsOnOnnxRuntimeWithOneFixedShapeMemoryAttention() throws IOException {
        long t0 = System.nanoTime();
        Map<String, HostTensor> ours = new VideoTrackerParityTest().runAndCheck(7);
        System.out.printf("inter0 frames 0..7 on onnxruntime: every key passed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertTrue(ours.containsKey("inter0.f7.mem_attn.out"), "the last frame's memory attention ran");
        // frames 1..7 read 1..7 spatial memories (and 1..7 pointers): one padded graph served them all
        assertEquals(1, VideoTrackerParityTest.engine().memoryAttentionCompilations(),
                "memory-attention graphs compiled for the seven memory layouts");
    }
}
