package org.sam3j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ReadaheadTest {
    @TempDir
    Path dir;

    private Path file(long bytes) throws Exception {
        Path f = dir.resolve("weights.bin");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), bytes - 1); // sparse: only the size matters
        }
        return f;
    }

    @Test
    void passesTheWholeFileThroughThePageCacheInChunks() throws Exception {
        long size = 2 * Readahead.CHUNK + 12_345;
        Path f = file(size);
        StringBuilder chunks = new StringBuilder();
        try (Readahead r = Readahead.start(f, bytes -> chunks.append(bytes).append(' '))) {
            assertTrue(r.await(60, TimeUnit.SECONDS), "readahead did not finish");
            assertEquals(size, r.bytesRead());
        }
        assertEquals(Readahead.CHUNK + " " + 2 * Readahead.CHUNK + " " + size + " ", chunks.toString());
    }

    @Test
    // a close() that did not interrupt the pass would wait for it forever (and ignore JUnit's interrupt)
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closeStopsThePassBetweenChunksAndWaitsForIt() throws Exception {
        Path f = file(4 * Readahead.CHUNK);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        Readahead r = Readahead.start(f, bytes -> {
            first.countDown();
            never.await(); // until close() interrupts the thread
        });
        assertTrue(first.await(60, TimeUnit.SECONDS));
        r.close();
        assertTrue(r.await(0, TimeUnit.SECONDS), "close() returned before the thread ended");
        assertEquals(Readahead.CHUNK, r.bytesRead());
        r.close(); // idempotent
    }

    @Test
    void aFileThatIsNotThereIsReportedByStart() {
        assertThrows(NoSuchFileException.class, () -> Readahead.start(dir.resolve("missing.safetensors")));
    }

    @Test
    void anEmptyFileEndsAtOnce() throws Exception {
        Path f = Files.createFile(dir.resolve("empty.bin"));
        try (Readahead r = Readahead.start(f)) {
            assertTrue(r.await(10, TimeUnit.SECONDS));
            assertEquals(0, r.bytesRead());
        }
    }
}
