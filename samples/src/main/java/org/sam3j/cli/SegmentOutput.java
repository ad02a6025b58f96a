package org.sam3j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sam3j.Instance;
import org.sam3j.MaskResult;
import org.sam3j.RawTensor;
import org.sam3j.RgbImage;
import org.sam3j.image.Overlay;
import org.sam3j.io.AtomicFiles;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.server.ResultJson;

/**
 * Writes the outputs of one segmented image into its directory: {@code overlay.png}, optionally
 * {@code mask_<k>.png} per instance (k in result order, best first) and the raw outputs as safetensors, and
 * {@code result.json} <em>last</em>, so that its presence marks a complete output (what {@code --resume}
 * looks for).
 *
 * <p>Every file is written atomically (a temporary {@code .NAME.*.tmp} file in the same directory, flushed,
 * then renamed over NAME). Before writing, {@code result.json} is removed (the directory is incomplete
 * until it is written again) along with temporary files an interrupted run may have left; after the masks,
 * {@code mask_<k>.png} files beyond the new instance count (from an earlier run) are removed.
 */
final class SegmentOutput {
    static final String RESULT = "result.json";
    static final String OVERLAY = "overlay.png";
    private static final Pattern MASK = Pattern.compile("mask_(\\d+)\\.png");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SegmentOutput() {}

    /** The mask file of the {@code k}-th instance. */
    static String maskName(int k) {
        return "mask_" + k + ".png";
    }

    /** Whether {@code dir} holds a complete output (its {@code result.json}). */
    static boolean isComplete(Path dir) {
        return Files.isRegularFile(dir.resolve(RESULT));
    }

    /**
     * Prepares {@code dir} for a new output: creates it, removes {@code result.json} and temporary files of
     * our outputs left by an interrupted run.
     *
     * @param dumpName the file name of a raw-output dump written into {@code dir}, or null
     */
    static void prepare(Path dir, String dumpName) throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(RESULT));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : s) {
                if (isOurTemp(p.getFileName().toString(), dumpName)) Files.deleteIfExists(p);
            }
        }
    }

    /** Temporary names of the library's and our atomic writers: {@code .NAME.<random>.tmp}. */
    static boolean isOurTemp(String name, String dumpName) {
        if (!name.startsWith(".") || !name.endsWith(".tmp")) return false;
        String inner = name.substring(1);
        if (inner.startsWith(RESULT + ".") || inner.startsWith(OVERLAY + ".")) return true;
        if (dumpName != null && inner.startsWith(dumpName + ".")) return true;
        Matcher m = Pattern.compile("mask_\\d+\\.png\\..*").matcher(inner);
        return m.matches();
    }

    /**
     * Writes the masks as PNGs when asked ({@code maskPngs}), removes masks of an earlier run beyond the new
     * count (all of them when no PNGs are written), and writes the overlay.
     */
    static void writeImages(Path dir, RgbImage image, MaskResult result, boolean maskPngs) throws IOException {
        List<Instance> inst = result.instances();
        int written = maskPngs ? inst.size() : 0;
        for (int k = 0; k < written; k++) {
            inst.get(k).mask().writePng(dir.resolve(maskName(k)));
        }
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "mask_*.png")) {
            for (Path p : s) {
                Matcher m = MASK.matcher(p.getFileName().toString());
                if (m.matches() && (m.group(1).length() > 9 || Integer.parseInt(m.group(1)) >= written)) stale.add(p);
            }
        }
        for (Path p : stale) Files.deleteIfExists(p);
        Overlay.defaults().writePng(image, result, dir.resolve(OVERLAY));
    }

    /** Writes {@link MaskResult#rawOutputs()} as float32 safetensors (atomically), with string metadata. */
    static void writeDump(Path file, MaskResult result, Map<String, String> metadata) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> e : result.rawOutputs().entrySet()) {
            int[] s = e.getValue().shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) shape[i] = s[i];
            tensors.put(e.getKey(), StoredTensor.ofFloats(e.getKey(), shape, e.getValue().toArray()));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /**
     * The instances for {@code result.json} (see {@link ResultJson#instances}), with the mask file of each when
     * the masks are written as PNGs.
     */
    static List<Object> instancesJson(MaskResult result, boolean maskPngs, boolean rle) {
        List<Object> out = new ArrayList<>();
        List<Map<String, Object>> inst = ResultJson.instances(result, rle);
        for (int k = 0; k < inst.size(); k++) {
            Map<String, Object> m = inst.get(k);
            if (maskPngs) {
                Map<String, Object> withMask = new LinkedHashMap<>();
                withMask.put("mask", maskName(k));
                withMask.putAll(m);
                m = withMask;
            }
            out.add(m);
        }
        return out;
    }

    /** Writes {@code result.json} atomically. */
    static void writeResult(Path dir, Map<String, Object> json) throws IOException {
        AtomicFiles.write(dir.resolve(RESULT), JSON.writeValueAsBytes(json));
    }

    /** Writes {@code json} to {@code file} atomically, indented. */
    static void writeJson(Path file, Map<String, Object> json) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(json));
    }

    /** Parses a JSON file into a map (for {@code --config FILE}). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readJsonObject(Path file) throws IOException {
        Object v = JSON.readValue(file.toFile(), Object.class);
        if (!(v instanceof Map)) throw new IOException(file + ": not a JSON object");
        return (Map<String, Object>) v;
    }
}
