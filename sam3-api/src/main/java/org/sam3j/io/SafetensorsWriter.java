package org.sam3j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files.
 *
 * <p>Layout as the reference implementation writes it: an 8-byte little-endian header length, a
 * compact JSON header (optional {@code __metadata__} string map first, then each tensor's
 * {@code dtype}, {@code shape} and {@code data_offsets}) padded with spaces to a multiple of 8 bytes,
 * then the tensor bytes back to back. Tensors are laid out by decreasing element size (stable, so
 * tensors of one size keep the caller's order), which keeps every tensor aligned to its element size.
 *
 * <p>Writes are atomic: the file is written to a temporary file in the target directory, flushed to
 * disk, then moved over the target in one step, so an interrupted write never leaves a partial file
 * under the target name.
 */
public final class SafetensorsWriter {
    private static final Logger LOG = Log.get(SafetensorsWriter.class);
    private static final String METADATA_KEY = "__metadata__";

    private SafetensorsWriter() {}

    /**
     * Writes tensors under their own names.
     *
     * @param path     the file to create or replace
     * @param tensors  the tensors; names must be unique
     * @param metadata the {@code __metadata__} string map; null or empty for none
     * @throws IllegalArgumentException if two tensors share a name or a name is {@code __metadata__}
     * @throws IOException              on a write error (the target is then left untouched)
     */
    public static void write(Path path, Collection<StoredTensor> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, StoredTensor> byName = new LinkedHashMap<>();
        for (StoredTensor t : tensors) {
            Objects.requireNonNull(t, "tensor");
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException("two tensors named '" + t.name() + "'");
            }
        }
        write(path, byName, metadata);
    }

    /**
     * Writes tensors under the map's keys (which take precedence over the tensors' own names).
     *
     * @param path     the file to create or replace
     * @param tensors  name to tensor, in the order to write (within one element size)
     * @param metadata the {@code __metadata__} string map; null or empty for none
     * @throws IllegalArgumentException if a name is {@code __metadata__}
     * @throws IOException              on a write error (the target is then left untouched)
     */
    public static void write(Path path, Map<String, StoredTensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, StoredTensor>> order = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, StoredTensor> e : order) {
            Objects.requireNonNull(e.getKey(), "tensor name");
            Objects.requireNonNull(e.getValue(), "tensor '" + e.getKey() + "'");
            if (e.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + METADATA_KEY);
            }
        }
        order.sort(Comparator.comparingInt(
                (Map.Entry<String, StoredTensor> e) -> e.getValue().dtype().byteSize()).reversed());

        byte[] header = header(order, metadata);
        AtomicFiles.write(path, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Map.Entry<String, StoredTensor> e : order) {
                AtomicFiles.writeFully(ch, e.getValue().bytes());
            }
        });
        LOG.debug("wrote {} tensors to {}", order.size(), path);
    }

    /** The JSON header, space-padded to a multiple of 8 bytes. */
    private static byte[] header(List<Map.Entry<String, StoredTensor>> order, Map<String, String> metadata)
            throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                meta.put(Objects.requireNonNull(m.getKey(), "metadata key"),
                        Objects.requireNonNull(m.getValue(), "metadata value for '" + m.getKey() + "'"));
            }
        }
        long offset = 0;
        for (Map.Entry<String, StoredTensor> e : order) {
            StoredTensor t = e.getValue();
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long size = t.bytes().remaining();
            node.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = mapper.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }
}
