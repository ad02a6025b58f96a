package org.sam3j.verify;

/**
 * Whole-tensor statistics recorded with a reference fixture (computed in float64 by the reference).
 *
 * @param shape  reference shape
 * @param numel  element count
 * @param sum    sum of all elements
 * @param sumsq  sum of squares
 * @param absmax largest absolute value
 */
public record TensorStats(long[] shape, long numel, double sum, double sumsq, double absmax) {
    /** Root mean square of the reference tensor. */
    public double rms() {
        return numel == 0 ? 0 : Math.sqrt(sumsq / numel);
    }
}
