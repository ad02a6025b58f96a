package org.sam3j.graph;

/**
 * The operations a model graph is built from. Every backend implements all of them; shapes and
 * layouts are documented on the {@link Graph} method that creates each node.
 */
public enum Op {
    /** A named input supplied at run time. */
    INPUT,
    /** A named parameter bound from a weight store at compile time. */
    WEIGHT,
    /** A value computed while building the graph (position tables, RoPE angles). */
    CONSTANT,
    /** Same data, new shape (a view; no copy). */
    RESHAPE,
    /** Axis permutation (materialised). */
    PERMUTE,
    /** A contiguous range along one axis (materialised). */
    SLICE,
    /** Concatenation along one axis. */
    CONCAT,
    /** {@code x · Wᵀ + b} over the last axis ({@code torch.nn.Linear}). */
    LINEAR,
    /** Batched matrix product {@code a · b} or {@code a · bᵀ} over the last two axes. */
    MATMUL,
    /** Element-wise sum with broadcasting. */
    ADD,
    /** Element-wise product with broadcasting. */
    MUL,
    /** Multiplication by a constant scalar. */
    SCALE,
    /** Layer normalisation over the last axis. */
    LAYER_NORM,
    /** Gaussian error linear unit, exact erf form. */
    GELU,
    /** Rectified linear unit. */
    RELU,
    /** Logistic sigmoid. */
    SIGMOID,
    /** 2-D convolution, channels-last. */
    CONV2D,
    /** 2-D transposed convolution with kernel 2 and stride 2, channels-last. */
    CONV_TRANSPOSE2D,
    /** 2×2 max pooling with stride 2, channels-last. */
    MAX_POOL2D,
    /** Rotary position embedding on channel pairs. */
    ROPE,
    /** Scaled dot-product attention, heads interleaved ({@code [B, T, H, D]}). */
    ATTENTION,
    /** An element-wise function of one operand ({@link Attrs.Unary}: sin, cos, log, clamp, ...). */
    UNARY,
    /** Group normalisation over channel groups and all positions, channels-last. */
    GROUP_NORM,
    /** Nearest-neighbour upsampling by an integer factor, channels-last. */
    UPSAMPLE_NEAREST,
    /** ROI align (torchvision semantics, {@code aligned=False}) of boxes on a feature map, channels-last. */
    ROI_ALIGN,
    /** Rows of a table selected by (integer-valued) indices: embedding lookup. */
    GATHER
}
