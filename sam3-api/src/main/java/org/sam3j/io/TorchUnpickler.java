package org.sam3j.io;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The allowlist that makes {@link PickleReader} safe for {@code torch.save} checkpoints, in the spirit
 * of PyTorch's {@code torch.load(weights_only=True)}.
 *
 * <p>Only these globals resolve, each to an inert marker: the tensor rebuild functions
 * ({@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor}, {@code _rebuild_parameter},
 * {@code _rebuild_parameter_with_state}), {@code collections.OrderedDict}, the typed storage classes
 * ({@code torch.FloatStorage}, ...), dtype objects ({@code torch.float32}, ...), {@code torch.Size},
 * {@code torch.device}, {@code builtins.set}/{@code frozenset}/{@code bytes} and {@code _codecs.encode}
 * (how protocol 2 spells a bytes literal). Their "calls" are interpreted here as plain data
 * constructors; any other global is refused by name before anything else happens.
 *
 * <p>Storages are not read: a persistent id becomes a {@link StorageRef}, checked against the size of
 * its archive entry, and a rebuilt tensor becomes a {@link TensorRef}, checked to lie inside its
 * storage.
 */
final class TorchUnpickler implements PickleReader.Resolver {

    /** The data constructors a checkpoint may call. */
    enum Fn {
        REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE,
        ORDERED_DICT, SET, FROZENSET, BYTES, CODECS_ENCODE, SIZE, DEVICE
    }

    /** An allowed callable global. */
    record Callable(String qualifiedName, Fn fn) {
        @Override
        public String toString() {
            return qualifiedName;
        }
    }

    /** A typed storage class such as {@code torch.FloatStorage}. */
    record StorageType(String qualifiedName, DType dtype) {
        @Override
        public String toString() {
            return qualifiedName;
        }
    }

    /** A dtype object such as {@code torch.float32}, kept as data. */
    record DtypeObject(String qualifiedName) {
        @Override
        public String toString() {
            return qualifiedName;
        }
    }

    /** A storage in the archive: entry {@code data/<key>}, {@code numel} elements of {@code dtype}. */
    record StorageRef(String key, DType dtype, long numel, String location) {}

    /** A tensor: a strided view (in elements) of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
        long numel() {
            return StoredTensor.numel(shape);
        }

        @Override
        public String toString() {
            return "tensor(" + storage.dtype() + Arrays.toString(shape) + ")";
        }
    }

    /** Looks up archive entries of storages. */
    interface StorageSizes {
        /** The byte size of the archive entry of storage {@code key}, or -1 if there is none. */
        long size(String key);
    }

    /** Sanity limit on tensor rank. */
    private static final int MAX_RANK = 64;

    private static final Map<String, Callable> CALLABLES = new HashMap<>();
    private static final Map<String, DType> STORAGES = new HashMap<>();
    private static final Set<String> DTYPES = Set.of(
            "float32", "float", "float64", "double", "float16", "half", "bfloat16",
            "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool",
            "complex64", "cfloat", "complex128", "cdouble");
    /** Storage classes PyTorch has but this reader cannot convert (refused with a specific message). */
    private static final Set<String> UNSUPPORTED_STORAGES = Set.of(
            "ComplexDoubleStorage", "QUInt8Storage", "QInt8Storage", "QInt32Storage", "QUInt4x2Storage",
            "QUInt2x4Storage");

    static {
        callable("torch._utils._rebuild_tensor_v2", Fn.REBUILD_TENSOR_V2);
        callable("torch._utils._rebuild_tensor", Fn.REBUILD_TENSOR);
        callable("torch._utils._rebuild_parameter", Fn.REBUILD_PARAMETER);
        callable("torch._utils._rebuild_parameter_with_state", Fn.REBUILD_PARAMETER_WITH_STATE);
        callable("collections.OrderedDict", Fn.ORDERED_DICT);
        callable("builtins.set", Fn.SET);
        callable("__builtin__.set", Fn.SET);
        callable("builtins.frozenset", Fn.FROZENSET);
        callable("__builtin__.frozenset", Fn.FROZENSET);
        callable("builtins.bytes", Fn.BYTES);
        callable("__builtin__.bytes", Fn.BYTES);
        callable("_codecs.encode", Fn.CODECS_ENCODE);
        callable("torch.Size", Fn.SIZE);
        callable("torch.device", Fn.DEVICE);
        STORAGES.put("FloatStorage", DType.F32);
        STORAGES.put("DoubleStorage", DType.F64);
        STORAGES.put("HalfStorage", DType.F16);
        STORAGES.put("BFloat16Storage", DType.BF16);
        STORAGES.put("LongStorage", DType.I64);
        STORAGES.put("IntStorage", DType.I32);
        STORAGES.put("ShortStorage", DType.I16);
        STORAGES.put("CharStorage", DType.I8);
        STORAGES.put("ByteStorage", DType.U8);
        STORAGES.put("BoolStorage", DType.BOOL);
        STORAGES.put("ComplexFloatStorage", DType.C64);
        STORAGES.put("UntypedStorage", DType.U8);
    }

    private static void callable(String qualified, Fn fn) {
        CALLABLES.put(qualified, new Callable(qualified, fn));
    }

    private final String where;
    private final StorageSizes sizes;
    /** One StorageRef per key, so views of one storage share it. */
    private final Map<String, StorageRef> storages = new HashMap<>();

    /**
     * @param where description of the pickle for messages (file and entry)
     * @param sizes archive entry sizes, to check storages against
     */
    TorchUnpickler(String where, StorageSizes sizes) {
        this.where = where;
        this.sizes = sizes;
    }

    @Override
    public Object global(String module, String name) throws CheckpointFormatException {
        String qualified = module + "." + name;
        Callable c = CALLABLES.get(qualified);
        if (c != null) {
            return c;
        }
        if (module.equals("torch")) {
            DType st = STORAGES.get(name);
            if (st != null) {
                return new StorageType(qualified, st);
            }
            if (UNSUPPORTED_STORAGES.contains(name)) {
                throw fail("unsupported tensor storage type '" + qualified + "'");
            }
            if (DTYPES.contains(name)) {
                return new DtypeObject(qualified);
            }
        }
        throw fail("refusing pickle global '" + qualified + "' (not on the allowlist of tensor-rebuild globals;"
                + " the file holds Python objects other than tensors, or is malicious)");
    }

    @Override
    public Object reduce(Object callable, List<Object> args) throws CheckpointFormatException {
        if (!(callable instanceof Callable)) {
            throw fail("refusing to call " + describe(callable) + " (only tensor-rebuild functions and data"
                    + " constructors may be called)");
        }
        Callable c = (Callable) callable;
        switch (c.fn()) {
            case REBUILD_TENSOR_V2:
            case REBUILD_TENSOR: {
                if (args.size() < 4 || args.size() > 7) {
                    throw fail(c + " takes 4 to 7 arguments, got " + args.size());
                }
                if (!(args.get(0) instanceof StorageRef)) {
                    throw fail(c + ": first argument is " + PickleReader.typeName(args.get(0)) + ", not a storage");
                }
                StorageRef s = (StorageRef) args.get(0);
                long offset = toLong(args.get(1), "storage offset");
                long[] shape = toLongs(args.get(2), "size");
                long[] stride = toLongs(args.get(3), "stride");
                return view(s, offset, shape, stride);
            }
            case REBUILD_PARAMETER:
            case REBUILD_PARAMETER_WITH_STATE: {
                if (args.isEmpty() || !(args.get(0) instanceof TensorRef)) {
                    throw fail(c + " needs a tensor as its first argument");
                }
                return args.get(0);
            }
            case ORDERED_DICT: {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() == 1) {
                    Object a = args.get(0);
                    if (a instanceof Map) {
                        m.putAll((Map<?, ?>) a);
                    } else if (a instanceof List) {
                        for (Object pair : (List<?>) a) {
                            if (!(pair instanceof List) || ((List<?>) pair).size() != 2
                                    || !PickleReader.isHashable(((List<?>) pair).get(0), 0)) {
                                throw fail("OrderedDict items must be pairs with a hashable key");
                            }
                            m.put(((List<?>) pair).get(0), ((List<?>) pair).get(1));
                        }
                    } else {
                        throw fail("OrderedDict of " + PickleReader.typeName(a));
                    }
                } else if (!args.isEmpty()) {
                    throw fail("OrderedDict takes at most one argument");
                }
                return m;
            }
            case SET:
            case FROZENSET: {
                Set<Object> s = new LinkedHashSet<>();
                if (args.size() == 1 && args.get(0) instanceof Collection) {
                    for (Object item : (Collection<?>) args.get(0)) {
                        if (!PickleReader.isHashable(item, 0)) {
                            throw fail(c + ": unhashable " + PickleReader.typeName(item) + " item");
                        }
                        s.add(item);
                    }
                } else if (!args.isEmpty()) {
                    throw fail(c + " takes one list argument");
                }
                return c.fn() == Fn.SET ? s : Collections.unmodifiableSet(s);
            }
            case BYTES:
                if (args.isEmpty()) {
                    return new byte[0];
                }
                if (args.size() == 1 && args.get(0) instanceof byte[]) {
                    return ((byte[]) args.get(0)).clone();
                }
                throw fail(c + " with arguments " + describeTypes(args) + " is not supported");
            case CODECS_ENCODE: {
                if (args.size() == 2 && args.get(0) instanceof String
                        && ("latin1".equals(args.get(1)) || "latin-1".equals(args.get(1)))) {
                    String s = (String) args.get(0);
                    for (int i = 0; i < s.length(); i++) {
                        if (s.charAt(i) > 0xFF) throw fail("_codecs.encode: character outside latin-1");
                    }
                    return s.getBytes(StandardCharsets.ISO_8859_1);
                }
                throw fail("_codecs.encode is only allowed as encode(str, 'latin1')");
            }
            case SIZE: {
                if (args.size() == 1) {
                    long[] dims = toLongs(args.get(0), "torch.Size");
                    List<Object> out = new ArrayList<>();
                    for (long d : dims) out.add(d);
                    return Collections.unmodifiableList(out);
                }
                throw fail("torch.Size takes one tuple argument");
            }
            case DEVICE: {
                if (args.size() == 1 && args.get(0) instanceof String) {
                    return args.get(0);
                }
                if (args.size() == 2 && args.get(0) instanceof String && args.get(1) instanceof Long) {
                    return args.get(0) + ":" + args.get(1);
                }
                throw fail("torch.device with arguments " + describeTypes(args) + " is not supported");
            }
            default:
                throw fail("unhandled allowlisted callable " + c);
        }
    }

    @Override
    public Object newObject(Object cls, List<Object> args) throws CheckpointFormatException {
        if (cls instanceof Callable && args.isEmpty()) {
            Fn fn = ((Callable) cls).fn();
            if (fn == Fn.ORDERED_DICT) return new LinkedHashMap<>();
            if (fn == Fn.SET) return new LinkedHashSet<>();
        }
        throw fail("refusing to instantiate " + describe(cls) + " with NEWOBJ");
    }

    @Override
    public Object build(Object obj, Object state) throws CheckpointFormatException {
        // An OrderedDict state_dict carries attributes such as _metadata (module versions): data, ignored.
        if (obj instanceof Map && (state == null || state instanceof Map || state instanceof List)) {
            return obj;
        }
        throw fail("refusing BUILD on " + describe(obj) + " (only dict attributes may be set)");
    }

    @Override
    public Object persistentLoad(Object pid) throws CheckpointFormatException {
        if (!(pid instanceof List) || ((List<?>) pid).size() != 5 || !"storage".equals(((List<?>) pid).get(0))) {
            throw fail("unsupported persistent id " + describe(pid) + " (expected ('storage', type, key, location,"
                    + " numel))");
        }
        List<?> t = (List<?>) pid;
        if (!(t.get(1) instanceof StorageType)) {
            throw fail("persistent id names " + describe(t.get(1)) + ", not a storage type");
        }
        if (!(t.get(2) instanceof String) || !(t.get(3) instanceof String)) {
            throw fail("persistent id needs a string key and location");
        }
        DType dtype = ((StorageType) t.get(1)).dtype();
        String key = (String) t.get(2);
        String location = (String) t.get(3);
        long numel = toLong(t.get(4), "storage size");
        if (numel < 0) {
            throw fail("storage '" + key + "' has a negative size " + numel);
        }
        StorageRef known = storages.get(key);
        if (known != null) {
            if (known.dtype() != dtype || known.numel() != numel) {
                throw fail("storage '" + key + "' is declared twice with different types or sizes");
            }
            return known;
        }
        if (key.isEmpty() || key.contains("/") || key.contains("\\") || key.contains("..")) {
            throw fail("invalid storage key '" + key + "'");
        }
        long entrySize = sizes.size(key);
        if (entrySize < 0) {
            throw fail("storage '" + key + "' is missing from the archive (no entry data/" + key
                    + "; truncated or corrupt file)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw fail("storage '" + key + "' declares an absurd size of " + numel + " elements");
        }
        if (bytes != entrySize) {
            throw fail("storage '" + key + "' declares " + numel + " " + dtype + " elements (" + bytes
                    + " bytes) but its entry data/" + key + " holds " + entrySize + " bytes (truncated/corrupt file)");
        }
        StorageRef s = new StorageRef(key, dtype, numel, location);
        storages.put(key, s);
        return s;
    }

    /** Validates a view and returns it. */
    private TensorRef view(StorageRef s, long offset, long[] shape, long[] stride) throws CheckpointFormatException {
        String what = "tensor view of storage '" + s.key() + "' (offset " + offset + ", size " + Arrays.toString(shape)
                + ", stride " + Arrays.toString(stride) + ")";
        if (shape.length != stride.length) {
            throw fail(what + ": size and stride differ in rank");
        }
        if (shape.length > MAX_RANK) {
            throw fail(what + ": rank " + shape.length + " is absurd");
        }
        if (offset < 0) {
            throw fail(what + ": negative storage offset");
        }
        long numel = 1;
        long last = offset;
        try {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 || stride[i] < 0) {
                    throw fail(what + ": negative size or stride");
                }
                numel = Math.multiplyExact(numel, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw fail(what + ": absurd size");
        }
        if (numel == 0 ? offset > s.numel() : last >= s.numel()) {
            throw fail(what + " does not lie inside its storage of " + s.numel() + " elements (corrupt file)");
        }
        return new TensorRef(s, offset, shape, stride);
    }

    private long toLong(Object o, String what) throws CheckpointFormatException {
        if (o instanceof Long) {
            return (Long) o;
        }
        if (o instanceof BigInteger) {
            throw fail(what + " " + o + " is out of range");
        }
        throw fail(what + " is " + PickleReader.typeName(o) + ", not an int");
    }

    private long[] toLongs(Object o, String what) throws CheckpointFormatException {
        if (!(o instanceof List)) {
            throw fail(what + " is " + PickleReader.typeName(o) + ", not a tuple");
        }
        List<?> l = (List<?>) o;
        if (l.size() > MAX_RANK) {
            throw fail(what + " has an absurd rank " + l.size());
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toLong(l.get(i), what);
        }
        return out;
    }

    private static String describe(Object o) {
        if (o instanceof Callable || o instanceof StorageType || o instanceof DtypeObject) {
            return "'" + o + "'";
        }
        return "a " + PickleReader.typeName(o);
    }

    private static String describeTypes(List<Object> args) {
        List<String> t = new ArrayList<>();
        for (Object a : args) t.add(PickleReader.typeName(a));
        return t.toString();
    }

    private CheckpointFormatException fail(String message) {
        return new CheckpointFormatException(where + ": " + message);
    }
}
