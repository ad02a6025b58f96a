package org.sam3j.backend;

import org.sam3j.graph.Attrs;
import org.sam3j.graph.Tensor;

/**
 * A {@code SLICE} of a row-major tensor seen as rows: {@code outer} rows of {@code rowLength} values, row {@code r}
 * at element {@code start + r · stride} of its operand. How the planner places a strided view and how the CPU
 * kernels read one (or read a slice in place while fusing it).
 *
 * @param outer     number of rows (the product of the dimensions before the sliced axis)
 * @param rowLength values per row
 * @param start     element of the operand where row 0 starts
 * @param stride    elements between the starts of consecutive rows
 */
public record SliceRows(int outer, int rowLength, int start, int stride) {
    /** The rows of {@code slice}, a {@code SLICE} node. */
    public static SliceRows of(Tensor slice) {
        Attrs.Slice s = slice.attrs(Attrs.Slice.class);
        int[] xs = slice.input(0).shape();
        int outer = 1;
        for (int i = 0; i < s.axis(); i++) outer *= xs[i];
        int inner = 1;
        for (int i = s.axis() + 1; i < xs.length; i++) inner *= xs[i];
        int len = s.end() - s.start();
        return new SliceRows(outer, len * inner, s.start() * inner, xs[s.axis()] * inner);
    }
}
