package org.sam3j.graph;

import java.util.Arrays;
import org.sam3j.io.DType;

/**
 * A symbolic tensor: one node of a {@link Graph}. It knows its shape, element type and how it is
 * computed, but holds no data; a backend computes the data when it runs the graph.
 */
public final class Tensor {
    private final Graph graph;
    private final int id;
    private final Op op;
    private final Tensor[] inputs;
    private final int[] shape;
    private final DType dtype;
    private final Object attrs;
    private String label;

    Tensor(Graph graph, int id, Op op, Tensor[] inputs, int[] shape, DType dtype, Object attrs, String label) {
        this.graph = graph;
        this.id = id;
        this.op = op;
        this.inputs = inputs;
        this.shape = shape;
        this.dtype = dtype;
        this.attrs = attrs;
        this.label = label;
    }

    /** The graph this node belongs to. */
    public Graph graph() {
        return graph;
    }

    /** Position in the graph's node list (nodes are in topological order). */
    public int id() {
        return id;
    }

    /** The operation that computes this node. */
    public Op op() {
        return op;
    }

    /** The i-th operand. */
    public Tensor input(int i) {
        return inputs[i];
    }

    /** Number of operands. */
    public int inputCount() {
        return inputs.length;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Element type. */
    public DType dtype() {
        return dtype;
    }

    /** Operation-specific attributes (see {@link Attrs}), or null: for copying a node whatever its operation. */
    public Object attrs() {
        return attrs;
    }

    /**
     * The attributes of this node's operation as their record type ({@link Attrs.Slice} of a {@link Op#SLICE}, ...).
     *
     * @throws IllegalStateException if this node's operation has no attributes of that type
     */
    public <A extends Record> A attrs(Class<A> type) {
        if (!type.isInstance(attrs)) {
            throw new IllegalStateException(op + " node " + this + " has no " + type.getSimpleName() + " attributes");
        }
        return type.cast(attrs);
    }

    /** A readable name: the input or weight name, or a label set with {@link #named}. */
    public String label() {
        return label;
    }

    /** Sets a readable label (for debugging and plan reports); returns this. */
    public Tensor named(String name) {
        this.label = name;
        return this;
    }

    @Override
    public String toString() {
        return "%" + id + " " + op + (label != null ? " '" + label + "'" : "") + " " + Arrays.toString(shape);
    }
}
