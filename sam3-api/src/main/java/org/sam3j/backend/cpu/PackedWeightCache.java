package org.sam3j.backend.cpu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.sam3j.BackendOptions;
import org.sam3j.internal.Log;
import org.sam3j.io.AtomicFiles;
import org.sam3j.weights.WeightStore;
import org.slf4j.Logger;

/**
 * The {@code Linear} weights an engine packs onto the heap ({@link GemmEngine#heapFloats}), kept on disk between
 * processes. {@link CpuBackend#prepareLinearWeights} packs a graph's weights into a few arrays; with a cache
 * directory ({@link BackendOptions#cacheDirectory()}) and a store that can say which values it holds
 * ({@link WeightStore#fingerprint()}), each array is also written to a file, and a later backend maps that file
 * read-only instead of packing again. Packing costs little arithmetic but a first touch of every page of new heap
 * (on a small VM about as long as the full model's image encoder takes for a tenth of an image); a mapped file's
 * pages come from the system's cache, and the heap stays free of weights.
 *
 * <pre>
 * DIR/cpu-weights/KEY.packed   64-byte header, then the array's floats, little-endian
 * header: "SAM3JPWC", format (int), reserved (int), floats (long), CRC-32C of the floats (long), KEY's first 32 bytes
 * </pre>
 * KEY is the SHA-256 of the cache format, the engine's name and packing layout, the store's fingerprint, and each
 * weight's name and shape in the array's order: another checkpoint, a rewritten file or a change of layout gets
 * another file. A file is used only when its header matches and its CRC-32C holds; anything else is reported (WARN),
 * packed again and replaced. Files are written atomically ({@link AtomicFiles}), not forced to disk: a file the
 * system lost part of fails its check sum. Processes sharing a directory may each write the same file (every write
 * complete, the last one wins). Nothing is ever removed but a file being replaced: delete the directory to clear it.
 */
final class PackedWeightCache {
    private static final Logger LOG = Log.get(PackedWeightCache.class);
    /** Directory under the backend's cache directory. */
    static final String SUBDIRECTORY = "cpu-weights";
    static final String SUFFIX = ".packed";
    static final int HEADER_BYTES = 64;
    private static final byte[] MAGIC = "SAM3JPWC".getBytes(StandardCharsets.US_ASCII);
    /** Where the header holds the floats' CRC-32C and the key: after the magic, format, a reserved int and the count. */
    private static final int CRC_AT = 24;
    private static final int KEY_AT = 32;
    private static final int FORMAT = 1;
    /** Bytes converted and written at a time. */
    private static final int CHUNK_BYTES = 1 << 20;

    private final Path directory;
    private final String fingerprint;
    private final GemmEngine engine;

    PackedWeightCache(Path directory, String fingerprint, GemmEngine engine) {
        this.directory = directory.toAbsolutePath();
        this.fingerprint = fingerprint;
        this.engine = engine;
    }

    /** The cache for weights of {@code store} packed by {@code engine}, or null when the options or store allow none. */
    static PackedWeightCache of(BackendOptions options, WeightStore store, GemmEngine engine) {
        Optional<Path> dir = options.cacheDirectory();
        Optional<String> fp = store.fingerprint();
        if (dir.isEmpty() || fp.isEmpty()) return null;
        return new PackedWeightCache(dir.get().resolve(SUBDIRECTORY), fp.get(), engine);
    }

    /** The directory of the files. */
    Path directory() {
        return directory;
    }

    /** The key of an array holding {@code weights[from, to)} in this order, weight {@code i} taking {@code floats[i]}. */
    byte[] key(List<CpuBackend.LinearWeight> weights, long[] floats, int from, int to) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        StringBuilder s = new StringBuilder()
                .append("format ").append(FORMAT).append('\n')
                .append("engine ").append(engine.name()).append("; layout ").append(Sgemm.LAYOUT).append('\n')
                .append("weights ").append(fingerprint).append('\n');
        for (int i = from; i < to; i++) {
            CpuBackend.LinearWeight w = weights.get(i);
            s.append(w.name()).append(' ').append(w.k()).append(' ').append(w.n()).append(' ').append(floats[i]).append('\n');
        }
        return sha.digest(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The file of the array with this key. */
    Path file(byte[] key) {
        return directory.resolve(HexFormat.of().formatHex(key) + SUFFIX);
    }

    /**
     * The array's {@code floats} floats mapped read-only from its file, or null when there is no file or it does not
     * hold them (reported with a WARN: it is then packed again and replaced).
     */
    FloatBuffer open(byte[] key, long floats) {
        Path f = file(key);
        if (!Files.isRegularFile(f)) return null;
        String problem;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long expected = HEADER_BYTES + floats * Float.BYTES;
            ByteBuffer h = ch.size() == expected ? header(ch) : null;
            problem = h == null ? "holds " + ch.size() + " bytes, not " + expected : check(h, key, floats);
            if (problem == null) {
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, floats * Float.BYTES);
                CRC32C crc = new CRC32C();
                crc.update(m.duplicate());
                if (crc.getValue() == h.getLong(CRC_AT)) return m.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                problem = "its floats fail their check sum";
            }
        } catch (IOException | RuntimeException e) {
            problem = "cannot be read: " + e;
        }
        LOG.warn("packed weights {} {}; packing them again", f, problem);
        return null;
    }

    /** What is wrong with the header {@code h} for this key, or null. */
    private static String check(ByteBuffer h, byte[] key, long floats) {
        byte[] magic = new byte[MAGIC.length];
        h.get(0, magic);
        if (!Arrays.equals(magic, MAGIC)) return "is not a sam3j packed-weight file";
        int format = h.getInt(MAGIC.length);
        if (format != FORMAT) return "has format " + format + ", not " + FORMAT;
        long n = h.getLong(MAGIC.length + 8);
        if (n != floats) return "holds " + n + " floats, not " + floats;
        byte[] k = new byte[32];
        h.get(KEY_AT, k);
        if (!Arrays.equals(k, Arrays.copyOf(key, 32))) return "belongs to another key";
        return null;
    }

    private static ByteBuffer header(FileChannel ch) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining()) {
            if (ch.read(h, h.position()) < 0) throw new IOException("the file ends in its header");
        }
        return h.flip();
    }

    /**
     * Removes temporary files of {@code f} that have not changed for an hour: left by a process that ended while
     * writing it (a write takes seconds).
     */
    private void removeAbandoned(Path f) throws IOException {
        String name = f.getFileName().toString();
        long before = System.currentTimeMillis() - 3_600_000L;
        try (java.util.stream.Stream<Path> files = Files.list(directory)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (AtomicFiles.isTemporaryOf(p.getFileName().toString(), name)
                        && Files.getLastModifiedTime(p).toMillis() < before) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Writes floats {@code [from, from + count)} of {@code array} as the file of {@code key}. A failure is reported
     * (WARN) and otherwise ignored: the weights are in memory, and the next process packs them again.
     */
    void write(byte[] key, float[] array, int from, int count) {
        Path f = file(key);
        try {
            Files.createDirectories(directory);
            removeAbandoned(f);
            AtomicFiles.write(f, ch -> {
                CRC32C crc = new CRC32C();
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                FloatBuffer asFloats = chunk.asFloatBuffer();
                ch.position(HEADER_BYTES);
                for (int at = 0; at < count; ) {
                    int n = Math.min(count - at, CHUNK_BYTES / Float.BYTES);
                    asFloats.clear();
                    asFloats.put(array, from + at, n);
                    chunk.clear().limit(n * Float.BYTES);
                    crc.update(chunk.duplicate());
                    AtomicFiles.writeFully(ch, chunk);
                    at += n;
                }
                ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                h.put(MAGIC).putInt(FORMAT).putInt(0).putLong(count).putLong(crc.getValue()).put(key, 0, 32);
                h.flip();
                while (h.hasRemaining()) ch.write(h, h.position());
            }, false);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot keep packed weights in {}: {}", f, e.toString());
        }
    }
}
