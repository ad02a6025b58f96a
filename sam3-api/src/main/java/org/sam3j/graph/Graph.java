package org.sam3j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sam3j.io.DType;

/**
 * A computation graph over symbolic {@link Tensor}s, built once per input shape by the model code and
 * then compiled and run by a backend (the design of ggml: the model owns meaning, backends own memory
 * and speed).
 *
 * <p>Nodes are appended in topological order. Shapes are checked while building, so a wrong shape is
 * reported at the line of model code that made it. Any node can be marked as an output with
 * {@link #output(String, Tensor)} and read back after a run; nodes that no output depends on are not
 * computed.
 *
 * <p>Layout conventions: row-major, images channels-last ({@code [N, H, W, C]}), attention operands
 * with interleaved heads ({@code [B, T, H, D]}). Not thread-safe while building.
 *
 * <p>Element types: inputs and constants are FP32, weights FP32 unless created with a type, and a node has
 * the type of its operands, which must agree (except the operand slots {@link Op#isFp32Operand} keeps FP32):
 * changing type takes an explicit {@link #cast}. Model code builds FP32 graphs; {@link PrecisionPolicy} turns
 * one into its FP16/BF16 form.
 */
public final class Graph {
    private final List<Tensor> nodes = new ArrayList<>();
    private final Map<String, Tensor> inputs = new LinkedHashMap<>();
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final Map<String, Tensor> outputs = new LinkedHashMap<>();
    private final Map<String, ModuleOutput> moduleOutputs = new LinkedHashMap<>();

    /** All nodes in topological order (unmodifiable). */
    public List<Tensor> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** Which nodes some marked output depends on, by node id: the rest is never computed. */
    public boolean[] neededByOutputs() {
        boolean[] needed = new boolean[nodes.size()];
        for (Tensor out : outputs.values()) needed[out.id()] = true;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            if (!needed[i]) continue;
            Tensor t = nodes.get(i);
            for (int j = 0; j < t.inputCount(); j++) needed[t.input(j).id()] = true;
        }
        return needed;
    }

    /** Named inputs, in creation order. */
    public Map<String, Tensor> inputs() {
        return Collections.unmodifiableMap(inputs);
    }

    /** Named weights, in creation order. */
    public Map<String, Tensor> weights() {
        return Collections.unmodifiableMap(weights);
    }

    /** Marked outputs, in marking order. */
    public Map<String, Tensor> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    private Tensor add(Op op, Tensor[] in, int[] shape, Object attrs, String label) {
        DType type = op == Op.CAST ? ((Attrs.Cast) attrs).to() : DType.F32;
        for (int i = 0; i < in.length; i++) {
            Tensor t = in[i];
            if (t.graph() != this) throw new IllegalArgumentException("operand " + t + " belongs to another graph");
            if (i == 0 || op == Op.CAST) continue;
            if (op.isFp32Operand(i)) {
                if (t.dtype() != DType.F32) throw new IllegalArgumentException(op + ": operand " + i + " must be F32, got " + t);
            } else if (t.dtype() != in[0].dtype()) {
                throw new IllegalArgumentException(op + ": operands of types " + in[0].dtype() + " and " + t.dtype()
                        + " (" + in[0] + ", " + t + "); cast one explicitly");
            }
        }
        if (op != Op.CAST && in.length > 0) type = in[0].dtype();
        return add(op, in, shape, type, attrs, label);
    }

    private Tensor add(Op op, Tensor[] in, int[] shape, DType type, Object attrs, String label) {
        for (int d : shape) {
            if (d <= 0) throw new IllegalArgumentException(op + ": non-positive dimension in " + Arrays.toString(shape));
        }
        Tensor t = new Tensor(this, nodes.size(), op, in, shape, type, attrs, label);
        nodes.add(t);
        return t;
    }

    /**
     * A node like {@code original} (of another graph) over new operands: same operation, shape, attributes and
     * label, the operands' type. For graph rewrites ({@link PrecisionPolicy}); leaves are made with their own
     * methods.
     */
    Tensor copyOf(Tensor original, Tensor[] operands) {
        if (original.op().isLeaf()) throw new IllegalArgumentException("copyOf: leaf " + original);
        return add(original.op(), operands, original.shape(), original.attrs(), original.label());
    }

    // ---------------------------------------------------------------- leaves

    /** A named run-time input. */
    public Tensor input(String name, int... shape) {
        if (inputs.containsKey(name)) throw new IllegalArgumentException("duplicate input '" + name + "'");
        Tensor t = add(Op.INPUT, new Tensor[0], shape.clone(), new Attrs.Named(name), name);
        inputs.put(name, t);
        return t;
    }

    /**
     * A named parameter, bound by the backend from a weight store. Asking twice for the same name
     * returns the same node (the shapes must agree).
     */
    public Tensor weight(String name, int... shape) {
        return weight(name, DType.F32, shape);
    }

    /**
     * A named parameter stored as {@code type} (F32, F16 or BF16): the backend converts the stored values once,
     * rounding to nearest even. A name has one type in a graph.
     */
    public Tensor weight(String name, DType type, int... shape) {
        if (type != DType.F32 && type != DType.F16 && type != DType.BF16) {
            throw new IllegalArgumentException("weight '" + name + "': type " + type + " is not a float storage type");
        }
        Tensor t = weights.get(name);
        if (t != null) {
            if (!Arrays.equals(t.shape(), shape) || t.dtype() != type) {
                throw new IllegalArgumentException("weight '" + name + "' requested as " + t.dtype() + " "
                        + Arrays.toString(t.shape()) + " and " + type + " " + Arrays.toString(shape));
            }
            return t;
        }
        t = add(Op.WEIGHT, new Tensor[0], shape.clone(), type, new Attrs.Named(name), name);
        weights.put(name, t);
        return t;
    }

    /** A constant computed while building (values are not copied; do not modify them afterwards). */
    public Tensor constant(String label, float[] values, int... shape) {
        if (values.length != numel(shape)) {
            throw new IllegalArgumentException("constant '" + label + "': " + values.length + " values for shape "
                    + Arrays.toString(shape));
        }
        return add(Op.CONSTANT, new Tensor[0], shape.clone(), new Attrs.Constant(values), label);
    }

    /** Marks a node as an output readable after a run. */
    public Tensor output(String name, Tensor t) {
        if (outputs.containsKey(name)) throw new IllegalArgumentException("duplicate output '" + name + "'");
        outputs.put(name, t);
        return t;
    }

    /**
     * Records what the module at {@code path} (its checkpoint path, a tuple element {@code path.i} or a dict entry
     * {@code path.key}) returned, for verification against the reference's forward hooks. Costs nothing: the node
     * becomes an output only when {@link #moduleOutputs()} is asked and one is marked. A module that runs twice in
     * one graph records its latest call, as a hook that overwrites.
     */
    public void recordModuleOutput(String path, ModuleOutput out) {
        if (path.isEmpty()) throw new IllegalArgumentException("module output without a path");
        moduleOutputs.put(path, Objects.requireNonNull(out, "out"));
    }

    /**
     * Marks what the module at {@code path} returned as the output named {@code path} (see
     * {@link #recordModuleOutput}).
     *
     * @throws IllegalArgumentException if no module recorded {@code path} in this graph
     */
    public ModuleOutput outputModule(String path) {
        ModuleOutput m = moduleOutputs.get(path);
        if (m == null) throw new IllegalArgumentException("no module of this graph returns '" + path + "'");
        output(path, m.tensor());
        return m;
    }

    /** The module-output table, by module path, in recording order. */
    public Map<String, ModuleOutput> moduleOutputs() {
        return Collections.unmodifiableMap(moduleOutputs);
    }

    // ---------------------------------------------------------------- shape ops

    /** Same data with a new shape; one dimension may be -1 (inferred). */
    public Tensor reshape(Tensor x, int... shape) {
        int[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(shape));
                infer = i;
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot view " + x + " as " + Arrays.toString(shape));
            }
            s[infer] = (int) (x.numel() / known);
        }
        if (numel(s) != x.numel()) {
            throw new IllegalArgumentException("reshape: cannot view " + x + " as " + Arrays.toString(shape));
        }
        return add(Op.RESHAPE, new Tensor[] {x}, s, null, null);
    }

    /** Axis permutation: output axis i is input axis {@code perm[i]} (as {@code torch.permute}). */
    public Tensor permute(Tensor x, int... perm) {
        if (perm.length != x.rank()) throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " for " + x);
        boolean[] seen = new boolean[perm.length];
        int[] s = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] < 0 || perm[i] >= perm.length || seen[perm[i]]) {
                throw new IllegalArgumentException("permute: invalid permutation " + Arrays.toString(perm));
            }
            seen[perm[i]] = true;
            s[i] = x.dim(perm[i]);
        }
        return add(Op.PERMUTE, new Tensor[] {x}, s, new Attrs.Permute(perm.clone()), null);
    }

    /** Elements {@code [start, end)} along {@code axis} (negative axis counts from the end). */
    public Tensor slice(Tensor x, int axis, int start, int end) {
        int a = axis < 0 ? x.rank() + axis : axis;
        if (a < 0 || a >= x.rank() || start < 0 || end > x.dim(a) || start >= end) {
            throw new IllegalArgumentException("slice: [" + start + ", " + end + ") of axis " + axis + " of " + x);
        }
        int[] s = x.shape();
        s[a] = end - start;
        return add(Op.SLICE, new Tensor[] {x}, s, new Attrs.Slice(a, start, end), null);
    }

    /** Concatenation along {@code axis}; all other dimensions must agree. */
    public Tensor concat(int axis, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat: nothing to concatenate");
        int a = axis < 0 ? xs[0].rank() + axis : axis;
        int[] s = xs[0].shape();
        int total = 0;
        for (Tensor x : xs) {
            if (x.rank() != s.length) throw new IllegalArgumentException("concat: rank mismatch " + x + " vs " + xs[0]);
            for (int i = 0; i < s.length; i++) {
                if (i != a && x.dim(i) != s[i]) throw new IllegalArgumentException("concat: " + x + " vs " + xs[0]);
            }
            total += x.dim(a);
        }
        s[a] = total;
        return add(Op.CONCAT, xs.clone(), s, new Attrs.Concat(a), null);
    }

    // ---------------------------------------------------------------- linear algebra

    /**
     * {@code torch.nn.Linear}: {@code x[..., K] · w[N, K]ᵀ + b[N]} → {@code [..., N]}.
     *
     * @param b bias or null
     */
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        if (w.rank() != 2 || x.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException("linear: input " + x + " does not fit weight " + w);
        }
        if (b != null && (b.rank() != 1 || b.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException("linear: bias " + b + " does not fit weight " + w);
        }
        int[] s = x.shape();
        s[s.length - 1] = w.dim(0);
        return add(Op.LINEAR, b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b}, s, null, null);
    }

    /**
     * Batched matrix product over the last two axes: {@code a[..., M, K] · b[..., K, N]}, or with
     * {@code transposeB} {@code a[..., M, K] · b[..., N, K]ᵀ}; batch dimensions must be equal.
     */
    public Tensor matmul(Tensor a, Tensor b, boolean transposeB) {
        if (a.rank() < 2 || a.rank() != b.rank()) throw new IllegalArgumentException("matmul: " + a + " and " + b);
        for (int i = 0; i < a.rank() - 2; i++) {
            if (a.dim(i) != b.dim(i)) throw new IllegalArgumentException("matmul: batch dims of " + a + " and " + b);
        }
        int k = transposeB ? b.dim(-1) : b.dim(-2);
        int n = transposeB ? b.dim(-2) : b.dim(-1);
        if (a.dim(-1) != k) throw new IllegalArgumentException("matmul: inner dims of " + a + " and " + b);
        int[] s = a.shape();
        s[s.length - 1] = n;
        return add(Op.MATMUL, new Tensor[] {a, b}, s, new Attrs.MatMul(transposeB), null);
    }

    // ---------------------------------------------------------------- element-wise

    /** Element-wise {@code a + b} with NumPy broadcasting. */
    public Tensor add(Tensor a, Tensor b) {
        return add(Op.ADD, new Tensor[] {a, b}, broadcast(a, b), null, null);
    }

    /** Element-wise {@code a * b} with NumPy broadcasting. */
    public Tensor mul(Tensor a, Tensor b) {
        return add(Op.MUL, new Tensor[] {a, b}, broadcast(a, b), null, null);
    }

    /** {@code x * factor}. */
    public Tensor scale(Tensor x, float factor) {
        return add(Op.SCALE, new Tensor[] {x}, x.shape(), new Attrs.Scale(factor), null);
    }

    /** Exact (erf) GELU. */
    public Tensor gelu(Tensor x) {
        return add(Op.GELU, new Tensor[] {x}, x.shape(), null, null);
    }

    /** ReLU. */
    public Tensor relu(Tensor x) {
        return add(Op.RELU, new Tensor[] {x}, x.shape(), null, null);
    }

    /** Logistic sigmoid. */
    public Tensor sigmoid(Tensor x) {
        return add(Op.SIGMOID, new Tensor[] {x}, x.shape(), null, null);
    }

    /** Layer normalisation over the last axis with affine weight and bias of that size. */
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        int c = x.dim(-1);
        if (weight.rank() != 1 || weight.dim(0) != c || bias.rank() != 1 || bias.dim(0) != c) {
            throw new IllegalArgumentException("layerNorm: " + weight + "/" + bias + " for " + x);
        }
        return add(Op.LAYER_NORM, new Tensor[] {x, weight, bias}, x.shape(), new Attrs.Norm(eps), null);
    }

    // ---------------------------------------------------------------- images (channels-last)

    /**
     * 2-D convolution of {@code x[N, H, W, Cin]} with a PyTorch-layout weight {@code [Cout, Cin, kh, kw]},
     * optional bias {@code [Cout]}, stride and zero padding → {@code [N, Ho, Wo, Cout]}.
     */
    public Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, int padding) {
        if (x.rank() != 4 || w.rank() != 4 || w.dim(1) != x.dim(3)) {
            throw new IllegalArgumentException("conv2d: input " + x + " does not fit weight " + w);
        }
        if (b != null && (b.rank() != 1 || b.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException("conv2d: bias " + b + " for weight " + w);
        }
        int ho = (x.dim(1) + 2 * padding - w.dim(2)) / stride + 1;
        int wo = (x.dim(2) + 2 * padding - w.dim(3)) / stride + 1;
        Tensor[] in = b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b};
        return add(Op.CONV2D, in, new int[] {x.dim(0), ho, wo, w.dim(0)}, new Attrs.Conv(stride, padding), null);
    }

    /**
     * Transposed convolution, kernel 2, stride 2, of {@code x[N, H, W, Cin]} with a PyTorch-layout weight
     * {@code [Cin, Cout, 2, 2]} and optional bias → {@code [N, 2H, 2W, Cout]}.
     */
    public Tensor convTranspose2x2(Tensor x, Tensor w, Tensor b) {
        if (x.rank() != 4 || w.rank() != 4 || w.dim(0) != x.dim(3) || w.dim(2) != 2 || w.dim(3) != 2) {
            throw new IllegalArgumentException("convTranspose2x2: input " + x + " does not fit weight " + w);
        }
        Tensor[] in = b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b};
        return add(Op.CONV_TRANSPOSE2D, in, new int[] {x.dim(0), 2 * x.dim(1), 2 * x.dim(2), w.dim(1)}, null, null);
    }

    /** 2×2 max pooling with stride 2 of {@code x[N, H, W, C]} (odd trailing rows/columns dropped). */
    public Tensor maxPool2x2(Tensor x) {
        if (x.rank() != 4) throw new IllegalArgumentException("maxPool2x2: " + x);
        return add(Op.MAX_POOL2D, new Tensor[] {x}, new int[] {x.dim(0), x.dim(1) / 2, x.dim(2) / 2, x.dim(3)}, null, null);
    }

    // ---------------------------------------------------------------- attention

    /**
     * Rotary embedding of {@code x[B, T, H, D]}: channel pairs {@code (2i, 2i+1)} of every head are
     * rotated by the angle whose cosine and sine are {@code cos[T, D/2]} and {@code sin[T, D/2]}.
     */
    public Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        int t = x.dim(1);
        int half = x.dim(3) / 2;
        if (x.rank() != 4 || x.dim(3) % 2 != 0 || cos.rank() != 2 || cos.dim(0) != t || cos.dim(1) != half
                || !Arrays.equals(cos.shape(), sin.shape())) {
            throw new IllegalArgumentException("rope: tables " + cos + "/" + sin + " for " + x);
        }
        return add(Op.ROPE, new Tensor[] {x, cos, sin}, x.shape(), null, null);
    }

    /**
     * Scaled dot-product attention with interleaved heads: {@code q[B, Tq, H, D]}, {@code k[B, Tk, H, D]},
     * {@code v[B, Tk, H, Dv]} → {@code [B, Tq, H, Dv]}; {@code softmax(scale · q·kᵀ + bias) · v} per head.
     *
     * @param bias optional additive logits bias {@code [B or 1, H or 1, Tq or 1, Tk]} (use large negative
     *             values to mask keys; every query must keep at least one key), or null
     */
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        Tensor[] in = bias == null ? new Tensor[] {q, k, v} : new Tensor[] {q, k, v, bias};
        return add(Op.ATTENTION, in, attentionShape(q, k, v, bias), new Attrs.Attention(scale), null);
    }

    /** The output shape of attention over these operands, which it checks. */
    private static int[] attentionShape(Tensor q, Tensor k, Tensor v, Tensor bias) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) throw new IllegalArgumentException("attention: rank 4 expected");
        int b = q.dim(0);
        int h = q.dim(2);
        if (k.dim(0) != b || v.dim(0) != b || k.dim(2) != h || v.dim(2) != h || k.dim(3) != q.dim(3)
                || v.dim(1) != k.dim(1)) {
            throw new IllegalArgumentException("attention: q " + q + ", k " + k + ", v " + v);
        }
        if (bias != null) {
            if (bias.rank() != 4 || (bias.dim(0) != 1 && bias.dim(0) != b) || (bias.dim(1) != 1 && bias.dim(1) != h)
                    || (bias.dim(2) != q.dim(1) && bias.dim(2) != 1) || bias.dim(3) != k.dim(1)) {
                throw new IllegalArgumentException("attention: bias " + bias + " for q " + q + ", k " + k);
            }
        }
        return new int[] {b, q.dim(1), h, v.dim(3)};
    }

    /**
     * Windowed self-attention on a token grid: {@code q}, {@code k}, {@code v} are {@code [B, gridH·gridW, H, D]}
     * (tokens row-major over the grid) and every token attends only to the tokens of its own non-overlapping
     * {@code window × window} tile; equal to partitioning the grid into windows, {@link #attention} with
     * {@code B·windows} batches of {@code window²} tokens, and putting the tokens back, without the copies.
     *
     * @throws IllegalArgumentException if the grid's sides are not positive multiples of {@code window} (the grid
     *                                  would need padding), or the operands do not fit the grid
     */
    public Tensor windowedAttention(Tensor q, Tensor k, Tensor v, float scale, int gridH, int gridW, int window) {
        if (window <= 0) throw new IllegalArgumentException("windowedAttention: window " + window + " (use attention)");
        Attrs.Attention a = new Attrs.Attention(scale, window, gridH, gridW);
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) throw new IllegalArgumentException("attention: rank 4 expected");
        int tokens = gridH * gridW;
        if (q.dim(1) != tokens || k.dim(1) != tokens) {
            throw new IllegalArgumentException("windowedAttention: q " + q + ", k " + k + " on a grid of " + gridH + "×"
                    + gridW + " tokens");
        }
        return add(Op.ATTENTION, new Tensor[] {q, k, v}, attentionShape(q, k, v, null), a, null);
    }

    // ---------------------------------------------------------------- element-wise functions

    private Tensor unary(Tensor x, Attrs.UnaryKind kind, float a, float b) {
        return add(Op.UNARY, new Tensor[] {x}, x.shape(), new Attrs.Unary(kind, a, b), null);
    }

    /** Element-wise sine. */
    public Tensor sin(Tensor x) {
        return unary(x, Attrs.UnaryKind.SIN, 0, 0);
    }

    /** Element-wise cosine. */
    public Tensor cos(Tensor x) {
        return unary(x, Attrs.UnaryKind.COS, 0, 0);
    }

    /** Element-wise e^x. */
    public Tensor exp(Tensor x) {
        return unary(x, Attrs.UnaryKind.EXP, 0, 0);
    }

    /** Element-wise natural logarithm. */
    public Tensor log(Tensor x) {
        return unary(x, Attrs.UnaryKind.LOG, 0, 0);
    }

    /** Element-wise base-2 logarithm. */
    public Tensor log2(Tensor x) {
        return unary(x, Attrs.UnaryKind.LOG2, 0, 0);
    }

    /** Element-wise absolute value. */
    public Tensor abs(Tensor x) {
        return unary(x, Attrs.UnaryKind.ABS, 0, 0);
    }

    /** Element-wise sign (-1, 0, 1). */
    public Tensor sign(Tensor x) {
        return unary(x, Attrs.UnaryKind.SIGN, 0, 0);
    }

    /** Element-wise {@code min(max(x, lo), hi)} (use infinities for a one-sided clamp). */
    public Tensor clamp(Tensor x, float lo, float hi) {
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lower bound " + lo + " above upper bound " + hi);
        return unary(x, Attrs.UnaryKind.CLAMP, lo, hi);
    }

    /** Element-wise {@code a·x + b}. */
    public Tensor affine(Tensor x, float a, float b) {
        return unary(x, Attrs.UnaryKind.AFFINE, a, b);
    }

    /** Element-wise {@code a - b} with broadcasting. */
    public Tensor sub(Tensor a, Tensor b) {
        return add(a, scale(b, -1f));
    }

    /**
     * Inverse of the logistic sigmoid as the reference computes it:
     * {@code x' = clamp(x, 0, 1)}, {@code log(max(x', eps) / max(1 - x', eps))}.
     */
    public Tensor inverseSigmoid(Tensor x, float eps) {
        Tensor c = clamp(x, 0f, 1f);
        Tensor num = clamp(c, eps, Float.POSITIVE_INFINITY);
        Tensor den = clamp(affine(c, -1f, 1f), eps, Float.POSITIVE_INFINITY);
        return sub(log(num), log(den));
    }

    // ---------------------------------------------------------------- more image ops

    /**
     * Group normalisation of {@code x[N, H, W, C]}: statistics over all positions and the {@code C/groups}
     * channels of each group, then the per-channel affine {@code weight}, {@code bias} of size C.
     */
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        int c = x.dim(-1);
        if (x.rank() != 4 || groups <= 0 || c % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + groups + " groups for " + x);
        }
        if (weight.rank() != 1 || weight.dim(0) != c || bias.rank() != 1 || bias.dim(0) != c) {
            throw new IllegalArgumentException("groupNorm: " + weight + "/" + bias + " for " + x);
        }
        return add(Op.GROUP_NORM, new Tensor[] {x, weight, bias}, x.shape(), new Attrs.GroupNorm(groups, eps), null);
    }

    /** Nearest-neighbour upsampling of {@code x[N, H, W, C]} by an integer factor. */
    public Tensor upsampleNearest(Tensor x, int factor) {
        if (x.rank() != 4 || factor < 1) throw new IllegalArgumentException("upsampleNearest: x" + factor + " of " + x);
        return add(Op.UPSAMPLE_NEAREST, new Tensor[] {x}, new int[] {x.dim(0), x.dim(1) * factor, x.dim(2) * factor,
            x.dim(3)}, new Attrs.Upsample(factor), null);
    }

    /**
     * ROI align of {@code boxes[K, 4]} (x0, y0, x1, y1, multiplied by {@code spatialScale} to get feature
     * pixels) on the single image {@code x[1, H, W, C]} → {@code [K, s, s, C]}, with torchvision's
     * {@code aligned=False} convention (no half-pixel shift, boxes at least one pixel wide).
     */
    public Tensor roiAlign(Tensor x, Tensor boxes, int outputSize, float spatialScale, int samplingRatio) {
        if (x.rank() != 4 || x.dim(0) != 1 || boxes.rank() != 2 || boxes.dim(1) != 4 || outputSize <= 0) {
            throw new IllegalArgumentException("roiAlign: boxes " + boxes + " on " + x);
        }
        return add(Op.ROI_ALIGN, new Tensor[] {x, boxes}, new int[] {boxes.dim(0), outputSize, outputSize, x.dim(3)},
                new Attrs.RoiAlign(outputSize, spatialScale, samplingRatio), null);
    }

    /**
     * Rows of {@code table[V, D]} at {@code indices[...]} (integer values stored as floats) →
     * {@code [..., D]}; an index outside {@code [0, V)} fails at run time.
     */
    public Tensor gather(Tensor table, Tensor indices) {
        if (table.rank() != 2) throw new IllegalArgumentException("gather: table " + table);
        int[] s = java.util.Arrays.copyOf(indices.shape(), indices.rank() + 1);
        s[s.length - 1] = table.dim(1);
        return add(Op.GATHER, new Tensor[] {table, indices}, s, null, null);
    }

    /**
     * {@code x} converted to {@code type} (F32, F16 or BF16), rounding to nearest even; values beyond FP16's
     * range become infinite, as on every FP16 device.
     */
    public Tensor cast(Tensor x, DType type) {
        if (type != DType.F32 && type != DType.F16 && type != DType.BF16) {
            throw new IllegalArgumentException("cast: " + type + " is not a float type");
        }
        return add(Op.CAST, new Tensor[] {x}, x.shape(), new Attrs.Cast(type), null);
    }

    // ---------------------------------------------------------------- helpers

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    private static int[] broadcast(Tensor a, Tensor b) {
        int r = Math.max(a.rank(), b.rank());
        int[] s = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.rank()) >= 0 ? a.dim(i - (r - a.rank())) : 1;
            int db = i - (r - b.rank()) >= 0 ? b.dim(i - (r - b.rank())) : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("cannot broadcast " + a + " with " + b);
            }
            s[i] = Math.max(da, db);
        }
        return s;
    }
}
