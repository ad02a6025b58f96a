package org.sam3j.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.sam3j.Sam3Config;
import org.sam3j.internal.Log;
import org.sam3j.io.CheckpointFormatException;
import org.sam3j.io.DType;
import org.sam3j.io.Readahead;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.TensorFile;
import org.sam3j.io.TorchCheckpoint;
import org.slf4j.Logger;

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
 * Tensors are read lazily (memory-mapped where the format allows) and converted to float32 on demand;
 * float32 parameters stored as they are used are also offered in place ({@link #mappedFloats}).
 * A file whose keys are not SAM 3's is refused on open with the unexpected keys listed.
 */
public final class CheckpointWeights implements WeightStore, AutoCloseable {
    private static final Logger LOG = Log.get(CheckpointWeights.class);
    /** Top-level prefixes of the official checkpoint (image detector and tracker). */
    private static final List<String> OFFICIAL_PREFIXES = List.of("detector.", "tracker.");

    private final Path path;
    private final TensorFile file;
    private final boolean hf;
    /** The file's pass through the page cache, once started; stopped by {@link #close()}. */
    private Readahead readahead;
    /** Bytes read at a time by a {@link #floatReader}. */
    private static final int READ_BUFFER_BYTES = 1 << 20;
    /** Each thread's buffer for {@link #floatReader}s (direct: the file is read into it without another copy). */
    private final ThreadLocal<ByteBuffer> readBuffers =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(READ_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN));

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
        byte[] head = head(p);
        TensorFile f = switch (format(head)) {
            case ZIP -> TorchCheckpoint.open(p);
            case SAFETENSORS -> SafetensorsFile.open(p);
            case UNKNOWN -> throw new CheckpointFormatException(p + ": not a SAM 3 checkpoint: neither a PyTorch"
                    + " checkpoint (a zip archive such as sam3.pt) nor a safetensors file (model.safetensors); "
                    + describeStart(head));
        };
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

    private enum Format { ZIP, SAFETENSORS, UNKNOWN }

    /** The first bytes of a file (at most 9), read once for {@link #format} and the error message. */
    private static byte[] head(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(9);
        }
    }

    /**
     * The container format from the first bytes: a zip archive starts with {@code PK}; a safetensors file with
     * an 8-byte little-endian header length followed by the JSON header's {@code '{'}. Anything else is
     * neither (reported as such instead of as a broken file of one of them).
     */
    private static Format format(byte[] head) {
        if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') return Format.ZIP;
        // a short or truncated safetensors file is still reported by the safetensors reader
        if (head.length < 9 || head[8] == '{') return Format.SAFETENSORS;
        return Format.UNKNOWN;
    }

    private static String describeStart(byte[] head) {
        StringBuilder s = new StringBuilder("it starts with");
        for (int i = 0; i < Math.min(8, head.length); i++) s.append(String.format(" %02x", head[i] & 0xff));
        return s.toString();
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

    /**
     * The parameter in place when the file stores it as it is used: float32, in the official layout or renamed
     * unchanged from the Hugging Face one, contiguous in a memory-mapped file, on a little-endian machine.
     */
    @Override
    public FloatBuffer mappedFloats(String name) {
        String stored = storedAsUsed(name);
        if (stored == null) return null;
        try {
            ByteBuffer b = file.tensor(stored).bytes();
            if (!b.isDirect() || b.remaining() % Float.BYTES != 0) return null;
            return b.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().asReadOnlyBuffer();
        } catch (IOException e) {
            throw new WeightLoadingException(path + ": cannot read parameter '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * The parameter read from the file in pieces ({@link WeightStore#floatReader}), in the cases where
     * {@link #mappedFloats} offers it in place, through a buffer of {@value #READ_BUFFER_BYTES} bytes per thread.
     */
    @Override
    public FloatReader floatReader(String name) {
        String stored = storedAsUsed(name);
        if (stored == null || !file.canRead()) return null;
        return (from, dst, off, len) -> {
            java.util.Objects.checkFromIndexSize(off, len, dst.length);
            ByteBuffer buf = readBuffers.get();
            for (int done = 0; done < len; ) {
                int n = Math.min(len - done, buf.capacity() / Float.BYTES);
                buf.clear().limit(n * Float.BYTES);
                try {
                    file.read(stored, (from + done) * Float.BYTES, buf);
                } catch (IOException e) {
                    throw new WeightLoadingException(path + ": cannot read parameter '" + name + "': " + e.getMessage(), e);
                }
                buf.flip();
                buf.asFloatBuffer().get(dst, off + done, n);
                done += n;
            }
        };
    }

    /**
     * The file's name of a parameter that it stores as it is used (float32, in the official layout or renamed
     * unchanged from the Hugging Face one), on a little-endian machine; else null.
     */
    private String storedAsUsed(String name) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) return null;
        String stored = name;
        if (hf) {
            HfKeyMapping.Source s = HfKeyMapping.source(name);
            if (s == null || s.kind() != HfKeyMapping.Kind.RENAME) return null;
            stored = s.hfNames().get(0);
        }
        return file.names().contains(stored) && file.dtype(stored) == DType.F32 ? stored : null;
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

    /** A stack of numbered layers: its key pattern in the official and in the Hugging Face layout. */
    private enum Stack {
        VIT("detector\\.backbone\\.vision_backbone\\.trunk\\.blocks\\.(\\d+)\\..*",
                "detector_model\\.vision_encoder\\.backbone\\.layers\\.(\\d+)\\..*"),
        TEXT("detector\\.backbone\\.language_backbone\\.encoder\\.transformer\\.resblocks\\.(\\d+)\\..*",
                "detector_model\\.text_encoder\\.text_model\\.encoder\\.layers\\.(\\d+)\\..*"),
        FUSION("detector\\.transformer\\.encoder\\.layers\\.(\\d+)\\..*",
                "detector_model\\.detr_encoder\\.layers\\.(\\d+)\\..*"),
        DECODER("detector\\.transformer\\.decoder\\.layers\\.(\\d+)\\..*",
                "detector_model\\.detr_decoder\\.layers\\.(\\d+)\\..*"),
        GEOMETRY("detector\\.geometry_encoder\\.encode\\.(\\d+)\\..*",
                "detector_model\\.geometry_encoder\\.layers\\.(\\d+)\\..*");

        final java.util.regex.Pattern official;
        final java.util.regex.Pattern hf;

        Stack(String official, String hf) {
            this.official = java.util.regex.Pattern.compile(official);
            this.hf = java.util.regex.Pattern.compile(hf);
        }
    }

    /** Number of layers of each stack found in the file (highest index + 1; 0 if none). */
    private Map<Stack, Integer> depths() {
        Map<Stack, Integer> d = new java.util.EnumMap<>(Stack.class);
        for (Stack st : Stack.values()) d.put(st, 0);
        for (String k : file.names()) {
            for (Stack st : Stack.values()) {
                int i = index(hf ? st.hf : st.official, k);
                if (i >= 0) d.merge(st, i + 1, Math::max);
            }
        }
        return d;
    }

    /**
     * The architecture this checkpoint holds: the released widths with the depths of its layer stacks (ViT
     * blocks, text, fusion-encoder, decoder and geometry-encoder layers). Which ViT blocks use global
     * attention is not a parameter: it is read from the RoPE buffers ({@code attn.freqs_cis}) when the
     * file has them (global blocks cover the whole grid), else taken as the released pattern (every
     * {@code depth/4}-th block, i.e. 7, 15, 23, 31 for 32 blocks) or, for fewer than 4 blocks, the last one.
     *
     * @throws WeightLoadingException if a stack is missing altogether
     */
    public Sam3Config inferConfig() {
        Map<Stack, Integer> d = depths();
        List<String> missing = new ArrayList<>();
        d.forEach((st, n) -> {
            if (n == 0) missing.add("no " + st.name().toLowerCase(java.util.Locale.ROOT) + " layers found");
        });
        if (!missing.isEmpty()) throw new WeightLoadingException(path.toString(), missing);
        int depth = d.get(Stack.VIT);
        Sam3Config released = Sam3Config.released();
        int grid = released.gridSize();
        List<Integer> global = new ArrayList<>();
        for (int b = 0; b < depth; b++) {
            String rope = "detector.backbone.vision_backbone.trunk.blocks." + b + ".attn.freqs_cis";
            if (!hf && file.names().contains(rope) && file.shape(rope).length > 0 && file.shape(rope)[0] == (long) grid * grid) {
                global.add(b);
            }
        }
        if (global.isEmpty()) {
            if (depth >= 4 && depth % 4 == 0) {
                for (int b = depth / 4 - 1; b < depth; b += depth / 4) global.add(b);
            } else {
                global.add(depth - 1);
            }
        }
        return released.toBuilder().vitDepth(depth).vitGlobalBlocks(global.stream().mapToInt(Integer::intValue).toArray())
                .textLayers(d.get(Stack.TEXT)).fusionEncoderLayers(d.get(Stack.FUSION)).decoderLayers(d.get(Stack.DECODER))
                .geometryEncoderLayers(d.get(Stack.GEOMETRY)).build();
    }

    /**
     * Checks that {@code config} has the depths of this checkpoint, so that a wrong configuration is one
     * message naming the depths rather than hundreds of missing parameters.
     *
     * @throws WeightLoadingException naming each stack present in the file whose depth differs
     */
    public void checkDepths(Sam3Config config) {
        Map<Stack, Integer> d = depths();
        int[] want = {config.vitDepth(), config.textLayers(), config.fusionEncoderLayers(), config.decoderLayers(),
                config.geometryEncoderLayers()};
        List<String> problems = new ArrayList<>();
        for (Stack st : Stack.values()) {
            int has = d.get(st);
            int expected = want[st.ordinal()];
            // a stack absent altogether is reported as missing parameters when the graph is bound
            if (has > 0 && has != expected) {
                problems.add(st.name().toLowerCase(java.util.Locale.ROOT) + " layers: the configuration has " + expected
                        + ", the checkpoint " + has);
            }
        }
        if (!problems.isEmpty()) {
            problems.add("leave the configuration out (--config) to use the checkpoint's own");
            throw new WeightLoadingException(path + ": the configuration does not match the checkpoint", problems);
        }
    }

    /** A summary of the file from its header: sizes, element types, depths found. */
    public CheckpointSummary summary() throws IOException {
        Map<String, Integer> dtypes = new java.util.TreeMap<>();
        long params = 0;
        boolean tracker = false;
        for (String k : file.names()) {
            long n = 1;
            for (long x : file.shape(k)) n *= x;
            params += n;
            dtypes.merge(file.dtype(k).name(), 1, Integer::sum);
            tracker |= k.startsWith(hf ? "tracker_model." : "tracker.");
        }
        Map<Stack, Integer> d = depths();
        return new CheckpointSummary(path, file instanceof TorchCheckpoint ? "PyTorch checkpoint" : "safetensors", hf,
                file.names().size(), params, Files.size(path), Collections.unmodifiableMap(dtypes), d.get(Stack.VIT),
                d.get(Stack.TEXT), tracker);
    }

    private static int index(java.util.regex.Pattern p, String key) {
        java.util.regex.Matcher m = p.matcher(key);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The tensor names as stored in the file (Hugging Face names for that layout). */
    public Set<String> fileKeys() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(file.names()));
    }

    /**
     * The file's absolute path, size and modification time, and its layout: a file rewritten in place gets a new
     * time, and so a new fingerprint. Empty if the file's attributes cannot be read.
     */
    @Override
    public Optional<String> fingerprint() {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return Optional.of("checkpoint " + path.toAbsolutePath().normalize() + "; bytes " + a.size()
                    + "; modified " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS)
                    + "; layout " + (hf ? "hf" : "official"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String describe() {
        return path + (hf ? " (Hugging Face layout)" : "");
    }

    /**
     * Starts passing the checkpoint file through the page cache in one sequential pass on a background thread
     * ({@link Readahead}), for a model about to compute with the weights, so that the pages it maps are read from the
     * disk ahead of the layers; once (later calls do nothing). Advisory: a file that cannot be opened again is
     * logged, not reported.
     */
    public synchronized void startReadahead() {
        if (readahead != null) return;
        try {
            readahead = Readahead.start(path);
        } catch (IOException e) {
            LOG.debug("no readahead of {}: {}", path, e.toString());
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (readahead != null) readahead.close();
        }
        file.close();
    }

    @Override
    public String toString() {
        return "CheckpointWeights[" + describe() + ", " + file.names().size() + " tensors]";
    }
}
