package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sam3j.Precision;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.graph.Graph;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.io.DType;
import org.sam3j.io.ReducedFloats;
import org.sam3j.io.StoredTensor;
import org.sam3j.onnx.proto.Onnx.AttributeProto;
import org.sam3j.onnx.proto.Onnx.ModelProto;
import org.sam3j.onnx.proto.Onnx.NodeProto;
import org.sam3j.onnx.proto.Onnx.TensorProto;
import org.sam3j.onnx.proto.Onnx.ValueInfoProto;
import org.sam3j.weights.SyntheticWeights;

/**
 * The FP16 and BF16 exports of every stage (tiny configuration), read back and type-checked node by node: element
 * types propagate from inputs, initializers and {@code Cast}s through every node; operands that ONNX requires equal
 * are equal; every declared value type matches; reduced-precision values only enter operators whose opset-17
 * schema allows that type; softmax and normalisation run in FP32; weights are stored reduced, exactly as
 * {@link ReducedFloats} rounds them. ONNX Runtime then checks the same models with its own type and shape
 * inference: FP16 stages load, BF16 stages fail only at kernel lookup (its CPU provider has no bfloat16 kernels
 * for products), which it does after the whole graph has been resolved; their
 * {@link OnnxExporter.Bf16Form#FLOAT_CARRIED} form loads.
 */
class OnnxReducedExportTest {
    /** Operators whose opset-17 type constraints include bfloat16, as the BF16 export uses them. */
    private static final Set<String> BF16_OPS = Set.of("Cast", "Transpose", "Reshape", "Slice", "Concat", "Expand",
            "Gather", "Identity", "MatMul", "Gemm", "Add", "Mul", "Relu");
    /** Operators whose opset-17 type constraints include float16, as the FP16 export uses them. */
    private static final Set<String> F16_OPS = Set.of("Cast", "Transpose", "Reshape", "Slice", "Concat", "Expand",
            "Gather", "Identity", "MatMul", "Gemm", "Add", "Mul", "Relu", "Conv", "ConvTranspose", "MaxPool");
    /** Inputs that are int64 indices, shapes or axes, by operator: not part of the equal-type check. */
    private static final Map<String, Set<Integer>> INDEX_INPUTS = Map.of("Reshape", Set.of(1), "Slice", Set.of(1, 2, 3, 4),
            "Expand", Set.of(1), "Gather", Set.of(1), "RoiAlign", Set.of(2), "Cast", Set.of(0));

    private static Sam3Config config;
    private static SyntheticWeights weights;

    @BeforeAll
    static void model() {
        config = Sam3Config.tiny();
        weights = SyntheticWeights.of(Sam3Model.parameterShapes(config));
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP16", "BF16"})
    void everyStageIsConsistentlyTyped(Precision precision) throws Exception {
        DType low = PrecisionPolicy.storageType(precision);
        int reducedProducts = 0;
        for (Map.Entry<String, Graph> stage : OnnxStages.of(config).entrySet()) {
            Graph graph = PrecisionPolicy.apply(stage.getValue(), precision);
            OnnxModel exported = new OnnxExporter().export(stage.getKey(), graph, weights);
            ModelProto m = ModelProto.parseFrom(exported.toByteArray());
            String where = precision + " " + stage.getKey();
            assertEquals(precision.label(), metadata(m, "sam3j.precision"), where);
            reducedProducts += checkTypes(m, OnnxExporter.onnxType(low), where);
            checkWeights(graph, m, low, where);
            exported.outputTypes().forEach((name, t) -> assertEquals(DType.F32, t, where + ": output " + name));
            exported.inputTypes().forEach((name, t) -> assertEquals(DType.F32, t, where + ": input " + name));
            checkWithOnnxRuntime(m, low, where);
            if (precision == Precision.BF16) checkCarried(stage.getKey(), graph, where);
        }
        assertTrue(reducedProducts > 0, "products run in " + low);
    }

    private static String metadata(ModelProto m, String key) {
        return m.getMetadataPropsList().stream().filter(e -> e.getKey().equals(key)).findFirst().orElseThrow().getValue();
    }

    /** Propagates element types through the nodes, checking them; returns how many products run in {@code low}. */
    private static int checkTypes(ModelProto m, int low, String where) {
        Map<String, Integer> types = new HashMap<>();
        Map<String, Integer> declared = new HashMap<>();
        for (ValueInfoProto v : m.getGraph().getInputList()) types.put(v.getName(), v.getType().getTensorType().getElemType());
        for (TensorProto t : m.getGraph().getInitializerList()) types.put(t.getName(), t.getDataType());
        for (ValueInfoProto v : m.getGraph().getValueInfoList()) declared.put(v.getName(), v.getType().getTensorType().getElemType());
        for (ValueInfoProto v : m.getGraph().getOutputList()) declared.put(v.getName(), v.getType().getTensorType().getElemType());
        int products = 0;
        int f32 = TensorProto.DataType.FLOAT_VALUE;
        for (NodeProto n : m.getGraph().getNodeList()) {
            String op = n.getOpType();
            String at = where + ": " + op + " " + n.getName();
            Set<Integer> indexInputs = INDEX_INPUTS.getOrDefault(op, Set.of());
            Integer t = null;
            for (int i = 0; i < n.getInputCount(); i++) {
                if (n.getInput(i).isEmpty()) continue; // an omitted optional input (Clip)
                Integer ti = types.get(n.getInput(i));
                assertTrue(ti != null, at + ": input " + n.getInput(i) + " of unknown type (not yet computed?)");
                if (indexInputs.contains(i)) continue;
                if (t == null) t = ti;
                assertEquals(t, ti, at + ": operand " + i + " type");
            }
            int out;
            if (op.equals("Cast")) {
                out = (int) attr(n, "to").getI();
            } else {
                assertTrue(t != null, at + ": no typed operand");
                out = t;
            }
            for (String o : n.getOutputList()) {
                types.put(o, out);
                if (declared.containsKey(o)) assertEquals(declared.get(o), out, at + ": declared type of " + o);
            }
            int in = op.equals("Cast") ? types.get(n.getInput(0)) : t;
            for (int type : new int[] {in, out}) {
                if (type == f32 || type == TensorProto.DataType.INT64_VALUE) continue;
                assertEquals(low, type, at + ": the one reduced type");
                Set<String> allowed = low == TensorProto.DataType.BFLOAT16_VALUE ? BF16_OPS : F16_OPS;
                assertTrue(allowed.contains(op), at + ": no opset-17 kernel type for " + TensorProto.DataType.forNumber(type));
            }
            if (Set.of("Softmax", "LayerNormalization", "ReduceMean", "Erf", "Sigmoid").contains(op)) {
                assertEquals(f32, in, at + " runs in FP32");
            }
            if (Set.of("MatMul", "Gemm", "Conv", "ConvTranspose").contains(op) && in == low) products++;
        }
        return products;
    }

    private static AttributeProto attr(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().orElseThrow();
    }

    /** Reduced weights hold exactly the rounded values; every other weight is FP32. */
    private static void checkWeights(Graph graph, ModelProto m, DType low, String where) {
        Map<String, TensorProto> init = new HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) init.put(t.getName(), t);
        List<String> reduced = new ArrayList<>();
        graph.weights().forEach((name, w) -> {
            TensorProto t = init.get(name);
            if (t == null) return; // not read by any output
            assertEquals(OnnxExporter.onnxType(w.dtype()), t.getDataType(), where + ": initializer " + name);
            if (w.dtype() != DType.F32) reduced.add(name);
        });
        assertTrue(!reduced.isEmpty(), where + ": no reduced weight");
        String name = reduced.get(0);
        float[] want = weights.floats(name);
        byte[] raw = init.get(name).getRawData().toByteArray();
        assertEquals(2 * want.length, raw.length, where + ": bytes of " + name);
        for (int i = 0; i < want.length; i++) {
            short bits = (short) ((raw[2 * i] & 0xff) | raw[2 * i + 1] << 8);
            float got = low == DType.F16 ? StoredTensor.halfToFloat(bits) : Float.intBitsToFloat((bits & 0xffff) << 16);
            assertEquals(ReducedFloats.round(want[i], low), got, where + ": " + name + "[" + i + "]");
        }
    }

    /**
     * The {@link OnnxExporter.Bf16Form#FLOAT_CARRIED} form of a BF16 stage: every value is FLOAT, bfloat16 appears
     * only in weights (each widened by one {@code Cast}) and between the two {@code Cast}s of a rounding, and ONNX
     * Runtime's CPU provider creates a session for it.
     */
    private static void checkCarried(String stage, Graph graph, String where) throws Exception {
        OnnxModel carried = new OnnxExporter(OnnxExporter.PROTOBUF_LIMIT, OnnxExporter.Bf16Form.FLOAT_CARRIED)
                .export(stage, graph, weights);
        ModelProto m = ModelProto.parseFrom(carried.toByteArray());
        int f32 = TensorProto.DataType.FLOAT_VALUE;
        int bf16 = TensorProto.DataType.BFLOAT16_VALUE;
        for (ValueInfoProto v : m.getGraph().getValueInfoList()) {
            assertEquals(f32, v.getType().getTensorType().getElemType(), where + " carried: " + v.getName());
        }
        Set<String> bf16Values = new java.util.HashSet<>();
        for (TensorProto t : m.getGraph().getInitializerList()) if (t.getDataType() == bf16) bf16Values.add(t.getName());
        int roundings = 0;
        for (NodeProto n : m.getGraph().getNodeList()) {
            boolean castToBf16 = n.getOpType().equals("Cast") && attr(n, "to").getI() == bf16;
            if (castToBf16) {
                bf16Values.add(n.getOutput(0));
                roundings++;
            }
            for (String in : n.getInputList()) {
                if (bf16Values.contains(in)) {
                    assertTrue(n.getOpType().equals("Cast") && attr(n, "to").getI() == f32,
                            where + " carried: bfloat16 " + in + " read by " + n.getOpType());
                }
            }
        }
        assertTrue(roundings > 0, where + " carried: no rounding");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            OrtEnvironment.getEnvironment().createSession(carried.toByteArray(), so).close();
        }
    }

    private static void checkWithOnnxRuntime(ModelProto m, DType low, String where) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            if (low == DType.F16) {
                env.createSession(m.toByteArray(), so).close();
                return;
            }
            OrtException e = assertThrows(OrtException.class, () -> env.createSession(m.toByteArray(), so).close(), where);
            assertEquals(OrtException.OrtErrorCode.ORT_NOT_IMPLEMENTED, e.getCode(), where + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("Could not find an implementation for"), where + ": " + e.getMessage());
        }
    }
}
