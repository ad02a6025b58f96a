package org.sam3j.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress line of a batch, e.g. {@code segment  42% |████▏     | 5/12 images  0.21 img/s  ETA 0:34}.
 *
 * <p>{@link #format} is a pure function. On a terminal the line is redrawn in place (carriage return) and
 * cleared around other output; elsewhere (logs, pipes) it is printed as a plain line after every image.
 * The rate counts the images processed since the batch started (skipped ones excluded), and the ETA is the
 * images still to process divided by that rate. ({@link org.sam3j.hub.ProgressBar} draws byte counts and
 * rates for downloads, so it is not reused here.)
 */
final class BatchProgress {
    static final int BAR_WIDTH = 10;
    private static final char[] EIGHTHS = {' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'};
    private static final char FULL = '█';

    private final PrintWriter err;
    private final String name;
    private final String unit;
    private final String rateUnit;
    private final boolean terminal;
    private final int total;
    private final LongSupplier clock;
    private final long start;
    private int done;
    private int processed;
    private int toProcess;
    private int lastLength;

    /**
     * @param err       where to draw
     * @param terminal  whether {@code err} is a terminal (redraw in place)
     * @param total     images in the batch (skipped ones included)
     * @param toProcess images that will actually be processed
     */
    BatchProgress(PrintWriter err, boolean terminal, int total, int toProcess, LongSupplier clock) {
        this(err, "segment", "images", "img/s", terminal, total, toProcess, clock);
    }

    /**
     * A progress line for other work: e.g. {@code ("track", "frames", "frames/s")}.
     */
    BatchProgress(PrintWriter err, String name, String unit, String rateUnit, boolean terminal, int total, int toProcess,
                  LongSupplier clock) {
        this.err = err;
        this.name = name;
        this.unit = unit;
        this.rateUnit = rateUnit;
        this.terminal = terminal;
        this.total = total;
        this.toProcess = toProcess;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.done = total - toProcess;
    }

    /**
     * A progress line.
     *
     * @param done      images finished (processed or skipped)
     * @param total     images in the batch
     * @param processed images processed since the start (the rate's numerator)
     * @param remaining images still to process
     * @param elapsed   time since the batch started
     */
    static String format(int done, int total, int processed, int remaining, Duration elapsed) {
        return format("segment", "images", "img/s", done, total, processed, remaining, elapsed);
    }

    /** {@link #format(int, int, int, int, Duration)} with another name, unit and rate unit. */
    static String format(String name, String unit, String rateUnit, int done, int total, int processed, int remaining,
                         Duration elapsed) {
        StringBuilder sb = new StringBuilder(name);
        int percent = total == 0 ? 100 : (int) (done * 100L / total);
        sb.append(String.format(Locale.ROOT, " %3d%% |", percent));
        long eighths = total == 0 ? BAR_WIDTH * 8L : (long) done * BAR_WIDTH * 8 / total;
        int full = (int) (eighths / 8);
        int part = (int) (eighths % 8);
        for (int i = 0; i < BAR_WIDTH; i++) sb.append(i < full ? FULL : i == full ? EIGHTHS[part] : ' ');
        sb.append("| ").append(done).append('/').append(total).append(' ').append(unit).append("  ");
        double seconds = elapsed.toNanos() / 1e9;
        double rate = processed > 0 && seconds > 0 ? processed / seconds : Double.NaN;
        sb.append(Double.isNaN(rate) ? "-- " + rateUnit
                : String.format(Locale.ROOT, rate >= 10 ? "%.0f %s" : "%.2f %s", rate, rateUnit));
        sb.append("  ETA ");
        if (remaining == 0) sb.append(clock(0));
        else if (Double.isNaN(rate)) sb.append("--:--");
        else sb.append(clock((long) Math.ceil(remaining / rate)));
        return sb.toString();
    }

    static String clock(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }

    /** Draws the line as it stands (at the start, before the first image). */
    synchronized void show() {
        draw();
    }

    /** One more image processed (successfully or not). */
    synchronized void imageDone() {
        done++;
        processed++;
        toProcess--;
        draw();
    }

    /** Prints a line of other output on {@code out} without garbling the progress line. */
    synchronized void println(PrintWriter out, String line) {
        if (terminal && lastLength > 0) {
            err.print('\r' + " ".repeat(lastLength) + '\r');
            err.flush();
        }
        out.println(line);
        out.flush();
        if (terminal && lastLength > 0) {
            draw();
        }
    }

    /** Ends the progress line (on a terminal). */
    synchronized void finish() {
        if (terminal && lastLength > 0) {
            err.println();
            err.flush();
            lastLength = 0;
        }
    }

    private void draw() {
        String line = format(name, unit, rateUnit, done, total, processed, toProcess, Duration.ofNanos(clock.getAsLong() - start));
        if (terminal) {
            StringBuilder sb = new StringBuilder("\r").append(line);
            for (int i = line.length(); i < lastLength; i++) sb.append(' ');
            err.print(sb);
            lastLength = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }
}
