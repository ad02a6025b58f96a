package org.sam3j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the bytes go to a temporary {@code .NAME.<random>.tmp} file in the target's
 * directory, are forced to disk, and the file is then renamed over the target, so a reader never sees a
 * partial file and an interrupted write leaves the old file (or none) plus at most a temporary file.
 * The one helper for this job in the project.
 */
public final class AtomicFiles {
    /** Writes the content through a channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        /** Writes the whole content to {@code ch}. */
        void write(FileChannel ch) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes {@code bytes} to {@code file} atomically; the directory must exist. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /**
     * Writes {@code file} atomically with {@code writer}; the directory must exist.
     *
     * @throws IOException if anything fails (the temporary file is removed, the target is untouched)
     */
    public static void write(Path file, ChannelWriter writer) throws IOException {
        write(file, writer, true);
    }

    /**
     * {@link #write(Path, ChannelWriter)}, forcing the bytes to disk before the rename only when {@code force}: a
     * cache whose files carry a check sum of their own may leave that to the system (a file it lost part of in a
     * crash then fails its check and is rebuilt), and not wait for the disk.
     */
    public static void write(Path file, ChannelWriter writer, boolean force) throws IOException {
        Path target = file.toAbsolutePath();
        // Not Files.createTempFile: that makes the file owner-only; this one gets the usual umask permissions.
        Path tmp = target.resolveSibling(temporaryName(target.getFileName().toString()));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writer.write(ch);
                if (force) ch.force(true);
            }
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Moves {@code from} onto {@code to}, atomically where the file system allows it. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The temporary name used for {@code name}: {@code .NAME.<random hex>.tmp}. */
    public static String temporaryName(String name) {
        return "." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp";
    }

    /** Whether {@code fileName} is a temporary file of this helper for the file {@code name}. */
    public static boolean isTemporaryOf(String fileName, String name) {
        String prefix = "." + name + ".";
        return fileName.startsWith(prefix) && fileName.endsWith(".tmp")
                && fileName.length() > prefix.length() + 4
                && fileName.substring(prefix.length(), fileName.length() - 4).matches("[0-9a-f]+");
    }

    /** Writes all remaining bytes of {@code buf}. */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }
}
