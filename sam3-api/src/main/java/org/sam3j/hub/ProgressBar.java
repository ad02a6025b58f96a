package org.sam3j.hub;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Renders a one-line text progress bar for a download, e.g.
 * {@code model.safetensors  42% |████▏     | 1.4/3.4 GB  85 MB/s  ETA 0:24}.
 *
 * <p>{@link #format} is a pure function of the numbers and the elapsed time; {@link #printingTo} adapts it
 * to a {@link DownloadListener} that redraws a line on a terminal. Sizes use decimal units (kB, MB, GB, TB),
 * the bar is {@value #BAR_WIDTH} cells wide with eighth-cell resolution, the rate is the average since the
 * download (or resumption) started, and the ETA is rounded up to whole seconds.
 */
public final class ProgressBar {
    /** Width of the bar in character cells. */
    public static final int BAR_WIDTH = 10;

    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};
    /** Partial cells, by eighths: index k draws k/8 of a cell. */
    private static final char[] EIGHTHS = {' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'};
    private static final char FULL = '█';

    private ProgressBar() {}

    /**
     * Formats a progress line, counting all of {@code bytesDone} towards the rate.
     *
     * @see #format(String, long, long, long, Duration)
     * @param file the file name shown first
     * @param bytesDone bytes done
     * @param bytesTotal the total, or a negative number when unknown
     * @param elapsed time since the download started
     * @return the line, without line terminator
     */
    public static String format(String file, long bytesDone, long bytesTotal, Duration elapsed) {
        return format(file, bytesDone, bytesTotal, 0, elapsed);
    }

    /**
     * Formats a progress line: {@code file  pct% |bar| done/total unit  rate  ETA m:ss}. With an unknown
     * total it is {@code file  done unit  rate}. The rate is {@code (bytesDone - bytesAtStart) / elapsed} (so a
     * resumed download is not credited with the bytes it already had) and shows {@code --} while nothing has
     * been measured yet; so does the ETA.
     *
     * @param file the file name shown first
     * @param bytesDone bytes done
     * @param bytesTotal the total, or a negative number when unknown
     * @param bytesAtStart bytes that were already there when {@code elapsed} started (resumed downloads)
     * @param elapsed time since the download started or resumed
     * @return the line, without line terminator
     */
    public static String format(String file, long bytesDone, long bytesTotal, long bytesAtStart, Duration elapsed) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(elapsed, "elapsed");
        long done = Math.max(0, bytesDone);
        double seconds = elapsed.toNanos() / 1e9;
        long fresh = done - Math.max(0, bytesAtStart);
        double rate = seconds > 0 && fresh > 0 ? fresh / seconds : Double.NaN;
        String rateText = Double.isNaN(rate) ? "-- B/s" : formatRate(rate);

        StringBuilder sb = new StringBuilder(file);
        if (bytesTotal < 0) {
            int unit = unitFor(done);
            sb.append("  ").append(scaled(done, unit)).append(' ').append(UNITS[unit]).append("  ").append(rateText);
            return sb.toString();
        }
        long total = bytesTotal;
        long shown = Math.min(done, total);
        int percent = total == 0 ? 100 : (int) (shown * 100.0 / total);
        sb.append(String.format(Locale.ROOT, " %3d%% |", percent));
        long eighths = total == 0 ? BAR_WIDTH * 8L : (long) ((double) shown * BAR_WIDTH * 8 / total);
        int full = (int) (eighths / 8);
        int part = (int) (eighths % 8);
        for (int i = 0; i < BAR_WIDTH; i++) {
            sb.append(i < full ? FULL : i == full ? EIGHTHS[part] : ' ');
        }
        int unit = unitFor(total);
        sb.append("| ").append(scaled(done, unit)).append('/').append(scaled(total, unit)).append(' ').append(UNITS[unit]);
        sb.append("  ").append(rateText).append("  ETA ");
        long remaining = total - shown;
        if (remaining == 0) {
            sb.append(clock(0));
        } else if (Double.isNaN(rate)) {
            sb.append("--:--");
        } else {
            sb.append(clock((long) Math.ceil(remaining / rate)));
        }
        return sb.toString();
    }

    /**
     * A listener that redraws a progress line per file on {@code out} (a carriage return, the line, padding to
     * clear a longer previous line) and ends the line when the file is complete. Rates are measured from the
     * listener's first call for each file.
     *
     * @param out where to draw, typically {@code System.err}
     * @return the listener
     */
    public static DownloadListener printingTo(PrintStream out) {
        return printingTo(out, System::nanoTime);
    }

    static DownloadListener printingTo(PrintStream out, LongSupplier nanoClock) {
        Objects.requireNonNull(out, "out");
        return new DownloadListener() {
            private final Map<String, long[]> starts = new HashMap<>(); // file -> {startNanos, bytesAtStart}
            private int lastLength;

            @Override
            public synchronized void onProgress(String file, long bytesDone, long bytesTotal) {
                long now = nanoClock.getAsLong();
                long[] start = starts.computeIfAbsent(file, f -> new long[] {now, bytesDone});
                String line = format(file, bytesDone, bytesTotal, start[1], Duration.ofNanos(now - start[0]));
                StringBuilder sb = new StringBuilder(line.length() + lastLength + 2).append('\r').append(line);
                for (int i = line.length(); i < lastLength; i++) {
                    sb.append(' ');
                }
                boolean finished = bytesTotal >= 0 && bytesDone >= bytesTotal;
                if (finished) {
                    sb.append(System.lineSeparator());
                    starts.remove(file);
                    lastLength = 0;
                } else {
                    lastLength = line.length();
                }
                out.print(sb);
                out.flush();
            }
        };
    }

    private static int unitFor(long bytes) {
        int unit = 0;
        double v = bytes;
        while (v >= 1000 && unit < UNITS.length - 1) {
            v /= 1000;
            unit++;
        }
        return unit;
    }

    private static String scaled(long bytes, int unit) {
        if (unit == 0) {
            return Long.toString(bytes);
        }
        return String.format(Locale.ROOT, "%.1f", bytes / Math.pow(1000, unit));
    }

    private static String formatRate(double bytesPerSecond) {
        int unit = unitFor((long) bytesPerSecond);
        double v = bytesPerSecond / Math.pow(1000, unit);
        String num = v < 10 && unit > 0 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", Math.floor(v));
        return num + " " + UNITS[unit] + "/s";
    }

    private static String clock(long seconds) {
        long h = seconds / 3600;
        long m = (seconds % 3600) / 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
