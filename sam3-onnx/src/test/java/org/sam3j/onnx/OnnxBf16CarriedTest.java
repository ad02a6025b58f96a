package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;
import org.sam3j.io.ReducedFloats;
import org.sam3j.onnx.proto.Onnx.ModelProto;
import org.sam3j.onnx.proto.Onnx.NodeProto;
import org.sam3j.onnx.proto.Onnx.TensorProto;
import org.sam3j.onnx.proto.Onnx.ValueInfoProto;
import org.sam3j.weights.InMemoryWeights;

/**
 * BF16 on ONNX Runtime's CPU provider in the {@link OnnxExporter.Bf16Form#FLOAT_CARRIED} form: the rounding really
 * happens (ONNX Runtime keeps the float→bfloat16→float casts and rounds to nearest even, bit for bit as
 * {@link ReducedFloats}), the values a BF16 product leaves are bfloat16 values, and they are those of the CPU
 * backend's BF16 emulation, not the FP32 ones.
 */
class OnnxBf16CarriedTest {
    private static OnnxRuntimeBackend ort;
    private static CpuBackend cpu;

    @BeforeAll
    static void start() {
        ort = OnnxRuntimeBackend.create(BackendOptions.builder().threads(2).precision(Precision.BF16).build());
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void stop() {
        ort.close();
        cpu.close();
    }

    @Test
    void theCpuProviderRoundsToNearestEvenBitForBit() {
        Random rnd = new Random(11);
        int n = 4096;
        float[] x = new float[n];
        int[] special = {0x3F808000, 0x3F818000, 0x3F808001, 0x3F817FFF, 0xBF808000, 0xBF818000, 0x00000001,
            0x00008000, 0x00018000, 0x807FFFFF, 0x7F7F7FFF, 0x7F7F8000, 0x7F7FFFFF, 0x00000000, 0x80000000};
        for (int i = 0; i < special.length; i++) x[i] = Float.intBitsToFloat(special[i]);
        for (int i = special.length; i < n; i++) {
            do {
                x[i] = i % 2 == 0 ? (float) rnd.nextGaussian() * (float) Math.pow(10, rnd.nextInt(20) - 10)
                        : Float.intBitsToFloat((rnd.nextInt() & 0xFFFF0000) | 0x8000); // exact ties
            } while (!Float.isFinite(x[i]));   // NaN payloads are not part of the contract
        }
        Graph g = new Graph();
        g.output("y", g.cast(g.cast(g.input("x", n), DType.BF16), DType.F32));
        float[] y;
        try (CompiledGraph cg = ort.compile(g, new InMemoryWeights())) {
            assertEquals("float_carried", ((OrtCompiledGraph) cg).model().proto().getMetadataPropsList().stream()
                    .filter(e -> e.getKey().equals("sam3j.bf16_form")).findFirst().orElseThrow().getValue());
            y = cg.run(Map.of("x", x)).get("y").data();
        }
        int changed = 0;
        for (int i = 0; i < n; i++) {
            int want = Float.floatToRawIntBits(ReducedFloats.round(x[i], DType.BF16));
            assertEquals(Integer.toHexString(want), Integer.toHexString(Float.floatToRawIntBits(y[i])),
                    "x = 0x" + Integer.toHexString(Float.floatToRawIntBits(x[i])));
            if (y[i] != x[i]) changed++;
        }
        assertTrue(changed > n / 2, "the casts were kept: " + changed + " of " + n + " values rounded");
    }

    /**
     * A small BF16 model (linear → GELU → linear → layer norm → linear, as {@code PrecisionPolicy} types it): every
     * BF16 product's result is a bfloat16 value, equal to the CPU backend's emulation (at most one bfloat16 step apart
     * where a different summation order rounds the other way, on a small share), and far from the FP32 function.
     */
    @Test
    void aBf16ModelComputesTheRoundedFunction() {
        Random rnd = new Random(5);
        int rows = 64;
        int d = 48;
        InMemoryWeights w = new InMemoryWeights();
        Graph g = new Graph();
        Tensor x = g.input("x", rows, d);
        Tensor h = g.gelu(g.linear(x, weight(g, w, rnd, "w1", 96, d), weight(g, w, rnd, "b1", 96)));
        Tensor y = g.linear(h, weight(g, w, rnd, "w2", d, 96), null);
        g.output("y", y);
        Tensor n = g.layerNorm(g.add(x, y), weight(g, w, rnd, "g", d), weight(g, w, rnd, "b", d), 1e-5f);
        g.output("z", g.linear(n, weight(g, w, rnd, "w3", 8, d), weight(g, w, rnd, "b3", 8)));
        float[] in = new float[rows * d];
        for (int i = 0; i < in.length; i++) in[i] = (float) rnd.nextGaussian();
        Map<String, HostTensor> got;
        try (CompiledGraph cg = ort.compileModel(g, w)) {
            ModelProto m = ((OrtCompiledGraph) cg).model().proto();
            for (ValueInfoProto v : m.getGraph().getValueInfoList()) {
                assertEquals(TensorProto.DataType.FLOAT_VALUE, v.getType().getTensorType().getElemType(), v.getName());
            }
            long bf16Casts = m.getGraph().getNodeList().stream().filter(nd -> nd.getOpType().equals("Cast"))
                    .map(NodeProto::getAttributeList).filter(a -> a.get(0).getI() == TensorProto.DataType.BFLOAT16_VALUE)
                    .count();
            assertTrue(bf16Casts >= 4, "roundings in the model: " + bf16Casts);
            got = cg.run(Map.of("x", in));
        }
        Map<String, HostTensor> emulated;
        Map<String, HostTensor> fp32;
        try (Backend bf16Cpu = Backends.create("cpu", BackendOptions.builder().threads(2).precision(Precision.BF16).build());
             CompiledGraph a = bf16Cpu.compileModel(g, w);
             CompiledGraph b = cpu.compileModel(g, w)) {
            assertEquals(Precision.BF16, bf16Cpu.graphPrecision());
            emulated = a.run(Map.of("x", in));
            fp32 = b.run(Map.of("x", in));
        }
        for (String k : new String[] {"y", "z"}) {
            float[] o = got.get(k).data();
            float[] e = emulated.get(k).data();
            float[] f = fp32.get(k).data();
            int same = 0;
            int fromFp32 = 0;
            for (int i = 0; i < o.length; i++) {
                assertEquals(0, Float.floatToRawIntBits(o[i]) & 0xFFFF, k + "[" + i + "] = " + o[i] + " is no bfloat16");
                double step = Math.ulp(Math.abs(e[i])) * 0x1p16;
                assertTrue(Math.abs(o[i] - e[i]) <= step, k + "[" + i + "]: onnxruntime " + o[i] + ", cpu bf16 " + e[i]);
                if (o[i] == e[i]) same++;
                if (o[i] != f[i]) fromFp32++;
            }
            System.out.printf("bf16 %s: %d of %d equal to the CPU emulation, %d differ from fp32%n", k, same, o.length,
                    fromFp32);
            assertTrue(same >= o.length * 0.95, k + ": " + same + " of " + o.length + " equal to the emulation");
            assertTrue(fromFp32 >= o.length * 0.9, k + ": only " + fromFp32 + " of " + o.length + " differ from fp32");
        }
    }

    private static Tensor weight(Graph g, InMemoryWeights w, Random rnd, String name, int... shape) {
        int n = 1;
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            s[i] = shape[i];
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() / Math.sqrt(shape[shape.length - 1]));
        w.put(name, v, s);
        return g.weight(name, shape);
    }
}
