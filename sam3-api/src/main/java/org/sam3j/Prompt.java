package org.sam3j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What to segment in the image set on a {@link Sam3Predictor}. Immutable and thread-safe.
 *
 * <p>Two kinds of prompt exist, as in SAM 3:
 * <ul>
 *   <li><b>Concept</b> prompts find <em>every</em> instance of a concept: a short noun phrase
 *       ({@link #text(String)}), exemplar boxes marking positive or negative examples
 *       ({@link Builder#exemplar(Box, boolean)}), or both. Results are all instances whose score
 *       exceeds the threshold (default 0.5).</li>
 *   <li><b>Interactive</b> prompts select <em>one</em> object: clicks ({@link #point(float, float)}),
 *       a box around it ({@link #box(Box)}), a previous mask's low-resolution logits to refine
 *       ({@link Builder#mask(LowResMask)}), or combinations. Results are candidate masks with their
 *       predicted IoU (three with {@link Builder#multimask(boolean) multimask}, the default when the
 *       prompt is a single click; else one).</li>
 * </ul>
 * Mixing the two kinds in one prompt is refused, and so are more than
 * {@value #MAX_POINTS} clicks or {@value #MAX_EXEMPLARS} exemplar boxes. Coordinates are pixels of the
 * original image.
 */
public final class Prompt {
    /**
     * Most clicks in one interactive prompt. The interactive graph has this many click slots (unused ones are
     * padding that changes nothing), so one compiled graph serves every prompt; far more than interactive
     * refinement needs.
     */
    public static final int MAX_POINTS = 16;
    /** Most exemplar boxes in one concept prompt (the box slots of the one compiled detector graph). */
    public static final int MAX_EXEMPLARS = 16;

    /** Whether a prompt finds all instances of a concept or selects one object. */
    public enum Kind {
        /** Text and/or exemplar boxes: every matching instance. */
        CONCEPT,
        /** Points, a box and/or a mask: one object. */
        INTERACTIVE
    }

    /**
     * A click.
     *
     * @param x        column in original-image pixels
     * @param y        row in original-image pixels
     * @param positive true for "this object", false for "not this"
     */
    public record Point(float x, float y, boolean positive) {
        /** Checks the coordinates are finite. */
        public Point {
            if (!Float.isFinite(x) || !Float.isFinite(y)) {
                throw new IllegalArgumentException("point coordinates must be finite, got (" + x + ", " + y + ")");
            }
        }
    }

    /**
     * An exemplar box of a concept prompt.
     *
     * @param box      the box in original-image pixels
     * @param positive true for an example of the concept, false for a counter-example
     */
    public record Exemplar(Box box, boolean positive) {
        /** Checks the box is present. */
        public Exemplar {
            Objects.requireNonNull(box, "box");
        }
    }

    private final String text;
    private final List<Exemplar> exemplars;
    private final List<Point> points;
    private final Box box;
    private final LowResMask mask;
    private final Boolean multimask;
    private final Float threshold;

    private Prompt(Builder b) {
        this.text = b.text;
        this.exemplars = Collections.unmodifiableList(new ArrayList<>(b.exemplars));
        this.points = Collections.unmodifiableList(new ArrayList<>(b.points));
        this.box = b.box;
        this.mask = b.mask;
        this.multimask = b.multimask;
        this.threshold = b.threshold;
        boolean concept = text != null || !exemplars.isEmpty();
        boolean interactive = !points.isEmpty() || box != null || mask != null;
        if (concept && interactive) {
            throw new IllegalArgumentException("a prompt is either a concept (text, exemplar boxes) or interactive "
                    + "(points, box, mask), not both");
        }
        if (!concept && !interactive) throw new IllegalArgumentException("empty prompt: give a text, boxes or points");
        // one compiled graph per prompt family has this many slots
        if (points.size() > MAX_POINTS) {
            throw new IllegalArgumentException("too many clicks: " + points.size() + ", a prompt has at most "
                    + MAX_POINTS + " points");
        }
        if (exemplars.size() > MAX_EXEMPLARS) {
            throw new IllegalArgumentException("too many exemplar boxes: " + exemplars.size() + ", a prompt has at most "
                    + MAX_EXEMPLARS);
        }
        if (concept && multimask != null) throw new IllegalArgumentException("multimask applies to interactive prompts");
        if (interactive && threshold != null) {
            throw new IllegalArgumentException("the score threshold applies to concept prompts");
        }
    }

    /** A concept prompt: every instance matching a short noun phrase such as "red car". */
    public static Prompt text(String phrase) {
        return builder().text(phrase).build();
    }

    /** An interactive prompt: the object under a positive click. */
    public static Prompt point(float x, float y) {
        return builder().point(x, y, true).build();
    }

    /** An interactive prompt: the object inside a box. */
    public static Prompt box(Box box) {
        return builder().box(box).build();
    }

    /** A concept prompt given by one positive exemplar box (no text). */
    public static Prompt exemplar(Box box) {
        return builder().exemplar(box, true).build();
    }

    /** A builder for combined prompts. */
    public static Builder builder() {
        return new Builder();
    }

    /** The kind of prompt. */
    public Kind kind() {
        return text != null || !exemplars.isEmpty() ? Kind.CONCEPT : Kind.INTERACTIVE;
    }

    /** The noun phrase, or null. */
    public String text() {
        return text;
    }

    /** Exemplar boxes of a concept prompt, in order. */
    public List<Exemplar> exemplars() {
        return exemplars;
    }

    /** Clicks of an interactive prompt, in order. */
    public List<Point> points() {
        return points;
    }

    /** The box of an interactive prompt, or null. */
    public Box boxOrNull() {
        return box;
    }

    /** The previous mask logits of an interactive prompt, or null. */
    public LowResMask maskOrNull() {
        return mask;
    }

    /**
     * Whether an interactive prompt returns three candidates: as set, else true for a single click
     * without box or mask (where the object is most ambiguous), false otherwise.
     */
    public boolean multimask() {
        if (multimask != null) return multimask;
        return points.size() == 1 && box == null && mask == null;
    }

    /** The score threshold of a concept prompt if set (else the predictor's default). */
    public OptionalDouble threshold() {
        return threshold == null ? OptionalDouble.empty() : OptionalDouble.of(threshold);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Prompt[").append(kind());
        if (text != null) s.append(", text=\"").append(text).append('"');
        if (!exemplars.isEmpty()) s.append(", exemplars=").append(exemplars);
        if (!points.isEmpty()) s.append(", points=").append(points);
        if (box != null) s.append(", box=").append(box);
        if (mask != null) s.append(", mask=").append(mask.width()).append('x').append(mask.height());
        return s.append(']').toString();
    }

    /** Builds a {@link Prompt}; the checks run in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private String text;
        private final List<Exemplar> exemplars = new ArrayList<>();
        private final List<Point> points = new ArrayList<>();
        private Box box;
        private LowResMask mask;
        private Boolean multimask;
        private Float threshold;

        private Builder() {}

        /** The noun phrase of a concept prompt (not empty or blank). */
        public Builder text(String phrase) {
            Objects.requireNonNull(phrase, "text prompt is null");
            if (phrase.isBlank()) throw new IllegalArgumentException("text prompt is empty");
            this.text = phrase;
            return this;
        }

        /** Adds an exemplar box to a concept prompt (positive: an example; negative: a counter-example). */
        public Builder exemplar(Box box, boolean positive) {
            exemplars.add(new Exemplar(box, positive));
            return this;
        }

        /** Adds a click to an interactive prompt. */
        public Builder point(float x, float y, boolean positive) {
            points.add(new Point(x, y, positive));
            return this;
        }

        /** Sets the box of an interactive prompt. */
        public Builder box(Box box) {
            this.box = Objects.requireNonNull(box, "box");
            return this;
        }

        /** Refines a previous interactive result: its {@link Instance#lowResLogits()}. */
        public Builder mask(LowResMask previous) {
            this.mask = Objects.requireNonNull(previous, "mask");
            return this;
        }

        /** Three candidates (true) or one (false) for an interactive prompt. */
        public Builder multimask(boolean multimask) {
            this.multimask = multimask;
            return this;
        }

        /** Score threshold of a concept prompt, in [0, 1]. */
        public Builder threshold(float threshold) {
            if (!(threshold >= 0f && threshold <= 1f)) {
                throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
            }
            this.threshold = threshold;
            return this;
        }

        /** The prompt. */
        public Prompt build() {
            return new Prompt(this);
        }
    }
}
