package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.sam3j.video.TrackerLimits;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.model.tracker.MemoryAttention;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.weights.SyntheticWeights;

/**
 * The video tracker's stages as exported: the memory attention with fixed memory slots and a validity mask computes
 * what the per-layout graph computes (whatever the padding slots hold), on ONNX Runtime and on the CPU backend; every
 * tracker stage of the tiny configuration exports with fixed shapes and loads in ONNX Runtime.
 */
class OnnxTrackerStagesTest {
    private static final int DIM = 256;
    private static final int MEM = MemoryEncoder.MEM_DIM;
    private static final Sam3Config CONFIG = Sam3Config.tiny();
    private static SyntheticWeights weights;
    private static CpuBackend cpu;
    private static OnnxRuntimeBackend ort;

    @BeforeAll
    static void start() {
        weights = SyntheticWeights.of(Sam3Model.parameterShapes(Sam3Config.tiny()));
        cpu = new CpuBackend(2);
        ort = OnnxRuntimeBackend.create(BackendOptions.builder().threads(2).build());
    }

    @AfterAll
    static void stop() {
        cpu.close();
        ort.close();
    }

    /**
     * Two layouts (2 frames + 8 pointer tokens, 1 frame + 0 pointer tokens) of a 5×5 grid in 3 frame slots and 12
     * pointer slots, padding filled with large garbage: padded and per-layout outputs agree to float rounding.
     */
    @Test
    void paddedMemoryAttentionIsThePerLayoutFunction() {
        int grid = 5;
        int n = grid * grid;
        int maxFrames = 3;
        int maxPtr = 12;
        Random rnd = new Random(3);
        Graph padded = MemoryAttention.graph(CONFIG, grid, 1, maxFrames, maxPtr, true);
        assertArrayEquals(new int[] {1, maxFrames * n + maxPtr}, padded.inputs().get(MemoryAttention.MEMORY_VALID).shape());
        try (CompiledGraph ortPadded = ort.compile(padded, weights);
             CompiledGraph cpuPadded = cpu.compile(padded, weights)) {
            for (int[] layout : new int[][] {{2, 8}, {1, 0}}) {
                int frames = layout[0];
                int ptr = layout[1];
                int len = frames * n + ptr;
                float[] src = gaussian(rnd, n * DIM, 1);
                float[] srcPos = gaussian(rnd, n * DIM, 1);
                float[] memory = gaussian(rnd, len * MEM, 1);
                float[] memoryPos = gaussian(rnd, len * MEM, 1);
                Map<String, float[]> plain = Map.of(MemoryAttention.SRC, src, MemoryAttention.SRC_POS, srcPos,
                        MemoryAttention.MEMORY, memory, MemoryAttention.MEMORY_POS, memoryPos);
                Map<String, HostTensor> want;
                try (CompiledGraph g = cpu.compile(MemoryAttention.graph(CONFIG, grid, 1, frames, ptr, false), weights)) {
                    want = g.run(plain);
                }
                Map<String, HostTensor> ortPlain;
                try (CompiledGraph g = ort.compile(MemoryAttention.graph(CONFIG, grid, 1, frames, ptr, false), weights)) {
                    ortPlain = g.run(plain);
                }
                float[] valid = MemoryAttention.validity(1, grid, maxFrames, maxPtr, frames, ptr);
                float[] mem = garbageWhereInvalid(MemoryAttention.pad(memory, 1, MEM, grid, maxFrames, maxPtr, frames, ptr),
                        valid, rnd);
                float[] pos = garbageWhereInvalid(MemoryAttention.pad(memoryPos, 1, MEM, grid, maxFrames, maxPtr, frames,
                        ptr), valid, rnd);
                Map<String, float[]> in = Map.of(MemoryAttention.SRC, src, MemoryAttention.SRC_POS, srcPos,
                        MemoryAttention.MEMORY, mem, MemoryAttention.MEMORY_POS, pos, MemoryAttention.MEMORY_VALID, valid);
                Map<String, HostTensor> gotOrt = ortPadded.run(in);
                Map<String, HostTensor> gotCpu = cpuPadded.run(in);
                for (String out : List.of(MemoryAttention.LAYER0, MemoryAttention.OUT)) {
                    String at = frames + " frames + " + ptr + " pointer tokens, " + out;
                    double ortPaddedErr = maxAbs(want.get(out).data(), gotOrt.get(out).data());
                    double cpuPaddedErr = maxAbs(want.get(out).data(), gotCpu.get(out).data());
                    double ortPlainErr = maxAbs(want.get(out).data(), ortPlain.get(out).data());
                    System.out.printf("%s: max |padded onnxruntime − cpu| %.3g, |padded cpu − cpu| %.3g,"
                            + " |per-layout onnxruntime − cpu| %.3g%n", at, ortPaddedErr, cpuPaddedErr, ortPlainErr);
                    assertTrue(ortPaddedErr < 1e-4, at + ": padded onnxruntime " + ortPaddedErr);
                    assertTrue(cpuPaddedErr < 1e-4, at + ": padded cpu " + cpuPaddedErr);
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryAttention.validity(1, grid, maxFrames, maxPtr, 4, 0));
        assertTrue(e.getMessage().contains("does not fit 3 frame slots"), e.getMessage());
    }

    /** Every tracker stage of the tiny configuration: fixed shapes, FP32 inputs, loads in ONNX Runtime. */
    @Test
    void trackerStagesExportWithFixedShapes() throws Exception {
        Sam3Config config = Sam3Config.tiny();
        TrackerLimits limits = TrackerLimits.released(config);
        assertEquals(new TrackerLimits(10, 76), limits);
        Map<String, Graph> stages = OnnxStages.of(config, EnumSet.of(OnnxStages.Group.TRACKER), limits);
        assertEquals(List.of("memory_attention", "tracker_decoder", "memory_encoder"), List.copyOf(stages.keySet()));
        int grid = config.gridSize();
        int len = limits.memoryFrames() * grid * grid + limits.pointerTokens();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (Map.Entry<String, Graph> s : stages.entrySet()) {
            OnnxModel m = new OnnxExporter().export(s.getKey(), s.getValue(), weights);
            if (s.getKey().equals("memory_attention")) {
                assertArrayEquals(new int[] {1, len, MEM}, m.inputs().get(MemoryAttention.MEMORY));
                assertArrayEquals(new int[] {1, len}, m.inputs().get(MemoryAttention.MEMORY_VALID));
                assertArrayEquals(new int[] {1, grid * grid, DIM}, m.outputs().get(MemoryAttention.OUT));
            }
            if (s.getKey().equals("memory_encoder")) {
                assertArrayEquals(new int[] {1, MemoryEncoder.MASK_SIZE, MemoryEncoder.MASK_SIZE, 1},
                        m.inputs().get(MemoryEncoder.MASK));
            }
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                 OrtSession session = env.createSession(m.toByteArray(), so)) {
                assertEquals(m.inputs().keySet(), session.getInputNames(), s.getKey());
                assertEquals(m.outputs().keySet(), session.getOutputNames(), s.getKey());
            }
        }
    }

    private static float[] gaussian(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = scale * (float) rnd.nextGaussian();
        return a;
    }

    /** Padding slots (per token of 64 channels) filled with values that would dominate any attention they entered. */
    private static float[] garbageWhereInvalid(float[] padded, float[] valid, Random rnd) {
        for (int t = 0; t < valid.length; t++) {
            if (valid[t] == 0f) for (int c = 0; c < MEM; c++) padded[t * MEM + c] = 50f * (float) rnd.nextGaussian();
        }
        return padded;
    }

    private static double maxAbs(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
