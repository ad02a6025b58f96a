package org.sam3j.backend.openblas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;
import org.sam3j.graph.Graph;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.graph.Tensor;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.weights.CheckpointWeights;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.weights.WeightStore;

/**
 * Linear weights read in place: OpenBLAS multiplies a direct buffer (the checkpoint's memory mapping) without
 * copying it, and a model graph over a memory-mapped checkpoint computes exactly what it computes over the same
 * values held in memory, at FP32 and at BF16.
 */
class OpenBlasInPlaceWeightsTest {
    private final Random rnd = new Random(5);

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static float[] product(GemmEngine g, Parallel par, float[] a, int m, GemmEngine.Prepared b) {
        float[] c = new float[m * b.n()];
        g.gemm(par, m, a, 0, b.k(), b, c, 0, b.n(), null);
        return c;
    }

    @Test
    void aDirectBufferIsReadInPlaceAndAHeapBufferIsCopied() {
        int m = 40, k = 33, n = 17;
        float[] a = rand(m * k);
        float[] w = rand(n * k);
        FloatBuffer direct = ByteBuffer.allocateDirect(4 * w.length).order(ByteOrder.nativeOrder()).asFloatBuffer().put(w);
        FloatBuffer heap = FloatBuffer.wrap(w.clone());
        try (Parallel par = new Parallel(2); OpenBlasGemm g = new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS)) {
            GemmEngine.Prepared fromArray = g.prepare(par, w, 0, k, true, k, n);
            GemmEngine.Prepared inPlace = g.prepare(par, direct, true, k, n);
            GemmEngine.Prepared copied = g.prepare(par, heap, true, k, n);
            float[] want = product(g, par, a, m, fromArray);
            assertArrayEquals(want, product(g, par, a, m, inPlace));
            assertArrayEquals(want, product(g, par, a, m, copied));
            // changing the buffers afterwards shows which form kept them: the in-place one follows, the copy does not
            for (int i = 0; i < w.length; i++) {
                direct.put(i, 2 * w[i]);
                heap.put(i, 2 * w[i]);
            }
            float[] twice = product(g, par, a, m, inPlace);
            for (int i = 0; i < want.length; i++) assertEquals(2 * want[i], twice[i], 1e-4f * Math.max(1, Math.abs(want[i])));
            assertArrayEquals(want, product(g, par, a, m, copied));
        }
    }

    @Test
    void aGraphOverAMappedCheckpointEqualsTheSameWeightsInMemory(@TempDir Path dir) throws Exception {
        String w1 = "detector.test.fc1.weight", b1 = "detector.test.fc1.bias", w2 = "detector.test.fc2.weight";
        Map<String, long[]> shapes = Map.of(w1, new long[] {61, 29}, b1, new long[] {61}, w2, new long[] {7, 61});
        InMemoryWeights memory = new InMemoryWeights();
        List<StoredTensor> tensors = new java.util.ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] v = rand((int) (e.getValue()[0] * (e.getValue().length > 1 ? e.getValue()[1] : 1)));
            memory.put(e.getKey(), v, e.getValue());
            tensors.add(StoredTensor.ofFloats(e.getKey(), e.getValue(), v));
        }
        Path file = dir.resolve("weights.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        Graph g = new Graph();
        Tensor x = g.scale(g.input("x", 300, 29), 1f);
        Tensor h = g.linear(x, g.weight(w1, 61, 29), g.weight(b1, 61));
        g.output("y", g.linear(g.gelu(h), g.weight(w2, 7, 61), null));
        Map<String, float[]> in = Map.of("x", rand(300 * 29));
        try (CheckpointWeights mapped = CheckpointWeights.open(file)) {
            assertNotNull(mapped.mappedFloats(w1), "a float32 safetensors weight is offered in place");
            float[] want = run(memory, g, in);
            float[] got = run(mapped, g, in);
            assertArrayEquals(want, got);
            assertNotEquals(0f, got[0]);
            // at BF16 (on AMX where it runs, the stored FP32 values packed in place and rounded as they are packed;
            // elsewhere the emulation) the same BF16 values either way
            Graph low = PrecisionPolicy.apply(g, Precision.BF16);
            float[] wantLow = run(memory, low, in);
            assertArrayEquals(wantLow, run(mapped, low, in));
            assertNotEquals(want[0], wantLow[0]);
        }
    }

    private static float[] run(WeightStore weights, Graph g, Map<String, float[]> in) {
        try (Backend b = OpenBlasBackend.create(2, OpenBlasGemm.Threading.WORKERS); CompiledGraph cg = b.compile(g, weights)) {
            cg.run(in);
            return cg.run(in).get("y").data().clone(); // the second run reuses the prepared weights
        }
    }
}
