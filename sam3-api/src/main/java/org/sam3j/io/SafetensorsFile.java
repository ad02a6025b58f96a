package org.sam3j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped <a href="https://github.com/huggingface/safetensors">safetensors</a> file.
 *
 * <p>The header is parsed and validated on open (every tensor's byte range must lie inside the file
 * and match its dtype and shape). Tensor bytes are mapped lazily, one region per tensor, so files
 * larger than 2 GiB work and nothing is copied on load. Close the file when done; tensors obtained
 * from it must not be used afterwards.
 */
public final class SafetensorsFile implements TensorFile {
    /** Upper bound for the JSON header, as in the reference implementation. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private record Entry(DType dtype, long[] shape, long begin, long end) {}

    private SafetensorsFile(Path path, FileChannel channel, long dataStart,
                            Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws NoSuchFileException       if the file does not exist
     * @throws CheckpointFormatException if the file is not a valid safetensors file
     */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointFormatException(path + ": not a safetensors file (only " + size + " bytes; truncated?)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw new CheckpointFormatException(path + ": not a safetensors file or truncated (header length "
                        + headerLen + ", file size " + size + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(path, ch, header, 8);
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointFormatException(path + ": corrupt safetensors header (" + e.getMessage() + ")", e);
            }
            if (root == null || !root.isObject()) {
                throw new CheckpointFormatException(path + ": corrupt safetensors header (not a JSON object)");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(f.getKey(), parseEntry(path, f.getKey(), f.getValue(), dataSize));
            }
            return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) throws CheckpointFormatException {
        String where = path + ": tensor '" + name + "'";
        JsonNode dt = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offs = node.get("data_offsets");
        if (dt == null || shapeNode == null || offs == null || !shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw new CheckpointFormatException(where + ": header entry needs dtype, shape and two data_offsets");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dt.asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(where + ": " + e.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new CheckpointFormatException(where + ": invalid dimension " + d);
            }
            shape[i] = d.asLong();
        }
        long begin = offs.get(0).isIntegralNumber() && offs.get(0).canConvertToLong() ? offs.get(0).asLong() : -1;
        long end = offs.get(1).isIntegralNumber() && offs.get(1).canConvertToLong() ? offs.get(1).asLong() : -1;
        if (begin < 0 || end < begin) {
            throw new CheckpointFormatException(where + ": invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw new CheckpointFormatException(where + ": data ends at byte " + end + " but the file holds only "
                    + dataSize + " data bytes (truncated file?)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(StoredTensor.numel(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(where + ": shape too large");
        }
        if (end - begin != expected) {
            throw new CheckpointFormatException(where + ": " + (end - begin) + " data bytes for " + dtype
                    + java.util.Arrays.toString(shape) + " (expected " + expected + ")");
        }
        return new Entry(dtype, shape, begin, end);
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new CheckpointFormatException(path + ": unexpected end of file (truncated?)");
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    /** Whether a tensor of this name exists. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The {@code __metadata__} string map (empty if absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Shape of a tensor without mapping its data. */
    @Override
    public long[] shape(String name) {
        return entry(name).shape.clone();
    }

    /** Element type of a tensor without mapping its data. */
    @Override
    public DType dtype(String name) {
        return entry(name).dtype;
    }

    /**
     * Maps one tensor (no copy).
     *
     * @throws IllegalArgumentException if there is no such tensor
     */
    @Override
    public StoredTensor tensor(String name) throws IOException {
        Entry e = entry(name);
        long len = e.end - e.begin;
        ByteBuffer buf;
        if (len == 0) {
            buf = ByteBuffer.allocate(0);
        } else if (len > Integer.MAX_VALUE) {
            throw new CheckpointFormatException(path + ": tensor '" + name + "' is larger than 2 GiB");
        } else {
            buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, len);
        }
        return new StoredTensor(name, e.dtype, e.shape, buf.order(ByteOrder.LITTLE_ENDIAN));
    }

    @Override
    public boolean canRead() {
        return true;
    }

    @Override
    public void read(String name, long byteOffset, ByteBuffer dst) throws IOException {
        Entry e = entry(name);
        if (byteOffset < 0 || byteOffset + dst.remaining() > e.end - e.begin) {
            throw new IndexOutOfBoundsException("bytes [" + byteOffset + ", " + (byteOffset + dst.remaining())
                    + ") of tensor '" + name + "' (" + (e.end - e.begin) + " bytes)");
        }
        long pos = dataStart + e.begin + byteOffset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) throw new CheckpointFormatException(path + ": tensor '" + name + "' ends early (truncated file?)");
            pos += n;
        }
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "'");
        }
        return e;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
