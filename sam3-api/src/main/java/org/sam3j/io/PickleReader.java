package org.sam3j.io;

import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
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
 * A data-only interpreter of the Python pickle format (protocols 2 to 5, plus the few protocol 0/1
 * opcodes that still occur), as written by {@code torch.save}.
 *
 * <p>The interpreter only builds plain data: {@link Long} or {@link BigInteger} for ints,
 * {@link Double}, {@link String}, {@code byte[]}, {@link Boolean}, {@code null}, tuples as unmodifiable
 * {@link List}s, lists as {@link ArrayList}, dicts as {@link LinkedHashMap} and sets as
 * {@link LinkedHashSet}. Everything that would run code in Python - looking up a global, calling it
 * ({@code REDUCE}, {@code NEWOBJ}), {@code BUILD}, persistent ids - is delegated to a {@link Resolver},
 * which decides what (if anything) is allowed. Nothing is ever loaded or instantiated by name.
 *
 * <p>Every malformed input (truncated data, bad lengths, stack underflow, unknown opcodes, type
 * confusion) is reported as a {@link CheckpointFormatException} naming the byte offset; every opcode
 * consumes at least one byte, so the interpreter always terminates.
 */
final class PickleReader {

    /** Gives meaning to the pickle operations that would execute code in Python. */
    interface Resolver {
        /** Resolves {@code GLOBAL}/{@code STACK_GLOBAL}; throws for anything not allowed. */
        Object global(String module, String name) throws CheckpointFormatException;

        /** Applies {@code REDUCE}: {@code callable(*args)}. */
        Object reduce(Object callable, List<Object> args) throws CheckpointFormatException;

        /** Applies {@code NEWOBJ}: {@code cls.__new__(cls, *args)}. */
        Object newObject(Object cls, List<Object> args) throws CheckpointFormatException;

        /** Applies {@code BUILD}: sets {@code state} on {@code obj}; returns the (possibly new) object. */
        Object build(Object obj, Object state) throws CheckpointFormatException;

        /** Resolves a persistent id ({@code BINPERSID}). */
        Object persistentLoad(Object pid) throws CheckpointFormatException;
    }

    /** Marker object on the stack for {@code MARK}. */
    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final byte[] data;
    private final String where;
    private final Resolver resolver;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int opStart;

    private PickleReader(byte[] data, String where, Resolver resolver) {
        this.data = data;
        this.where = where;
        this.resolver = resolver;
    }

    /**
     * Interprets one pickle.
     *
     * @param data     the pickle bytes
     * @param where    description for error messages (file and entry name)
     * @param resolver gives meaning to globals, calls and persistent ids
     * @return the unpickled object
     */
    static Object load(byte[] data, String where, Resolver resolver) throws CheckpointFormatException {
        PickleReader r = new PickleReader(data, where, resolver);
        try {
            return r.run();
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // Safety net: any type confusion a crafted pickle may cause is a format error, not a crash.
            throw r.error("malformed pickle (" + e + ")");
        }
    }

    private Object run() throws CheckpointFormatException {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80: { // PROTO
                    int proto = u8();
                    if (proto > 5) throw error("unsupported pickle protocol " + proto);
                    break;
                }
                case 0x95: // FRAME: just a length hint
                    need(8);
                    pos += 8;
                    break;
                case '.': { // STOP
                    Object result = pop();
                    return result;
                }
                case '(': // MARK
                    stack.add(MARK);
                    break;
                case '0': // POP
                    pop();
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(peek());
                    break;

                // ---- constants ----
                case 'N':
                    push(null);
                    break;
                case 0x88:
                    push(Boolean.TRUE);
                    break;
                case 0x89:
                    push(Boolean.FALSE);
                    break;
                case 'J': // BININT
                    push((long) i32());
                    break;
                case 'K': // BININT1
                    push((long) u8());
                    break;
                case 'M': // BININT2
                    push((long) u16());
                    break;
                case 0x8a: // LONG1
                    push(longN(u8()));
                    break;
                case 0x8b: { // LONG4
                    int n = i32();
                    if (n < 0) throw error("negative LONG4 length");
                    push(longN(n));
                    break;
                }
                case 'I': { // INT (protocol 0): "01"/"00" are True/False
                    String s = line();
                    if (s.equals("01")) push(Boolean.TRUE);
                    else if (s.equals("00")) push(Boolean.FALSE);
                    else push(parseInt(s));
                    break;
                }
                case 'L': { // LONG (protocol 0)
                    String s = line();
                    push(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                    break;
                }
                case 'G': // BINFLOAT, big-endian
                    push(Double.longBitsToDouble(i64be()));
                    break;
                case 'F': { // FLOAT (protocol 0)
                    String s = line();
                    try {
                        push(Double.parseDouble(s));
                    } catch (NumberFormatException e) {
                        throw error("bad FLOAT '" + s + "'");
                    }
                    break;
                }

                // ---- strings and bytes ----
                case 'X': // BINUNICODE
                    push(utf8(len32()));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(utf8(u8()));
                    break;
                case 0x8d: // BINUNICODE8
                    push(utf8(len64()));
                    break;
                case 'T': // BINSTRING (py2 str): latin-1
                    push(text(len32(), StandardCharsets.ISO_8859_1));
                    break;
                case 'U': // SHORT_BINSTRING
                    push(text(u8(), StandardCharsets.ISO_8859_1));
                    break;
                case 'C': // SHORT_BINBYTES
                    push(bytes(u8()));
                    break;
                case 'B': // BINBYTES
                    push(bytes(len32()));
                    break;
                case 0x8e: // BINBYTES8
                    push(bytes(len64()));
                    break;
                case 0x96: // BYTEARRAY8
                    push(bytes(len64()));
                    break;

                // ---- containers ----
                case '}': // EMPTY_DICT
                    push(new LinkedHashMap<Object, Object>());
                    break;
                case ']': // EMPTY_LIST
                    push(new ArrayList<Object>());
                    break;
                case ')': // EMPTY_TUPLE
                    push(tuple(new ArrayList<>()));
                    break;
                case 0x8f: // EMPTY_SET
                    push(new LinkedHashSet<Object>());
                    break;
                case 0x85: { // TUPLE1
                    Object a = pop();
                    push(tuple(new ArrayList<>(Collections.singletonList(a))));
                    break;
                }
                case 0x86: { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(tuple(new ArrayList<>(Arrays.asList(a, b))));
                    break;
                }
                case 0x87: { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(new ArrayList<>(Arrays.asList(a, b, c))));
                    break;
                }
                case 't': // TUPLE
                    push(tuple(popMark()));
                    break;
                case 'l': // LIST
                    push(popMark());
                    break;
                case 'd': { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                    break;
                }
                case 0x91: // FROZENSET
                    push(Collections.unmodifiableSet(new LinkedHashSet<>(hashables(popMark()))));
                    break;
                case 'a': { // APPEND
                    Object v = pop();
                    asList(peek(), "APPEND").add(v);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popMark();
                    asList(peek(), "APPENDS").addAll(items);
                    break;
                }
                case 's': { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    asMap(peek(), "SETITEM").put(hashable(k), v);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popMark();
                    putPairs(asMap(peek(), "SETITEMS"), items);
                    break;
                }
                case 0x90: { // ADDITEMS
                    List<Object> items = popMark();
                    Object s = peek();
                    if (!(s instanceof Set)) throw error("ADDITEMS on " + typeName(s));
                    @SuppressWarnings("unchecked")
                    Set<Object> set = (Set<Object>) s;
                    set.addAll(hashables(items));
                    break;
                }

                // ---- memo ----
                case 'q': // BINPUT
                    memo.put((long) u8(), peek());
                    break;
                case 'r': // LONG_BINPUT
                    memo.put(i32() & 0xFFFFFFFFL, peek());
                    break;
                case 0x94: // MEMOIZE
                    memo.put((long) memo.size(), peek());
                    break;
                case 'p': // PUT (protocol 0)
                    memo.put(memoIndex(line()), peek());
                    break;
                case 'h': // BINGET
                    push(memoGet(u8()));
                    break;
                case 'j': // LONG_BINGET
                    push(memoGet(i32() & 0xFFFFFFFFL));
                    break;
                case 'g': // GET (protocol 0)
                    push(memoGet(memoIndex(line())));
                    break;

                // ---- the operations a Resolver decides on ----
                case 'c': { // GLOBAL "module\nname\n"
                    String module = line();
                    String name = line();
                    push(resolver.global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw error("STACK_GLOBAL needs two strings, got " + typeName(module) + " and " + typeName(name));
                    }
                    push(resolver.global((String) module, (String) name));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(resolver.reduce(callable, asTuple(args, "REDUCE")));
                    break;
                }
                case 0x81: { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(resolver.newObject(cls, asTuple(args, "NEWOBJ")));
                    break;
                }
                case 0x92: { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map) || !((Map<?, ?>) kwargs).isEmpty()) {
                        throw error("NEWOBJ_EX with keyword arguments is not supported");
                    }
                    push(resolver.newObject(cls, asTuple(args, "NEWOBJ_EX")));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    Object obj = pop();
                    push(resolver.build(obj, state));
                    break;
                }
                case 'Q': // BINPERSID
                    push(resolver.persistentLoad(pop()));
                    break;
                case 'P': // PERSID (protocol 0)
                    push(resolver.persistentLoad(line()));
                    break;

                case 'i':
                case 'o':
                    throw error("refusing pickle opcode " + (op == 'i' ? "INST" : "OBJ")
                            + " (instantiates arbitrary classes)");
                case 0x82:
                case 0x83:
                case 0x84:
                    throw error("unsupported pickle opcode EXT" + (op == 0x82 ? 1 : op == 0x83 ? 2 : 4)
                            + " (extension registry)");
                case 0x97:
                case 0x98:
                    throw error("unsupported pickle opcode " + (op == 0x97 ? "NEXT_BUFFER" : "READONLY_BUFFER")
                            + " (out-of-band buffers)");
                default:
                    throw error(String.format("unknown pickle opcode 0x%02x", op));
            }
        }
    }

    // ---- stack ----

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws CheckpointFormatException {
        if (stack.isEmpty()) throw error("stack underflow");
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) throw error("unexpected MARK on the stack");
        return o;
    }

    private Object peek() throws CheckpointFormatException {
        if (stack.isEmpty()) throw error("stack underflow");
        Object o = stack.get(stack.size() - 1);
        if (o == MARK) throw error("unexpected MARK on the stack");
        return o;
    }

    /** Pops everything above the topmost MARK (and the mark), in stack order. */
    private List<Object> popMark() throws CheckpointFormatException {
        int k = stack.size() - 1;
        while (k >= 0 && stack.get(k) != MARK) k--;
        if (k < 0) throw error("no MARK on the stack");
        List<Object> top = stack.subList(k + 1, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        stack.remove(k);
        return items;
    }

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(items);
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws CheckpointFormatException {
        if (items.size() % 2 != 0) throw error("odd number of items for a dict");
        for (int i = 0; i < items.size(); i += 2) {
            m.put(hashable(items.get(i)), items.get(i + 1));
        }
    }

    private Object hashable(Object key) throws CheckpointFormatException {
        if (!isHashable(key, 0)) throw error("unhashable " + typeName(key) + " used as a dict key or set item");
        return key;
    }

    private List<Object> hashables(List<Object> items) throws CheckpointFormatException {
        for (Object o : items) hashable(o);
        return items;
    }

    /**
     * Whether a value may be a dict key or set item, as in Python: not a list, dict or (mutable) set,
     * and for tuples, only of such values. This also keeps self-referencing containers (which a pickle
     * can build) away from {@code hashCode}.
     */
    static boolean isHashable(Object o, int depth) {
        if (o instanceof ArrayList || o instanceof Map || o instanceof LinkedHashSet) {
            return false;
        }
        if (o instanceof List) { // tuple
            if (depth > 100) return false;
            for (Object e : (List<?>) o) {
                if (!isHashable(e, depth + 1)) return false;
            }
        }
        return true; // scalars, bytes, frozensets (items checked when built), resolver objects
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o, String op) throws CheckpointFormatException {
        if (!(o instanceof ArrayList)) throw error(op + " on " + typeName(o));
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o, String op) throws CheckpointFormatException {
        if (!(o instanceof Map)) throw error(op + " on " + typeName(o));
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private List<Object> asTuple(Object o, String op) throws CheckpointFormatException {
        if (!(o instanceof List)) throw error(op + " needs an argument tuple, got " + typeName(o));
        return (List<Object>) o;
    }

    private Object memoGet(long index) throws CheckpointFormatException {
        if (!memo.containsKey(index)) throw error("memo index " + index + " is not set");
        return memo.get(index);
    }

    private long memoIndex(String s) throws CheckpointFormatException {
        try {
            long v = Long.parseLong(s);
            if (v < 0) throw error("negative memo index");
            return v;
        } catch (NumberFormatException e) {
            throw error("bad memo index '" + s + "'");
        }
    }

    /** Short description of a value's type for error messages (never its content). */
    static String typeName(Object o) {
        if (o == null) return "None";
        if (o == MARK) return "MARK";
        if (o instanceof List) return ((List<?>) o) instanceof ArrayList ? "list" : "tuple";
        if (o instanceof Map) return "dict";
        if (o instanceof Collection) return "set";
        if (o instanceof byte[]) return "bytes";
        return o.getClass().getSimpleName();
    }

    // ---- reading ----

    private void need(long n) throws CheckpointFormatException {
        if (n < 0 || n > data.length - pos) {
            throw error("truncated pickle (needs " + n + " more bytes, " + (data.length - pos) + " left)");
        }
    }

    private int u8() throws CheckpointFormatException {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int u16() throws CheckpointFormatException {
        need(2);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    private int i32() throws CheckpointFormatException {
        need(4);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16
                | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long i64le() throws CheckpointFormatException {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (data[pos + i] & 0xFF);
        pos += 8;
        return v;
    }

    private long i64be() throws CheckpointFormatException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (data[pos + i] & 0xFF);
        pos += 8;
        return v;
    }

    private int len32() throws CheckpointFormatException {
        long n = i32() & 0xFFFFFFFFL;
        need(n);
        return (int) n;
    }

    private int len64() throws CheckpointFormatException {
        long n = i64le();
        need(n);
        return (int) n;
    }

    /** Little-endian two's complement integer of n bytes. */
    private Object longN(int n) throws CheckpointFormatException {
        need(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = data[pos + n - 1 - i];
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object parseInt(String s) throws CheckpointFormatException {
        try {
            BigInteger v = new BigInteger(s.trim());
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        } catch (NumberFormatException e) {
            throw error("bad INT '" + s + "'");
        }
    }

    private byte[] bytes(int n) throws CheckpointFormatException {
        need(n);
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    private String utf8(int n) throws CheckpointFormatException {
        return text(n, StandardCharsets.UTF_8);
    }

    private String text(int n, Charset cs) throws CheckpointFormatException {
        need(n);
        try {
            String s = cs.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(data, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw error("string is not valid " + cs.name());
        }
    }

    /** A newline-terminated ASCII line (protocol 0 arguments, GLOBAL names), without the newline. */
    private String line() throws CheckpointFormatException {
        int start = pos;
        int limit = Math.min(data.length, start + 4096);
        for (int i = start; i < limit; i++) {
            if (data[i] == '\n') {
                pos = i + 1;
                for (int j = start; j < i; j++) {
                    if (data[j] < 0x20 || data[j] > 0x7e) throw error("non-printable byte in a text argument");
                }
                return new String(data, start, i - start, StandardCharsets.US_ASCII);
            }
        }
        throw error("truncated pickle (unterminated text argument)");
    }

    private CheckpointFormatException error(String message) {
        return new CheckpointFormatException(where + ": " + message + " (pickle offset " + opStart + ")");
    }
}
