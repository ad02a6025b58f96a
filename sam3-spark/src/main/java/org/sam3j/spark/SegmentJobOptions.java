package org.sam3j.spark;

import java.io.Serializable;
import java.util.Objects;
import org.sam3j.postprocess.ConceptPostprocessor;

/**
 * What {@link Sam3Spark#segment} does: the model, the text prompt, the score threshold, how many partitions
 * the images are spread over, and which column of the input holds the image paths. Immutable; built with
 * {@link #builder(ModelSpec, String)}.
 */
public final class SegmentJobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The input column read by default. */
    public static final String DEFAULT_PATH_COLUMN = "path";

    private final ModelSpec model;
    private final String text;
    private final float threshold;
    private final int partitions;
    private final String pathColumn;

    private SegmentJobOptions(Builder b) {
        this.model = b.model;
        this.text = b.text;
        this.threshold = b.threshold;
        this.partitions = b.partitions;
        this.pathColumn = b.pathColumn;
    }

    /**
     * Options for segmenting with {@code model} and the noun phrase {@code text}.
     *
     * @throws IllegalArgumentException if the text is blank
     */
    public static Builder builder(ModelSpec model, String text) {
        return new Builder(model, text);
    }

    /** The model every executor loads once. */
    public ModelSpec model() {
        return model;
    }

    /** The noun phrase to find, e.g. {@code "red car"}. */
    public String text() {
        return text;
    }

    /** Instances scoring below this are dropped (default 0.5). */
    public float threshold() {
        return threshold;
    }

    /** Partitions (tasks) the images are spread over; 0 for Spark's default parallelism. */
    public int partitions() {
        return partitions;
    }

    /** The string column of the input holding image paths (default {@value #DEFAULT_PATH_COLUMN}). */
    public String pathColumn() {
        return pathColumn;
    }

    @Override
    public String toString() {
        return "SegmentJobOptions[model " + model + ", text '" + text + "', threshold " + threshold + ", partitions "
                + (partitions == 0 ? "default" : partitions) + ", column " + pathColumn + "]";
    }

    /** Builds {@link SegmentJobOptions}. Not thread-safe. */
    public static final class Builder {
        private final ModelSpec model;
        private final String text;
        private float threshold = ConceptPostprocessor.DEFAULT_THRESHOLD;
        private int partitions;
        private String pathColumn = DEFAULT_PATH_COLUMN;

        private Builder(ModelSpec model, String text) {
            this.model = Objects.requireNonNull(model, "model");
            Objects.requireNonNull(text, "text");
            if (text.isBlank()) throw new IllegalArgumentException("the text prompt is blank");
            this.text = text.strip();
        }

        /**
         * The score threshold.
         *
         * @throws IllegalArgumentException if not in [0, 1]
         */
        public Builder threshold(float t) {
            if (!(t >= 0f && t <= 1f)) throw new IllegalArgumentException("threshold must be in [0, 1], got " + t);
            this.threshold = t;
            return this;
        }

        /**
         * The number of partitions; 0 for Spark's default parallelism.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder partitions(int n) {
            if (n < 0) throw new IllegalArgumentException("partitions must be >= 0, got " + n);
            this.partitions = n;
            return this;
        }

        /**
         * The input column of image paths.
         *
         * @throws IllegalArgumentException if blank
         */
        public Builder pathColumn(String column) {
            Objects.requireNonNull(column, "column");
            if (column.isBlank()) throw new IllegalArgumentException("path column name is blank");
            this.pathColumn = column;
            return this;
        }

        /** The options. */
        public SegmentJobOptions build() {
            return new SegmentJobOptions(this);
        }
    }
}
