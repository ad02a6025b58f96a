package org.sam3j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The answer to one prompt on one image: the segmented {@linkplain Instance instances}, best first, plus
 * the presence score (concept prompts), per-stage timings and bytes moved across the backend's boundary,
 * and, on request, the raw model outputs.
 *
 * <p><b>Ownership:</b> a result is made of plain heap objects (masks, boxes, arrays); it holds no native
 * memory, file or device resource, needs no {@code close()}, and stays valid after the model or the image
 * session that produced it is closed. It is immutable and therefore thread-safe. Raw outputs
 * ({@link #rawOutputs()}) are read-only views of the model's arrays.
 */
public final class MaskResult {
    /** Best first: score descending, then index ascending for equal scores. */
    private static final Comparator<Instance> ORDER =
            Comparator.comparingDouble((Instance i) -> i.score()).reversed().thenComparingInt(Instance::index);

    private final int imageWidth;
    private final int imageHeight;
    private final List<Instance> instances;
    private final double presenceScore;
    private final Map<String, Duration> timings;
    private final Map<String, TransferBytes> transferBytes;
    private final Map<String, RawTensor> rawOutputs;

    private MaskResult(Builder b) {
        this.imageWidth = b.imageWidth;
        this.imageHeight = b.imageHeight;
        List<Instance> sorted = new ArrayList<>(b.instances);
        sorted.sort(ORDER); // List.sort is stable
        this.instances = Collections.unmodifiableList(sorted);
        this.presenceScore = b.presenceScore;
        this.timings = Collections.unmodifiableMap(new LinkedHashMap<>(b.timings));
        this.transferBytes = Collections.unmodifiableMap(new LinkedHashMap<>(b.transferBytes));
        this.rawOutputs = Collections.unmodifiableMap(new LinkedHashMap<>(b.rawOutputs));
    }

    /**
     * A builder for a result on an image of the given size.
     *
     * @throws IllegalArgumentException if a dimension is not positive
     */
    public static Builder builder(int imageWidth, int imageHeight) {
        return new Builder(imageWidth, imageHeight);
    }

    /** A result with no instances (nothing found). */
    public static MaskResult empty(int imageWidth, int imageHeight) {
        return builder(imageWidth, imageHeight).build();
    }

    /** A builder pre-filled with everything in this result (to add timings or raw outputs, say). */
    public Builder toBuilder() {
        Builder b = new Builder(imageWidth, imageHeight);
        b.instances.addAll(instances);
        b.presenceScore = presenceScore;
        b.timings.putAll(timings);
        b.transferBytes.putAll(transferBytes);
        b.rawOutputs.putAll(rawOutputs);
        return b;
    }

    /** The instances, best first (score descending, ties by ascending index); unmodifiable. */
    public List<Instance> instances() {
        return instances;
    }

    /** Whether nothing was found. */
    public boolean isEmpty() {
        return instances.isEmpty();
    }

    /** Number of instances. */
    public int size() {
        return instances.size();
    }

    /** The highest-scoring instance, if any. */
    public Optional<Instance> best() {
        return instances.isEmpty() ? Optional.empty() : Optional.of(instances.get(0));
    }

    /** Original image width in pixels (the masks' width). */
    public int imageWidth() {
        return imageWidth;
    }

    /** Original image height in pixels (the masks' height). */
    public int imageHeight() {
        return imageHeight;
    }

    /**
     * The probability that the prompted concept is present in the image at all,
     * {@code sigmoid(presence logit)}; concept prompts only, empty for interactive prompts.
     */
    public OptionalDouble presenceScore() {
        return Double.isNaN(presenceScore) ? OptionalDouble.empty() : OptionalDouble.of(presenceScore);
    }

    /** Time per stage (stage name to duration), in the order the stages were recorded; unmodifiable. */
    public Map<String, Duration> timings() {
        return timings;
    }

    /**
     * Bytes that crossed the backend's boundary per stage (the same stage names as {@link #timings()}):
     * host arrays uploaded as graph inputs, outputs and resident values downloaded. The image encoder's
     * entry is that of the {@code setImage} the result builds on; a prompt on an image already set moves no
     * image-level data, and a concept prompt downloads the masks of the kept instances only. Unmodifiable;
     * empty for results not made by a predictor.
     */
    public Map<String, TransferBytes> transferBytes() {
        return transferBytes;
    }

    /**
     * Raw model outputs by name, for debugging and dumps (empty unless requested with
     * {@link CallOptions#withRawOutputs()}); unmodifiable, each a read-only view.
     */
    public Map<String, RawTensor> rawOutputs() {
        return rawOutputs;
    }

    /** Size, instance count, best score and presence, e.g. {@code MaskResult[1800x1200, 3 instances, best=0.91]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MaskResult[").append(imageWidth).append('x').append(imageHeight)
                .append(", ").append(instances.size()).append(instances.size() == 1 ? " instance" : " instances");
        best().ifPresent(i -> sb.append(", best=").append(i.score()));
        presenceScore().ifPresent(p -> sb.append(", presence=").append(p));
        return sb.append(']').toString();
    }

    /** Collects the parts of a {@link MaskResult}; not thread-safe, reusable after {@link #build()}. */
    public static final class Builder {
        private final int imageWidth;
        private final int imageHeight;
        private final List<Instance> instances = new ArrayList<>();
        private double presenceScore = Double.NaN;
        private final Map<String, Duration> timings = new LinkedHashMap<>();
        private final Map<String, TransferBytes> transferBytes = new LinkedHashMap<>();
        private final Map<String, RawTensor> rawOutputs = new LinkedHashMap<>();

        private Builder(int imageWidth, int imageHeight) {
            if (imageWidth <= 0 || imageHeight <= 0) {
                throw new IllegalArgumentException("image size must be positive, got " + imageWidth + "x" + imageHeight);
            }
            this.imageWidth = imageWidth;
            this.imageHeight = imageHeight;
        }

        /**
         * Adds an instance (order does not matter: the result sorts them).
         *
         * @throws IllegalArgumentException if its mask is not {@code imageWidth × imageHeight}
         */
        public Builder addInstance(Instance instance) {
            Objects.requireNonNull(instance, "instance");
            Mask m = instance.mask();
            if (m.width() != imageWidth || m.height() != imageHeight) {
                throw new IllegalArgumentException("instance " + instance.index() + " has a " + m.width() + "x"
                        + m.height() + " mask, expected the image size " + imageWidth + "x" + imageHeight);
            }
            instances.add(instance);
            return this;
        }

        /** Adds several instances; see {@link #addInstance(Instance)}. */
        public Builder addInstances(Collection<Instance> list) {
            for (Instance i : list) addInstance(i);
            return this;
        }

        /**
         * Sets the presence score (concept prompts).
         *
         * @throws IllegalArgumentException if it is not within [0, 1]
         */
        public Builder presenceScore(double score) {
            if (!(score >= 0 && score <= 1)) {
                throw new IllegalArgumentException("presence score must be in [0, 1], got " + score);
            }
            this.presenceScore = score;
            return this;
        }

        /**
         * Records the time of a stage; a name recorded again replaces the earlier time but keeps its place.
         *
         * @throws IllegalArgumentException if the name is blank or the duration negative
         */
        public Builder timing(String stage, Duration time) {
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(time, "time");
            if (stage.isBlank()) throw new IllegalArgumentException("timing stage name is blank");
            if (time.isNegative()) throw new IllegalArgumentException("timing of " + stage + " is negative: " + time);
            timings.put(stage, time);
            return this;
        }

        /**
         * Records the bytes a stage moved across the backend's boundary; a name recorded again replaces the
         * earlier count but keeps its place.
         *
         * @throws IllegalArgumentException if the name is blank
         */
        public Builder transferBytes(String stage, TransferBytes bytes) {
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(bytes, "bytes");
            if (stage.isBlank()) throw new IllegalArgumentException("transfer stage name is blank");
            transferBytes.put(stage, bytes);
            return this;
        }

        /**
         * Attaches a raw model output (not copied; see {@link MaskResult#rawOutputs()}); a name given again
         * replaces the earlier tensor.
         *
         * @throws IllegalArgumentException if the name is blank
         */
        public Builder rawOutput(String name, RawTensor tensor) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(tensor, "tensor");
            if (name.isBlank()) throw new IllegalArgumentException("raw output name is blank");
            rawOutputs.put(name, tensor);
            return this;
        }

        /** The result: instances sorted best first. */
        public MaskResult build() {
            return new MaskResult(this);
        }
    }
}
