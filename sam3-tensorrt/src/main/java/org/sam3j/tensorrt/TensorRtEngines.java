package org.sam3j.tensorrt;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.sam3j.BackendOptions;
import org.sam3j.tensorrt.TensorRtRuntime.Gpu;
import org.sam3j.tensorrt.TensorRtRuntime.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and caches the TensorRT engine of one exported stage, ahead of time ({@code sam3 export --format tensorrt}).
 * Independent of {@code Sam3Model}: it takes the stage's ONNX bytes and the hash of what they were exported from.
 *
 * <pre>{@code
 * TensorRtEngines.requireAvailable();                    // before exporting anything: one line naming what is missing
 * for (each exported stage) {
 *     TensorRtEngines.Built b = TensorRtEngines.build(stage, onnxBytes, onnxFile, manifestModelHash, options);
 * }
 * }</pre>
 *
 * Options: precision, device, {@link BackendOptions#cacheDirectory()} (default {@link EngineCache#defaultDirectory()}),
 * extras {@value BuildSettings#TYPING_OPTION}, {@value BuildSettings#WORKSPACE_OPTION}. The cache and key handling
 * are tested; the TensorRT calls have <b>not run on a GPU yet</b>.
 */
public final class TensorRtEngines {
    private static final Logger LOG = LoggerFactory.getLogger(TensorRtEngines.class);

    /**
     * One stage's engine.
     *
     * @param key        what it was built from and for
     * @param engineFile where it is cached
     * @param engineSize its size in bytes
     * @param outcome    loaded from the cache, or built (and why)
     * @param buildTime  how long the build took (zero when loaded)
     */
    public record Built(EngineKey key, Path engineFile, long engineSize, EngineCache.Outcome outcome, Duration buildTime) {}

    private TensorRtEngines() {}

    /** Why engines cannot be built here (every missing piece in one line), or null when they can. */
    public static String unavailableReason() {
        return TensorRtRuntime.unavailableReason();
    }

    /**
     * Throws unless engines can be built here; call it before exporting anything.
     *
     * @throws IllegalStateException naming what is missing (libnvinfer.so.10, the CUDA runtime, a CUDA device)
     */
    public static void requireAvailable() {
        requireAvailable(TensorRtRuntime.status());
    }

    static void requireAvailable(Status status) {
        if (!status.available()) throw new IllegalStateException("cannot build TensorRT engines here: " + status.reason());
    }

    /**
     * The engine of one stage: from the cache when a valid entry exists, else built (parser, builder, timing cache)
     * and cached.
     *
     * @param stage     the stage's name ({@code image_encoder}, {@code detector}, ...)
     * @param onnx      the stage's ONNX model as exported at {@code options.precision()} (see {@link BuildSettings.Typing})
     * @param onnxFile  the ONNX file when its weights are external data beside it, else null
     * @param modelHash the hash of the weights/graph the stage was exported from (the export manifest's model hash)
     * @param options   precision, device, cache directory, TensorRT extras
     * @throws IllegalArgumentException if an argument or option is bad
     * @throws IllegalStateException    if engines cannot be built here (before any other work)
     * @throws EngineBuildException     if TensorRT fails (its errors in the message)
     * @throws IOException              if the cache cannot be read or written
     */
    public static Built build(String stage, byte[] onnx, Path onnxFile, String modelHash, BackendOptions options)
            throws IOException {
        Status status = TensorRtRuntime.status();
        requireAvailable(status);
        return build(stage, onnx, onnxFile, modelHash, options, status, EngineBuilder.onDevice(options.device()));
    }

    static Built build(String stage, byte[] onnx, Path onnxFile, String modelHash, BackendOptions options, Status status,
                       EngineBuilder builder) throws IOException {
        Objects.requireNonNull(onnx, "onnx");
        Objects.requireNonNull(options, "options");
        requireAvailable(status);
        new TensorRtProvider(() -> status).check(options);
        if (onnx.length == 0) throw new IllegalArgumentException("stage " + stage + ": empty ONNX model");
        BuildSettings settings = BuildSettings.from(options);
        Gpu gpu = status.gpu(options.device());
        EngineKey key = new EngineKey(modelHash, EngineCache.sha256(onnx), stage, options.precision(),
                settings.typingLabel(), gpu.name(), gpu.computeCapability(), status.tensorRtVersion());
        EngineCache cache = EngineCache.of(options);
        EngineCache.Entry e = cache.getOrBuild(key, timing -> {
            LOG.info("building the TensorRT engine of {} ({}, {} typing) on GPU {} ({}, sm {}), TensorRT {}: this can take"
                            + " minutes", stage, options.precision().label(), settings.typingLabel(), gpu.index(), gpu.name(),
                    gpu.computeCapability(), status.tensorRtVersion());
            return builder.build(stage, onnx, onnxFile, settings, timing);
        });
        if (e.outcome() == EngineCache.Outcome.CACHED) {
            LOG.info("TensorRT engine of {} ({}): cached, {}", stage, options.precision().label(), e.engineFile());
        } else {
            LOG.info("TensorRT engine of {} ({}): built in {} s, {} bytes, {}", stage, options.precision().label(),
                    String.format(java.util.Locale.ROOT, "%.1f", e.buildTime().toMillis() / 1000.0), e.engine().length,
                    e.engineFile());
        }
        return new Built(key, e.engineFile(), e.engine().length, e.outcome(), e.buildTime());
    }
}
