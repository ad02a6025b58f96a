package org.sam3j.video;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The video detector's mask NMS ({@code perflib.nms.nms_masks} as applied by the video grounding step): queries
 * with probability above the detection threshold are candidates; their masks ({@code logits > 0}) are compared
 * by IoU; greedily by descending probability a candidate is kept unless its IoU with an already kept one exceeds
 * the NMS threshold; suppressed queries get {@code logit − 10⁴}.
 */
final class DetectionNms {
    private DetectionNms() {}

    /**
     * @param candidates  candidate query indices, in query order
     * @param ious        their pairwise mask IoU {@code [n][n]}, in candidate order
     * @param keep        per query: a candidate that survived
     * @param logitsAfter the logits with suppressed candidates lowered by 10⁴
     */
    record Result(int[] candidates, float[][] ious, boolean[] keep, float[] logitsAfter) {
        /** The queries whose probability after NMS exceeds {@code threshold}, in query order. */
        int[] kept(float threshold) {
            List<Integer> out = new ArrayList<>();
            for (int q = 0; q < logitsAfter.length; q++) if (DetectorScores.sigmoid(logitsAfter[q]) > threshold) out.add(q);
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Runs NMS over one frame's queries.
     *
     * @param logits        per-query logits {@code [Q]} (joint logits of the video detector)
     * @param masks         per-query mask logits {@code [Q·H·W]}, or only the candidates' rows (see {@code rows})
     * @param hw            pixels per mask
     * @param rowOfQuery    maps a query index to its row in {@code masks}
     * @param probThreshold candidates have probability above this
     * @param iouThreshold  a candidate survives a kept one when their IoU is at most this
     */
    static Result apply(float[] logits, float[] masks, int hw, java.util.function.IntUnaryOperator rowOfQuery,
                        float probThreshold, float iouThreshold) {
        int q = logits.length;
        float[] probs = new float[q];
        List<Integer> cand = new ArrayList<>();
        for (int i = 0; i < q; i++) {
            probs[i] = DetectorScores.sigmoid(logits[i]);
            if (probs[i] > probThreshold) cand.add(i);
        }
        int n = cand.size();
        int[] c = cand.stream().mapToInt(Integer::intValue).toArray();
        boolean[][] bin = new boolean[n][];
        for (int i = 0; i < n; i++) bin[i] = MaskOps.binarize(masks, rowOfQuery.applyAsInt(c[i]) * hw, hw);
        float[][] ious = MaskOps.ious(bin, bin);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // descending probability (ties: the later candidate first, as numpy's reversed argsort of distinct keys)
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> probs[c[i]]).thenComparingInt(i -> i).reversed());
        boolean[] suppressed = new boolean[n];
        boolean[] keep = new boolean[q];
        for (int oi = 0; oi < n; oi++) {
            int i = order[oi];
            if (suppressed[i]) continue;
            keep[c[i]] = true;
            for (int oj = oi + 1; oj < n; oj++) {
                int j = order[oj];
                if (!suppressed[j] && !(ious[i][j] <= iouThreshold)) suppressed[j] = true;
            }
        }
        float[] after = logits.clone();
        for (int i = 0; i < q; i++) if (!keep[i]) after[i] -= 1e4f;
        return new Result(c, ious, keep, after);
    }
}
