package org.sam3j.tensorrt;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;

/**
 * How one engine is built: the precision, how TensorRT learns it ({@link Typing}), and the workspace limit. Pure
 * data; {@link EngineBuilder} applies it. Read from {@link BackendOptions} by {@link #from(BackendOptions)}:
 * the precision, and the extras {@value #TYPING_OPTION} ({@code strong}, the default, or {@code flags}) and
 * {@value #WORKSPACE_OPTION} (MiB; 0, the default, leaves TensorRT's limit: the device's memory).
 *
 * @param precision      the engine's precision
 * @param typing         how TensorRT chooses layer precisions
 * @param workspaceBytes the builder's workspace memory-pool limit in bytes, 0 for TensorRT's default
 */
public record BuildSettings(Precision precision, Typing typing, long workspaceBytes) {
    /** Extra of {@link BackendOptions}: {@code strong} or {@code flags} (see {@link Typing}). */
    public static final String TYPING_OPTION = "tensorrt.typing";
    /** Extra of {@link BackendOptions}: the workspace limit in MiB (0: TensorRT's default). */
    public static final String WORKSPACE_OPTION = "tensorrt.workspace";

    /** How TensorRT decides each layer's precision. */
    public enum Typing {
        /**
         * A strongly typed network: every tensor keeps the type the ONNX gives it, so the precision policy's casts
         * decide (products reduced, softmax/normalisation/residual FP32). Needs an ONNX exported at the engine's
         * precision; an FP32 export gives an FP32 engine. TensorRT refuses precision flags on such networks.
         */
        STRONG,
        /**
         * A weakly typed network from an FP32 export with the builder flag FP16 or BF16: TensorRT picks layer
         * precisions itself; softmax, normalisation and reduction layers are pinned to FP32 and the constraints
         * obeyed. TensorRT 10.12+ deprecates this route; kept for exports without casts.
         */
        FLAGS
    }

    /** Builder flags (our names for TensorRT's {@code BuilderFlag}s the settings use). */
    public enum Flag {
        /** {@code kFP16}. */
        FP16,
        /** {@code kBF16}. */
        BF16,
        /** {@code kTF32}: on by default in TensorRT; cleared for FP32 engines (IEEE float32 products, the reference). */
        TF32,
        /** {@code kOBEY_PRECISION_CONSTRAINTS}: pinned layers really run in FP32. */
        OBEY_PRECISION_CONSTRAINTS
    }

    /** Layer kinds pinned to FP32 in a {@link Typing#FLAGS} build (TensorRT's {@code LayerType}s). */
    public enum PinnedLayer {
        /** {@code kSOFTMAX}. */
        SOFTMAX,
        /** {@code kNORMALIZATION} (layer and group norm). */
        NORMALIZATION,
        /** {@code kREDUCE} (statistics of the exported group norm). */
        REDUCE
    }

    /** Checks the parts. */
    public BuildSettings {
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(typing, "typing");
        if (workspaceBytes < 0) throw new IllegalArgumentException("workspace must be >= 0, got " + workspaceBytes);
    }

    /**
     * The settings {@code options} ask for.
     *
     * @throws IllegalArgumentException if {@value #TYPING_OPTION} or {@value #WORKSPACE_OPTION} has a bad value
     */
    public static BuildSettings from(BackendOptions options) {
        Map<String, String> x = options.extras(TensorRtProvider.NAME);
        Typing typing = Typing.STRONG;
        String t = x.get("typing");
        if (t != null) {
            try {
                typing = Typing.valueOf(t.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(TYPING_OPTION + " must be strong or flags, got '" + t + "'");
            }
        }
        long workspace = 0;
        String w = x.get("workspace");
        if (w != null) {
            long mib;
            try {
                mib = Long.parseLong(w.trim());
            } catch (NumberFormatException e) {
                mib = -1;
            }
            if (mib < 0 || mib > Long.MAX_VALUE >> 20) {
                throw new IllegalArgumentException(WORKSPACE_OPTION + " must be a whole number of MiB >= 0, got '" + w + "'");
            }
            workspace = mib << 20;
        }
        return new BuildSettings(options.precision(), typing, workspace);
    }

    /** Whether the network is created with {@code kSTRONGLY_TYPED}. */
    public boolean stronglyTyped() {
        return typing == Typing.STRONG;
    }

    /** The builder flags to set. */
    public Set<Flag> flagsToSet() {
        if (typing == Typing.STRONG || precision == Precision.FP32) return EnumSet.noneOf(Flag.class);
        return EnumSet.of(precision == Precision.FP16 ? Flag.FP16 : Flag.BF16, Flag.OBEY_PRECISION_CONSTRAINTS);
    }

    /** The builder flags to clear (TensorRT sets some by default). */
    public Set<Flag> flagsToClear() {
        return precision == Precision.FP32 ? EnumSet.of(Flag.TF32) : EnumSet.noneOf(Flag.class);
    }

    /** The layer kinds to pin to FP32 (only in a reduced-precision {@link Typing#FLAGS} build). */
    public Set<PinnedLayer> pinnedToFp32() {
        if (typing == Typing.STRONG || precision == Precision.FP32) return EnumSet.noneOf(PinnedLayer.class);
        return EnumSet.allOf(PinnedLayer.class);
    }

    /** For the cache key: e.g. {@code strong} or {@code flags}. */
    public String typingLabel() {
        return typing.name().toLowerCase(Locale.ROOT);
    }
}
