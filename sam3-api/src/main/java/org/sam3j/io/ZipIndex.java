package org.sam3j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A read-only index of a zip archive's central directory, with on-demand access to entry bytes.
 *
 * <p>Only what PyTorch's archive writer produces is supported: a single-disk archive, STORED or
 * DEFLATED entries, optional zip64 records, no encryption. Nothing is read until asked for: the
 * central directory on {@link #open}, one entry's bytes on {@link #read}. STORED entries are memory
 * mapped, DEFLATED ones inflated into a heap buffer. Every entry's CRC-32 is checked when it is
 * read. All structural problems are reported as {@link CheckpointFormatException}s naming the file.
 *
 * <p>Instances are safe for concurrent reads; the caller owns the channel's lifetime via {@link #close}.
 */
final class ZipIndex implements AutoCloseable {
    static final int METHOD_STORED = 0;
    static final int METHOD_DEFLATED = 8;

    private static final int LOCAL_HEADER_SIG = 0x04034b50;
    private static final int CENTRAL_HEADER_SIG = 0x02014b50;
    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int EOCD_SIZE = 22;
    private static final int CENTRAL_HEADER_SIZE = 46;
    private static final int LOCAL_HEADER_SIZE = 30;
    /** The central directory of a checkpoint is a few hundred KiB; anything far larger is corrupt. */
    private static final long MAX_CENTRAL_DIRECTORY = 256L * 1024 * 1024;

    /** One central-directory entry. */
    record Entry(String name, int method, int flags, long crc, long compressedSize, long size,
                 long localHeaderOffset) {}

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    /** Offset of the central directory: every entry's data must end before it. */
    private final long centralDirOffset;
    private final Map<String, Entry> entries;

    private ZipIndex(Path path, FileChannel channel, long fileSize, long centralDirOffset,
                     Map<String, Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.centralDirOffset = centralDirOffset;
        this.entries = entries;
    }

    /**
     * Reads the central directory of an archive opened on {@code channel}. On failure the channel is
     * left open (the caller closes it).
     */
    static ZipIndex open(Path path, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < EOCD_SIZE) {
            throw new CheckpointFormatException(path + ": not a zip archive (only " + size + " bytes; truncated?)");
        }
        // Locate the end-of-central-directory record: it is the last 22 bytes plus a comment of at most 64 KiB.
        int tailLen = (int) Math.min(size, EOCD_SIZE + 0xFFFF);
        ByteBuffer tail = readAt(path, channel, size - tailLen, tailLen);
        int eocd = -1;
        for (int p = tailLen - EOCD_SIZE; p >= 0; p--) {
            if (tail.getInt(p) == EOCD_SIG && u16(tail, p + 20) == tailLen - EOCD_SIZE - p) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) {
            throw new CheckpointFormatException(path + ": truncated or corrupt zip archive"
                    + " (no end-of-central-directory record at the end of the file)");
        }
        long eocdPos = size - tailLen + eocd;
        long diskNo = u16(tail, eocd + 4);
        long cdDisk = u16(tail, eocd + 6);
        long count = u16(tail, eocd + 10);
        long cdSize = u32(tail, eocd + 12);
        long cdOffset = u32(tail, eocd + 16);
        long cdEnd = eocdPos;
        boolean zip64 = count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL;
        if (eocdPos >= 20) {
            ByteBuffer loc = readAt(path, channel, eocdPos - 20, 20);
            if (loc.getInt(0) == ZIP64_LOCATOR_SIG) {
                long z64Pos = loc.getLong(8);
                if (z64Pos < 0 || z64Pos > eocdPos - 20 - 56) {
                    throw new CheckpointFormatException(path + ": corrupt zip archive (zip64 end record offset "
                            + z64Pos + " outside the file)");
                }
                ByteBuffer z = readAt(path, channel, z64Pos, 56);
                if (z.getInt(0) != ZIP64_EOCD_SIG) {
                    throw new CheckpointFormatException(path + ": corrupt zip archive (bad zip64 end record signature)");
                }
                diskNo = u32(z, 16);
                cdDisk = u32(z, 20);
                count = z.getLong(32);
                cdSize = z.getLong(40);
                cdOffset = z.getLong(48);
                cdEnd = z64Pos;
                zip64 = false;
            }
        }
        if (zip64) {
            throw new CheckpointFormatException(path + ": corrupt zip archive (zip64 sizes without a zip64 end record)");
        }
        if (diskNo != 0 || cdDisk != 0) {
            throw new CheckpointFormatException(path + ": multi-volume zip archives are not supported");
        }
        if (cdOffset < 0 || cdSize < 0 || cdSize > MAX_CENTRAL_DIRECTORY || cdOffset > cdEnd - cdSize) {
            throw new CheckpointFormatException(path + ": truncated or corrupt zip archive (central directory of "
                    + cdSize + " bytes at offset " + cdOffset + " does not fit before byte " + cdEnd + ")");
        }
        if (count < 0 || count > cdSize / CENTRAL_HEADER_SIZE) {
            throw new CheckpointFormatException(path + ": corrupt zip archive (" + count
                    + " entries cannot fit in a central directory of " + cdSize + " bytes)");
        }
        ByteBuffer cd = readAt(path, channel, cdOffset, (int) cdSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p > cdSize - CENTRAL_HEADER_SIZE || cd.getInt(p) != CENTRAL_HEADER_SIG) {
                throw new CheckpointFormatException(path + ": corrupt zip central directory (entry " + i
                        + " of " + count + " at offset " + (cdOffset + p) + ")");
            }
            int flags = u16(cd, p + 8);
            int method = u16(cd, p + 10);
            long crc = u32(cd, p + 16);
            long comp = u32(cd, p + 20);
            long uncomp = u32(cd, p + 24);
            int nameLen = u16(cd, p + 28);
            int extraLen = u16(cd, p + 30);
            int commentLen = u16(cd, p + 32);
            int disk = u16(cd, p + 34);
            long lho = u32(cd, p + 42);
            int next = p + CENTRAL_HEADER_SIZE + nameLen + extraLen + commentLen;
            if (next > cdSize) {
                throw new CheckpointFormatException(path + ": corrupt zip central directory (entry " + i
                        + " runs past its end)");
            }
            String name = decodeName(path, cd, p + CENTRAL_HEADER_SIZE, nameLen);
            // zip64 extended information: the fields that are 0xFFFFFFFF, in this order.
            int e = p + CENTRAL_HEADER_SIZE + nameLen;
            int extraEnd = e + extraLen;
            while (e + 4 <= extraEnd) {
                int id = u16(cd, e);
                int len = u16(cd, e + 2);
                if (e + 4 + len > extraEnd) {
                    throw new CheckpointFormatException(path + ": corrupt zip extra field in entry '" + name + "'");
                }
                if (id == 0x0001) {
                    int q = e + 4;
                    int qEnd = q + len;
                    if (uncomp == 0xFFFFFFFFL) {
                        uncomp = zip64Field(path, cd, q, qEnd, name);
                        q += 8;
                    }
                    if (comp == 0xFFFFFFFFL) {
                        comp = zip64Field(path, cd, q, qEnd, name);
                        q += 8;
                    }
                    if (lho == 0xFFFFFFFFL) {
                        lho = zip64Field(path, cd, q, qEnd, name);
                    }
                }
                e += 4 + len;
            }
            if ((flags & 0x41) != 0) {
                throw new CheckpointFormatException(path + ": zip entry '" + name + "' is encrypted");
            }
            if (disk != 0 && disk != 0xFFFF) {
                throw new CheckpointFormatException(path + ": multi-volume zip archives are not supported");
            }
            if (comp < 0 || uncomp < 0 || lho < 0 || lho > cdOffset - LOCAL_HEADER_SIZE
                    || comp > cdOffset - lho - LOCAL_HEADER_SIZE) {
                throw new CheckpointFormatException(path + ": truncated or corrupt zip archive (entry '" + name
                        + "': " + comp + " bytes at offset " + lho + " do not fit before the central directory at "
                        + cdOffset + ")");
            }
            if (method == METHOD_STORED && comp != uncomp) {
                throw new CheckpointFormatException(path + ": corrupt zip archive (stored entry '" + name
                        + "' has compressed size " + comp + " but size " + uncomp + ")");
            }
            if (entries.put(name, new Entry(name, method, flags, crc, comp, uncomp, lho)) != null) {
                throw new CheckpointFormatException(path + ": corrupt zip archive (duplicate entry '" + name + "')");
            }
            p = next;
        }
        return new ZipIndex(path, channel, size, cdOffset, Collections.unmodifiableMap(entries));
    }

    private static long zip64Field(Path path, ByteBuffer cd, int q, int qEnd, String name)
            throws CheckpointFormatException {
        if (q + 8 > qEnd) {
            throw new CheckpointFormatException(path + ": corrupt zip64 extra field in entry '" + name + "'");
        }
        long v = cd.getLong(q);
        if (v < 0) {
            throw new CheckpointFormatException(path + ": corrupt zip64 extra field in entry '" + name + "'");
        }
        return v;
    }

    private static String decodeName(Path path, ByteBuffer cd, int off, int len) throws CheckpointFormatException {
        ByteBuffer b = cd.duplicate();
        b.position(off).limit(off + len);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b).toString();
        } catch (CharacterCodingException ex) {
            throw new CheckpointFormatException(path + ": corrupt zip central directory (entry name is not UTF-8)");
        }
    }

    /** The archive's file. */
    Path path() {
        return path;
    }

    /** All entries by name, in central-directory order. */
    Map<String, Entry> entries() {
        return entries;
    }

    /** The entry of this name, or null. */
    Entry entry(String name) {
        return entries.get(name);
    }

    /**
     * Returns an entry's (uncompressed) bytes, little-endian, positioned at 0: a read-only mapping of
     * the file for a STORED entry, a heap buffer for a DEFLATED one. The CRC-32 is verified unless
     * {@code verifyCrc} is false (for a stored entry already verified).
     */
    ByteBuffer read(Entry e, boolean verifyCrc) throws IOException {
        if (e.size() > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(path + ": zip entry '" + e.name() + "' is " + e.size()
                    + " bytes, larger than the 2 GiB this reader can hold in one buffer");
        }
        long dataStart = dataStart(e);
        ByteBuffer out;
        switch (e.method()) {
            case METHOD_STORED:
                out = e.size() == 0 ? ByteBuffer.allocate(0)
                        : channel.map(FileChannel.MapMode.READ_ONLY, dataStart, e.size());
                break;
            case METHOD_DEFLATED:
                out = inflate(e, dataStart);
                break;
            default:
                throw new CheckpointFormatException(path + ": zip entry '" + e.name() + "' uses compression method "
                        + e.method() + " (only stored and deflated entries are supported)");
        }
        out.order(ByteOrder.LITTLE_ENDIAN);
        if (verifyCrc || e.method() != METHOD_STORED) {
            CRC32 crc = new CRC32();
            crc.update(out.duplicate());
            if (crc.getValue() != e.crc()) {
                throw new CheckpointFormatException(path + ": zip entry '" + e.name() + "' is corrupt (CRC-32 "
                        + Long.toHexString(crc.getValue()) + ", expected " + Long.toHexString(e.crc()) + ")");
            }
        }
        return out;
    }

    /** Offset of an entry's data, from its local header (whose name and extra field lengths may differ). */
    private long dataStart(Entry e) throws IOException {
        ByteBuffer lh = readAt(path, channel, e.localHeaderOffset(), LOCAL_HEADER_SIZE);
        if (lh.getInt(0) != LOCAL_HEADER_SIG) {
            throw new CheckpointFormatException(path + ": corrupt zip archive (bad local header signature for entry '"
                    + e.name() + "' at offset " + e.localHeaderOffset() + ")");
        }
        int method = u16(lh, 8);
        if (method != e.method()) {
            throw new CheckpointFormatException(path + ": corrupt zip archive (entry '" + e.name()
                    + "': local header says compression method " + method + ", central directory " + e.method() + ")");
        }
        long start = e.localHeaderOffset() + LOCAL_HEADER_SIZE + u16(lh, 26) + u16(lh, 28);
        if (start > centralDirOffset - e.compressedSize()) {
            throw new CheckpointFormatException(path + ": truncated or corrupt zip archive (data of entry '" + e.name()
                    + "' at offset " + start + ", " + e.compressedSize() + " bytes, overlaps the central directory at "
                    + centralDirOffset + ")");
        }
        return start;
    }

    private ByteBuffer inflate(Entry e, long dataStart) throws IOException {
        ByteBuffer out = ByteBuffer.allocate((int) e.size());
        Inflater inf = new Inflater(true);
        String where = path + ": zip entry '" + e.name() + "'";
        try {
            long pos = dataStart;
            long end = dataStart + e.compressedSize();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            ByteBuffer probe = ByteBuffer.allocate(1);
            while (!inf.finished()) {
                if (inf.needsDictionary()) {
                    throw new CheckpointFormatException(where + " is corrupt (asks for a preset dictionary)");
                }
                if (inf.needsInput()) {
                    if (pos >= end) {
                        throw new CheckpointFormatException(where + " is truncated or corrupt (compressed data ended"
                                + " after " + out.position() + " of " + e.size() + " bytes)");
                    }
                    in.clear();
                    in.limit((int) Math.min(in.capacity(), end - pos));
                    while (in.hasRemaining()) {
                        if (channel.read(in, pos + in.position()) < 0) {
                            throw new CheckpointFormatException(where + ": unexpected end of file (truncated?)");
                        }
                    }
                    pos += in.limit();
                    in.flip();
                    inf.setInput(in);
                    continue;
                }
                long readBefore = inf.getBytesRead();
                int n;
                if (out.hasRemaining()) {
                    n = inf.inflate(out);
                } else {
                    probe.clear();
                    n = inf.inflate(probe);
                    if (n > 0) {
                        throw new CheckpointFormatException(where + " is corrupt (inflates to more than its declared "
                                + e.size() + " bytes)");
                    }
                }
                if (n == 0 && inf.getBytesRead() == readBefore && !inf.finished() && !inf.needsInput()
                        && !inf.needsDictionary()) {
                    throw new CheckpointFormatException(where + " is corrupt (the inflater makes no progress)");
                }
            }
            if (out.hasRemaining()) {
                throw new CheckpointFormatException(where + " is corrupt (inflates to " + out.position()
                        + " bytes, declared " + e.size() + ")");
            }
        } catch (DataFormatException ex) {
            throw new CheckpointFormatException(where + " is corrupt (" + ex.getMessage() + ")", ex);
        } finally {
            inf.end();
        }
        out.flip();
        return out;
    }

    /** Reads {@code len} bytes at {@code pos} into a little-endian heap buffer positioned at 0. */
    static ByteBuffer readAt(Path path, FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new CheckpointFormatException(path + ": unexpected end of file at byte " + (pos + b.position())
                        + " (truncated?)");
            }
        }
        b.flip();
        return b;
    }

    private static int u16(ByteBuffer b, int off) {
        return b.getShort(off) & 0xFFFF;
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    /** The size of the archive file when it was opened. */
    long fileSize() {
        return fileSize;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
