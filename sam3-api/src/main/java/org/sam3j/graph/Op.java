package org.sam3j.graph;

/**
 * The operations a model graph is built from. Every backend implements all of them; shapes and
 * layouts are documented on the {@link Graph} method that creates each node.
 */
public enum Op {
    /** A named input supplied at run time. */
    INPUT(Kind.LEAF),
    /** A named parameter bound from a weight store at compile time. */
    WEIGHT(Kind.LEAF),
    /** A value computed while building the graph (position tables, RoPE angles). */
    CONSTANT(Kind.LEAF),
    /** Same data, new shape (a view; no copy). */
    RESHAPE(Kind.LAYOUT),
    /** Axis permutation (materialised). */
    PERMUTE(Kind.LAYOUT),
    /** A contiguous range along one axis (materialised). */
    SLICE(Kind.LAYOUT),
    /** Concatenation along one axis. */
    CONCAT(Kind.LAYOUT),
    /** {@code x · Wᵀ + b} over the last axis ({@code torch.nn.Linear}). */
    LINEAR(Kind.PRODUCT),
    /** Batched matrix product {@code a · b} or {@code a · bᵀ} over the last two axes. */
    MATMUL(Kind.PRODUCT),
    /** Element-wise sum with broadcasting. */
    ADD(Kind.ELEMENTWISE),
    /** Element-wise product with broadcasting. */
    MUL(Kind.ELEMENTWISE),
    /** Multiplication by a constant scalar. */
    SCALE(Kind.ELEMENTWISE),
    /** Layer normalisation over the last axis. */
    LAYER_NORM(Kind.ELEMENTWISE),
    /** Gaussian error linear unit, exact erf form. */
    GELU(Kind.ELEMENTWISE),
    /** Rectified linear unit. */
    RELU(Kind.ELEMENTWISE),
    /** Logistic sigmoid. */
    SIGMOID(Kind.ELEMENTWISE),
    /** 2-D convolution, channels-last. */
    CONV2D(Kind.PRODUCT),
    /** 2-D transposed convolution with kernel 2 and stride 2, channels-last. */
    CONV_TRANSPOSE2D(Kind.PRODUCT),
    /** 2×2 max pooling with stride 2, channels-last. */
    MAX_POOL2D(Kind.OTHER),
    /** Rotary position embedding on channel pairs. */
    ROPE(Kind.ELEMENTWISE, 1, 2),
    /**
     * Scaled dot-product attention, heads interleaved ({@code [B, T, H, D]}). q, k and v are in the node's
     * precision; the logits, their bias (operand 3, always FP32) and the softmax statistics are FP32. With a
     * window ({@link Attrs.Attention#windowed()}) the tokens are a grid and each attends only inside its own
     * window (see {@link Graph#windowedAttention}; {@link AttentionWindows} spells it out for other kernels).
     */
    ATTENTION(Kind.PRODUCT, 3),
    /** An element-wise function of one operand ({@link Attrs.Unary}: sin, cos, log, clamp, ...). */
    UNARY(Kind.ELEMENTWISE),
    /** Group normalisation over channel groups and all positions, channels-last. */
    GROUP_NORM(Kind.ELEMENTWISE),
    /** Nearest-neighbour upsampling by an integer factor, channels-last. */
    UPSAMPLE_NEAREST(Kind.OTHER),
    /** ROI align (torchvision semantics, {@code aligned=False}) of boxes on a feature map, channels-last. */
    ROI_ALIGN(Kind.OTHER, 1),
    /** Rows of a table selected by (integer-valued) indices: embedding lookup. */
    GATHER(Kind.OTHER, 1),
    /** Conversion to another element type ({@link Attrs.Cast}); rounds to nearest even. */
    CAST(Kind.ELEMENTWISE);

    /** What an operation does to its operands' layout and precision. */
    private enum Kind {
        /** no operands: inputs, weights, constants */
        LEAF,
        /** moves or reinterprets values without arithmetic: keeps its operand's element type */
        LAYOUT,
        /** products with a reduction (GEMM-like): what a reduced-precision policy runs in FP16/BF16 */
        PRODUCT,
        /** one output value per input value (same shape as operand 0), computable in place */
        ELEMENTWISE,
        /** everything else */
        OTHER
    }

    private final Kind kind;
    private final int[] fp32Operands;

    Op(Kind kind, int... fp32Operands) {
        this.kind = kind;
        this.fp32Operands = fp32Operands;
    }

    /** Inputs, weights and constants: nodes without operands. */
    public boolean isLeaf() {
        return kind == Kind.LEAF;
    }

    /**
     * Whether the output may overwrite operand 0 when that operand dies with this node (same element count,
     * read before written at every position).
     */
    public boolean inPlace() {
        return kind == Kind.ELEMENTWISE;
    }

    /** Whether it only moves values (reshape, permute, slice, concat): its output has its operands' type. */
    public boolean isLayout() {
        return kind == Kind.LAYOUT;
    }

    /**
     * Whether a reduced-precision graph runs it in FP16/BF16 (products: linear, matmul, convolutions,
     * attention), accumulating in FP32; every other operation stays FP32 (see {@link PrecisionPolicy}).
     */
    public boolean runsInStoragePrecision() {
        return kind == Kind.PRODUCT;
    }

    /**
     * Whether operand {@code slot} is always FP32 whatever the node's type: an attention bias, RoPE tables,
     * ROI boxes, gather indices.
     */
    public boolean isFp32Operand(int slot) {
        for (int s : fp32Operands) if (s == slot) return true;
        return false;
    }
}
