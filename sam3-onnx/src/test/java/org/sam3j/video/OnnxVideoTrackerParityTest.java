package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.graph.Graph;
import org.sam3j.model.tracker.MemoryAttention;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.onnx.OnnxRuntimeBackend;
import org.sam3j.onnx.OnnxStages;
import org.sam3j.verify.ProbeComparison;
import org.sam3j.verify.ProbeResult;

/**
 * The video tracker's {@code inter0} case of {@code video-tiny} with every graph on ONNX Runtime (CPU provider): the
 * backbone, the SAM heads of prompted and tracked frames, the memory encoder and the memory attention, exported by
 * {@link org.sam3j.onnx.OnnxExporter} through the {@code Backend} SPI, checked against every recorded key of all
 * eight frames by {@link VideoTrackerParityTest}'s comparison (the same tolerances as the CPU backend). Then the
 * exported {@code memory_attention} stage (fixed memory slots and a validity mask, {@link OnnxStages.TrackerLimits})
 * runs on the recorded memory of the first and the last tracked frame, one object at a time, against the reference's
 * {@code mem_attn.out}.
 */
@Tag("slow") // eight backbones and memory attentions on ONNX Runtime (≈ 12 min here), then two padded memory attentions
class OnnxVideoTrackerParityTest {
    private static final double TOL = 1e-3;

    @BeforeAll
    static void open() throws IOException {
        VideoTrackerParityTest.open(OnnxRuntimeBackend.create(BackendOptions.defaults()));
    }

    @AfterAll
    static void close() throws IOException {
        VideoTrackerParityTest.close();
    }

    @Test
    void inter0RunsOnOnnxRuntimeAndTheFixedSizeMemoryAttentionMatches() throws IOException {
        long t0 = System.nanoTime();
        Map<String, HostTensor> ours = new VideoTrackerParityTest().runAndCheck(7);
        System.out.printf("inter0 frames 0..7 on onnxruntime: every key passed in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        try (VideoFixture fx = VideoFixture.open();
             OnnxRuntimeBackend ort = OnnxRuntimeBackend.create(BackendOptions.defaults())) {
            int grid = fx.config.gridSize();
            int n = grid * grid;
            int dim = fx.config.dModel();
            int mem = MemoryEncoder.MEM_DIM;
            OnnxStages.TrackerLimits limits = OnnxStages.TrackerLimits.released(fx.config);
            Graph padded = MemoryAttention.paddedGraph(fx.config, 1, limits.memoryFrames(), limits.pointerTokens());
            List<String> failures = new ArrayList<>();
            try (CompiledGraph cg = ort.compile(padded, fx.weights)) {
                // the first and the last tracked frame (the smallest and the largest memory): each padded run
                // attends over every slot, about 90 s for the two objects here
                for (int t : new int[] {1, fx.numFrames() - 1}) {
                    String pre = "inter0.f" + t + ".";
                    HostTensor prompt = ours.get(pre + "mem_attn.prompt");
                    int len = prompt.shape()[0];
                    int b = prompt.shape()[1];
                    int ptr = ours.get(pre + "obj_ptr_tpos").shape()[0] * (dim / mem);
                    int frames = (len - ptr) / n;
                    assertEquals(len, frames * n + ptr, pre + "memory layout");
                    float[] out = new float[n * b * dim];   // [n, B, C] as the reference records it
                    long t1 = System.nanoTime();
                    for (int o = 0; o < b; o++) {
                        float[] valid = MemoryAttention.validity(1, grid, limits.memoryFrames(), limits.pointerTokens(),
                                frames, ptr);
                        Map<String, float[]> in = Map.of(
                                MemoryAttention.SRC, object(ours.get(pre + "mem_attn.src"), o),
                                MemoryAttention.SRC_POS, object(ours.get(pre + "mem_attn.src_pos"), o),
                                MemoryAttention.MEMORY, MemoryAttention.pad(object(prompt, o), 1, mem, grid,
                                        limits.memoryFrames(), limits.pointerTokens(), frames, ptr),
                                MemoryAttention.MEMORY_POS, MemoryAttention.pad(object(ours.get(pre + "mem_attn.prompt_pos"), o),
                                        1, mem, grid, limits.memoryFrames(), limits.pointerTokens(), frames, ptr),
                                MemoryAttention.MEMORY_VALID, valid);
                        float[] y = cg.run(in).get(MemoryAttention.OUT).data();
                        for (int p = 0; p < n; p++) System.arraycopy(y, p * dim, out, (p * b + o) * dim, dim);
                    }
                    String key = pre + "mem_attn.out";
                    ProbeResult r = ProbeComparison.compare(key, new int[] {n, b, dim}, out, fx.stats.get(key),
                            fx.probe(key), TOL);
                    double vsPerLayout = maxAbs(out, ours.get(key).data());
                    System.out.printf("padded memory_attention (%d + %d slots) on %d frames + %d pointer tokens: %s;"
                            + " max |padded − per-layout| %.3g; %.1f s%n", limits.memoryFrames(), limits.pointerTokens(),
                            frames, ptr, r.line(), vsPerLayout, (System.nanoTime() - t1) / 1e9);
                    if (r.status() != ProbeResult.Status.PASS) failures.add(r.line());
                }
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        }
    }

    /** Object {@code o} of a sequence-first {@code [L, B, C]} tensor as {@code [1, L, C]}. */
    private static float[] object(HostTensor seqFirst, int o) {
        int l = seqFirst.shape()[0];
        int b = seqFirst.shape()[1];
        int c = seqFirst.shape()[2];
        float[] out = new float[l * c];
        for (int t = 0; t < l; t++) System.arraycopy(seqFirst.data(), (t * b + o) * c, out, t * c, c);
        return out;
    }

    private static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
