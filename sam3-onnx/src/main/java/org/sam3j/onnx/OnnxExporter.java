package org.sam3j.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.sam3j.backend.WeightChecks;
import org.sam3j.graph.AttentionWindows;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;
import org.sam3j.io.ReducedFloats;
import org.sam3j.onnx.proto.Onnx.AttributeProto;
import org.sam3j.onnx.proto.Onnx.GraphProto;
import org.sam3j.onnx.proto.Onnx.ModelProto;
import org.sam3j.onnx.proto.Onnx.NodeProto;
import org.sam3j.onnx.proto.Onnx.OperatorSetIdProto;
import org.sam3j.onnx.proto.Onnx.StringStringEntryProto;
import org.sam3j.onnx.proto.Onnx.TensorProto;
import org.sam3j.onnx.proto.Onnx.TensorShapeProto;
import org.sam3j.onnx.proto.Onnx.TypeProto;
import org.sam3j.onnx.proto.Onnx.ValueInfoProto;
import org.sam3j.weights.WeightLoadingException;
import org.sam3j.weights.WeightStore;

/**
 * Translates a model {@link Graph} into an ONNX model (opset {@value #OPSET}, IR version {@value #IR_VERSION}):
 * graph inputs and outputs keep the graph's names, shapes and element types, weights become initializers under their
 * checkpoint names in their graph type, constants become float32 initializers, every computed value is declared
 * ({@code value_info}) with its type and shape, and only the nodes some output needs are exported (inputs no output
 * reads are left out, as the Java backends do not read them either).
 *
 * <p>Every {@link Op} is lowered to standard operators only, so that every runtime computes the same function:
 * <ul>
 *   <li>{@code LINEAR}: one {@code Gemm} ({@code transB=1}) over the rows of x: one rounding of x·Wᵀ + b;
 *   <li>{@code ATTENTION}: explicit {@code MatMul}, scale, bias {@code Add}, {@code Softmax}, {@code MatMul} between
 *       {@code Transpose}s from interleaved heads; windowed attention (the ViT's windowed blocks) partitions the
 *       token grid into a batch of windows with {@code Reshape}/{@code Transpose} and puts them back after;
 *   <li>{@code ROPE}: element-wise {@code Mul}/{@code Sub}/{@code Add} on the channel pairs;
 *   <li>{@code LAYER_NORM}: {@code LayerNormalization}; {@code GROUP_NORM}: {@code ReduceMean} statistics in short
 *       stages (GroupNormalization only exists from opset 18, and one long float32 sum is not accurate enough); {@code GELU}: the exact {@code Erf} form;
 *   <li>channels-last convolutions and pooling: {@code Transpose} to NCHW, {@code Conv}/{@code ConvTranspose}/
 *       {@code MaxPool}/{@code RoiAlign}, {@code Transpose} back; nearest upsampling as {@code Reshape}/{@code Expand};
 *   <li>{@code ROI_ALIGN}: {@code RoiAlign} (opset 16) with {@code coordinate_transformation_mode=output_half_pixel},
 *       which is torchvision's {@code aligned=False} (boxes at least one pixel, adaptive sampling for ratio 0);
 *   <li>{@code GATHER}: {@code Cast} of the float indices to int64 and {@code Gather} on axis 0;
 *   <li>{@code CAST}: {@code Cast} to {@code FLOAT}, {@code FLOAT16} or {@code BFLOAT16}.
 * </ul>
 *
 * <p>Precision: values are FLOAT, FLOAT16 or BFLOAT16 as the graph types them (a
 * {@link org.sam3j.graph.PrecisionPolicy} graph: products reduced, the rest FP32). Reduced weights are stored as the
 * 16-bit patterns of {@link ReducedFloats}' rounding, the values the CPU backends emulate with. Reduced nodes whose
 * operator means the same in the reduced type are exported in it; the others are computed in FP32 between
 * {@code Cast}s, exactly as the CPU backends compute them (see {@code lowerNode}); attention keeps its logits and
 * softmax in FP32 as {@link Op#ATTENTION} defines.
 *
 * <p>Initializers are stored inline until the model's initializers exceed the external-data threshold (default
 * {@link #PROTOBUF_LIMIT}, just under protobuf's 2 GiB message limit); beyond it every weight is written to a
 * separate data file ({@code <stage>.onnx.data}) referenced by offset, as the ONNX external-data convention
 * describes. Immutable and thread-safe.
 */
public final class OnnxExporter {
    /** The operator set exported. */
    public static final int OPSET = 17;
    /** The ONNX IR version of opset 17. */
    public static final long IR_VERSION = 8;
    /** Initializer bytes above which weights go to an external data file: a margin under protobuf's 2 GiB. */
    public static final long PROTOBUF_LIMIT = 2_000_000_000L;
    /** Alignment of tensors in an external data file (lets runtimes memory-map them). */
    static final int EXTERNAL_ALIGNMENT = 4096;
    private static final String PRODUCER = "sam3j";
    /**
     * Operations whose ONNX lowering computes, in FP16/BF16, what the CPU backends compute on rounded operands:
     * moves, products that accumulate in FP32 and round once (Gemm, MatMul, Conv, ConvTranspose), and element-wise
     * Add, Mul, Relu, MaxPool, nearest upsampling and Gather (exact in FP32, or rounded once).
     */
    private static final Set<Op> NATIVE_REDUCED = EnumSet.of(Op.RESHAPE, Op.PERMUTE, Op.SLICE, Op.CONCAT, Op.LINEAR,
            Op.MATMUL, Op.CONV2D, Op.CONV_TRANSPOSE2D, Op.ADD, Op.MUL, Op.RELU, Op.MAX_POOL2D, Op.UPSAMPLE_NEAREST,
            Op.GATHER);
    /**
     * Of those, the ones whose opset-17 operator also takes {@code bfloat16} ({@code Conv}, {@code ConvTranspose} and
     * {@code MaxPool} only gain it in opset 22).
     */
    private static final Set<Op> NATIVE_BF16 = EnumSet.complementOf(EnumSet.of(Op.CONV2D, Op.CONV_TRANSPOSE2D,
            Op.MAX_POOL2D));

    /**
     * Operations whose output is exactly representable in its operands' type, so a BF16 value carried in FLOAT needs no
     * rounding after them: moves, ReLU, max pooling, nearest upsampling, row gathering.
     */
    private static final Set<Op> EXACT = EnumSet.of(Op.RESHAPE, Op.PERMUTE, Op.SLICE, Op.CONCAT, Op.RELU,
            Op.MAX_POOL2D, Op.UPSAMPLE_NEAREST, Op.GATHER);

    /** How the values a graph types BF16 are written. */
    public enum Bf16Form {
        /**
         * {@code BFLOAT16} tensors and operators on them: for runtimes with bfloat16 kernels (ONNX Runtime's CUDA
         * and TensorRT providers, TensorRT's parser).
         */
        NATIVE,
        /**
         * {@code FLOAT} tensors that hold bfloat16 values: weights stored as {@code BFLOAT16} initializers and widened
         * by a {@code Cast}; every value the graph produces in BF16 is computed in FLOAT on those (exact) operands and
         * rounded to nearest even by {@code Cast} to {@code BFLOAT16} and back, the function the CPU backends emulate.
         * Every operator is then a FLOAT operator, so it runs on ONNX Runtime's CPU provider, which has no bfloat16
         * {@code MatMul}, {@code Gemm} or {@code Add} but does cast to and from bfloat16.
         */
        FLOAT_CARRIED
    }

    private final long externalDataThreshold;
    private final Bf16Form bf16Form;

    /** An exporter with the default external-data threshold ({@link #PROTOBUF_LIMIT}). */
    public OnnxExporter() {
        this(PROTOBUF_LIMIT);
    }

    /**
     * An exporter that moves weights to an external data file once the initializers exceed {@code externalDataThreshold}
     * bytes (tests use a small value to exercise that path).
     *
     * @throws IllegalArgumentException if the threshold is negative or beyond {@link #PROTOBUF_LIMIT}
     */
    public OnnxExporter(long externalDataThreshold) {
        this(externalDataThreshold, Bf16Form.NATIVE);
    }

    /**
     * An exporter with an external-data threshold (as {@link #OnnxExporter(long)}) and a form for BF16 values.
     *
     * @throws IllegalArgumentException if the threshold is negative or beyond {@link #PROTOBUF_LIMIT}
     */
    public OnnxExporter(long externalDataThreshold, Bf16Form bf16Form) {
        if (externalDataThreshold < 0 || externalDataThreshold > PROTOBUF_LIMIT) {
            throw new IllegalArgumentException("external-data threshold must be in 0.." + PROTOBUF_LIMIT + " bytes, got "
                    + externalDataThreshold);
        }
        this.externalDataThreshold = externalDataThreshold;
        this.bf16Form = Objects.requireNonNull(bf16Form, "bf16Form");
    }

    /** The same exporter writing BF16 values in {@code form}. */
    public OnnxExporter withBf16Form(Bf16Form form) {
        return new OnnxExporter(externalDataThreshold, form);
    }

    /** How BF16 values are written. */
    public Bf16Form bf16Form() {
        return bf16Form;
    }

    /** The initializer size beyond which weights are written to an external data file. */
    public long externalDataThreshold() {
        return externalDataThreshold;
    }

    /**
     * Exports one stage.
     *
     * @param stage   the stage's name (the ONNX graph's name and the base of the external data file's name): letters,
     *                digits, {@code _}, {@code -} and {@code .}
     * @param graph   the graph; it must have at least one output
     * @param weights where the graph's weights are read
     * @throws IllegalArgumentException if the stage name is unusable, the graph has no output,
     *                                  or output names collide with input or weight names
     * @throws WeightLoadingException   if weights are missing or of the wrong shape (all problems in one message)
     */
    public OnnxModel export(String stage, Graph graph, WeightStore weights) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(weights, "weights");
        if (stage == null || !stage.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("stage name must be letters, digits, '_', '-' or '.', got '" + stage + "'");
        }
        if (graph.outputs().isEmpty()) throw new IllegalArgumentException("graph of stage '" + stage + "' has no output");
        boolean[] needed = graph.neededByOutputs();
        WeightChecks.requireWeights(graph, weights);
        return new Lowering(stage, graph, weights, needed).run();
    }

    /** Little-endian float32 bytes of {@code values}. */
    static ByteString floatBytes(float[] values) {
        return ByteString.copyFrom(tensorBytes(values, DType.F32));
    }

    /**
     * The little-endian bytes of {@code values} stored as {@code type}: float32, or the 16-bit patterns of the values
     * rounded to nearest even by {@link ReducedFloats} (the rounding the CPU backends emulate).
     */
    static byte[] tensorBytes(float[] values, DType type) {
        ByteBuffer b = ByteBuffer.allocate(type.byteSize() * values.length).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32:
                b.asFloatBuffer().put(values);
                break;
            case F16:
                for (float v : values) b.putShort(ReducedFloats.f16Bits(v));
                break;
            case BF16:
                for (float v : values) b.putShort(ReducedFloats.bf16Bits(v));
                break;
            default:
                throw new IllegalArgumentException("not a float storage type: " + type);
        }
        return b.array();
    }

    /** The ONNX element type of a graph type: FLOAT, FLOAT16 or BFLOAT16. */
    static int onnxType(DType type) {
        switch (type) {
            case F32:
                return TensorProto.DataType.FLOAT_VALUE;
            case F16:
                return TensorProto.DataType.FLOAT16_VALUE;
            case BF16:
                return TensorProto.DataType.BFLOAT16_VALUE;
            default:
                throw new IllegalArgumentException("ONNX export: no float element type for " + type);
        }
    }

    /** {@code fp32}, {@code fp16}, {@code bf16}, or {@code mixed} when a graph holds both reduced types. */
    private static String precisionLabel(boolean f16, boolean bf16) {
        return f16 && bf16 ? "mixed" : f16 ? "fp16" : bf16 ? "bf16" : "fp32";
    }

    /** The state of one export: value names, emitted nodes and initializers. */
    private final class Lowering {
        private final String stage;
        private final Graph graph;
        private final WeightStore weights;
        private final boolean[] needed;
        private final GraphProto.Builder g = GraphProto.newBuilder();
        private final String[] names;
        private final Set<String> reserved = new HashSet<>();
        private final Map<String, String> int64Constants = new HashMap<>();
        private final Map<Float, String> scalarConstants = new HashMap<>();
        private final Map<String, OnnxModel.ExternalTensor> external = new LinkedHashMap<>();
        /** FLOAT copies of reduced-precision values, made once each */
        private final Map<String, String> widened = new HashMap<>();
        private boolean hasF16;
        private boolean hasBf16;
        private int counter;
        /** BF16 values are FLOAT tensors holding bfloat16 values ({@link Bf16Form#FLOAT_CARRIED}) */
        private final boolean carried = bf16Form == Bf16Form.FLOAT_CARRIED;

        Lowering(String stage, Graph graph, WeightStore weights, boolean[] needed) {
            this.stage = stage;
            this.graph = graph;
            this.weights = weights;
            this.needed = needed;
            this.names = new String[graph.nodes().size()];
        }

        OnnxModel run() {
            g.setName(stage);
            long initializerBytes = 0;
            for (Tensor t : graph.nodes()) {
                if (!needed[t.id()]) continue;
                onnxType(t.dtype()); // F32, F16 or BF16, as the graph allows
                if (t.dtype() == DType.F16) hasF16 = true;
                if (t.dtype() == DType.BF16) hasBf16 = true;
                if (t.op() == Op.WEIGHT || t.op() == Op.CONSTANT) initializerBytes += (long) t.dtype().byteSize() * t.numel();
            }
            String precision = precisionLabel(hasF16, hasBf16);
            boolean externalData = initializerBytes > externalDataThreshold;
            for (Map.Entry<String, Tensor> e : graph.inputs().entrySet()) reserve(e.getKey());
            for (Map.Entry<String, Tensor> e : graph.weights().entrySet()) {
                if (needed[e.getValue().id()]) reserve(e.getKey());
            }
            for (String out : graph.outputs().keySet()) {
                if (!reserved.add(out)) {
                    throw new IllegalArgumentException("ONNX export: output '" + out + "' has the name of an input or weight");
                }
            }
            Map<String, int[]> inputShapes = new LinkedHashMap<>();
            Map<String, DType> inputTypes = new LinkedHashMap<>();
            long dataOffset = 0;
            String dataFile = stage + ".onnx.data";
            for (Tensor t : graph.nodes()) {
                if (!needed[t.id()]) continue;
                switch (t.op()) {
                    case INPUT: {
                        String name = t.attrs(Attrs.Named.class).name();
                        // a carried BF16 input is fed as float32 and rounded on entry
                        names[t.id()] = isCarried(t) ? roundToBf16(name) : name;
                        g.addInput(valueInfo(name, t.shape(), declared(t.dtype())));
                        inputShapes.put(name, t.shape());
                        inputTypes.put(name, declared(t.dtype()));
                        break;
                    }
                    case WEIGHT: {
                        String name = t.attrs(Attrs.Named.class).name();
                        names[t.id()] = name;
                        TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(onnxType(t.dtype()));
                        for (int d : t.shape()) tp.addDims(d);
                        if (externalData) {
                            long length = (long) t.dtype().byteSize() * t.numel();
                            tp.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                                    .addExternalData(entry("location", dataFile))
                                    .addExternalData(entry("offset", Long.toString(dataOffset)))
                                    .addExternalData(entry("length", Long.toString(length)));
                            external.put(name, new OnnxModel.ExternalTensor(name, t.dtype(), dataOffset, length));
                            dataOffset = align(dataOffset + length);
                        } else {
                            tp.setRawData(ByteString.copyFrom(tensorBytes(weights.floats(name), t.dtype())));
                        }
                        g.addInitializer(tp);
                        if (isCarried(t)) names[t.id()] = toFloat(name);   // folded by runtimes: a float copy of bf16 values
                        break;
                    }
                    case CONSTANT: {
                        String name = fresh("const" + (t.label() != null ? "_" + sanitize(t.label()) : ""));
                        names[t.id()] = name;
                        g.addInitializer(floatTensor(name, t.shape(), t.attrs(Attrs.Constant.class).values()));
                        break;
                    }
                    default:
                        names[t.id()] = lowerNode(t);
                        // every value's type and shape, so that the runtime checks the lowering against the graph
                        g.addValueInfo(valueInfo(names[t.id()], t.shape(), declared(t.dtype())));
                }
            }
            Map<String, int[]> outputShapes = new LinkedHashMap<>();
            Map<String, DType> outputTypes = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : graph.outputs().entrySet()) {
                // an Identity per output: two outputs may be one node, and an output may be an input or a weight
                node("Identity", new String[] {names[e.getValue().id()]}, new String[] {e.getKey()});
                g.addOutput(valueInfo(e.getKey(), e.getValue().shape(), declared(e.getValue().dtype())));
                outputShapes.put(e.getKey(), e.getValue().shape());
                outputTypes.put(e.getKey(), declared(e.getValue().dtype()));
            }
            ModelProto model = ModelProto.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setProducerName(PRODUCER)
                    .setProducerVersion(OnnxModel.producerVersion())
                    .setDocString("sam3j stage '" + stage + "', " + precision)
                    .addMetadataProps(entry("sam3j.stage", stage))
                    .addMetadataProps(entry("sam3j.precision", precision))
                    .addMetadataProps(entry("sam3j.bf16_form", hasBf16 ? bf16Form.name().toLowerCase(java.util.Locale.ROOT) : "none"))
                    .setGraph(g)
                    .build();
            return new OnnxModel(stage, model, precision, inputShapes, inputTypes, outputShapes, outputTypes,
                    externalData ? dataFile : null, List.copyOf(external.values()), weights, initializerBytes);
        }

        private void reserve(String name) {
            if (!reserved.add(name)) throw new IllegalArgumentException("ONNX export: name '" + name + "' used twice");
        }

        private String fresh(String hint) {
            String n;
            do {
                n = "/" + hint + "_" + counter++;
            } while (reserved.contains(n));
            reserved.add(n);
            return n;
        }

        private String in(Tensor t, int i) {
            return names[t.input(i).id()];
        }

        /** Emits one node with a fresh output; returns the output's name. */
        private String node(String op, String[] inputs, AttributeProto... attrs) {
            String out = fresh(op);
            node(op, inputs, new String[] {out}, attrs);
            return out;
        }

        private void node(String op, String[] inputs, String[] outputs, AttributeProto... attrs) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(outputs[0] + "_node");
            for (String i : inputs) n.addInput(i);
            for (String o : outputs) n.addOutput(o);
            for (AttributeProto a : attrs) n.addAttribute(a);
            g.addNode(n);
        }

        /** An int64 vector initializer (shared by equal values). */
        private String int64s(long... values) {
            String key = Arrays.toString(values);
            String name = int64Constants.get(key);
            if (name == null) {
                name = fresh("i64");
                TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                        .addDims(values.length);
                for (long v : values) tp.addInt64Data(v);
                g.addInitializer(tp);
                int64Constants.put(key, name);
            }
            return name;
        }

        private String shape(int[] s) {
            return int64s(Arrays.stream(s).asLongStream().toArray());
        }

        /** A float32 scalar initializer (shared by equal values). */
        private String scalar(float v) {
            String name = scalarConstants.get(v);
            if (name == null) {
                name = fresh("f32");
                g.addInitializer(floatTensor(name, new int[0], new float[] {v}));
                scalarConstants.put(v, name);
            }
            return name;
        }

        private String transpose(String x, long... perm) {
            return node("Transpose", new String[] {x}, ints("perm", perm));
        }

        private String reshape(String x, int... shape) {
            return node("Reshape", new String[] {x, shape(shape)});
        }

        /**
         * Lowers one node. FP32 nodes and the reduced-precision nodes whose ONNX operator means the same in FP16/BF16
         * ({@link #NATIVE_REDUCED}: products with FP32 accumulation and one rounding of the result, moves, and
         * element-wise operations whose FP32 result rounds to the correctly rounded one) are lowered as they are. Any
         * other reduced-precision node (scale, activations, normalisations, RoPE, ROI align, attention) is computed in
         * FP32 between {@code Cast}s, as the CPU backends compute it on rounded operands: helper constants stay FP32,
         * the FP32 operands (attention bias, RoPE tables, boxes) need no cast, and attention keeps its logits and
         * softmax in FP32 as {@link Op#ATTENTION} specifies.
         */
        private String lowerNode(Tensor t) {
            String[] ins = new String[t.inputCount()];
            for (int i = 0; i < ins.length; i++) ins[i] = in(t, i);
            if (carried && (t.dtype() == DType.BF16 || t.op() == Op.CAST && t.input(0).dtype() == DType.BF16)) {
                return lowerCarried(t, ins);
            }
            if (t.op() == Op.CAST) {
                return node("Cast", ins, intAttr("to", onnxType(t.attrs(Attrs.Cast.class).to())));
            }
            if (t.dtype() == DType.F32
                    || NATIVE_REDUCED.contains(t.op()) && (t.dtype() != DType.BF16 || NATIVE_BF16.contains(t.op()))) {
                return lower(t, ins);
            }
            for (int i = 0; i < ins.length; i++) {
                if (t.input(i).dtype() != DType.F32) ins[i] = widened.computeIfAbsent(ins[i],
                        n -> node("Cast", new String[] {n}, intAttr("to", TensorProto.DataType.FLOAT_VALUE)));
            }
            return node("Cast", new String[] {lower(t, ins)}, intAttr("to", onnxType(t.dtype())));
        }

        /**
         * A node that makes or reads BF16 values in the {@link Bf16Form#FLOAT_CARRIED} form: BF16 operands are already
         * FLOAT tensors of bfloat16 values, FP16 operands are widened, the operation runs in FLOAT, and its result is
         * rounded to bfloat16 unless the operation cannot leave the operands' values ({@link #EXACT}). A cast from BF16
         * is the carried value itself.
         */
        private String lowerCarried(Tensor t, String[] ins) {
            if (t.op() == Op.CAST) {
                DType to = t.attrs(Attrs.Cast.class).to();
                if (to == DType.BF16) return roundToBf16(t.input(0).dtype() == DType.F16 ? toFloat(ins[0]) : ins[0]);
                String wide = node("Identity", new String[] {ins[0]});
                return to == DType.F32 ? wide : node("Cast", new String[] {wide}, intAttr("to", onnxType(to)));
            }
            for (int i = 0; i < ins.length; i++) {
                if (t.input(i).dtype() == DType.F16) ins[i] = widened.computeIfAbsent(ins[i], this::toFloat);
            }
            String y = lower(t, ins);
            return EXACT.contains(t.op()) ? y : roundToBf16(y);
        }

        /** Whether {@code t}'s value is written as FLOAT holding bfloat16 values. */
        private boolean isCarried(Tensor t) {
            return carried && t.dtype() == DType.BF16;
        }

        /** The element type {@code type} is declared with in this export. */
        private DType declared(DType type) {
            return carried && type == DType.BF16 ? DType.F32 : type;
        }

        /** FLOAT {@code x} rounded to the nearest bfloat16 (ties to even), kept FLOAT: {@code Cast} there and back. */
        private String roundToBf16(String x) {
            String b = node("Cast", new String[] {x}, intAttr("to", TensorProto.DataType.BFLOAT16_VALUE));
            return toFloat(b);
        }

        private String toFloat(String x) {
            return node("Cast", new String[] {x}, intAttr("to", TensorProto.DataType.FLOAT_VALUE));
        }

        private String lower(Tensor t, String[] ins) {
            String x = ins.length > 0 ? ins[0] : null;
            switch (t.op()) {
                case RESHAPE:
                    return reshape(x, t.shape());
                case PERMUTE:
                    return transpose(x, Arrays.stream(t.attrs(Attrs.Permute.class).perm()).asLongStream().toArray());
                case SLICE: {
                    Attrs.Slice s = t.attrs(Attrs.Slice.class);
                    return node("Slice", new String[] {x, int64s(s.start()), int64s(s.end()), int64s(s.axis())});
                }
                case CONCAT:
                    return node("Concat", ins, intAttr("axis", t.attrs(Attrs.Concat.class).axis()));
                case LINEAR: {
                    // one Gemm over the rows of x: x·Wᵀ + b with a single rounding of the result in FP16/BF16, as the
                    // CPU backends compute it (MatMul then Add would round twice)
                    int features = t.input(1).dim(1);
                    int rows = (int) (t.input(0).numel() / features);
                    String x2 = t.input(0).rank() == 2 ? x : reshape(x, rows, features);
                    String y = node("Gemm", ins.length > 2 ? new String[] {x2, ins[1], ins[2]} : new String[] {x2, ins[1]},
                            intAttr("transB", 1));
                    return t.rank() == 2 ? y : reshape(y, t.shape());
                }
                case MATMUL: {
                    String b = ins[1];
                    if (t.attrs(Attrs.MatMul.class).transposeB()) b = transpose(b, swapLast(t.input(1).rank()));
                    return node("MatMul", new String[] {x, b});
                }
                case ADD:
                    return node("Add", new String[] {x, ins[1]});
                case MUL:
                    return node("Mul", new String[] {x, ins[1]});
                case SCALE:
                    return node("Mul", new String[] {x, scalar(t.attrs(Attrs.Scale.class).factor())});
                case LAYER_NORM:
                    return node("LayerNormalization", new String[] {x, ins[1], ins[2]}, intAttr("axis", -1),
                            floatAttr("epsilon", t.attrs(Attrs.Norm.class).eps()));
                case GELU: {
                    // 0.5·x·(1 + erf(x/√2)), the exact form (Gelu itself is opset 20)
                    String e = node("Erf", new String[] {node("Mul", new String[] {x, scalar((float) (1 / Math.sqrt(2)))})});
                    String onePlus = node("Add", new String[] {e, scalar(1f)});
                    return node("Mul", new String[] {node("Mul", new String[] {x, scalar(0.5f)}), onePlus});
                }
                case RELU:
                    return node("Relu", new String[] {x});
                case SIGMOID:
                    return node("Sigmoid", new String[] {x});
                case CONV2D: {
                    Attrs.Conv c = t.attrs(Attrs.Conv.class);
                    Tensor w = t.input(1);
                    String[] convIns = t.inputCount() > 2
                            ? new String[] {transpose(x, 0, 3, 1, 2), ins[1], ins[2]}
                            : new String[] {transpose(x, 0, 3, 1, 2), ins[1]};
                    String y = node("Conv", convIns, ints("kernel_shape", w.dim(2), w.dim(3)),
                            ints("strides", c.stride(), c.stride()),
                            ints("pads", c.padding(), c.padding(), c.padding(), c.padding()));
                    return transpose(y, 0, 2, 3, 1);
                }
                case CONV_TRANSPOSE2D: {
                    String[] convIns = t.inputCount() > 2
                            ? new String[] {transpose(x, 0, 3, 1, 2), ins[1], ins[2]}
                            : new String[] {transpose(x, 0, 3, 1, 2), ins[1]};
                    String y = node("ConvTranspose", convIns, ints("kernel_shape", 2, 2), ints("strides", 2, 2));
                    return transpose(y, 0, 2, 3, 1);
                }
                case MAX_POOL2D: {
                    String y = node("MaxPool", new String[] {transpose(x, 0, 3, 1, 2)}, ints("kernel_shape", 2, 2),
                            ints("strides", 2, 2));
                    return transpose(y, 0, 2, 3, 1);
                }
                case ROPE:
                    return rope(t, ins);
                case ATTENTION:
                    return attention(t, ins);
                case UNARY:
                    return unary(t.attrs(Attrs.Unary.class), x);
                case GROUP_NORM:
                    return groupNorm(t, ins);
                case UPSAMPLE_NEAREST: {
                    int f = t.attrs(Attrs.Upsample.class).factor();
                    int[] s = t.input(0).shape();
                    String r = reshape(x, s[0], s[1], 1, s[2], 1, s[3]);
                    String e = node("Expand", new String[] {r, shape(new int[] {s[0], s[1], f, s[2], f, s[3]})});
                    return reshape(e, t.shape());
                }
                case ROI_ALIGN: {
                    Attrs.RoiAlign ra = t.attrs(Attrs.RoiAlign.class);
                    int k = t.input(1).dim(0);
                    String batch = int64s(new long[k]); // every box on image 0
                    String y = node("RoiAlign", new String[] {transpose(x, 0, 3, 1, 2), ins[1], batch},
                            stringAttr("coordinate_transformation_mode", "output_half_pixel"), stringAttr("mode", "avg"),
                            intAttr("output_height", ra.outputSize()), intAttr("output_width", ra.outputSize()),
                            intAttr("sampling_ratio", Math.max(ra.samplingRatio(), 0)),
                            floatAttr("spatial_scale", ra.spatialScale()));
                    return transpose(y, 0, 2, 3, 1);
                }
                case GATHER: {
                    String idx = node("Cast", new String[] {ins[1]}, intAttr("to", TensorProto.DataType.INT64_VALUE));
                    return node("Gather", new String[] {x, idx}, intAttr("axis", 0));
                }
                default:
                    throw new IllegalStateException("ONNX export: no lowering for " + t);
            }
        }

        /** Pairs (2i, 2i+1) of every head rotated by the angle of position t: x0·c − x1·s, x0·s + x1·c. */
        private String rope(Tensor t, String[] ins) {
            String x = ins[0];
            int b = t.dim(0);
            int len = t.dim(1);
            int h = t.dim(2);
            int half = t.dim(3) / 2;
            String pairs = reshape(x, b, len, h, half, 2);
            String x0 = node("Slice", new String[] {pairs, int64s(0), int64s(1), int64s(4)});
            String x1 = node("Slice", new String[] {pairs, int64s(1), int64s(2), int64s(4)});
            String c = reshape(ins[1], 1, len, 1, half, 1);
            String s = reshape(ins[2], 1, len, 1, half, 1);
            String y0 = node("Sub", new String[] {node("Mul", new String[] {x0, c}), node("Mul", new String[] {x1, s})});
            String y1 = node("Add", new String[] {node("Mul", new String[] {x0, s}), node("Mul", new String[] {x1, c})});
            return reshape(node("Concat", new String[] {y0, y1}, intAttr("axis", 4)), t.shape());
        }

        /**
         * softmax(scale·q·kᵀ + bias)·v per head, heads moved out of the interleaved layout and back. Windowed
         * attention partitions the token grid into a batch of windows first (Reshape, Transpose, Reshape) and puts
         * the windows back after, as {@link AttentionWindows} does.
         */
        private String attention(Tensor t, String[] ins) {
            Attrs.Attention a = t.attrs(Attrs.Attention.class);
            if (!a.windowed()) return attention(ins, a.scale(), t.inputCount() > 3 ? ins[3] : null);
            int b = t.dim(0);
            int h = t.dim(2);
            int d = t.input(0).dim(3);
            int dv = t.dim(3);
            String[] w = {windows(ins[0], a, b, h, d), windows(ins[1], a, b, h, d), windows(ins[2], a, b, h, dv)};
            int ws = a.window();
            String y = reshape(attention(w, a.scale(), null), b, a.gridH() / ws, a.gridW() / ws, ws, ws, h * dv);
            return reshape(transpose(y, 0, 1, 3, 2, 4, 5), t.shape());
        }

        /** {@code x[B, gridH·gridW, H, D]} partitioned into {@code [B·windows, window², H, D]}. */
        private String windows(String x, Attrs.Attention a, int b, int h, int d) {
            int ws = a.window();
            String tiles = reshape(x, b, a.gridH() / ws, ws, a.gridW() / ws, ws, h * d);
            return reshape(transpose(tiles, 0, 1, 3, 2, 4, 5), b * a.windowCount(), ws * ws, h, d);
        }

        private String attention(String[] ins, float scale, String bias) {
            String q = transpose(ins[0], 0, 2, 1, 3);   // [B, H, Tq, D]
            String kT = transpose(ins[1], 0, 2, 3, 1);  // [B, H, D, Tk]
            String v = transpose(ins[2], 0, 2, 1, 3);   // [B, H, Tk, Dv]
            String logits = node("Mul", new String[] {node("MatMul", new String[] {q, kT}), scalar(scale)});
            if (bias != null) logits = node("Add", new String[] {logits, bias});
            String p = node("Softmax", new String[] {logits}, intAttr("axis", -1));
            return transpose(node("MatMul", new String[] {p, v}), 0, 2, 1, 3);
        }

        private String unary(Attrs.Unary u, String x) {
            switch (u.kind()) {
                case SIN:
                    return node("Sin", new String[] {x});
                case COS:
                    return node("Cos", new String[] {x});
                case EXP:
                    return node("Exp", new String[] {x});
                case LOG:
                    return node("Log", new String[] {x});
                case LOG2:
                    return node("Div", new String[] {node("Log", new String[] {x}), scalar((float) Math.log(2.0))});
                case ABS:
                    return node("Abs", new String[] {x});
                case SIGN:
                    return node("Sign", new String[] {x});
                case CLAMP: {
                    String lo = Float.isInfinite(u.a()) ? "" : scalar(u.a());
                    String hi = Float.isInfinite(u.b()) ? "" : scalar(u.b());
                    return node("Clip", hi.isEmpty() ? new String[] {x, lo} : new String[] {x, lo, hi});
                }
                case AFFINE: {
                    String y = u.a() == 1f ? x : node("Mul", new String[] {x, scalar(u.a())});
                    return u.b() == 0f && !y.equals(x) ? y : node("Add", new String[] {y, scalar(u.b())});
                }
                default:
                    throw new IllegalStateException("ONNX export: no lowering for " + u);
            }
        }

        /**
         * Statistics over all positions and the channels of each group, then the per-channel affine. The means are
         * taken in three short stages (channels of the group, columns, rows: equal counts, so the mean of means is the
         * mean) because runtimes accumulate a reduction in float32, and one sum over a 288² map's group loses about
         * 1e-3 of the result.
         */
        private String groupNorm(Tensor t, String[] ins) {
            String x = ins[0];
            Attrs.GroupNorm gn = t.attrs(Attrs.GroupNorm.class);
            int c = t.dim(3);
            int groups = gn.groups();
            String xg = reshape(x, t.dim(0), t.dim(1), t.dim(2), groups, c / groups);
            String mean = stagedMean(xg);
            String d = node("Sub", new String[] {xg, mean});
            String var = stagedMean(node("Mul", new String[] {d, d}));
            String std = node("Sqrt", new String[] {node("Add", new String[] {var, scalar(gn.eps())})});
            String norm = reshape(node("Div", new String[] {d, std}), t.shape());
            return node("Add", new String[] {node("Mul", new String[] {norm, ins[1]}), ins[2]});
        }

        /** Mean of {@code [N, H, W, G, Cg]} over axes 4, 2, 1 in turn, kept as {@code [N, 1, 1, G, 1]}. */
        private String stagedMean(String x) {
            String m = x;
            for (int axis : new int[] {4, 2, 1}) m = node("ReduceMean", new String[] {m}, ints("axes", axis), intAttr("keepdims", 1));
            return m;
        }
    }

    private static long[] swapLast(int rank) {
        long[] p = new long[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        p[rank - 2] = rank - 1;
        p[rank - 1] = rank - 2;
        return p;
    }

    private static long align(long offset) {
        return (offset + EXTERNAL_ALIGNMENT - 1) / EXTERNAL_ALIGNMENT * EXTERNAL_ALIGNMENT;
    }

    private static String sanitize(String label) {
        return label.replaceAll("[^A-Za-z0-9_.]", "_");
    }

    static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static TensorProto floatTensor(String name, int[] shape, float[] values) {
        TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int d : shape) tp.addDims(d);
        return tp.setRawData(floatBytes(values)).build();
    }

    private static ValueInfoProto valueInfo(String name, int[] shape, DType type) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d : shape) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(onnxType(type)).setShape(s)))
                .build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }
}
