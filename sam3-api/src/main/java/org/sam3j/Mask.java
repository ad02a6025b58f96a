package org.sam3j;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.sam3j.internal.Bits;

/**
 * An immutable binary mask of {@code width × height} pixels, stored as a bit set (one bit per pixel,
 * row-major), i.e. about {@code width · height / 8} bytes.
 *
 * <p>Factories: from probabilities or logits with the reference thresholding rules
 * ({@link #fromLogits(float[], int, int)}, {@link #fromThreshold(float[], int, int, float)}), from
 * booleans, from a bit set ({@link #fromBits(long[], int, int)}), from COCO run-length encoding
 * ({@link #fromRle(Rle)}) and from a PNG file. Outputs: pixel
 * queries, {@link #area()}, {@link #boundingBox()}, {@link #toRle()}, {@link #toBooleanArray()} and
 * 8-bit grayscale PNG ({@link #toPngBytes()}, {@link #writePng(Path)}).
 *
 * <p>Thread-safe (immutable); a plain heap object that needs no closing. Equal when sizes and pixels are
 * equal.
 */
public final class Mask {
    /**
     * The smallest float {@code t} with {@code sigmoid(t) > 0.5f} when the sigmoid is evaluated in float
     * as {@code 1 / (1 + exp(−x))} (PyTorch's CPU kernel). The rounded sigmoid is monotonic, so
     * {@code sigmoid(x) > 0.5f} if and only if {@code x >= t}; {@code t} is about {@code 1.2e-7} (not 0).
     */
    static final float PROB_HALF_LOGIT = findHalfLogit();

    private final int width;
    private final int height;
    private final long[] bits;
    private final long area;

    private Mask(int width, int height, long[] bits) {
        this.width = width;
        this.height = height;
        this.bits = bits;
        long a = 0;
        for (long w : bits) a += Long.bitCount(w);
        this.area = a;
    }

    private static long[] newBits(int width, int height) {
        Rle.checkSize(height, width);
        return new long[(int) (((long) width * height + 63) >>> 6)];
    }

    private static void checkLength(int length, int width, int height, String what) {
        Rle.checkSize(height, width);
        if (length != (long) width * height) {
            throw new IllegalArgumentException(what + ": " + length + " values for a " + width + "x" + height
                    + " mask (expected " + ((long) width * height) + ")");
        }
    }

    /**
     * An all-zero mask.
     *
     * @throws IllegalArgumentException if a dimension is not positive or the mask would be too large
     */
    public static Mask empty(int width, int height) {
        return new Mask(width, height, newBits(width, height));
    }

    /**
     * A mask from booleans, row-major ({@code values[y * width + x]}).
     *
     * @throws IllegalArgumentException if a dimension is not positive or the array has the wrong length
     */
    public static Mask of(boolean[] values, int width, int height) {
        Objects.requireNonNull(values, "values");
        checkLength(values.length, width, height, "Mask.of");
        long[] bits = newBits(width, height);
        for (int i = 0; i < values.length; i++) {
            if (values[i]) bits[i >>> 6] |= 1L << i;
        }
        return new Mask(width, height, bits);
    }

    /**
     * A mask from row-major logits with the reference's rule for concept (text / exemplar) masks: the
     * probability {@code p = 1 / (1 + exp(−x))} is computed in float, and a pixel is set if and only if
     * {@code p > 0.5f}. Because of rounding this differs from {@code x > 0} for tiny positive logits
     * (below about {@code 1.2e-7}, {@code p} rounds to exactly 0.5 and the pixel is not set). NaN is not
     * set.
     *
     * @throws IllegalArgumentException if a dimension is not positive or the array has the wrong length
     */
    public static Mask fromLogits(float[] logits, int width, int height) {
        Objects.requireNonNull(logits, "logits");
        checkLength(logits.length, width, height, "Mask.fromLogits");
        return fromAtLeast(logits, 0, width, height, PROB_HALF_LOGIT);
    }

    /**
     * A mask of the values strictly above a threshold: a pixel is set if and only if
     * {@code values[y * width + x] > threshold} (NaN is never set). Interactive (point / box) masks are
     * {@code fromThreshold(logits, w, h, 0f)}.
     *
     * @throws IllegalArgumentException if a dimension is not positive, the array has the wrong length, or
     *                                  the threshold is NaN
     */
    public static Mask fromThreshold(float[] values, int width, int height, float threshold) {
        Objects.requireNonNull(values, "values");
        checkLength(values.length, width, height, "Mask.fromThreshold");
        if (Float.isNaN(threshold)) {
            throw new IllegalArgumentException("Mask.fromThreshold: threshold is NaN");
        }
        // v > t is v >= the next float above t, for every v (NaN fails both); above +∞ there is nothing.
        return threshold == Float.POSITIVE_INFINITY ? empty(width, height)
                : fromAtLeast(values, 0, width, height, Math.nextUp(threshold));
    }

    /**
     * A mask from a bit set in {@link java.util.BitSet#toLongArray()} order: pixel {@code (x, y)} is set when bit
     * {@code y·width + x} is, i.e. bit {@code i & 63} of {@code words[i >>> 6]}. The array is copied; it may be
     * shorter than the mask needs (the missing words are zero), as {@code BitSet.toLongArray()} leaves it.
     *
     * @throws IllegalArgumentException if a dimension is not positive, or {@code words} has more words than
     *                                  {@code width · height} pixels need or a bit beyond the last pixel
     */
    public static Mask fromBits(long[] words, int width, int height) {
        Objects.requireNonNull(words, "words");
        long[] bits = newBits(width, height);
        if (words.length > bits.length) {
            throw new IllegalArgumentException("Mask.fromBits: " + words.length + " words for " + width + "x" + height
                    + " pixels (" + bits.length + " words)");
        }
        int tail = (int) (((long) width * height) & 63);
        if (words.length == bits.length && tail != 0 && (words[bits.length - 1] >>> tail) != 0) {
            throw new IllegalArgumentException("Mask.fromBits: a bit is set beyond pixel " + width + "x" + height);
        }
        System.arraycopy(words, 0, bits, 0, words.length);
        return new Mask(width, height, bits);
    }

    /**
     * The smallest logit {@link #fromLogits(float[], int, int)} sets: {@code sigmoid(x) > 0.5f} in float if and only
     * if {@code x >= halfProbabilityLogit()} (about {@code 1.2e-7}).
     */
    public static float halfProbabilityLogit() {
        return PROB_HALF_LOGIT;
    }

    /** Pixels {@code values[offset + i] >= min}; package use (sizes checked by the caller). */
    static Mask fromAtLeast(float[] values, int offset, int width, int height, float min) {
        long[] bits = newBits(width, height);
        Bits.setAtLeast(values, offset, width * height, min, bits, 0);
        return new Mask(width, height, bits);
    }

    /** The reference float sigmoid {@code 1 / (1 + exp(−x))}, every step rounded to float. */
    static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    private static float findHalfLogit() {
        // Binary search over positive floats (their bit patterns are ordered like their values).
        int lo = 0; // sigmoid(0) = 0.5, not above
        int hi = Float.floatToIntBits(1f); // sigmoid(1) > 0.5
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (sigmoid(Float.intBitsToFloat(mid)) > 0.5f) hi = mid; else lo = mid;
        }
        return Float.intBitsToFloat(hi);
    }

    /**
     * Decodes a COCO run-length encoding.
     *
     * @throws NullPointerException if {@code rle} is null
     */
    public static Mask fromRle(Rle rle) {
        int h = rle.height();
        int w = rle.width();
        long[] bits = newBits(w, h);
        int[] counts = rle.countsUnsafe();
        long pos = 0; // column-major position
        for (int i = 0; i < counts.length; i++) {
            int run = counts[i];
            if ((i & 1) == 1) {
                for (long p = pos; p < pos + run; p++) {
                    int x = (int) (p / h);
                    int y = (int) (p % h);
                    int idx = y * w + x;
                    bits[idx >>> 6] |= 1L << idx;
                }
            }
            pos += run;
        }
        return new Mask(w, h, bits);
    }

    /**
     * Reads a mask from an image file (PNG or any format {@link ImageIO} decodes): a pixel is set when its
     * first band (the grey level of a grayscale image, red otherwise) is at least half the band's
     * maximum, so the 0/255 files of {@link #writePng(Path)} read back exactly.
     *
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if it is not a decodable image
     */
    public static Mask readPng(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IllegalArgumentException("not a readable image: " + file);
        }
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        int bitsPerSample = r.getSampleModel().getSampleSize(0);
        int half = 1 << (bitsPerSample - 1);
        long[] bits = newBits(w, h);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                if (row[x] >= half) {
                    int idx = y * w + x;
                    bits[idx >>> 6] |= 1L << idx;
                }
            }
        }
        return new Mask(w, h, bits);
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /**
     * Whether the pixel at column {@code x}, row {@code y} is set.
     *
     * @throws IndexOutOfBoundsException if the position is outside the mask
     */
    public boolean get(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        int idx = y * width + x;
        return (bits[idx >>> 6] >>> idx & 1L) != 0;
    }

    /** Number of set pixels. */
    public long area() {
        return area;
    }

    /** Whether no pixel is set. */
    public boolean isEmpty() {
        return area == 0;
    }

    /**
     * The tight box around the set pixels, in pixel-edge coordinates: {@code (minX, minY, maxX + 1,
     * maxY + 1)}; empty if no pixel is set.
     */
    public Optional<Box> boundingBox() {
        if (area == 0) return Optional.empty();
        int minX = width;
        int minY = -1;
        int maxX = -1;
        int maxY = -1;
        for (int y = 0; y < height; y++) {
            long base = (long) y * width;
            int first = nextSet(base, base + width);
            if (first < 0) continue;
            if (minY < 0) minY = y;
            maxY = y;
            minX = Math.min(minX, (int) (first - base));
            int last = prevSet(base, base + width);
            maxX = Math.max(maxX, (int) (last - base));
        }
        return Optional.of(new Box(minX, minY, maxX + 1, maxY + 1));
    }

    /** First set bit index in [from, to), or −1. */
    private int nextSet(long from, long to) {
        long i = from;
        while (i < to) {
            int word = (int) (i >>> 6);
            long w = bits[word] >>> (i & 63);
            if (w != 0) {
                long hit = i + Long.numberOfTrailingZeros(w);
                return hit < to ? (int) hit : -1;
            }
            i = ((long) word + 1) << 6;
        }
        return -1;
    }

    /** Last set bit index in [from, to), or −1. */
    private int prevSet(long from, long to) {
        long i = to - 1;
        while (i >= from) {
            int word = (int) (i >>> 6);
            long w = bits[word] << (63 - (i & 63));
            if (w != 0) {
                long hit = i - Long.numberOfLeadingZeros(w);
                return hit >= from ? (int) hit : -1;
            }
            i = ((long) word << 6) - 1;
        }
        return -1;
    }

    /**
     * Intersection over union with another mask of the same size (1 when both are empty).
     *
     * @throws IllegalArgumentException if the sizes differ
     */
    public double iou(Mask other) {
        if (other.width != width || other.height != height) {
            throw new IllegalArgumentException("mask sizes differ: " + width + "x" + height + " vs "
                    + other.width + "x" + other.height);
        }
        long inter = 0;
        long union = 0;
        for (int i = 0; i < bits.length; i++) {
            inter += Long.bitCount(bits[i] & other.bits[i]);
            union += Long.bitCount(bits[i] | other.bits[i]);
        }
        return union == 0 ? 1.0 : (double) inter / union;
    }

    /** The pixels as a new row-major array ({@code [y * width + x]}). */
    public boolean[] toBooleanArray() {
        boolean[] out = new boolean[width * height];
        for (int i = 0; i < out.length; i++) {
            out[i] = (bits[i >>> 6] >>> i & 1L) != 0;
        }
        return out;
    }

    /**
     * How set pixels that touch only at a corner (diagonally) are grouped by {@link #toPolygons(double,
     * Connectivity)}.
     */
    public enum Connectivity {
        /**
         * Edge neighbours only: diagonal pixels are separate objects whose polygons share a vertex; a hole
         * may then open diagonally onto the outside or another hole (the background is 8-connected).
         */
        FOUR,
        /**
         * Edge and corner neighbours (COCO's and OpenCV's convention for objects): diagonal pixels are one
         * object whose outline touches itself at the shared vertex; holes are 4-connected background.
         */
        EIGHT
    }

    /**
     * The outlines of the set pixels as polygons, grouping diagonal neighbours with
     * {@link Connectivity#EIGHT}: {@code toPolygons(tolerance, Connectivity.EIGHT)}.
     *
     * @throws IllegalArgumentException if the tolerance is negative or not finite
     */
    public List<Polygon> toPolygons(double tolerance) {
        return toPolygons(tolerance, Connectivity.EIGHT);
    }

    /**
     * The outlines of the set pixels as polygons with holes, one per connected component (in raster order
     * of each component's first pixel), in pixel-corner coordinates (see {@link Polygon} for the ring form
     * and orientation).
     *
     * <p>Outlines are traced along pixel edges, so with {@code tolerance = 0} they enclose exactly the set
     * pixels: pixel {@code (x, y)} is set if and only if its centre {@code (x + 0.5, y + 0.5)} lies inside
     * (even-odd or non-zero rule, the same here); only corner vertices are kept. Pixels on the image border
     * are closed along the border. A hole's own islands are separate polygons. With {@code tolerance > 0}
     * every ring is simplified with Douglas–Peucker (each dropped vertex lies within {@code tolerance}
     * pixels of the simplified ring; like OpenCV's {@code approxPolyDP} this is per ring, so a simplified
     * ring may cross itself or another ring). A ring that simplification collapses (fewer than three
     * vertices, or no area of its orientation) is dropped, an exterior together with its holes.
     *
     * @param tolerance    simplification tolerance in pixels, {@code >= 0} (0: exact outlines)
     * @param connectivity how diagonal neighbours are grouped
     * @return the polygons, empty for an empty mask
     * @throws IllegalArgumentException if the tolerance is negative or not finite
     */
    public List<Polygon> toPolygons(double tolerance, Connectivity connectivity) {
        Objects.requireNonNull(connectivity, "connectivity");
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("polygon tolerance must be a finite number >= 0, got " + tolerance);
        }
        if (area == 0) return List.of();
        return List.copyOf(MaskOutlines.polygons(toBooleanArray(), width, height, tolerance, connectivity));
    }

    /** The COCO run-length encoding (column-major runs starting with 0s), as pycocotools {@code encode}. */
    public Rle toRle() {
        int[] counts = new int[16];
        int m = 0;
        boolean current = false;
        int run = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                int idx = y * width + x;
                boolean v = (bits[idx >>> 6] >>> idx & 1L) != 0;
                if (v != current) {
                    if (m == counts.length) counts = Arrays.copyOf(counts, m * 2);
                    counts[m++] = run;
                    run = 0;
                    current = v;
                }
                run++;
            }
        }
        if (m == counts.length) counts = Arrays.copyOf(counts, m + 1);
        counts[m++] = run;
        return Rle.wrap(height, width, Arrays.copyOf(counts, m));
    }

    /** The mask as a new 8-bit grayscale image: 255 where set, 0 elsewhere. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        // TYPE_BYTE_GRAY rasters created this way are packed row by row without padding.
        for (int i = 0; i < dst.length; i++) {
            if ((bits[i >>> 6] >>> i & 1L) != 0) dst[i] = (byte) 0xFF;
        }
        return img;
    }

    /** The mask encoded as an 8-bit grayscale PNG (0 / 255). */
    public byte[] toPngBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, width * height / 64));
        try {
            if (!ImageIO.write(toBufferedImage(), "png", out)) {
                throw new IllegalStateException("no PNG writer available in javax.imageio");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory stream: does not happen
        }
        return out.toByteArray();
    }

    /**
     * Writes the mask as an 8-bit grayscale PNG (0 / 255), atomically: the bytes go to a temporary file in
     * the same directory which is then renamed over {@code file}, so readers never see a partial file. The
     * directory must exist.
     *
     * @throws IOException if the file cannot be written (the temporary file is removed)
     */
    public void writePng(Path file) throws IOException {
        org.sam3j.io.AtomicFiles.write(file, toPngBytes());
    }

    /** Equal when the sizes and all pixels are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Mask m && m.width == width && m.height == height && m.area == area
                && Arrays.equals(m.bits, bits);
    }

    /** A hash of the size and the pixels, consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(bits);
    }

    /** Size and area, e.g. {@code Mask[1800x1200, area=5123]}. */
    @Override
    public String toString() {
        return "Mask[" + width + "x" + height + ", area=" + area + "]";
    }
}
