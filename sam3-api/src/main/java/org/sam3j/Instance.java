package org.sam3j;

import java.util.Objects;

/**
 * One segmented object: its mask at the original image size, its box, its score, and the low-resolution
 * logits it came from.
 *
 * <ul>
 *   <li>Concept prompts (text, exemplar boxes): {@link #score()} is the joint probability
 *       {@code sigmoid(query logit) · sigmoid(presence logit)}; {@link #index()} is the detector query
 *       (0..199) that produced it; {@link #box()} is the predicted box (not derived from the mask).</li>
 *   <li>Interactive prompts (points, boxes): {@link #score()} is the predicted IoU; {@link #index()} is
 *       the candidate mask's index among the decoder's outputs.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; a plain heap object that needs no closing.
 */
public final class Instance {
    private final int index;
    private final float score;
    private final Box box;
    private final Mask mask;
    private final LowResMask lowResLogits;

    private Instance(int index, float score, Box box, Mask mask, LowResMask lowResLogits) {
        this.index = index;
        this.score = score;
        this.box = box;
        this.mask = mask;
        this.lowResLogits = lowResLogits;
    }

    /**
     * An instance.
     *
     * @param index        query index (concept prompts) or candidate index (interactive prompts), {@code >= 0}
     * @param score        joint probability (concept) or predicted IoU (interactive); finite
     * @param box          box in original-image pixels
     * @param mask         binary mask at the original image size
     * @param lowResLogits the low-resolution logits the mask was upsampled from
     * @throws IllegalArgumentException if the index is negative or the score is not finite
     * @throws NullPointerException     if an object argument is null
     */
    public static Instance of(int index, float score, Box box, Mask mask, LowResMask lowResLogits) {
        if (index < 0) {
            throw new IllegalArgumentException("instance index must be >= 0, got " + index);
        }
        if (!Float.isFinite(score)) {
            throw new IllegalArgumentException("instance score must be finite, got " + score);
        }
        return new Instance(index, score, Objects.requireNonNull(box, "box"), Objects.requireNonNull(mask, "mask"),
                Objects.requireNonNull(lowResLogits, "lowResLogits"));
    }

    /** The binary mask at the original image size. */
    public Mask mask() {
        return mask;
    }

    /** The box in original-image pixels. */
    public Box box() {
        return box;
    }

    /** Joint probability (concept prompts) or predicted IoU (interactive prompts). */
    public float score() {
        return score;
    }

    /** The detector query index (concept prompts) or the candidate mask index (interactive prompts). */
    public int index() {
        return index;
    }

    /** The low-resolution logits, e.g. to feed back as a mask prompt. */
    public LowResMask lowResLogits() {
        return lowResLogits;
    }

    /** Number of mask pixels ({@code mask().area()}). */
    public long area() {
        return mask.area();
    }

    /** Equal when index, score, box, mask and low-resolution logits are all equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Instance i && i.index == index && Float.compare(i.score, score) == 0 && i.box.equals(box)
                && i.mask.equals(mask) && i.lowResLogits.equals(lowResLogits);
    }

    /** A hash consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Objects.hash(index, score, box, mask, lowResLogits);
    }

    /** Index, score, box and area, e.g. {@code Instance[index=17, score=0.8712, box=..., area=5123]}. */
    @Override
    public String toString() {
        return "Instance[index=" + index + ", score=" + score + ", box=" + box + ", area=" + mask.area() + "]";
    }
}
