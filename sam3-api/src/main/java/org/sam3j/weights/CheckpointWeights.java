package org.sam3j.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sam3j.io.CheckpointFormatException;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.TensorFile;
import org.sam3j.io.TorchCheckpoint;

/**
 * Parameters from a released checkpoint, under the internal (official {@code sam3.pt}) names:
 * <ul>
 *   <li>the official PyTorch checkpoint {@code sam3.pt} (zip + pickle, read safely without Python),</li>
 *   <li>the Hugging Face {@code model.safetensors} layout (renamed, split q/k/v re-fused, the position
 *       embedding's CLS row restored as zeros),</li>
 *   <li>a safetensors file that uses the official names,</li>
 *   <li>a directory holding {@code model.safetensors} or {@code sam3.pt}.</li>
 * </ul>
 * Tensors are read lazily (memory-mapped where the format allows) and converted to float32 on demand.
 * A file whose keys are not SAM 3's is refused on open with the unexpected keys listed.
 */
public final class CheckpointWeights implements WeightStore, AutoCloseable {
    /** Top-level prefixes of the official checkpoint (image detector and tracker). */
    private static final List<String> OFFICIAL_PREFIXES = List.of("detector.", "tracker.");

    private final Path path;
    private final TensorFile file;
    private final boolean hf;

    private CheckpointWeights(Path path, TensorFile file, boolean hf) {
        this.path = path;
        this.file = file;
        this.hf = hf;
    }

    /**
     * Opens a checkpoint file or model directory.
     *
     * @throws NoSuchFileException       if nothing is there
     * @throws CheckpointFormatException if the file is not a readable SAM 3 checkpoint
     */
    public static CheckpointWeights open(Path path) throws IOException {
        Path p = path;
        if (Files.isDirectory(p)) {
            if (Files.isRegularFile(p.resolve("model.safetensors"))) p = p.resolve("model.safetensors");
            else if (Files.isRegularFile(p.resolve("sam3.pt"))) p = p.resolve("sam3.pt");
            else throw new NoSuchFileException(path.toString(), null, "directory holds neither model.safetensors nor sam3.pt");
        }
        if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "no such checkpoint file");
        TensorFile f = isZip(p) ? TorchCheckpoint.open(p) : SafetensorsFile.open(p);
        try {
            boolean hf = HfKeyMapping.isHfLayout(f.names());
            List<String> known = hf ? HfKeyMapping.KNOWN_PREFIXES : OFFICIAL_PREFIXES;
            List<String> unexpected = new ArrayList<>();
            for (String k : f.names()) {
                if (known.stream().noneMatch(k::startsWith)) unexpected.add("unexpected key '" + k + "'");
            }
            if (unexpected.size() == f.names().size()) {
                throw new CheckpointFormatException(p + ": not a SAM 3 checkpoint (none of its " + f.names().size()
                        + " keys starts with " + String.join(", ", known) + ")");
            }
            if (!unexpected.isEmpty()) throw new WeightLoadingException(p.toString(), unexpected);
            return new CheckpointWeights(p, f, hf);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static boolean isZip(Path p) throws IOException {
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(p)) {
            int n = in.readNBytes(magic, 0, 4);
            return n == 4 && magic[0] == 'P' && magic[1] == 'K';
        }
    }

    /** Whether this is the Hugging Face layout. */
    public boolean isHuggingFaceLayout() {
        return hf;
    }

    /** The file read. */
    public Path path() {
        return path;
    }

    @Override
    public boolean contains(String name) {
        if (!hf) return file.names().contains(name);
        HfKeyMapping.Source s = HfKeyMapping.source(name);
        return s != null && s.hfNames().stream().allMatch(file.names()::contains);
    }

    @Override
    public long[] shape(String name) {
        if (!hf) return file.shape(name);
        HfKeyMapping.Source s = source(name);
        long[] shape = file.shape(s.hfNames().get(0)).clone();
        for (int i = 1; i < s.hfNames().size(); i++) shape[0] += file.shape(s.hfNames().get(i))[0];
        if (s.padRows() > 0) shape[shape.length - 2] += s.padRows();
        return shape;
    }

    @Override
    public float[] floats(String name) {
        try {
            if (!hf) {
                if (!file.names().contains(name)) throw new WeightLoadingException(path + ": missing parameter '" + name + "'");
                return file.tensor(name).toFloats();
            }
            HfKeyMapping.Source s = source(name);
            List<float[]> parts = new ArrayList<>();
            int total = 0;
            for (String h : s.hfNames()) {
                float[] v = file.tensor(h).toFloats();
                parts.add(v);
                total += v.length;
            }
            long[] shape = shape(name);
            int rowLen = (int) shape[shape.length - 1];
            int pad = s.padRows() * rowLen;
            float[] out = new float[pad + total];
            int pos = pad; // zero rows first (the dropped CLS position)
            for (float[] v : parts) {
                System.arraycopy(v, 0, out, pos, v.length);
                pos += v.length;
            }
            return out;
        } catch (IOException e) {
            throw new WeightLoadingException(path + ": cannot read parameter '" + name + "': " + e.getMessage(), e);
        }
    }

    private HfKeyMapping.Source source(String name) {
        HfKeyMapping.Source s = HfKeyMapping.source(name);
        if (s == null || !s.hfNames().stream().allMatch(file.names()::contains)) {
            throw new WeightLoadingException(path + ": missing parameter '" + name + "'"
                    + (s == null ? " (no Hugging Face mapping)" : " (expected " + s.hfNames() + ")"));
        }
        return s;
    }

    private static final java.util.regex.Pattern OFFICIAL_VIT =
            java.util.regex.Pattern.compile("detector\\.backbone\\.vision_backbone\\.trunk\\.blocks\\.(\\d+)\\..*");
    private static final java.util.regex.Pattern HF_VIT =
            java.util.regex.Pattern.compile("detector_model\\.vision_encoder\\.backbone\\.layers\\.(\\d+)\\..*");
    private static final java.util.regex.Pattern OFFICIAL_TEXT = java.util.regex.Pattern.compile(
            "detector\\.backbone\\.language_backbone\\.encoder\\.transformer\\.resblocks\\.(\\d+)\\..*");
    private static final java.util.regex.Pattern HF_TEXT =
            java.util.regex.Pattern.compile("detector_model\\.text_encoder\\.text_model\\.encoder\\.layers\\.(\\d+)\\..*");

    /** A summary of the file from its header: sizes, element types, depths found. */
    public CheckpointSummary summary() throws IOException {
        Map<String, Integer> dtypes = new java.util.TreeMap<>();
        long params = 0;
        int vit = 0;
        int text = 0;
        boolean tracker = false;
        for (String k : file.names()) {
            long n = 1;
            for (long d : file.shape(k)) n *= d;
            params += n;
            dtypes.merge(file.dtype(k).name(), 1, Integer::sum);
            vit = Math.max(vit, index(hf ? HF_VIT : OFFICIAL_VIT, k) + 1);
            text = Math.max(text, index(hf ? HF_TEXT : OFFICIAL_TEXT, k) + 1);
            tracker |= k.startsWith(hf ? "tracker_model." : "tracker.");
        }
        return new CheckpointSummary(path, file instanceof TorchCheckpoint ? "PyTorch checkpoint" : "safetensors", hf,
                file.names().size(), params, Files.size(path), Collections.unmodifiableMap(dtypes), vit, text, tracker);
    }

    private static int index(java.util.regex.Pattern p, String key) {
        java.util.regex.Matcher m = p.matcher(key);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The tensor names as stored in the file (Hugging Face names for that layout). */
    public Set<String> fileKeys() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(file.names()));
    }

    @Override
    public String describe() {
        return path + (hf ? " (Hugging Face layout)" : "");
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    @Override
    public String toString() {
        return "CheckpointWeights[" + describe() + ", " + file.names().size() + " tensors]";
    }
}
