package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.PrecisionPolicy;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;
import org.sam3j.io.ReducedFloats;
import org.sam3j.weights.InMemoryWeights;

/**
 * Every {@link Op} lowered to ONNX and run on ONNX Runtime against the pure-Java CPU backend (itself tested against
 * naive references in sam3-api), on small random graphs at odd sizes, chained so that ops read computed values.
 * The per-test graphs are also compiled once with an external-data threshold of zero to exercise that path.
 */
class OnnxOpsTest {
    private static Backend cpu;
    private static OnnxRuntimeBackend ort;
    private final Random rnd = new Random(7);

    @BeforeAll
    static void start() {
        cpu = new CpuBackend(2);
        ort = OnnxRuntimeBackend.create(BackendOptions.builder().threads(2).build());
    }

    @AfterAll
    static void stop() {
        cpu.close();
        ort.close();
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** A graph, its inputs and weights. */
    private final class Case {
        final Graph g = new Graph();
        final Map<String, float[]> inputs = new HashMap<>();
        final InMemoryWeights w = new InMemoryWeights();

        Tensor in(String name, int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            inputs.put(name, rand(n));
            return g.input(name, shape);
        }

        Tensor in(String name, float[] values, int... shape) {
            inputs.put(name, values);
            return g.input(name, shape);
        }

        Tensor weight(String name, int... shape) {
            return weight(name, DType.F32, shape);
        }

        Tensor weight(String name, DType type, int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            long[] s = new long[shape.length];
            for (int i = 0; i < s.length; i++) s[i] = shape[i];
            w.put(name, rand(n), s);
            return g.weight(name, type, shape);
        }
    }

    private static Map<String, HostTensor> run(CompiledGraph cg, Map<String, float[]> inputs) {
        try (cg) {
            return cg.run(inputs);
        }
    }

    /**
     * The graph as built, and its FP16 and BF16 forms ({@link PrecisionPolicy}), on ONNX Runtime against the CPU
     * backend (which emulates the reduced types by rounding: the same function) within {@code tol}; reduced values may
     * also differ by one step of their type, where a different summation order rounds the other way. BF16 runs in the
     * {@link OnnxExporter.Bf16Form#FLOAT_CARRIED} form, within {@code tol} beyond that one step: every rounding the
     * graph asks for happens. In the native form, which ONNX Runtime's CPU provider cannot run (no bfloat16 MatMul or
     * Gemm kernel), a BF16 graph with products must fail at kernel lookup only, after ONNX Runtime has checked the
     * types of the whole model.
     */
    private void compare(Case c, double tol) {
        compare(c, c.g, tol, DType.F32);
        compare(c, PrecisionPolicy.apply(c.g, Precision.FP16), tol, DType.F16);
        compareBf16(c, PrecisionPolicy.apply(c.g, Precision.BF16), tol);
    }

    private void compareBf16(Case c, Graph graph, double tol) {
        compare(c, graph, tol, DType.BF16, CARRIED);
        compareWhereOrtRuns(c, graph, tol, DType.BF16);
    }

    /** Both external-data paths, BF16 values as bfloat16-rounded float32. */
    private static final OnnxExporter[] CARRIED = {
        new OnnxExporter(OnnxExporter.PROTOBUF_LIMIT, OnnxExporter.Bf16Form.FLOAT_CARRIED),
        new OnnxExporter(0, OnnxExporter.Bf16Form.FLOAT_CARRIED)};
    private static final OnnxExporter[] NATIVE = {new OnnxExporter(), new OnnxExporter(0)};

    private void compareWhereOrtRuns(Case c, Graph graph, double tol, DType low) {
        try {
            compare(c, graph, tol, low, NATIVE);
        } catch (IllegalStateException e) {
            assertTrue(e.getCause() instanceof OrtException, e::toString);
            assertEquals(OrtException.OrtErrorCode.ORT_NOT_IMPLEMENTED, ((OrtException) e.getCause()).getCode(), e::toString);
            // the model passed ONNX Runtime's type and shape inference; only a kernel is missing
            assertTrue(e.getMessage().contains("Could not find an implementation for"), e::getMessage);
        }
    }

    /**
     * The error allowed beyond {@link #step} in a reduced graph, relative to the output's rms: one step of the type.
     * ONNX Runtime's CPU provider has FP16 kernels for few operators; around the others it inserts casts to FP32 and
     * then removes FP32→FP16→FP32 cast pairs as if they were lossless (its {@code RemoveDuplicateCastTransformer}
     * groups both as "float"), so some roundings the graph asks for are skipped there: its FP16 run is close to, not
     * equal to, the rounded function the CPU backend emulates.
     */
    static double reducedTolerance(DType type) {
        return type == DType.F16 ? 0x1p-10 : type == DType.BF16 ? 0x1p-7 : 0;
    }

    /** One step of {@code type} at {@code v}'s magnitude (0 for F32). */
    static double step(float v, DType type) {
        switch (type) {
            case F16:
                return Math.max(0x1p-24, Math.ulp(Math.abs(v)) * 0x1p13);
            case BF16:
                return Math.ulp(Math.abs(v)) * 0x1p16;
            default:
                return 0;
        }
    }

    /**
     * Inputs read only through casts to {@code low}, already rounded to it: ONNX Runtime may skip such a cast (see
     * {@link #reducedTolerance}), which then makes no difference.
     */
    private static Map<String, float[]> roundedInputs(Case c, Graph graph, DType low) {
        if (low == DType.F32) return c.inputs;
        Map<Tensor, Boolean> onlyCast = new HashMap<>();
        for (Tensor t : graph.nodes()) {
            for (int i = 0; i < t.inputCount(); i++) {
                Tensor x = t.input(i);
                if (x.op() == Op.INPUT) onlyCast.merge(x, t.op() == Op.CAST && t.dtype() == low, Boolean::logicalAnd);
            }
        }
        Map<String, float[]> r = new HashMap<>(c.inputs);
        graph.inputs().forEach((name, t) -> {
            if (onlyCast.getOrDefault(t, false)) {
                float[] v = c.inputs.get(name).clone();
                for (int i = 0; i < v.length; i++) v[i] = ReducedFloats.round(v[i], low);
                r.put(name, v);
            }
        });
        return r;
    }

    private void compare(Case c, Graph graph, double tol, DType low) {
        compare(c, graph, tol, low, NATIVE);
    }

    private void compare(Case c, Graph graph, double tol, DType low, OnnxExporter[] exporters) {
        boolean carried = exporters[0].bf16Form() == OnnxExporter.Bf16Form.FLOAT_CARRIED;
        double allowed = carried ? tol : Math.max(tol, reducedTolerance(low));
        Map<String, float[]> inputs = carried ? c.inputs : roundedInputs(c, graph, low);
        Map<String, HostTensor> want = run(cpu.compile(graph, c.w), inputs);
        for (OnnxExporter exporter : exporters) {
            Map<String, HostTensor> got = run(ort.compile(graph, c.w, exporter), inputs);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                float[] e = want.get(k).data();
                float[] a = got.get(k).data();
                assertArrayEquals(want.get(k).shape(), got.get(k).shape(), k);
                double rms = 0;
                for (float v : e) rms += (double) v * v;
                rms = Math.sqrt(rms / Math.max(1, e.length));
                double scale = Math.max(1, rms);
                double worst = 0;
                int at = -1;
                for (int i = 0; i < e.length; i++) {
                    double d = (Math.abs((double) e[i] - a[i]) - step(e[i], low)) / scale;
                    if (!(d <= worst)) {
                        worst = d;
                        at = i;
                    }
                }
                if (!(worst <= allowed)) {
                    throw new AssertionError(low + (carried ? " carried " : " ") + k + "[" + at + "]: cpu " + e[at]
                            + " onnxruntime " + a[at] + " (error beyond one " + low + " step " + (float) worst
                            + " of rms, tolerance " + allowed + ")");
                }
            }
        }
    }

    @Test
    void shapeOps() {
        Case c = new Case();
        Tensor x = c.in("x", 2, 3, 4, 5);
        Tensor p = c.g.permute(x, 0, 2, 3, 1);
        c.g.output("permute", p);
        c.g.output("reshape", c.g.reshape(p, 8, -1));
        c.g.output("slice", c.g.slice(x, 2, 1, 3));
        c.g.output("sliceLast", c.g.slice(x, -1, 4, 5));
        c.g.output("concat", c.g.concat(1, x, c.in("y", 2, 2, 4, 5), x));
        // an output that is an input, and one node under two names
        c.g.output("same", x);
        c.g.output("permute2", p);
        compare(c, 0);
    }

    @Test
    void linearAndMatmul() {
        Case c = new Case();
        Tensor x = c.in("x", 3, 37, 19);
        Tensor w1 = c.weight("w1", 23, 19);
        Tensor y1 = c.g.linear(x, w1, c.weight("b1", 23));
        c.g.output("y1", y1);
        c.g.output("y2", c.g.linear(y1, c.weight("w2", 5, 23), null));
        c.g.output("act", c.g.linear(x, c.g.scale(c.in("wa", 29, 19), 0.5f), c.in("ba", 29)));
        c.g.output("row", c.g.linear(c.in("r", 19), w1, null));
        Tensor a = c.in("a", 2, 3, 37, 21);
        c.g.output("abt", c.g.matmul(a, c.in("bt", 2, 3, 45, 21), true));
        c.g.output("ab", c.g.matmul(a, c.in("b", 2, 3, 21, 45), false));
        compare(c, 1e-5);
    }

    @Test
    void elementWise() {
        Case c = new Case();
        Tensor x = c.in("x", 4, 1, 7);
        Tensor y = c.in("y", 3, 7);
        c.g.output("add", c.g.add(x, y));
        c.g.output("mul", c.g.mul(x, c.in("s", 1)));
        c.g.output("sub", c.g.sub(y, c.in("z", 3, 1)));
        c.g.output("scale", c.g.scale(x, -2.5f));
        c.g.output("gelu", c.g.gelu(x));
        c.g.output("relu", c.g.relu(x));
        c.g.output("sigmoid", c.g.sigmoid(x));
        compare(c, 2e-6);
    }

    @Test
    void unaryFunctions() {
        Case c = new Case();
        Tensor x = c.in("x", 5, 13);
        float[] pos = rand(65);
        for (int i = 0; i < pos.length; i++) pos[i] = Math.abs(pos[i]) + 0.01f;
        float[] signs = rand(65);
        signs[3] = 0f;
        Tensor p = c.in("p", pos, 5, 13);
        c.g.output("sin", c.g.sin(x));
        c.g.output("cos", c.g.cos(x));
        c.g.output("exp", c.g.exp(x));
        c.g.output("log", c.g.log(p));
        c.g.output("log2", c.g.log2(p));
        c.g.output("abs", c.g.abs(x));
        c.g.output("sign", c.g.sign(c.in("sg", signs, 5, 13)));
        c.g.output("clamp", c.g.clamp(x, -0.5f, 0.75f));
        c.g.output("clampLow", c.g.clamp(x, 0.1f, Float.POSITIVE_INFINITY));
        c.g.output("clampHigh", c.g.clamp(x, Float.NEGATIVE_INFINITY, 0.2f));
        c.g.output("affine", c.g.affine(x, 3f, -1f));
        c.g.output("affineShift", c.g.affine(x, 1f, 0.5f));
        c.g.output("inverseSigmoid", c.g.inverseSigmoid(c.g.sigmoid(x), 1e-3f));
        compare(c, 2e-6);
    }

    @Test
    void normalisations() {
        Case c = new Case();
        Tensor x = c.in("x", 2, 9, 33);
        c.g.output("ln", c.g.layerNorm(x, c.weight("g", 33), c.weight("b", 33), 1e-5f));
        Tensor img = c.in("img", 2, 5, 7, 12);
        Tensor gg = c.weight("gg", 12);
        Tensor gb = c.weight("gb", 12);
        c.g.output("gn", c.g.groupNorm(img, 4, gg, gb, 1e-5f));
        c.g.output("gn1", c.g.groupNorm(img, 1, gg, gb, 1e-6f));
        compare(c, 2e-5);
    }

    /**
     * Statistics over millions of values with a large mean (the pixel decoder's 288² maps): a single float
     * accumulation over the whole group loses about 1e-3 of the result; the export reduces in short stages.
     */
    @Test
    void groupNormOverALargeMap() {
        Case c = new Case();
        int n = 1 * 288 * 288 * 64;
        float[] x = rand(n);
        for (int i = 0; i < n; i++) x[i] = 4f + 0.5f * x[i] + (i % 64) * 0.1f;
        Tensor img = c.in("img", x, 1, 288, 288, 64);
        c.g.output("gn", c.g.groupNorm(img, 8, c.weight("gg", 64), c.weight("gb", 64), 1e-5f));
        compare(c, 3e-5); // one long float32 sum: 1.6e-3
    }

    @Test
    void convolutionsAndPooling() {
        Case c = new Case();
        Tensor x = c.in("x", 2, 13, 11, 5);
        c.g.output("c3", c.g.conv2d(x, c.weight("w3", 7, 5, 3, 3), c.weight("b3", 7), 1, 1));
        c.g.output("s2", c.g.conv2d(x, c.weight("ws2", 6, 5, 3, 3), null, 2, 1));
        c.g.output("c1", c.g.conv2d(x, c.weight("w1", 9, 5, 1, 1), c.weight("b1", 9), 1, 0));
        c.g.output("k2", c.g.conv2d(x, c.weight("wk2", 4, 5, 2, 2), null, 2, 0));
        c.g.output("ct", c.g.convTranspose2x2(x, c.weight("wt", 5, 6, 2, 2), c.weight("bt", 6)));
        c.g.output("ct0", c.g.convTranspose2x2(x, c.weight("wt0", 5, 3, 2, 2), null));
        c.g.output("pool", c.g.maxPool2x2(x)); // odd trailing row and column dropped
        c.g.output("up", c.g.upsampleNearest(x, 3));
        compare(c, 2e-5);
    }

    @Test
    void ropeAndAttention() {
        Case c = new Case();
        Tensor q = c.in("q", 2, 37, 3, 16);
        Tensor k = c.in("k", 2, 37, 3, 16);
        Tensor v = c.in("v", 2, 37, 3, 16);
        Tensor cos = c.g.cos(c.in("angles", 37, 8));
        Tensor sin = c.g.sin(c.g.input("angles2", 37, 8));
        c.inputs.put("angles2", c.inputs.get("angles"));
        Tensor qr = c.g.rope(q, cos, sin);
        c.g.output("rope", qr);
        c.g.output("self", c.g.attention(qr, c.g.rope(k, cos, sin), v, null, 0.25f));
        Tensor kx = c.in("kx", 2, 51, 3, 16);
        Tensor vx = c.in("vx", 2, 51, 3, 8);
        c.g.output("cross", c.g.attention(q, kx, vx, c.in("bias", 1, 3, 1, 51), 0.25f));
        float[] mask = rand(2 * 37 * 51);
        for (int i = 0; i < mask.length; i += 3) mask[i] = -1e9f;
        c.g.output("masked", c.g.attention(q, kx, vx, c.in("mask", mask, 2, 1, 37, 51), 0.25f));
        // windows of a 6×9 grid: Reshape/Transpose into a batch of windows and back
        Tensor qw = c.in("qw", 2, 54, 3, 16);
        c.g.output("windowed", c.g.windowedAttention(qw, c.in("kw", 2, 54, 3, 16), c.in("vw", 2, 54, 3, 8), 0.25f,
                6, 9, 3));
        compare(c, 2e-5);
    }

    @Test
    void roiAlignAndGather() {
        Case c = new Case();
        Tensor x = c.in("x", 1, 17, 23, 6);
        // boxes (x0, y0, x1, y1) in image units, scaled by 0.25: inside, partly outside, thinner than a pixel
        float[] boxes = {4, 8, 60, 40, -10, -6, 30, 20, 50, 30, 51, 30.5f, 0, 0, 92, 68, 70, 50, 120, 90};
        Tensor b = c.in("boxes", boxes, 5, 4);
        c.g.output("adaptive", c.g.roiAlign(x, b, 7, 0.25f, 0));
        c.g.output("fixed", c.g.roiAlign(x, b, 4, 0.25f, 2));
        Tensor table = c.weight("table", 11, 5);
        c.g.output("gather", c.g.gather(table, c.in("idx", new float[] {3, 0, 10, 10, 7, 1}, 2, 3)));
        c.g.output("constant", c.g.add(c.g.constant("k", new float[] {1, 2, 3, 4, 5}, 5), c.g.gather(table,
                c.in("one", new float[] {2}, 1))));
        compare(c, 2e-5);
    }

    /**
     * Every operation on reduced-precision operands, as a hand-built graph can have them (the policy keeps most of
     * them FP32): moves, products and exact element-wise operations in the reduced type, the others computed in FP32
     * between casts, as the CPU backend computes them; FP32 operands (RoPE tables, boxes, indices, attention bias)
     * stay FP32.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void everyOpOnReducedOperands(DType low) {
        Case c = new Case();
        Graph g = c.g;
        Tensor x = g.cast(c.in("x", 2, 6, 5, 8), low);
        Tensor s = g.cast(c.in("s", 8), low);
        g.output("add", g.add(x, s));
        g.output("mul", g.mul(x, s));
        g.output("scale", g.scale(x, 0.3f));
        g.output("gelu", g.gelu(x));
        g.output("relu", g.relu(x));
        g.output("sigmoid", g.sigmoid(x));
        g.output("sin", g.sin(x));
        g.output("affine", g.affine(x, 3f, -1f));
        g.output("clamp", g.clamp(x, -0.5f, 0.75f));
        g.output("ln", g.layerNorm(x, c.weight("g", low, 8), c.weight("b", low, 8), 1e-5f));
        g.output("gn", g.groupNorm(x, 2, c.weight("gg", low, 8), c.weight("gb", low, 8), 1e-5f));
        g.output("pool", g.maxPool2x2(x));
        g.output("up", g.upsampleNearest(x, 2));
        g.output("conv", g.conv2d(x, c.weight("w3", low, 4, 8, 3, 3), c.weight("b3", low, 4), 1, 1));
        g.output("ct", g.convTranspose2x2(x, c.weight("wt", low, 8, 3, 2, 2), c.weight("bt", low, 3)));
        float[] boxes = {4, 8, 20, 16, -4, -2, 12, 30};
        g.output("roi", g.roiAlign(g.slice(x, 0, 1, 2), c.in("boxes", boxes, 2, 4), 3, 0.5f, 0));
        g.output("gather", g.gather(c.weight("table", low, 11, 5), c.in("idx", new float[] {3, 0, 10, 7}, 4)));
        Tensor q = g.reshape(x, 2, 30, 2, 4);
        Tensor rq = g.rope(q, g.cos(c.in("a1", 30, 2)), g.sin(c.g.input("a2", 30, 2)));
        c.inputs.put("a2", c.inputs.get("a1"));
        g.output("rope", rq);
        g.output("attn", g.attention(rq, q, q, c.in("bias", 1, 2, 30, 30), 0.5f));
        g.output("lin", g.linear(x, c.weight("wl", low, 3, 8), c.weight("bl", low, 3)));
        g.output("raw", x); // a reduced output as it is
        if (low == DType.F16) {
            compare(c, g, 2e-6, low);
        } else {
            compareBf16(c, g, 2e-6);
        }
    }
}
