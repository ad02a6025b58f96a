package org.sam3j.graph;

/** Attribute records of the operations that take parameters beyond their operands. */
public final class Attrs {
    private Attrs() {}

    /** Name of an input or weight. */
    public record Named(String name) {}

    /** Values of a constant, row-major. */
    public record Constant(float[] values) {}

    /** Axis permutation: output axis i is input axis {@code perm[i]}. */
    public record Permute(int[] perm) {}

    /** Range {@code [start, end)} along {@code axis}. */
    public record Slice(int axis, int start, int end) {}

    /** Concatenation axis. */
    public record Concat(int axis) {}

    /** Whether the second operand of a matrix product is transposed. */
    public record MatMul(boolean transposeB) {}

    /** Constant factor. */
    public record Scale(float factor) {}

    /** Normalisation epsilon. */
    public record Norm(float eps) {}

    /** Convolution stride and symmetric zero padding. */
    public record Conv(int stride, int padding) {}

    /** Attention logit scale. */
    public record Attention(float scale) {}
}
