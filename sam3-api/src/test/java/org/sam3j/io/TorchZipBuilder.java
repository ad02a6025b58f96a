package org.sam3j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test helper: writes small archives in the layout of {@code torch.save} (a folder with
 * {@code data.pkl}, {@code byteorder}, {@code data/<key>}) around a hand-assembled pickle, so tests can
 * cover cases no fixture file has (compressed entries, big-endian data, corrupt sizes, other opcodes).
 */
final class TorchZipBuilder {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private boolean deflate;
    private String folder = "archive";

    /** Sets the archive's top folder name. */
    TorchZipBuilder folder(String name) {
        this.folder = name;
        return this;
    }

    /** Compresses entries (DEFLATED) instead of storing them. */
    TorchZipBuilder deflate(boolean on) {
        this.deflate = on;
        return this;
    }

    /** Adds {@code <folder>/data.pkl}. */
    TorchZipBuilder pickle(byte[] pkl) {
        entries.put("data.pkl", pkl);
        return this;
    }

    /** Adds {@code <folder>/byteorder}. */
    TorchZipBuilder byteorder(String order) {
        entries.put("byteorder", order.getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** Adds {@code <folder>/data/<key>}. */
    TorchZipBuilder storage(String key, byte[] bytes) {
        entries.put("data/" + key, bytes);
        return this;
    }

    /** Adds {@code <folder>/data/<key>} holding little-endian float32 values. */
    TorchZipBuilder floats(String key, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return storage(key, b.array());
    }

    /** The archive bytes. */
    byte[] build() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream zos = new ZipOutputStream(bos)) {
            if (!entries.containsKey("byteorder")) {
                byteorder("little");
            }
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(folder + "/" + e.getKey());
                byte[] data = e.getValue();
                if (deflate) {
                    ze.setMethod(ZipEntry.DEFLATED);
                } else {
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(data.length);
                    ze.setCompressedSize(data.length);
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    ze.setCrc(crc.getValue());
                }
                zos.putNextEntry(ze);
                zos.write(data);
                zos.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    /**
     * The archive bytes, written by hand with zip64 records throughout: every central-directory entry
     * keeps its sizes and local header offset in a zip64 extra field (as writers do past 4 GiB), and
     * the end records are zip64. Entries are stored; each local header carries {@code padding} bytes
     * of extra field (as PyTorch uses to align data).
     */
    byte[] buildZip64(int padding) {
        if (!entries.containsKey("byteorder")) {
            byteorder("little");
        }
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer cd = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int count = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = (folder + "/" + e.getKey()).getBytes(StandardCharsets.UTF_8);
            byte[] data = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            long offset = out.position();
            out.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt((int) crc.getValue())
                    .putInt(data.length).putInt(data.length)
                    .putShort((short) name.length).putShort((short) padding).put(name);
            for (int i = 0; i < padding; i++) out.put((byte) 'F');
            out.put(data);
            cd.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt((int) crc.getValue())
                    .putInt(-1).putInt(-1)
                    .putShort((short) name.length).putShort((short) 28).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(-1).put(name)
                    .putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(data.length).putLong(offset);
            count++;
        }
        long cdOffset = out.position();
        cd.flip();
        long cdSize = cd.remaining();
        out.put(cd);
        long z64 = out.position();
        out.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(count).putLong(count).putLong(cdSize).putLong(cdOffset);
        out.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
        out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1)
                .putInt(-1).putInt(-1).putShort((short) 0);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    /** Writes the archive to a file and returns its path. */
    Path write(Path file) throws IOException {
        Files.write(file, build());
        return file;
    }

    /** A minimal pickle assembler (protocol 2 to 4 opcodes, as torch.save and Python emit them). */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        Pickle raw(byte[] bytes) {
            out.write(bytes, 0, bytes.length);
            return this;
        }

        Pickle proto(int p) {
            return op(0x80, p);
        }

        Pickle mark() {
            return op('(');
        }

        Pickle dict() {
            return op('}');
        }

        Pickle list() {
            return op(']');
        }

        Pickle emptyTuple() {
            return op(')');
        }

        Pickle tuple() {
            return op('t');
        }

        Pickle setitems() {
            return op('u');
        }

        Pickle setitem() {
            return op('s');
        }

        Pickle appends() {
            return op('e');
        }

        Pickle reduce() {
            return op('R');
        }

        Pickle build() {
            return op('b');
        }

        Pickle persid() {
            return op('Q');
        }

        Pickle none() {
            return op('N');
        }

        Pickle bool(boolean v) {
            return op(v ? 0x88 : 0x89);
        }

        Pickle stop() {
            return op('.');
        }

        Pickle put(int i) {
            return op('q', i);
        }

        Pickle get(int i) {
            return op('h', i);
        }

        Pickle memoize() {
            return op(0x94);
        }

        /** BINUNICODE. */
        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            return raw(b);
        }

        /** SHORT_BINUNICODE (protocol 4). */
        Pickle shortStr(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c, b.length);
            return raw(b);
        }

        /** SHORT_BINBYTES. */
        Pickle bytes(byte[] b) {
            op('C', b.length);
            return raw(b);
        }

        /** BINFLOAT. */
        Pickle dbl(double v) {
            op('G');
            long bits = Double.doubleToLongBits(v);
            for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)) & 0xFF);
            return this;
        }

        /** The smallest int opcode for v. */
        Pickle integer(long v) {
            if (v >= 0 && v < 256) return op('K', (int) v);
            if (v >= 0 && v < 65536) {
                op('M');
                return le(v, 2);
            }
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                return le(v, 4);
            }
            op(0x8a, 8);
            return le(v, 8);
        }

        /** GLOBAL "module\nname\n". */
        Pickle global(String module, String name) {
            op('c');
            raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** STACK_GLOBAL (protocol 4). */
        Pickle stackGlobal(String module, String name) {
            return shortStr(module).shortStr(name).op(0x93);
        }

        /** A tuple of ints (MARK ... TUPLE). */
        Pickle ints(long... values) {
            mark();
            for (long v : values) integer(v);
            return tuple();
        }

        /**
         * {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} with the storage
         * as a persistent id {@code ('storage', torch.<storageClass>, key, 'cpu', numel)}.
         */
        Pickle tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2");
            mark();
            mark().str("storage").global("torch", storageClass).str(key).str("cpu").integer(numel).tuple();
            persid();
            integer(offset);
            ints(size);
            ints(stride);
            bool(false);
            global("collections", "OrderedDict").emptyTuple().reduce();
            tuple();
            return reduce();
        }

        private Pickle le(long v, int n) {
            for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
