package org.sam3j.postprocess;

import java.util.Arrays;
import java.util.Objects;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.LowResMask;
import org.sam3j.Mask;
import org.sam3j.MaskResult;
import org.sam3j.backend.HostTensor;

/**
 * Turns the detector's raw outputs for a concept prompt (text and/or exemplar boxes) into a
 * {@link MaskResult}, exactly as the official {@code Sam3Processor._forward_grounding} does:
 *
 * <ol>
 *   <li>{@code score[q] = sigmoid(predLogits[q]) · sigmoid(presenceLogit)}, in float;</li>
 *   <li>keep the queries with {@code score > threshold} (default 0.5; no NMS);</li>
 *   <li>for each kept query: its box {@code (cx, cy, w, h)} (normalised) becomes
 *       {@code (cx − w/2, cy − h/2, cx + w/2, cy + h/2) · (W, H, W, H)}; its low-resolution mask logits
 *       are bilinearly upsampled ({@link BilinearResize}, {@code align_corners=False}) to the original
 *       {@code H × W}, and a pixel is in the mask when {@code sigmoid(logit) > 0.5} in float (see
 *       {@link Mask#fromLogits(float[], int, int)}).</li>
 * </ol>
 *
 * <p>Two differences from the reference, both for users of the instances (the raw outputs and
 * {@link #box}/{@link #keptQueries} stay exactly the reference's): boxes are clipped to the image, and a
 * kept query whose mask has no pixel at the original size is not returned as an instance.
 *
 * <p>The reference returns the kept instances in query order; {@link MaskResult} sorts them by score.
 * {@link #keptQueries(float[])} gives the query order for comparisons with the reference.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConceptPostprocessor {
    /** The official processor's default confidence threshold on the joint probability. */
    public static final float DEFAULT_THRESHOLD = 0.5f;

    /** Supplies one query's low-resolution mask logits on demand (only kept queries are asked for). */
    @FunctionalInterface
    public interface QueryMasks {
        /**
         * The row-major {@code maskHeight × maskWidth} logits of a query; the array is only read.
         *
         * @param query the query index
         */
        float[] logits(int query);
    }

    private final float threshold;

    private ConceptPostprocessor(float threshold) {
        this.threshold = threshold;
    }

    /** A post-processor with the official default threshold 0.5. */
    public static ConceptPostprocessor withDefaults() {
        return new ConceptPostprocessor(DEFAULT_THRESHOLD);
    }

    /**
     * A post-processor keeping queries whose joint probability is strictly above {@code threshold}.
     *
     * @throws IllegalArgumentException if the threshold is not within [0, 1] (or is NaN)
     */
    public static ConceptPostprocessor withThreshold(float threshold) {
        if (!(threshold >= 0f && threshold <= 1f)) {
            throw new IllegalArgumentException("confidence threshold must be in [0, 1], got " + threshold);
        }
        return new ConceptPostprocessor(threshold);
    }

    /** The confidence threshold on the joint probability. */
    public float threshold() {
        return threshold;
    }

    /** The float sigmoid of PyTorch's CPU kernel, {@code 1 / (1 + exp(−x))} with every step rounded to float. */
    public static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    /**
     * The joint probabilities {@code sigmoid(predLogits[q]) · sigmoid(presenceLogit)} (float arithmetic,
     * as the reference).
     *
     * @param predLogits    one logit per query
     * @param presenceLogit the presence token's logit
     * @return a new array, one score per query
     */
    public static float[] scores(float[] predLogits, float presenceLogit) {
        Objects.requireNonNull(predLogits, "predLogits");
        float presence = sigmoid(presenceLogit);
        float[] s = new float[predLogits.length];
        for (int q = 0; q < s.length; q++) s[q] = sigmoid(predLogits[q]) * presence;
        return s;
    }

    /** The queries whose score is strictly above the threshold, in ascending query order (the reference's order). */
    public int[] keptQueries(float[] scores) {
        Objects.requireNonNull(scores, "scores");
        int[] kept = new int[scores.length];
        int n = 0;
        for (int q = 0; q < scores.length; q++) {
            if (scores[q] > threshold) kept[n++] = q;
        }
        return Arrays.copyOf(kept, n);
    }

    /**
     * A query's box in original-image pixels from {@code predBoxes} ({@code [Q, 4]} normalised
     * {@code cx, cy, w, h}); see {@link Box#fromCxCyWhNormalized}.
     *
     * @throws IllegalArgumentException if the query is outside the array or the box is invalid
     */
    public static Box box(float[] predBoxes, int query, int imageWidth, int imageHeight) {
        Objects.requireNonNull(predBoxes, "predBoxes");
        if (query < 0 || 4L * query + 4 > predBoxes.length) {
            throw new IllegalArgumentException("query " + query + " outside pred_boxes of " + predBoxes.length / 4 + " boxes");
        }
        int o = 4 * query;
        return Box.fromCxCyWhNormalized(predBoxes[o], predBoxes[o + 1], predBoxes[o + 2], predBoxes[o + 3],
                imageWidth, imageHeight);
    }

    /**
     * Upsamples one low-resolution logit map to the original image size (bilinear, {@code align_corners=False}),
     * still as logits; apply {@link #sigmoid(float)} for the reference's mask probabilities.
     *
     * @return a new row-major {@code imageHeight × imageWidth} array
     */
    public static float[] upsampleLogits(float[] lowRes, int maskWidth, int maskHeight, int imageWidth, int imageHeight) {
        return BilinearResize.resize(lowRes, maskHeight, maskWidth, imageHeight, imageWidth);
    }

    /**
     * Post-processes raw outputs held in arrays.
     *
     * @param predLogits    {@code [Q]} query logits
     * @param predBoxes     {@code [Q, 4]} normalised {@code cx, cy, w, h}
     * @param presenceLogit the presence logit
     * @param lowResMasks   {@code [Q, maskHeight, maskWidth]} mask logits, query-major
     * @param maskWidth     low-resolution mask width (288 for SAM 3)
     * @param maskHeight    low-resolution mask height (288 for SAM 3)
     * @param imageWidth    original image width
     * @param imageHeight   original image height
     * @throws IllegalArgumentException if the array lengths do not agree or a size is not positive
     */
    public MaskResult process(float[] predLogits, float[] predBoxes, float presenceLogit, float[] lowResMasks,
                              int maskWidth, int maskHeight, int imageWidth, int imageHeight) {
        Objects.requireNonNull(lowResMasks, "lowResMasks");
        checkPositive(maskWidth, maskHeight, "mask");
        long per = (long) maskWidth * maskHeight;
        int q = Objects.requireNonNull(predLogits, "predLogits").length;
        if (lowResMasks.length != q * per) {
            throw new IllegalArgumentException("lowResMasks has " + lowResMasks.length + " values, expected " + q
                    + " queries x " + maskHeight + "x" + maskWidth + " = " + (q * per));
        }
        return process(predLogits, predBoxes, presenceLogit,
                query -> Arrays.copyOfRange(lowResMasks, (int) (query * per), (int) ((query + 1) * per)),
                maskWidth, maskHeight, imageWidth, imageHeight);
    }

    /**
     * Post-processes raw output tensors: {@code predLogits} with {@code Q} elements (e.g. {@code [1, Q, 1]}),
     * {@code predBoxes} with {@code 4Q} ({@code [1, Q, 4]}), a one-element {@code presenceLogit}, and
     * {@code predMasks} whose last two dimensions are the mask height and width ({@code [1, Q, 288, 288]}).
     *
     * @throws IllegalArgumentException if the shapes do not agree
     */
    public MaskResult process(HostTensor predLogits, HostTensor predBoxes, HostTensor presenceLogit,
                              HostTensor predMasks, int imageWidth, int imageHeight) {
        if (presenceLogit.numel() != 1) {
            throw new IllegalArgumentException("presence logit must have one element, got " + presenceLogit);
        }
        int[] ms = predMasks.shape();
        if (ms.length < 2) {
            throw new IllegalArgumentException("pred_masks must be at least 2-D, got " + predMasks);
        }
        return process(predLogits.data(), predBoxes.data(), presenceLogit.data()[0], predMasks.data(),
                ms[ms.length - 1], ms[ms.length - 2], imageWidth, imageHeight);
    }

    /**
     * Post-processes raw outputs whose masks are fetched per kept query (useful when the full
     * {@code [Q, 288, 288]} tensor is not at hand, or to avoid copying it).
     *
     * @param masks supplies the {@code maskHeight × maskWidth} logits of each kept query
     * @throws IllegalArgumentException if the array lengths do not agree, a size is not positive, or a
     *                                  supplied mask has the wrong length
     */
    public MaskResult process(float[] predLogits, float[] predBoxes, float presenceLogit, QueryMasks masks,
                              int maskWidth, int maskHeight, int imageWidth, int imageHeight) {
        Objects.requireNonNull(predLogits, "predLogits");
        Objects.requireNonNull(predBoxes, "predBoxes");
        Objects.requireNonNull(masks, "masks");
        checkPositive(maskWidth, maskHeight, "mask");
        checkPositive(imageWidth, imageHeight, "image");
        if (predBoxes.length != 4L * predLogits.length) {
            throw new IllegalArgumentException("predBoxes has " + predBoxes.length + " values, expected 4 per query for "
                    + predLogits.length + " queries");
        }
        if ((long) imageWidth * imageHeight > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image too large: " + imageWidth + "x" + imageHeight);
        }
        if (Float.isNaN(presenceLogit)) {
            throw new IllegalArgumentException("presence logit is NaN");
        }
        float[] scores = scores(predLogits, presenceLogit);
        int[] kept = keptQueries(scores);
        MaskResult.Builder result = MaskResult.builder(imageWidth, imageHeight).presenceScore(sigmoid(presenceLogit));
        int per = maskWidth * maskHeight;
        for (int q : kept) {
            float[] low = masks.logits(q);
            if (low == null || low.length != per) {
                throw new IllegalArgumentException("mask logits of query " + q + " have "
                        + (low == null ? "no" : String.valueOf(low.length)) + " values, expected "
                        + maskHeight + "x" + maskWidth);
            }
            // the reference's sigmoid(logit) > 0.5 at the original size, thresholded row by row as it is upsampled
            Mask mask = Mask.fromBits(BilinearResize.resizeAtLeast(low, 0, maskHeight, maskWidth, imageHeight, imageWidth,
                    Mask.halfProbabilityLogit()), imageWidth, imageHeight);
            if (mask.area() == 0) continue; // nothing to show: a score without a mask is not an instance
            Box b = box(predBoxes, q, imageWidth, imageHeight).clip(imageWidth, imageHeight);
            result.addInstance(Instance.of(q, scores[q], b, mask, LowResMask.of(low, maskWidth, maskHeight)));
        }
        return result.build();
    }

    private static void checkPositive(int w, int h, String what) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException(what + " size must be positive, got " + w + "x" + h);
        }
    }

    /** The threshold, e.g. {@code ConceptPostprocessor[threshold=0.5]}. */
    @Override
    public String toString() {
        return "ConceptPostprocessor[threshold=" + threshold + "]";
    }
}
