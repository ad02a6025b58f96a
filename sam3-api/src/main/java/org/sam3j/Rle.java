package org.sam3j;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A binary mask in COCO run-length encoding, the format of {@code pycocotools.mask}: the image is read in
 * column-major (Fortran) order, top to bottom within a column and columns left to right, and
 * {@link #counts()} holds the lengths of alternating runs of 0s and 1s, starting with a run of 0s (which
 * is 0 when the first pixel is set). The counts add up to {@code height · width}.
 *
 * <p>{@link #countsString()} and {@link #fromString(String, int, int)} convert to and from COCO's compact
 * string form (pycocotools {@code rleToString} / {@code rleFrString}); {@link #toMap()} gives the JSON
 * object {@code {"size": [h, w], "counts": "..."}} that COCO result files use.
 *
 * <p>Immutable; equal when sizes and counts are equal.
 */
public final class Rle {
    private final int height;
    private final int width;
    private final int[] counts;

    private Rle(int height, int width, int[] counts) {
        this.height = height;
        this.width = width;
        this.counts = counts;
    }

    /**
     * An RLE from its run lengths (copied).
     *
     * @param height mask height, at least 1
     * @param width  mask width, at least 1
     * @param counts run lengths in column-major order, starting with a run of 0s; non-negative, adding up
     *               to {@code height · width}
     * @throws IllegalArgumentException if the size is not positive or too large, a count is negative, or
     *                                  the counts do not add up to {@code height · width}
     */
    public static Rle of(int height, int width, int[] counts) {
        Objects.requireNonNull(counts, "counts");
        return checked(height, width, counts.clone());
    }

    /** Wraps an array built by this package (no copy). */
    static Rle wrap(int height, int width, int[] counts) {
        return checked(height, width, counts);
    }

    private static Rle checked(int height, int width, int[] counts) {
        checkSize(height, width);
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new IllegalArgumentException("RLE count " + i + " is negative: " + counts[i]);
            }
            sum += counts[i];
        }
        if (sum != (long) height * width) {
            throw new IllegalArgumentException("RLE counts add up to " + sum + ", expected height*width = "
                    + height + "*" + width + " = " + ((long) height * width));
        }
        return new Rle(height, width, counts);
    }

    static void checkSize(int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("mask size must be positive, got height " + height + ", width " + width);
        }
        if ((long) height * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("mask too large: " + width + "x" + height);
        }
    }

    /**
     * Decodes COCO's compact string form of the counts (pycocotools {@code rleFrString}): each count is
     * written as 5-bit groups, least significant first, each group as the character {@code 48 + group},
     * with {@code 0x20} added to every group but the last; from the fourth count on, the value written
     * is the difference to the count two places back.
     *
     * @param counts the string, characters {@code '0'} (48) to {@code 'o'} (111)
     * @param height mask height, at least 1
     * @param width  mask width, at least 1
     * @throws IllegalArgumentException if the string has a character outside that range, ends in the
     *                                  middle of a count, decodes to a negative or too large count, or
     *                                  does not add up to {@code height · width}
     */
    public static Rle fromString(String counts, int height, int width) {
        Objects.requireNonNull(counts, "counts");
        checkSize(height, width);
        int[] out = new int[counts.length()];
        int m = 0;
        int p = 0;
        int n = counts.length();
        while (p < n) {
            long x = 0;
            int k = 0;
            boolean more = true;
            int start = p;
            while (more) {
                if (p >= n) {
                    throw new IllegalArgumentException("RLE string ends inside a count (at character " + start
                            + " of \"" + abbreviate(counts) + "\")");
                }
                char ch = counts.charAt(p);
                if (ch < 48 || ch > 111) {
                    throw new IllegalArgumentException("invalid RLE character '" + ch + "' (code " + (int) ch
                            + ") at position " + p + "; expected '0'..'o'");
                }
                if (k >= 12) {
                    throw new IllegalArgumentException("RLE count starting at position " + start + " is too long");
                }
                int c = ch - 48;
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) {
                    x |= -1L << (5 * k);
                }
            }
            if (m > 2) {
                x += out[m - 2];
            }
            if (x < 0 || x > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("RLE count " + m + " decodes to " + x + " (ending at position "
                        + (p - 1) + ")");
            }
            out[m++] = (int) x;
        }
        return checked(height, width, Arrays.copyOf(out, m));
    }

    /**
     * An RLE from a COCO JSON object, as parsed into a map (e.g. by Jackson): {@code "size"} is
     * {@code [height, width]} and {@code "counts"} either the compact string or a list of run lengths
     * (COCO's uncompressed RLE).
     *
     * @throws IllegalArgumentException if an entry is missing or malformed, or the RLE is invalid
     */
    public static Rle fromMap(Map<String, ?> map) {
        Objects.requireNonNull(map, "map");
        Object size = map.get("size");
        if (!(size instanceof List<?> s) || s.size() != 2 || !(s.get(0) instanceof Number)
                || !(s.get(1) instanceof Number)) {
            throw new IllegalArgumentException("RLE \"size\" must be a list [height, width], got " + size);
        }
        int h = ((Number) s.get(0)).intValue();
        int w = ((Number) s.get(1)).intValue();
        Object c = map.get("counts");
        if (c instanceof String str) {
            return fromString(str, h, w);
        }
        if (c instanceof List<?> list) {
            int[] counts = new int[list.size()];
            for (int i = 0; i < counts.length; i++) {
                if (!(list.get(i) instanceof Number num)) {
                    throw new IllegalArgumentException("RLE \"counts\" entry " + i + " is not a number: " + list.get(i));
                }
                long v = num.longValue();
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("RLE count " + i + " out of range: " + v);
                }
                counts[i] = (int) v;
            }
            return checked(h, w, counts);
        }
        throw new IllegalArgumentException("RLE \"counts\" must be a string or a list of numbers, got " + c);
    }

    /** Mask height (rows). */
    public int height() {
        return height;
    }

    /** Mask width (columns). */
    public int width() {
        return width;
    }

    /** A copy of the run lengths (column-major, starting with a run of 0s). */
    public int[] counts() {
        return counts.clone();
    }

    /** The internal counts, for package code that does not modify them. */
    int[] countsUnsafe() {
        return counts;
    }

    /** Number of set pixels: the sum of the runs of 1s (the odd positions of {@link #counts()}). */
    public long area() {
        long a = 0;
        for (int i = 1; i < counts.length; i += 2) a += counts[i];
        return a;
    }

    /**
     * The counts in COCO's compact string form, byte for byte what pycocotools {@code rleToString}
     * (and so {@code mask.encode(...)["counts"]}) produces for the same counts.
     */
    public String countsString() {
        StringBuilder sb = new StringBuilder(counts.length * 2);
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                sb.append((char) (c + 48));
            }
        }
        return sb.toString();
    }

    /**
     * The COCO JSON form: an unmodifiable, insertion-ordered map {@code {"size": [height, width],
     * "counts": countsString()}}, ready for a JSON serialiser.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", List.of(height, width));
        m.put("counts", countsString());
        return Collections.unmodifiableMap(m);
    }

    /** Equal when the sizes and the counts are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Rle r && r.height == height && r.width == width && Arrays.equals(r.counts, counts);
    }

    /** A hash of the size and counts, consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(counts);
    }

    /** Size and (abbreviated) compact counts, e.g. {@code Rle[h=3, w=4, counts=254L]}. */
    @Override
    public String toString() {
        return "Rle[h=" + height + ", w=" + width + ", counts=" + abbreviate(countsString()) + "]";
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
