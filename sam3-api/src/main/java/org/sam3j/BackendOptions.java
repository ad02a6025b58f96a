package org.sam3j;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.sam3j.Precision;

/**
 * How to create a backend: which device, which storage precision, how many CPU threads, where compiled artefacts
 * may be cached, and provider-specific extras. Immutable; make one with {@link #builder()}. Passed to
 * {@link BackendProvider#create(BackendOptions)}, usually through {@link Backends#create(String, BackendOptions)},
 * and reported back by {@link Backend#options()} with what the backend actually runs (threads resolved).
 *
 * <p>Extras are keyed {@code provider.key} (e.g. {@code cuda.profile}, {@code openblas.threading}): a provider
 * reads the keys with its own prefix, refuses those of its prefix it does not know, and ignores the others, so
 * one set of options can be handed to whichever backend is chosen.
 */
public final class BackendOptions {
    private static final BackendOptions DEFAULTS = builder().build();

    private final int device;
    private final Precision precision;
    private final int threads;
    private final Path cacheDirectory;
    private final Map<String, String> extras;

    private BackendOptions(Builder b) {
        this.device = b.device;
        this.precision = b.precision;
        this.threads = b.threads;
        this.cacheDirectory = b.cacheDirectory;
        this.extras = Map.copyOf(b.extras);
    }

    /** Device 0, {@link Precision#FP32}, every processor, no cache directory, no extras. */
    public static BackendOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.device = device;
        b.precision = precision;
        b.threads = threads;
        b.cacheDirectory = cacheDirectory;
        b.extras.putAll(extras);
        return b;
    }

    /** The device index (0 for the CPU backends, whose one device is the machine). */
    public int device() {
        return device;
    }

    /** The storage precision of weights and activations. */
    public Precision precision() {
        return precision;
    }

    /** CPU threads, the caller included; 0 means every available processor. */
    public int threads() {
        return threads;
    }

    /** Where a backend may keep compiled artefacts (kernels, plans, engines) between runs, if anywhere. */
    public Optional<Path> cacheDirectory() {
        return Optional.ofNullable(cacheDirectory);
    }

    /** Provider-specific settings, keyed {@code provider.key}; unmodifiable. */
    public Map<String, String> extras() {
        return extras;
    }

    /** The extras of {@code provider} (keys {@code provider.*}), with the prefix removed, sorted by key. */
    public Map<String, String> extras(String provider) {
        String prefix = provider + ".";
        Map<String, String> own = new TreeMap<>();
        extras.forEach((k, v) -> {
            if (k.startsWith(prefix)) own.put(k.substring(prefix.length()), v);
        });
        return own;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendOptions b && device == b.device && precision == b.precision && threads == b.threads
                && Objects.equals(cacheDirectory, b.cacheDirectory) && extras.equals(b.extras);
    }

    @Override
    public int hashCode() {
        return Objects.hash(device, precision, threads, cacheDirectory, extras);
    }

    /** E.g. {@code device 0, fp32, 4 threads}, then the cache directory and extras when set. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("device ").append(device).append(", ").append(precision.label()).append(", ")
                .append(threads == 0 ? "all" : String.valueOf(threads)).append(threads == 1 ? " thread" : " threads");
        if (cacheDirectory != null) s.append(", cache ").append(cacheDirectory);
        if (!extras.isEmpty()) s.append(", ").append(new TreeMap<>(extras));
        return s.toString();
    }

    /** Builds {@link BackendOptions}; every setter checks its argument at once. */
    public static final class Builder {
        private int device;
        private Precision precision = Precision.FP32;
        private int threads;
        private Path cacheDirectory;
        private final Map<String, String> extras = new TreeMap<>();

        private Builder() {}

        /**
         * The device index (default 0).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder device(int device) {
            if (device < 0) throw new IllegalArgumentException("device must be >= 0, got " + device);
            this.device = device;
            return this;
        }

        /** The storage precision (default {@link Precision#FP32}). */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /**
         * CPU threads, the caller included (default 0: every available processor).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder threads(int threads) {
            if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0: all processors), got " + threads);
            this.threads = threads;
            return this;
        }

        /** Where compiled artefacts may be cached (default: nowhere); null clears it. */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = dir;
            return this;
        }

        /**
         * A provider-specific setting.
         *
         * @param key   {@code provider.key}, e.g. {@code cuda.profile}
         * @param value its value
         * @throws IllegalArgumentException if the key is not of the form {@code provider.key}
         */
        public Builder extra(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            int dot = key.indexOf('.');
            if (dot <= 0 || dot == key.length() - 1 || key.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("extra option '" + key + "' must be named provider.key (e.g. cuda.profile)");
            }
            extras.put(key, value);
            return this;
        }

        /** Immutable options. */
        public BackendOptions build() {
            return new BackendOptions(this);
        }
    }
}
