package org.sam3j.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 *       embedding's CLS row restored as zeros, the text projection transposed back, the stacked point
 *       embeddings split; see {@link HfKeyMapping}),</li>
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
            int foreign = 0;
            for (String k : f.names()) {
                if (known.stream().noneMatch(k::startsWith)) {
                    unexpected.add("unexpected key '" + k + "'");
                    foreign++;
                } else if (hf && !HfKeyMapping.isKnownHfKey(k)) {
                    // under a known prefix, an HF key must still be one the layout holds
                    unexpected.add("unexpected key '" + k + "' (not in the Hugging Face SAM 3 layout)");
                }
            }
            if (foreign == f.names().size()) {
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
        if (s == null || !s.hfNames().stream().allMatch(file.names()::contains)) return false;
        if (s.kind() == HfKeyMapping.Kind.ROW) {
            long[] shape = file.shape(s.hfNames().get(0));
            return shape.length >= 1 && s.amount() < shape[0];
        }
        return true;
    }

    @Override
    public long[] shape(String name) {
        if (!hf) return file.shape(name);
        return shape(name, source(name));
    }

    /** The internal shape of a parameter built from HF tensors, checking that those tensors fit together. */
    private long[] shape(String name, HfKeyMapping.Source s) {
        long[] first = file.shape(s.hfNames().get(0));
        long[] shape = first.clone();
        switch (s.kind()) {
            case RENAME:
                break;
            case CONCAT:
                for (int i = 1; i < s.hfNames().size(); i++) {
                    long[] part = file.shape(s.hfNames().get(i));
                    if (part.length != first.length || part.length == 0
                            || !Arrays.equals(part, 1, part.length, first, 1, first.length)) {
                        throw badShapes(name, s);
                    }
                    shape[0] += part[0];
                }
                break;
            case PAD_ROWS:
                if (shape.length < 2) throw badShapes(name, s);
                shape[shape.length - 2] += s.amount();
                break;
            case TRANSPOSE:
                if (shape.length != 2) throw badShapes(name, s);
                shape = new long[] {first[1], first[0]};
                break;
            case ROW:
                if (shape.length < 1 || s.amount() >= shape[0]) throw badShapes(name, s);
                shape[0] = 1;
                break;
            default:
                throw new IllegalStateException(s.kind().toString());
        }
        return shape;
    }

    private WeightLoadingException badShapes(String name, HfKeyMapping.Source s) {
        StringBuilder sb = new StringBuilder(path + ": cannot build parameter '" + name + "' (" + s.kind() + ") from");
        for (String h : s.hfNames()) sb.append(' ').append(h).append(Arrays.toString(file.shape(h)));
        if (s.kind() == HfKeyMapping.Kind.PAD_ROWS || s.kind() == HfKeyMapping.Kind.ROW) sb.append(" (").append(s.amount()).append(')');
        return new WeightLoadingException(sb.toString());
    }

    @Override
    public float[] floats(String name) {
        try {
            if (!hf) {
                if (!file.names().contains(name)) throw new WeightLoadingException(path + ": missing parameter '" + name + "'");
                return file.tensor(name).toFloats();
            }
            HfKeyMapping.Source s = source(name);
            long[] shape = shape(name, s);
            switch (s.kind()) {
                case RENAME:
                    return file.tensor(s.hfNames().get(0)).toFloats();
                case CONCAT: {
                    List<float[]> parts = new ArrayList<>();
                    long total = 0;
                    for (String h : s.hfNames()) {
                        float[] v = file.tensor(h).toFloats();
                        parts.add(v);
                        total += v.length;
                    }
                    float[] out = new float[checkedLength(name, total)];
                    int pos = 0;
                    for (float[] v : parts) {
                        System.arraycopy(v, 0, out, pos, v.length);
                        pos += v.length;
                    }
                    return out;
                }
                case PAD_ROWS: {
                    float[] v = file.tensor(s.hfNames().get(0)).toFloats();
                    int pad = checkedLength(name, (long) s.amount() * shape[shape.length - 1]);
                    float[] out = new float[checkedLength(name, (long) pad + v.length)];
                    System.arraycopy(v, 0, out, pad, v.length); // zero rows first (the dropped CLS position)
                    return out;
                }
                case TRANSPOSE: {
                    float[] v = file.tensor(s.hfNames().get(0)).toFloats();
                    int rows = (int) shape[1]; // rows of the stored (HF) matrix
                    int cols = (int) shape[0];
                    float[] out = new float[v.length];
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j];
                    }
                    return out;
                }
                case ROW: {
                    float[] v = file.tensor(s.hfNames().get(0)).toFloats();
                    int row = v.length / (int) file.shape(s.hfNames().get(0))[0];
                    return Arrays.copyOfRange(v, s.amount() * row, (s.amount() + 1) * row);
                }
                default:
                    throw new IllegalStateException(s.kind().toString());
            }
        } catch (IOException e) {
            throw new WeightLoadingException(path + ": cannot read parameter '" + name + "': " + e.getMessage(), e);
        }
    }

    private int checkedLength(String name, long n) {
        if (n > Integer.MAX_VALUE - 8) throw new WeightLoadingException(path + ": parameter '" + name + "' too large");
        return (int) n;
    }

    private HfKeyMapping.Source source(String name) {
        HfKeyMapping.Source s = HfKeyMapping.source(name);
        if (s == null || !s.hfNames().stream().allMatch(file.names()::contains)) {
            throw new WeightLoadingException(path + ": missing parameter '" + name + "'"
                    + (s == null ? " (not in the Hugging Face layout)" : " (expected " + s.hfNames() + ")"));
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
