package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;
import org.sam3j.weights.WeightLoadingException;

/** The {@code onnxruntime} backend behind the common interfaces: selection, options, errors, resident values. */
class OnnxRuntimeBackendTest {
    private static BackendOptions extra(String provider) {
        return BackendOptions.builder().extra(OnnxRuntimeBackend.PROVIDER_OPTION, provider).build();
    }

    @Test
    void isFoundByNameButNeverChosenAutomatically() {
        assertTrue(Backends.names().contains("onnxruntime"), Backends.names().toString());
        assertNotEquals("onnxruntime", Backends.best().name());
        try (Backend b = Backends.create("onnxruntime", BackendOptions.builder().threads(1).build())) {
            assertEquals("onnxruntime", b.name());
            assertEquals(1, b.options().threads());
            assertEquals(OnnxRuntimeBackend.ExecutionProvider.CPU, ((OnnxRuntimeBackend) b).executionProvider());
        }
        try (Backend b = Backends.create("onnxruntime", extra("cpu"))) {
            assertTrue(b.options().threads() > 0, "threads resolved");
        }
    }

    @Test
    void anAbsentOrUnknownProviderIsOneClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.select("onnxruntime", extra("cuda")));
        assertTrue(e.getMessage().contains("'cuda' is not in this ONNX Runtime build")
                && e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.select("onnxruntime", extra("tensorrt")));
        assertTrue(e.getMessage().contains("'tensorrt'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.select("onnxruntime", extra("tpu")));
        assertTrue(e.getMessage().contains("unknown execution provider 'tpu'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.select("onnxruntime",
                BackendOptions.builder().extra("onnxruntime.threads", "2").build()));
        assertTrue(e.getMessage().contains("onnxruntime.provider"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.select("onnxruntime",
                BackendOptions.builder().extra(OnnxRuntimeBackend.ARENA_OPTION, "yes").build()));
        assertTrue(e.getMessage().contains("onnxruntime.arena must be true or false, got 'yes'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxRuntimeBackend.create(
                BackendOptions.builder().device(1).build()));
        assertTrue(e.getMessage().contains("no device 1"), e.getMessage());
    }

    @Test
    void fp16IsAcceptedAndCompilesModelGraphsInFp16() {
        try (Backend b = Backends.create("onnxruntime", BackendOptions.builder().precision(Precision.FP16).threads(1)
                .build())) {
            assertEquals(Precision.FP16, b.graphPrecision());
            Graph g = new Graph();
            g.output("y", g.linear(g.input("x", 2, 3), g.weight("w", 4, 3), null));
            InMemoryWeights w = new InMemoryWeights();
            w.put("w", new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, new long[] {4, 3});
            try (CompiledGraph cg = b.compileModel(g, w)) {
                OnnxModel m = ((OrtCompiledGraph) cg).model();
                assertEquals("fp16", m.precision());
                assertEquals(org.sam3j.io.DType.F32, m.outputTypes().get("y"), "outputs stay FP32");
                assertTrue(m.proto().getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("w")
                        && t.getDataType() == OnnxExporter.onnxType(org.sam3j.io.DType.F16)), "the weight is stored FP16");
                // (ONNX Runtime's CPU provider runs this Gemm in FP32 and drops the casts around it: values within
                // one FP16 step, not rounded)
                float[] y = cg.run(Map.of("x", new float[] {1 + 0x1p-12f, 2, 3, 4, 5, 6})).get("y").data();
                assertArrayEquals(new float[] {1, 2, 3, 6, 4, 5, 6, 15}, y, 0x1p-9f);
            }
        }
    }

    @Test
    void missingWeightsAndInputsAreReportedBeforeRunning() {
        Graph g = new Graph();
        Tensor x = g.input("x", 2, 3);
        g.output("y", g.linear(x, g.weight("w", 4, 3), g.weight("b", 4)));
        InMemoryWeights w = new InMemoryWeights();
        w.put("w", new float[8], new long[] {4, 2});
        try (OnnxRuntimeBackend b = OnnxRuntimeBackend.create()) {
            WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> b.compile(g, w));
            assertTrue(e.getMessage().contains("missing parameter 'b'") && e.getMessage().contains("shape mismatch for 'w'"),
                    e.getMessage());
            InMemoryWeights ok = new InMemoryWeights();
            ok.put("w", new float[12], new long[] {4, 3});
            ok.put("b", new float[] {1, 2, 3, 4}, new long[] {4});
            try (CompiledGraph cg = b.compile(g, ok)) {
                IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> cg.run(Map.of()));
                assertTrue(m.getMessage().contains("missing input 'x'"), m.getMessage());
                m = assertThrows(IllegalArgumentException.class, () -> cg.run(Map.of("x", new float[5])));
                assertTrue(m.getMessage().contains("has 5 values, expected 6"), m.getMessage());
                assertArrayEquals(new float[] {1, 2, 3, 4, 1, 2, 3, 4}, cg.run(Map.of("x", new float[6])).get("y").data());
            }
        }
    }

    @Test
    void residentOutputsFeedTheNextGraphAndUnusedInputsAreNotNeeded() {
        Graph first = new Graph();
        first.output("doubled", first.scale(first.input("x", 4), 2f));
        Graph second = new Graph();
        second.input("unused", 3);
        second.output("sum", second.add(second.input("doubled", 4), second.constant("one", new float[] {1, 1, 1, 1}, 4)));
        InMemoryWeights none = new InMemoryWeights();
        try (OnnxRuntimeBackend b = OnnxRuntimeBackend.create(); ResidentScope scope = new ResidentScope(b);
             CompiledGraph g1 = b.compile(first, none); CompiledGraph g2 = b.compile(second, none);
             ExecutionContext c1 = g1.newContext(); ExecutionContext c2 = g2.newContext()) {
            RunResult r1 = c1.run(RunRequest.create().withHost("x", new float[] {1, 2, 3, 4}).keepResident(scope, "doubled"));
            ResidentTensor d = r1.resident("doubled");
            assertEquals(b, d.backend());
            HostTensor sum = c2.run(RunRequest.create().withResident("doubled", d)).host().get("sum");
            assertArrayEquals(new float[] {3, 5, 7, 9}, sum.data());
            assertArrayEquals(new int[] {4}, sum.shape());
        }
    }
}
