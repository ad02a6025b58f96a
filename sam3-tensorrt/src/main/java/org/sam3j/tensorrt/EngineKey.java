package org.sam3j.tensorrt;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.sam3j.Precision;

/**
 * What an engine was built from and for. Two engines are interchangeable only when every part is equal: an engine
 * is specific to the exported graph, its precision and typing, the GPU model and compute capability, and the
 * TensorRT version. {@link EngineCache} keeps one engine per {@link #slot() slot} and rebuilds it when the key in
 * its sidecar differs.
 *
 * @param modelHash         hash of the weights/graph the stage was exported from (e.g. the export manifest's)
 * @param onnxSha256        SHA-256 of the stage's ONNX bytes (hex), so that a changed exporter invalidates too
 * @param stage             the stage, e.g. {@code image_encoder}
 * @param precision         the engine's precision
 * @param typing            how the precision reached TensorRT ({@link BuildSettings#typingLabel()})
 * @param gpuName           the device's name, e.g. "NVIDIA H200"
 * @param computeCapability e.g. "9.0"
 * @param tensorRtVersion   e.g. "10.15.1"
 */
public record EngineKey(String modelHash, String onnxSha256, String stage, Precision precision, String typing,
                        String gpuName, String computeCapability, String tensorRtVersion) {
    /** Checks the parts: none blank; the stage lower case letters, digits and underscores. */
    public EngineKey {
        requireText(modelHash, "modelHash");
        requireText(onnxSha256, "onnxSha256");
        requireText(stage, "stage");
        Objects.requireNonNull(precision, "precision");
        requireText(typing, "typing");
        requireText(gpuName, "gpuName");
        requireText(computeCapability, "computeCapability");
        requireText(tensorRtVersion, "tensorRtVersion");
        if (!stage.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("stage must be lower case letters, digits and '_', got '" + stage + "'");
        }
    }

    private static void requireText(String s, String what) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(what + " must not be blank");
    }

    /**
     * The file name stem this key's engine lives under: stage, precision, model hash (first 16 characters), GPU and
     * compute capability, e.g. {@code image_encoder.fp16.3f2a9c0d11e4b7a2.nvidia-h200-sm90}. The TensorRT version,
     * typing and ONNX hash are left out on purpose: when they change, the entry in the same slot is stale and replaced.
     */
    public String slot() {
        String model = slug(modelHash);
        if (model.length() > 16) model = model.substring(0, 16);
        return stage + "." + precision.label() + "." + model + "." + gpuSlot(gpuName, computeCapability);
    }

    /** {@code nvidia-h200-sm90}: the GPU's name and compute capability as a file-name part. */
    static String gpuSlot(String gpuName, String computeCapability) {
        return slug(gpuName) + "-sm" + computeCapability.replace(".", "");
    }

    static String slug(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return t.isEmpty() ? "x" : t;
    }

    /** The key as the sidecar stores it (field name to text). */
    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("modelHash", modelHash);
        m.put("onnxSha256", onnxSha256);
        m.put("stage", stage);
        m.put("precision", precision.label());
        m.put("typing", typing);
        m.put("gpuName", gpuName);
        m.put("computeCapability", computeCapability);
        m.put("tensorRtVersion", tensorRtVersion);
        return m;
    }
}
