package org.sam3j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link ProgressBar} formatting. */
class ProgressBarTest {
    @Test
    void typicalLine() {
        // 1.428 GB in 16.8 s = 85 MB/s; 1.972 GB left = 23.2 s, shown rounded up; 42% = 4 cells + 1/8 (33.6 eighths)
        assertEquals("model.safetensors  42% |████▏     | 1.4/3.4 GB  85 MB/s  ETA 0:24",
                ProgressBar.format("model.safetensors", 1_428_000_000L, 3_400_000_000L, Duration.ofMillis(16_800)));
    }

    @Test
    void partialCellsByEighths() {
        assertEquals("f  55% |█████▌    | 5.5/10.0 kB  5.5 kB/s  ETA 0:01",
                ProgressBar.format("f", 5_500, 10_000, Duration.ofSeconds(1)));
        assertEquals("f  99% |█████████▉| 990/999 B  990 B/s  ETA 0:01",
                ProgressBar.format("f", 990, 999, Duration.ofSeconds(1)));
    }

    @Test
    void start() {
        assertEquals("config.json   0% |          | 0.0/4.1 kB  -- B/s  ETA --:--",
                ProgressBar.format("config.json", 0, 4096, Duration.ZERO));
    }

    @Test
    void finished() {
        assertEquals("x 100% |██████████| 3.4/3.4 kB  1.7 kB/s  ETA 0:00",
                ProgressBar.format("x", 3400, 3400, Duration.ofSeconds(2)));
        assertEquals("empty 100% |██████████| 0/0 B  -- B/s  ETA 0:00",
                ProgressBar.format("empty", 0, 0, Duration.ofSeconds(1)));
    }

    @Test
    void unknownTotal() {
        assertEquals("x  1.5 MB  1.5 MB/s", ProgressBar.format("x", 1_500_000, -1, Duration.ofSeconds(1)));
    }

    @Test
    void resumedDownloadRateCountsOnlyNewBytes() {
        assertEquals("m  50% |█████     | 2.0/4.0 GB  100 MB/s  ETA 0:20",
                ProgressBar.format("m", 2_000_000_000L, 4_000_000_000L, 1_000_000_000L, Duration.ofSeconds(10)));
    }

    @Test
    void longEtaShowsHours() {
        assertEquals("m   0% |          | 0.0/10.0 GB  1.0 MB/s  ETA 2:46:39",
                ProgressBar.format("m", 1_000_000, 10_000_000_000L, Duration.ofSeconds(1)));
    }

    @Test
    void printingListenerRedrawsAndEndsTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        DownloadListener l = ProgressBar.printingTo(new PrintStream(bytes, true, StandardCharsets.UTF_8), clock::get);
        l.onProgress("f", 100, 900);
        clock.set(1_000_000_000L);
        l.onProgress("f", 600, 900);
        clock.set(2_000_000_000L);
        l.onProgress("f", 900, 900);
        String nl = System.lineSeparator();
        // rates count from the first call (100 bytes already there); 300 bytes left at 500 B/s = 0.6 s -> 0:01
        assertEquals("\rf  11% |█         | 100/900 B  -- B/s  ETA --:--"
                + "\rf  66% |██████▋   | 600/900 B  500 B/s  ETA 0:01"
                + "\rf 100% |██████████| 900/900 B  400 B/s  ETA 0:00" + nl,
                bytes.toString(StandardCharsets.UTF_8));
    }
}
