package org.sam3j.video;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * For the verifier: a prompted frame's masks binarised for its memory ({@code logit > 0}) as the reference
 * binarised them.
 *
 * <p>That threshold has no margin (video fixtures spec §6): a pixel whose logit is within rounding of 0 lands on
 * either side depending on the last bits of everything computed before it, and a flipped pixel changes the memory
 * that every later frame reads by more than the tolerance. The reference records how many pixels it binarised (the
 * {@code mem_enc.mask_in} sum). When our count differs by no more than the pixels whose |logit| is below
 * {@code nearZero}, the ones nearest to 0 on the side that closes the gap are flipped, so that the later frames are
 * compared for what they compute from the same binarised mask; a larger difference is not aligned and fails.
 * Outside verification nothing calls this: the tracker binarises at {@code > 0}.
 */
final class ReferenceBinarisation {
    private ReferenceBinarisation() {}

    /**
     * What {@link #align} did.
     *
     * @param logits    the logits to binarise: the input arrays when nothing was flipped, else copies
     * @param ours      pixels above 0 before aligning
     * @param reference the reference's binarised pixels
     * @param flipped   pixels flipped (0 when the counts agree or could not be aligned)
     * @param largest   the largest |logit| of a flipped pixel (0 when none)
     * @param nearZero  pixels with |logit| below the bound, on both sides
     */
    record Result(float[][] logits, long ours, long reference, int flipped, float largest, int nearZero) {
        /** Whether the counts agree after aligning. */
        boolean aligned() {
            return ours + (reference > ours ? flipped : -flipped) == reference;
        }

        /** One line for the verifier's report. */
        String note() {
            if (ours == reference) return String.format("binarised %d pixels, as the reference", ours);
            if (!aligned()) {
                return String.format("binarised %d pixels, reference %d: more than the %d with |logit| < bound",
                        ours, reference, nearZero);
            }
            return String.format("binarised %d pixels, reference %d: %d of %d near-zero pixel(s) flipped"
                    + " (|logit| <= %.1e)", ours, reference, flipped, nearZero, largest);
        }
    }

    /**
     * The reference's binarised pixel count from the recorded sum of its memory-encoder input, where each pixel
     * is {@code scale + bias} (above 0) or {@code bias}.
     *
     * @throws IllegalArgumentException when the sum is not that of a binarised mask
     */
    static long referenceCount(double sum, long numel, float scale, float bias) {
        double count = (sum - (double) bias * numel) / scale;
        long rounded = Math.round(count);
        if (Math.abs(count - rounded) > 1e-3 || rounded < 0 || rounded > numel) {
            throw new IllegalArgumentException("the recorded sum " + sum + " over " + numel
                    + " values is not that of a binarised mask");
        }
        return rounded;
    }

    /**
     * Flips the fewest pixels nearest to 0 (|logit| below {@code nearZero}) that make the count above 0 equal
     * {@code reference}; flipped logits become their negation (a zero becomes the smallest positive float).
     *
     * @param logits    per object the logits, all of one length; not modified
     * @param reference the reference's count over all objects
     * @param nearZero  the largest |logit| that may be flipped (exclusive)
     */
    static Result align(float[][] logits, long reference, float nearZero) {
        long ours = 0;
        int near = 0;
        for (float[] l : logits) {
            for (float v : l) {
                if (v > 0f) ours++;
                if (Math.abs(v) < nearZero) near++;
            }
        }
        long gap = reference - ours;
        if (gap == 0) return new Result(logits, ours, reference, 0, 0f, near);
        boolean raise = gap > 0;   // pixels at or below 0 become positive
        List<int[]> candidates = new ArrayList<>();   // {object, pixel}
        for (int o = 0; o < logits.length; o++) {
            for (int p = 0; p < logits[o].length; p++) {
                float v = logits[o][p];
                if (raise ? v <= 0f && v > -nearZero : v > 0f && v < nearZero) candidates.add(new int[] {o, p});
            }
        }
        if (candidates.size() < Math.abs(gap)) return new Result(logits, ours, reference, 0, 0f, near);
        candidates.sort(Comparator.comparingDouble((int[] c) -> Math.abs(logits[c[0]][c[1]]))
                .thenComparingInt(c -> c[0]).thenComparingInt(c -> c[1]));
        float[][] out = new float[logits.length][];
        for (int o = 0; o < logits.length; o++) out[o] = logits[o].clone();
        float largest = 0f;
        int n = (int) Math.abs(gap);
        for (int i = 0; i < n; i++) {
            int o = candidates.get(i)[0];
            int p = candidates.get(i)[1];
            float v = out[o][p];
            largest = Math.max(largest, Math.abs(v));
            out[o][p] = raise ? Math.max(-v, Float.MIN_VALUE) : -v;
        }
        return new Result(out, ours, reference, n, largest, near);
    }
}
