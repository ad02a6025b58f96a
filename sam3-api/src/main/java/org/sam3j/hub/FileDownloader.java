package org.sam3j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Resumable download of one repository file into the cache: data goes to {@code <file>.incomplete} under
 * {@code downloads/<commit>/}; an interrupted download is resumed with a {@code Range} request; the size and
 * (when the Hub gives one) the SHA-256 are verified before the file is moved atomically into the snapshot.
 */
final class FileDownloader {
    private static final Logger LOG = Log.get(FileDownloader.class);
    static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes\\s+\\*/(\\d+)", Pattern.CASE_INSENSITIVE);
    /** Serialises downloads of one file within this JVM (file locks only exclude other processes). */
    private static final ConcurrentHashMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sam3j-hub-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final HubHttp http;
    private final HubErrors errors;
    private final CacheLayout layout;
    private final String endpoint;
    private final Duration stallTimeout;
    private final DownloadListener listener;

    FileDownloader(HubHttp http, HubErrors errors, CacheLayout layout, String endpoint, Duration stallTimeout,
            DownloadListener listener) {
        this.http = http;
        this.errors = errors;
        this.layout = layout;
        this.endpoint = endpoint;
        this.stallTimeout = stallTimeout;
        this.listener = listener;
    }

    /** Makes sure {@code file} of {@code repoId} at {@code commit} is in the snapshot; returns its path. */
    Path ensure(String repoId, String revision, String commit, String file) throws IOException {
        Path target = layout.snapshotFile(repoId, commit, file);
        if (Files.isRegularFile(target)) {
            LOG.debug("{} of {}@{} is cached: {}", file, repoId, commit, target);
            return target;
        }
        Path lockPath = layout.lockFile(repoId, commit, file);
        Object jvmLock = JVM_LOCKS.computeIfAbsent(lockPath.toAbsolutePath().normalize(), k -> new Object());
        synchronized (jvmLock) {
            try (FileChannel channel = openLockFile(lockPath)) {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    LOG.info("Waiting for another process that is downloading {} ({})", file, lockPath);
                    lock = channel.lock();
                }
                try {
                    if (Files.isRegularFile(target)) {
                        return target; // finished by whoever held the lock
                    }
                    download(repoId, revision, commit, file, target);
                    try {
                        Files.deleteIfExists(lockPath); // everyone re-checks the target after locking
                    } catch (IOException e) {
                        LOG.debug("could not remove lock file {}", lockPath, e);
                    }
                } finally {
                    lock.release();
                }
            }
        }
        removeIfEmpty(layout.downloadsDir(repoId, commit), layout.repoDir(repoId));
        return target;
    }

    /**
     * Creates and opens the lock file. Another downloader that just finished may remove the (then empty)
     * directory between our creating it and opening the file, so that is retried.
     */
    private static FileChannel openLockFile(Path lockPath) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                // createDirectories itself fails with FileAlreadyExistsException when a concurrent creator's
                // directory is removed again before the JDK re-checks it
                Files.createDirectories(lockPath.getParent());
                return FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
                if (attempt >= 20) {
                    throw e;
                }
            }
        }
    }

    private void download(String repoId, String revision, String commit, String file, Path target) throws IOException {
        Path partial = layout.incompleteFile(repoId, commit, file);
        Files.createDirectories(partial.getParent());
        Files.createDirectories(target.getParent());
        URI uri = URI.create(endpoint + "/" + repoId + "/resolve/" + HubNames.encodeSegment(commit) + "/"
                + HubNames.encodePath(file));
        for (int attempt = 0; attempt < 3; attempt++) {
            long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
            if (have > 0) {
                LOG.info("Resuming download of {} from {}@{} at byte {}", file, repoId, revision, have);
            } else {
                LOG.info("Downloading {} from {}@{}", file, repoId, revision);
            }
            try (HubHttp.Answer answer = http.get(uri, headers)) {
                int status = answer.status();
                String sha256 = expectedSha256(answer);
                Long linkedSize = parseLong(answer.meta("x-linked-size"));
                if (status == 416 && have > 0) {
                    Matcher m = UNSATISFIED_RANGE.matcher(nonNull(answer.header("Content-Range")));
                    long size = linkedSize != null ? linkedSize : m.matches() ? Long.parseLong(m.group(1)) : -1;
                    if (size == have) { // the earlier attempt had all the bytes already
                        verify(file, partial, have, size, sha256, hashFile(partial, sha256));
                        complete(file, partial, target, have);
                        return;
                    }
                    LOG.warn("Partial download of {} ({} bytes) does not fit the file ({} bytes); starting over", file, have, size);
                    Files.delete(partial);
                    continue;
                }
                if (status != 200 && status != 206) {
                    throw errors.forAnswer(answer, http.tokenSentTo(answer.uri), repoId, revision, file);
                }
                long start = 0;
                long total = linkedSize != null ? linkedSize : -1;
                if (status == 206) {
                    Matcher m = CONTENT_RANGE.matcher(nonNull(answer.header("Content-Range")));
                    if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                        LOG.warn("Unexpected Content-Range '{}' resuming {} at byte {}; starting over",
                                answer.header("Content-Range"), file, have);
                        Files.deleteIfExists(partial);
                        continue;
                    }
                    start = have;
                    if (total < 0 && !m.group(3).equals("*")) {
                        total = Long.parseLong(m.group(3));
                    }
                } else if (have > 0) {
                    LOG.info("Server ignored the range request for {}; downloading it again from the start", file);
                }
                if (total < 0) {
                    OptionalLong length = answer.response.headers().firstValueAsLong("Content-Length");
                    if (length.isPresent()) {
                        total = start + length.getAsLong();
                    }
                }
                MessageDigest digest = sha256 != null ? sha256(start > 0 ? partial : null, start) : null;
                long size = receive(answer, file, partial, start, total, digest);
                verify(file, partial, size, total, sha256, digest);
                complete(file, partial, target, size);
                return;
            }
        }
        throw new IOException("could not download " + file + " of " + repoId + "@" + revision
                + ": the server's answers to range requests are inconsistent; delete " + partial + " and run again");
    }

    /** Streams the body into the partial file, starting at {@code start}; returns the bytes on disk. */
    private long receive(HubHttp.Answer answer, String file, Path partial, long start, long total, MessageDigest digest)
            throws IOException {
        OpenOption[] options = start > 0
                ? new OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.APPEND}
                : new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING};
        Progress progress = new Progress(file, total);
        long done = start;
        boolean tooLong = false;
        try (InputStream in = answer.response.body();
                FileChannel out = FileChannel.open(partial, options);
                Watchdog watchdog = new Watchdog(in, stallTimeout)) {
            if (out.size() != start) {
                throw new IOException("partial file " + partial + " changed size during the download");
            }
            byte[] buf = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    String why = watchdog.stalled() ? "no data received for " + stallTimeout.toMillis() + " ms" : String.valueOf(e.getMessage());
                    throw interrupted(file, done, total, partial, why, e);
                }
                if (n < 0) {
                    break;
                }
                watchdog.touch();
                if (total >= 0 && done + n > total) {
                    tooLong = true;
                    break;
                }
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
                if (digest != null) {
                    digest.update(buf, 0, n);
                }
                done += n;
                progress.update(done);
            }
            if (!tooLong && total >= 0 && done < total) {
                throw interrupted(file, done, total, partial, "connection closed early", null);
            }
            out.force(true);
        }
        if (tooLong) {
            Files.deleteIfExists(partial);
            throw new IOException(file + ": the server sent more than the expected " + total
                    + " bytes; the partial download was deleted, run again");
        }
        return done;
    }

    private static IOException interrupted(String file, long done, long total, Path partial, String why, Throwable cause) {
        String of = total >= 0 ? done + " of " + total + " bytes" : done + " bytes";
        return new IOException(file + ": download interrupted after " + of + "; run again to resume (" + why
                + "; partial data kept in " + partial + ")", cause);
    }

    /** Checks size and SHA-256; deletes the partial file when they are wrong. */
    private static void verify(String file, Path partial, long size, long total, String sha256, MessageDigest digest)
            throws IOException {
        if (total >= 0 && size != total) {
            Files.deleteIfExists(partial);
            throw new IOException(file + ": size mismatch, expected " + total + " bytes but got " + size
                    + "; the partial download was deleted, run again");
        }
        if (sha256 != null) {
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(sha256)) {
                Files.deleteIfExists(partial);
                throw new IOException(file + ": checksum mismatch, expected SHA-256 " + sha256 + " but the download has "
                        + actual + "; the corrupt download was deleted, run again");
            }
            LOG.debug("{}: SHA-256 verified ({})", file, sha256);
        }
    }

    private void complete(String file, Path partial, Path target, long size) throws IOException {
        org.sam3j.io.AtomicFiles.move(partial, target);
        LOG.info("Downloaded {} ({} bytes) to {}", file, size, target);
        new Progress(file, size).finish(size);
    }

    /** The SHA-256 the Hub announces for an LFS file: {@code X-Linked-Etag}, else a 64-hex {@code ETag}. */
    private static String expectedSha256(HubHttp.Answer answer) {
        String sha = HubNames.sha256FromEtag(answer.meta("x-linked-etag"));
        return sha != null ? sha : HubNames.sha256FromEtag(answer.meta("etag"));
    }

    /** A SHA-256 digest that has already seen the first {@code length} bytes of {@code prefix} (when not null). */
    private static MessageDigest sha256(Path prefix, long length) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        if (prefix != null && length > 0) {
            try (InputStream in = Files.newInputStream(prefix)) {
                byte[] buf = new byte[1 << 16];
                long left = length;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException("partial file " + prefix + " is shorter than " + length + " bytes");
                    }
                    md.update(buf, 0, n);
                    left -= n;
                }
            }
        }
        return md;
    }

    private static MessageDigest hashFile(Path file, String sha256) throws IOException {
        return sha256 == null ? null : sha256(file, Files.size(file));
    }

    private static Long parseLong(String s) {
        if (s == null) {
            return null;
        }
        try {
            long v = Long.parseLong(s.strip());
            return v >= 0 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s.strip();
    }

    /** Removes {@code dir} and then empty parents up to (excluding) {@code stop}, when empty. */
    private static void removeIfEmpty(Path dir, Path stop) {
        for (Path d = dir; d != null && !d.equals(stop) && d.startsWith(stop); d = d.getParent()) {
            try {
                Files.deleteIfExists(d);
            } catch (DirectoryNotEmptyException e) {
                return;
            } catch (IOException e) {
                LOG.debug("could not remove {}", d, e);
                return;
            }
        }
    }

    /** Throttled calls to the listener: at most every 100 ms, plus the final one. */
    private final class Progress {
        private final String file;
        private final long total;
        private long last;
        private boolean started;

        Progress(String file, long total) {
            this.file = file;
            this.total = total;
        }

        void update(long done) {
            long now = System.nanoTime();
            if (!started || now - last >= PROGRESS_INTERVAL_NANOS) {
                started = true;
                last = now;
                call(done, total);
            }
        }

        void finish(long size) {
            call(size, size);
        }

        private void call(long done, long of) {
            try {
                listener.onProgress(file, done, of);
            } catch (RuntimeException e) {
                LOG.warn("Download progress listener failed", e);
            }
        }
    }

    /** Closes the body stream when no data has arrived for the stall timeout, which unblocks the reader. */
    private static final class Watchdog implements AutoCloseable {
        private final InputStream in;
        private final long timeoutNanos;
        private final ScheduledFuture<?> task;
        private volatile long lastData = System.nanoTime();
        private volatile boolean stalled;

        Watchdog(InputStream in, Duration timeout) {
            this.in = in;
            this.timeoutNanos = timeout.toNanos();
            long period = Math.max(10, timeout.toMillis() / 4);
            this.task = WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
        }

        void touch() {
            lastData = System.nanoTime();
        }

        boolean stalled() {
            return stalled;
        }

        private void check() {
            if (!stalled && System.nanoTime() - lastData > timeoutNanos) {
                stalled = true;
                try {
                    in.close();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("closing stalled download stream", e);
                }
            }
        }

        @Override
        public void close() {
            task.cancel(false);
        }
    }
}
