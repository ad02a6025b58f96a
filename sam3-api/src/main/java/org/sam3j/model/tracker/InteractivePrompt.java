package org.sam3j.model.tracker;

import java.util.ArrayList;
import java.util.List;

/**
 * What the user says about one object in an image: clicks (positive or negative points), an optional box
 * and an optional mask from a previous prediction (iterative refinement). Coordinates are in pixels of the
 * original image, x to the right and y down, and must lie in {@code [0, width] × [0, height]} (checked when
 * the prompt is used, against the image's size).
 *
 * <p>Immutable. Build with {@link #builder()} or the factories:
 * <pre>{@code
 * InteractivePrompt click = InteractivePrompt.point(500, 375);
 * InteractivePrompt refine = InteractivePrompt.builder()
 *         .positive(500, 375).negative(1125, 625).box(75, 275, 1725, 850)
 *         .mask(previous.lowResLogits(0))
 *         .build();
 * }</pre>
 * A prompt needs at least one point, a box or a mask (a mask alone is accepted, as by the reference),
 * and has at most {@link #MAX_POINTS} clicks.
 */
public final class InteractivePrompt {
    /** Label of a positive click (the point is on the object). */
    public static final int POSITIVE = 1;
    /** Label of a negative click (the point is not on the object). */
    public static final int NEGATIVE = 0;
    /**
     * Most clicks in one prompt. The interactive graph has this many click slots (unused ones are padding
     * that changes nothing), so one compiled graph serves every prompt; far more than interactive
     * refinement needs.
     */
    public static final int MAX_POINTS = 16;

    private final float[] points;   // x0, y0, x1, y1, ...
    private final int[] labels;
    private final float[] box;      // x0, y0, x1, y1 or null
    private final float[] mask;     // low-res logits or null

    private InteractivePrompt(Builder b) {
        int n = b.labels.size();
        this.points = new float[2 * n];
        this.labels = new int[n];
        for (int i = 0; i < n; i++) {
            points[2 * i] = b.xs.get(i);
            points[2 * i + 1] = b.ys.get(i);
            labels[i] = b.labels.get(i);
        }
        this.box = b.box == null ? null : b.box.clone();
        this.mask = b.mask == null ? null : b.mask.clone();
        if (n == 0 && box == null && mask == null) {
            throw new IllegalArgumentException("empty prompt: give at least one point, a box or a mask");
        }
    }

    /** A builder of prompts. */
    public static Builder builder() {
        return new Builder();
    }

    /** One positive click. */
    public static InteractivePrompt point(float x, float y) {
        return builder().positive(x, y).build();
    }

    /** A box {@code (x0, y0)}–{@code (x1, y1)}, top-left and bottom-right corners. */
    public static InteractivePrompt box(float x0, float y0, float x1, float y1) {
        return builder().box(x0, y0, x1, y1).build();
    }

    /** Number of clicks. */
    public int pointCount() {
        return labels.length;
    }

    /** x of click {@code i}. */
    public float pointX(int i) {
        return points[2 * i];
    }

    /** y of click {@code i}. */
    public float pointY(int i) {
        return points[2 * i + 1];
    }

    /** Label of click {@code i}: {@link #POSITIVE} or {@link #NEGATIVE}. */
    public int label(int i) {
        return labels[i];
    }

    /** Whether a box is given. */
    public boolean hasBox() {
        return box != null;
    }

    /** The box {@code [x0, y0, x1, y1]} (a copy), or null. */
    public float[] box() {
        return box == null ? null : box.clone();
    }

    /** Whether a mask prompt is given. */
    public boolean hasMask() {
        return mask != null;
    }

    /** The mask prompt's low-resolution logits, row-major (a copy), or null. */
    public float[] mask() {
        return mask == null ? null : mask.clone();
    }

    float[] maskNoCopy() {
        return mask;
    }

    /**
     * Checks that every coordinate lies in {@code [0, width] × [0, height]}.
     *
     * @throws IllegalArgumentException naming the first coordinate outside the image
     */
    public void checkInside(int width, int height) {
        for (int i = 0; i < labels.length; i++) {
            checkInside("point " + i, points[2 * i], points[2 * i + 1], width, height);
        }
        if (box != null) {
            checkInside("box corner (x0, y0)", box[0], box[1], width, height);
            checkInside("box corner (x1, y1)", box[2], box[3], width, height);
        }
    }

    private static void checkInside(String what, float x, float y, int width, int height) {
        if (!(x >= 0 && x <= width && y >= 0 && y <= height)) {
            throw new IllegalArgumentException(what + " (" + x + ", " + y + ") is outside the image [0, " + width
                    + "] x [0, " + height + "]");
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("InteractivePrompt{");
        for (int i = 0; i < labels.length; i++) {
            s.append(labels[i] == POSITIVE ? "+" : "-").append('(').append(points[2 * i]).append(", ")
                    .append(points[2 * i + 1]).append(") ");
        }
        if (box != null) s.append("box ").append(java.util.Arrays.toString(box)).append(' ');
        if (mask != null) s.append("mask ").append(mask.length).append(" values");
        return s.toString().trim() + "}";
    }

    /** Builder of {@link InteractivePrompt}; every setter validates its arguments. Not thread-safe. */
    public static final class Builder {
        private final List<Float> xs = new ArrayList<>();
        private final List<Float> ys = new ArrayList<>();
        private final List<Integer> labels = new ArrayList<>();
        private float[] box;
        private float[] mask;

        private Builder() {}

        /**
         * Adds a click.
         *
         * @param label {@link #POSITIVE} (1) or {@link #NEGATIVE} (0)
         * @throws IllegalArgumentException for another label, a non-finite coordinate, or more than
         *                                  {@link #MAX_POINTS} clicks
         */
        public Builder point(float x, float y, int label) {
            if (labels.size() == MAX_POINTS) {
                throw new IllegalArgumentException("too many clicks: a prompt has at most " + MAX_POINTS + " points");
            }
            if (label != POSITIVE && label != NEGATIVE) {
                throw new IllegalArgumentException("point label " + label + " is neither 1 (positive) nor 0 (negative)");
            }
            finite("point x", x);
            finite("point y", y);
            xs.add(x);
            ys.add(y);
            labels.add(label);
            return this;
        }

        /** Adds a positive click. */
        public Builder positive(float x, float y) {
            return point(x, y, POSITIVE);
        }

        /** Adds a negative click. */
        public Builder negative(float x, float y) {
            return point(x, y, NEGATIVE);
        }

        /**
         * Sets the box (replacing any earlier one).
         *
         * @throws IllegalArgumentException for a non-finite coordinate or {@code x1 < x0} or {@code y1 < y0}
         */
        public Builder box(float x0, float y0, float x1, float y1) {
            finite("box x0", x0);
            finite("box y0", y0);
            finite("box x1", x1);
            finite("box y1", y1);
            if (x1 < x0 || y1 < y0) {
                throw new IllegalArgumentException("box (" + x0 + ", " + y0 + ", " + x1 + ", " + y1
                        + ") has its second corner left of or above the first (expected x0 <= x1, y0 <= y1)");
            }
            box = new float[] {x0, y0, x1, y1};
            return this;
        }

        /**
         * Sets a mask prompt: low-resolution mask logits, row-major, as a previous prediction returns
         * them ({@link InteractiveOutput#lowResLogits(int)}; 288 × 288 for SAM 3, checked when used).
         *
         * @throws IllegalArgumentException for an empty array or a non-finite value
         */
        public Builder mask(float[] lowResLogits) {
            if (lowResLogits == null || lowResLogits.length == 0) throw new IllegalArgumentException("mask prompt is empty");
            for (int i = 0; i < lowResLogits.length; i++) {
                if (!Float.isFinite(lowResLogits[i])) {
                    throw new IllegalArgumentException("mask prompt value " + i + " is " + lowResLogits[i]);
                }
            }
            mask = lowResLogits.clone();
            return this;
        }

        /**
         * Builds the prompt.
         *
         * @throws IllegalArgumentException if there is no point, no box and no mask
         */
        public InteractivePrompt build() {
            return new InteractivePrompt(this);
        }

        private static void finite(String what, float v) {
            if (!Float.isFinite(v)) throw new IllegalArgumentException(what + " is " + v);
        }
    }
}
