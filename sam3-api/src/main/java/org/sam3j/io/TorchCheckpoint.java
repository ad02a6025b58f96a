package org.sam3j.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.sam3j.internal.Log;
import org.sam3j.io.TorchUnpickler.StorageRef;
import org.sam3j.io.TorchUnpickler.TensorRef;
import org.slf4j.Logger;

/**
 * A PyTorch checkpoint written by {@code torch.save} in the zip format (PyTorch 1.6 and later), read
 * safely and lazily, without Python.
 *
 * <p><b>Safety.</b> The pickle inside the archive is interpreted by a data-only virtual machine that
 * accepts nothing but an allowlist of tensor-rebuild globals (as {@code torch.load(weights_only=True)}
 * does); any other global is refused with a {@link CheckpointFormatException} naming it, and nothing is
 * ever executed or instantiated by name. Every size in the file is checked before anything is
 * allocated: storage entries must hold exactly their declared number of elements, tensor views must
 * lie inside their storages, entries must lie inside the file and match their CRC-32. Malformed,
 * truncated or corrupt files are reported as {@link CheckpointFormatException}s naming the file.
 *
 * <p><b>Laziness.</b> {@link #open} reads only the zip central directory and the pickle; a tensor's
 * storage is read when {@link #tensor} asks for it: uncompressed entries (the normal case) are memory
 * mapped, compressed ones inflated. A view whose elements are contiguous is returned without copying;
 * strided views (e.g. a transposed tensor) are materialised into a new row-major buffer.
 *
 * <p><b>Layout.</b> The state dict is the top-level dict, or the dict under {@code "model"} or
 * {@code "state_dict"} if there is one (the released {@code sam3.pt} is {@code {"model": state_dict}}).
 * Other top-level entries are available from {@link #extras()}.
 *
 * <p>Instances are safe for concurrent use. Close the checkpoint when done; tensors already obtained
 * from it must not be used afterwards.
 */
public final class TorchCheckpoint implements TensorFile {
    private static final Logger LOG = Log.get(TorchCheckpoint.class);
    /** The pickle of a checkpoint with thousands of tensors is well under a MiB; larger is corrupt. */
    private static final long MAX_PICKLE_BYTES = 256L * 1024 * 1024;
    /** Nesting limit for the extras converted to Java values. */
    private static final int MAX_EXTRAS_DEPTH = 100;
    /** Keys under which a checkpoint may nest its state dict, in order of preference. */
    private static final List<String> STATE_DICT_KEYS = List.of("model", "state_dict");

    private final Path path;
    private final ZipIndex zip;
    private final String prefix;
    private final boolean bigEndian;
    private final String stateDictKey;
    private final Map<String, TensorRef> tensors;
    private final Map<String, Object> extras;
    private final Set<String> verifiedStorages = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private TorchCheckpoint(Path path, ZipIndex zip, String prefix, boolean bigEndian, String stateDictKey,
                            Map<String, TensorRef> tensors, Map<String, Object> extras) {
        this.path = path;
        this.zip = zip;
        this.prefix = prefix;
        this.bigEndian = bigEndian;
        this.stateDictKey = stateDictKey;
        this.tensors = tensors;
        this.extras = extras;
    }

    /**
     * Opens a checkpoint: reads the zip directory and the pickle, and validates every tensor's storage
     * entry and view. No tensor data is read.
     *
     * @param path a file written by {@code torch.save} (zip format)
     * @return the open checkpoint
     * @throws NoSuchFileException       if the file does not exist
     * @throws CheckpointFormatException if the file is not a zip-format checkpoint, is truncated or
     *                                   corrupt, or its pickle uses a global outside the allowlist
     * @throws IOException               on a read error
     */
    public static TorchCheckpoint open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            checkMagic(path, ch);
            ZipIndex zip = ZipIndex.open(path, ch);
            String prefix = findPrefix(path, zip);
            boolean bigEndian = readByteOrder(path, zip, prefix);
            ZipIndex.Entry pklEntry = zip.entry(prefix + "data.pkl");
            if (pklEntry.size() > MAX_PICKLE_BYTES) {
                throw new CheckpointFormatException(path + ": " + pklEntry.name() + " is " + pklEntry.size()
                        + " bytes, too large for a checkpoint pickle (corrupt file?)");
            }
            ByteBuffer pklBuf = zip.read(pklEntry, true);
            byte[] pkl = new byte[pklBuf.remaining()];
            pklBuf.get(pkl);
            String where = path + ": " + pklEntry.name();
            TorchUnpickler resolver = new TorchUnpickler(where, key -> {
                ZipIndex.Entry e = zip.entry(prefix + "data/" + key);
                return e == null ? -1 : e.size();
            });
            Object root = PickleReader.load(pkl, where, resolver);
            TorchCheckpoint ckpt = interpret(path, zip, prefix, bigEndian, root);
            LOG.debug("{}: {} tensors{}, {} extras", path, ckpt.tensors.size(),
                    ckpt.stateDictKey == null ? "" : " under '" + ckpt.stateDictKey + "'", ckpt.extras.size());
            return ckpt;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Rejects files that are not zip archives, naming what they seem to be instead. */
    private static void checkMagic(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            throw new CheckpointFormatException(path + ": empty file, not a PyTorch checkpoint");
        }
        ByteBuffer head = ZipIndex.readAt(path, ch, 0, (int) Math.min(size, 9));
        byte[] zipMagic = {'P', 'K', 3, 4};
        boolean zip = true;
        for (int i = 0; i < Math.min(4, head.remaining()); i++) {
            zip &= head.get(i) == zipMagic[i];
        }
        if (zip) {
            return; // a zip archive, or a truncated start of one: the zip reader says which
        }
        int first = head.get(0) & 0xFF;
        if (first == 0x80) {
            throw new CheckpointFormatException(path + ": legacy (non-zip) torch.save format; only the zip format"
                    + " written by PyTorch >= 1.6 is supported (re-save the checkpoint with a recent PyTorch)");
        }
        if (head.remaining() == 9 && head.get(8) == '{' && head.getLong(0) > 0 && head.getLong(0) < size) {
            throw new CheckpointFormatException(path + ": this is a safetensors file, not a torch.save checkpoint"
                    + " (open it with SafetensorsFile)");
        }
        throw new CheckpointFormatException(path + ": not a PyTorch checkpoint (not a zip archive; only the zip"
                + " format written by torch.save in PyTorch >= 1.6 is supported)");
    }

    /** The archive's top folder (with a trailing slash) that holds data.pkl. */
    private static String findPrefix(Path path, ZipIndex zip) throws CheckpointFormatException {
        String found = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.indexOf('/', slash + 1) < 0 && name.endsWith("/data.pkl")) {
                if (found != null) {
                    throw new CheckpointFormatException(path + ": ambiguous archive with two pickles ("
                            + found + "data.pkl and " + name + ")");
                }
                found = name.substring(0, slash + 1);
            }
        }
        if (found == null) {
            boolean torchScript = zip.entries().keySet().stream().anyMatch(n -> n.endsWith("/constants.pkl"));
            throw new CheckpointFormatException(path + ": zip archive without a <name>/data.pkl entry; not a"
                    + " torch.save checkpoint" + (torchScript ? " (it looks like a TorchScript archive)" : ""));
        }
        return found;
    }

    private static boolean readByteOrder(Path path, ZipIndex zip, String prefix) throws IOException {
        ZipIndex.Entry e = zip.entry(prefix + "byteorder");
        if (e == null) {
            return false; // written before PyTorch recorded it: little-endian
        }
        if (e.size() > 16) {
            throw new CheckpointFormatException(path + ": corrupt byteorder entry (" + e.size() + " bytes)");
        }
        ByteBuffer b = zip.read(e, true);
        byte[] raw = new byte[b.remaining()];
        b.get(raw);
        String order = new String(raw, StandardCharsets.US_ASCII).trim();
        if (order.equals("little")) return false;
        if (order.equals("big")) return true;
        throw new CheckpointFormatException(path + ": unknown byte order '" + order + "' in " + e.name());
    }

    private static TorchCheckpoint interpret(Path path, ZipIndex zip, String prefix, boolean bigEndian, Object root)
            throws CheckpointFormatException {
        if (root instanceof TensorRef) {
            throw new CheckpointFormatException(path + ": the checkpoint holds a single tensor, not a dict of"
                    + " tensors");
        }
        if (!(root instanceof Map)) {
            throw new CheckpointFormatException(path + ": the checkpoint holds a " + PickleReader.typeName(root)
                    + ", not a dict (state dict)");
        }
        Map<?, ?> top = (Map<?, ?>) root;
        String key = null;
        for (String k : STATE_DICT_KEYS) {
            if (top.get(k) instanceof Map && containsTensor((Map<?, ?>) top.get(k))) {
                key = k;
                break;
            }
        }
        Map<?, ?> stateDict = key == null ? top : (Map<?, ?>) top.get(key);
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : stateDict.entrySet()) {
            if (e.getValue() instanceof TensorRef) {
                if (!(e.getKey() instanceof String)) {
                    throw new CheckpointFormatException(path + ": state dict key of type "
                            + PickleReader.typeName(e.getKey()) + ", not a string");
                }
                tensors.put((String) e.getKey(), (TensorRef) e.getValue());
            } else if (key != null) {
                LOG.debug("{}: ignoring non-tensor state dict entry '{}'", path, e.getKey());
            }
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            if (key != null ? key.equals(e.getKey()) : e.getValue() instanceof TensorRef) {
                continue;
            }
            extras.put(String.valueOf(e.getKey()), toPublic(path, e.getValue(), 0));
        }
        return new TorchCheckpoint(path, zip, prefix, bigEndian, key, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(extras));
    }

    private static boolean containsTensor(Map<?, ?> m) {
        for (Object v : m.values()) {
            if (v instanceof TensorRef) return true;
        }
        return m.isEmpty();
    }

    /** Converts an unpickled value to the immutable public representation of {@link #extras()}. */
    private static Object toPublic(Path path, Object v, int depth) throws CheckpointFormatException {
        if (depth > MAX_EXTRAS_DEPTH) {
            throw new CheckpointFormatException(path + ": checkpoint entries nested too deeply (cyclic?)");
        }
        if (v == null || v instanceof Long || v instanceof BigInteger || v instanceof Double
                || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (v instanceof byte[]) {
            return ((byte[]) v).clone();
        }
        if (v instanceof Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                out.put(toPublic(path, e.getKey(), depth + 1), toPublic(path, e.getValue(), depth + 1));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) out.add(toPublic(path, o, depth + 1));
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Collection) {
            Set<Object> out = new LinkedHashSet<>();
            for (Object o : (Collection<?>) v) out.add(toPublic(path, o, depth + 1));
            return Collections.unmodifiableSet(out);
        }
        // Tensors, storages, dtypes and allowed callables: described by name, never exposed.
        return v.toString();
    }

    /**
     * The file this was opened from.
     *
     * @return the checkpoint's path
     */
    public Path path() {
        return path;
    }

    /**
     * Tensor names of the state dict, in file order.
     *
     * @return an unmodifiable set of names
     */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * Whether the state dict has a tensor of this name.
     *
     * @param name a tensor name
     * @return true if {@link #tensor} will find it
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The top-level key the state dict was found under ({@code "model"} or {@code "state_dict"}), or
     * null if the top-level dict is itself the state dict.
     *
     * @return the key, or null
     */
    public String stateDictKey() {
        return stateDictKey;
    }

    /**
     * The top-level entries other than the state dict (such as {@code epoch} or {@code note}), as
     * immutable plain Java values: {@link Long} (or {@link BigInteger}) for ints, {@link Double},
     * {@link String}, {@link Boolean}, {@code null}, {@code byte[]}, {@link List} for lists and tuples,
     * {@link Map} and {@link Set}. Tensors and other torch objects inside them are given as a short
     * description string such as {@code "tensor(F32[3, 4])"}.
     *
     * @return an unmodifiable map in file order
     */
    public Map<String, Object> extras() {
        return extras;
    }

    /**
     * Shape of a tensor, without reading its data.
     *
     * @param name a tensor name
     * @return a copy of the shape (empty for a scalar)
     * @throws IllegalArgumentException if there is no such tensor
     */
    @Override
    public long[] shape(String name) {
        return ref(name).shape().clone();
    }

    /**
     * Element type of a tensor, without reading its data.
     *
     * @param name a tensor name
     * @return the element type
     * @throws IllegalArgumentException if there is no such tensor
     */
    @Override
    public DType dtype(String name) {
        return ref(name).storage().dtype();
    }

    /**
     * Reads one tensor as contiguous row-major little-endian data. A contiguous view of a memory-mapped
     * storage is returned without copying; anything else (strided views, compressed entries, big-endian
     * files) is copied into a new buffer.
     *
     * @param name a tensor name
     * @return the tensor, named {@code name}
     * @throws IllegalArgumentException  if there is no such tensor
     * @throws IllegalStateException     if the checkpoint is closed
     * @throws CheckpointFormatException if the storage entry is corrupt (CRC mismatch, bad local header),
     *                                   or the tensor is too large for one buffer
     */
    @Override
    public StoredTensor tensor(String name) throws IOException {
        TensorRef t = ref(name);
        if (closed) {
            throw new IllegalStateException(path + ": checkpoint is closed");
        }
        StorageRef s = t.storage();
        DType dtype = s.dtype();
        int es = dtype.byteSize();
        long numel = t.numel();
        long bytes = numel * es; // cannot overflow: the view lies inside a storage whose byte size fits a long
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(path + ": tensor '" + name + "' has " + bytes
                    + " bytes, more than one buffer can hold");
        }
        ZipIndex.Entry entry = zip.entry(prefix + "data/" + s.key());
        boolean verified = verifiedStorages.contains(s.key());
        ByteBuffer storage = zip.read(entry, !verified);
        if (!verified && entry.method() == ZipIndex.METHOD_STORED) {
            verifiedStorages.add(s.key());
        }
        if (numel == 0) {
            return new StoredTensor(name, dtype, t.shape(), ByteBuffer.allocate(0));
        }
        if (!bigEndian && isContiguous(t.shape(), t.stride())) {
            ByteBuffer slice = storage.duplicate();
            slice.position((int) (t.offset() * es)).limit((int) (t.offset() * es + bytes));
            return new StoredTensor(name, dtype, t.shape(), slice.slice().order(ByteOrder.LITTLE_ENDIAN));
        }
        ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        gather(storage, t, es, out);
        if (bigEndian) {
            swapBytes(out, dtype == DType.C64 ? 4 : es);
        }
        out.flip();
        return new StoredTensor(name, dtype, t.shape(), out);
    }

    /** Whether a strided view visits consecutive elements in row-major order (dims of size 1 ignored). */
    static boolean isContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Copies the elements of a strided view, in row-major order, into {@code out}. */
    private static void gather(ByteBuffer storage, TensorRef t, int es, ByteBuffer out) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        int rank = shape.length;
        if (rank == 0) {
            copyElement(storage, (int) (t.offset() * es), es, out);
            return;
        }
        int inner = rank - 1;
        long innerLen = shape[inner];
        long innerStride = stride[inner];
        long[] idx = new long[rank];
        long base = t.offset();
        while (true) {
            if (innerStride == 1) {
                copy(storage, base * es, (int) (innerLen * es), out);
            } else {
                for (long j = 0; j < innerLen; j++) {
                    copyElement(storage, (int) ((base + j * innerStride) * es), es, out);
                }
            }
            // Odometer over the outer dimensions.
            int d = inner - 1;
            while (d >= 0) {
                idx[d]++;
                base += stride[d];
                if (idx[d] < shape[d]) break;
                base -= stride[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) return;
        }
    }

    private static void copy(ByteBuffer storage, long from, int len, ByteBuffer out) {
        ByteBuffer src = storage.duplicate();
        src.position((int) from).limit((int) from + len);
        out.put(src);
    }

    /** Copies one element's bytes unchanged (both buffers have the same byte order). */
    private static void copyElement(ByteBuffer storage, int at, int es, ByteBuffer out) {
        switch (es) {
            case 1: out.put(storage.get(at)); break;
            case 2: out.putShort(storage.getShort(at)); break;
            case 4: out.putInt(storage.getInt(at)); break;
            case 8: out.putLong(storage.getLong(at)); break;
            default: copy(storage, at, es, out); break;
        }
    }

    private static void swapBytes(ByteBuffer b, int unit) {
        if (unit == 1) return;
        int n = b.position();
        for (int i = 0; i < n; i += unit) {
            for (int a = i, z = i + unit - 1; a < z; a++, z--) {
                byte tmp = b.get(a);
                b.put(a, b.get(z));
                b.put(z, tmp);
            }
        }
    }

    private TensorRef ref(String name) {
        TensorRef t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "'");
        }
        return t;
    }

    /** Closes the file. Tensors obtained earlier must not be used afterwards. */
    @Override
    public void close() throws IOException {
        closed = true;
        zip.close();
    }

    @Override
    public String toString() {
        return "TorchCheckpoint[" + path + ", " + tensors.size() + " tensors"
                + (stateDictKey == null ? "" : " under '" + stateDictKey + "'") + ", extras " + extras.keySet() + "]";
    }
}
