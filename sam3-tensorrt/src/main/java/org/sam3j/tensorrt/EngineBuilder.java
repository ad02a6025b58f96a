package org.sam3j.tensorrt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX bytes → TensorRT's ONNX parser → network → builder config ({@link BuildSettings}: strongly typed network or
 * FP16/BF16 flags with FP32 layers pinned, workspace limit, timing cache in and out) → serialized engine. Errors
 * of the parser and the builder are collected into one {@link EngineBuildException}.
 *
 * <p>The sequence is tested against a recording {@link TensorRtApi}; on TensorRT itself ({@link #onDevice(int)})
 * it has <b>not run yet</b> (no GPU, no libnvinfer where it was written).
 */
public final class EngineBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(EngineBuilder.class);

    /**
     * A build's output.
     *
     * @param engine      the serialized engine (a plan file)
     * @param timingCache the timing cache after the build, serialized (empty if TensorRT gave none)
     */
    public record Result(byte[] engine, byte[] timingCache) {
        /** Checks the parts. */
        public Result {
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(timingCache, "timingCache");
        }
    }

    private final TensorRtApi api;

    EngineBuilder(TensorRtApi api) {
        this.api = Objects.requireNonNull(api, "api");
    }

    /** A builder on CUDA device {@code device} through the TensorRT the process loads. */
    public static EngineBuilder onDevice(int device) {
        return new EngineBuilder(new NvInferApi(device));
    }

    /**
     * Builds one engine.
     *
     * @param stage       the stage's name, for messages
     * @param onnx        the stage's ONNX model
     * @param modelPath   the ONNX file (its external data is resolved beside it), or null when the weights are inline
     * @param settings    precision, typing, workspace
     * @param timingCache a serialized timing cache to start from, empty for none
     * @throws EngineBuildException if the parser or the builder fails (every error they reported in the message)
     */
    public Result build(String stage, byte[] onnx, Path modelPath, BuildSettings settings, byte[] timingCache) {
        Objects.requireNonNull(onnx, "onnx");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(timingCache, "timingCache");
        if (onnx.length == 0) throw new IllegalArgumentException("stage " + stage + ": empty ONNX model");
        try (TensorRtApi.Session s = api.open(settings.stronglyTyped())) {
            List<String> parse = s.parse(onnx, modelPath);
            if (!parse.isEmpty()) {
                throw new EngineBuildException(failure(stage, "TensorRT's ONNX parser rejected the model", parse, s.errors()));
            }
            for (BuildSettings.Flag f : settings.flagsToClear()) s.clearFlag(f);
            for (BuildSettings.Flag f : settings.flagsToSet()) s.setFlag(f);
            if (!settings.pinnedToFp32().isEmpty()) {
                int n = s.pinToFp32(settings.pinnedToFp32());
                LOG.debug("stage {}: {} layers pinned to FP32 ({})", stage, n, settings.pinnedToFp32());
            }
            if (settings.workspaceBytes() > 0) s.setWorkspace(settings.workspaceBytes());
            if (!s.setTimingCache(timingCache) && timingCache.length > 0) {
                LOG.warn("stage {}: TensorRT rejected the timing cache ({} bytes); timing from scratch", stage, timingCache.length);
                s.setTimingCache(new byte[0]);
            }
            byte[] engine = s.buildSerializedNetwork();
            if (engine == null || engine.length == 0) {
                throw new EngineBuildException(failure(stage, "TensorRT could not build the engine", List.of(), s.errors()));
            }
            byte[] tc = s.serializeTimingCache();
            return new Result(engine, tc == null ? new byte[0] : tc);
        }
    }

    private static String failure(String stage, String what, List<String> parserErrors, List<String> logged) {
        List<String> all = new ArrayList<>(parserErrors);
        for (String e : logged) if (!all.contains(e)) all.add(e);
        return "stage " + stage + ": " + what + (all.isEmpty() ? " (no error reported)" : ": " + String.join("; ", all));
    }
}
