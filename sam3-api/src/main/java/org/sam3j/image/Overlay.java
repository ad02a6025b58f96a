package org.sam3j.image;

import org.sam3j.RgbImage;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.Mask;
import org.sam3j.MaskResult;

/**
 * Draws segmentation results over an image for a quick look: each instance gets a colour from a fixed
 * palette (by its position in the list, so the best instance of a {@link MaskResult} is always the first
 * colour), its mask is alpha-blended in that colour, its box outlined, and its score written above the
 * box (two decimals, e.g. {@code 0.87}) where it does not cover a better instance's label (a label that would is left out).
 *
 * <p>The output depends only on the inputs: no system fonts or anti-aliasing are involved (the score is
 * drawn with a built-in bitmap font), so renderings are identical on every machine, headless included.
 * Line width and text size grow with the image ({@code max(1, min(width, height) / 400)} pixels per unit).
 *
 * <p>Immutable and thread-safe.
 */
public final class Overlay {
    /** Default mask opacity. */
    public static final float DEFAULT_ALPHA = 0.5f;

    private static final int[] PALETTE = {
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x17BECF, 0xBCBD22, 0x7F7F7F,
        0xAEC7E8, 0xFFBB78, 0x98DF8A, 0xFF9896, 0xC5B0D5, 0xC49C94, 0xF7B6D2, 0x9EDAE5, 0xDBDB8D, 0xC7C7C7,
    };

    /** 5×7 glyphs, one 5-bit row per entry, most significant bit on the left. */
    private static final String GLYPH_CHARS = "0123456789.-";
    private static final int[][] GLYPHS = {
        {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},
        {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},
        {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},
        {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110},
        {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},
        {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},
        {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},
        {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},
        {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},
        {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},
        {0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100},
        {0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000},
    };
    private static final int GLYPH_W = 5;
    private static final int GLYPH_H = 7;

    private final float alpha;
    private final boolean drawBoxes;
    private final boolean drawScores;

    private Overlay(float alpha, boolean drawBoxes, boolean drawScores) {
        this.alpha = alpha;
        this.drawBoxes = drawBoxes;
        this.drawScores = drawScores;
    }

    /** Masks at opacity 0.5, boxes and scores drawn. */
    public static Overlay defaults() {
        return new Overlay(DEFAULT_ALPHA, true, true);
    }

    /**
     * An overlay with the given options.
     *
     * @param alpha      mask opacity in [0, 1]
     * @param drawBoxes  whether to outline the boxes
     * @param drawScores whether to write the scores
     * @throws IllegalArgumentException if alpha is outside [0, 1]
     */
    public static Overlay of(float alpha, boolean drawBoxes, boolean drawScores) {
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("overlay alpha must be in [0, 1], got " + alpha);
        }
        return new Overlay(alpha, drawBoxes, drawScores);
    }

    /** The mask opacity. */
    public float alpha() {
        return alpha;
    }

    /**
     * The colour of the {@code i}-th instance as {@code 0xRRGGBB}: a fixed 20-colour palette, then hues
     * spaced by the golden angle.
     *
     * @throws IllegalArgumentException if {@code i} is negative
     */
    public static int color(int i) {
        if (i < 0) throw new IllegalArgumentException("colour index must be >= 0, got " + i);
        if (i < PALETTE.length) return PALETTE[i];
        float hue = (float) ((i - PALETTE.length) * 0.6180339887498949 % 1.0);
        return Color.HSBtoRGB(hue, 0.8f, 0.95f) & 0xFFFFFF;
    }

    /**
     * Renders a result's instances (best first, so the best gets colour 0) over the image it was computed on.
     *
     * @throws IllegalArgumentException if the image size differs from the result's
     */
    public BufferedImage render(RgbImage image, MaskResult result) {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(image, "image");
        if (image.width() != result.imageWidth() || image.height() != result.imageHeight()) {
            throw new IllegalArgumentException("image is " + image.width() + "x" + image.height()
                    + " but the result is for " + result.imageWidth() + "x" + result.imageHeight());
        }
        return render(image, result.instances());
    }

    /**
     * Renders instances over an image into a new {@link BufferedImage#TYPE_INT_RGB} image of the same size;
     * instance {@code i} of the list gets {@link #color(int) color(i)}. Masks are blended first (later
     * instances over earlier ones), then boxes, then scores.
     *
     * @throws IllegalArgumentException if a mask's size differs from the image's
     */
    public BufferedImage render(RgbImage image, List<Instance> instances) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(instances, "instances");
        int w = image.width();
        int h = image.height();
        for (Instance inst : instances) {
            Mask m = inst.mask();
            if (m.width() != w || m.height() != h) {
                throw new IllegalArgumentException("instance " + inst.index() + " has a " + m.width() + "x" + m.height()
                        + " mask but the image is " + w + "x" + h);
            }
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        byte[] rgb = image.rgb();
        for (int i = 0, j = 0; i < px.length; i++, j += 3) {
            px[i] = (rgb[j] & 0xFF) << 16 | (rgb[j + 1] & 0xFF) << 8 | (rgb[j + 2] & 0xFF);
        }
        for (int k = 0; k < instances.size(); k++) {
            blendMask(px, w, instances.get(k).mask(), color(k));
        }
        int unit = Math.max(1, Math.min(w, h) / 400);
        if (drawBoxes) {
            for (int k = 0; k < instances.size(); k++) {
                drawBox(px, w, h, instances.get(k).box(), unit, color(k));
            }
        }
        if (drawScores) {
            List<int[]> labels = labelPlacements(w, h, instances);
            for (int k = 0; k < instances.size(); k++) {
                int[] at = labels.get(k);
                if (at != null) drawLabel(px, w, h, at, label(instances.get(k)), unit, color(k));
            }
        }
        return out;
    }

    /**
     * Renders a result over its image and writes it as a PNG, atomically (see {@link #writePng(BufferedImage, Path)}).
     *
     * @throws IOException              if the file cannot be written
     * @throws IllegalArgumentException if the image size differs from the result's
     */
    public void writePng(RgbImage image, MaskResult result, Path file) throws IOException {
        writePng(render(image, result), file);
    }

    /**
     * Writes an image as a PNG, atomically: the bytes go to a temporary file in the same directory, which
     * is then renamed over {@code file}, so readers never see a partial file. The directory must exist.
     *
     * @throws IOException if the file cannot be written (the temporary file is removed)
     */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Objects.requireNonNull(image, "image");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) {
            throw new IOException("no PNG writer in javax.imageio for image type " + image.getType());
        }
        org.sam3j.io.AtomicFiles.write(file, bytes.toByteArray());
    }

    private void blendMask(int[] px, int w, Mask mask, int color) {
        Optional<Box> bb = mask.boundingBox();
        if (bb.isEmpty() || alpha == 0f) return;
        Box b = bb.get();
        int cr = color >>> 16 & 0xFF;
        int cg = color >>> 8 & 0xFF;
        int cb = color & 0xFF;
        for (int y = (int) b.y0(); y < (int) b.y1(); y++) {
            for (int x = (int) b.x0(); x < (int) b.x1(); x++) {
                if (!mask.get(x, y)) continue;
                int p = px[y * w + x];
                px[y * w + x] = mix(p >>> 16 & 0xFF, cr) << 16 | mix(p >>> 8 & 0xFF, cg) << 8 | mix(p & 0xFF, cb);
            }
        }
    }

    private int mix(int base, int over) {
        return Math.round(base + alpha * (over - base));
    }

    private static void drawBox(int[] px, int w, int h, Box box, int t, int color) {
        Box c = box.clip(w, h);
        int x0 = (int) Math.floor(c.x0());
        int y0 = (int) Math.floor(c.y0());
        int x1 = Math.max(x0 + 1, (int) Math.ceil(c.x1())); // exclusive
        int y1 = Math.max(y0 + 1, (int) Math.ceil(c.y1()));
        fill(px, w, h, x0, y0, x1, Math.min(y1, y0 + t), color);
        fill(px, w, h, x0, Math.max(y0, y1 - t), x1, y1, color);
        fill(px, w, h, x0, y0, Math.min(x1, x0 + t), y1, color);
        fill(px, w, h, Math.max(x0, x1 - t), y0, x1, y1, color);
    }

    private static String label(Instance inst) {
        return String.format(Locale.ROOT, "%.2f", inst.score());
    }

    /**
     * Where each instance's score label goes, as {@code {x0, y0, x1, y1}} (exclusive), or null when it is not
     * drawn. Labels are placed best instance first, each at the first of these spots that overlaps no label
     * placed before it: above the box's top-left corner, inside it, below the box, above its top-right
     * corner; an instance with no free spot gets no label (overlapping labels are unreadable).
     */
    static List<int[]> labelPlacements(int w, int h, List<Instance> instances) {
        int unit = Math.max(1, Math.min(w, h) / 400);
        List<int[]> placed = new ArrayList<>();
        List<int[]> out = new ArrayList<>();
        for (Instance inst : instances) {
            String text = label(inst);
            int labelW = text.length() * (GLYPH_W + 1) * unit - unit + 2 * unit;
            int labelH = GLYPH_H * unit + 2 * unit;
            Box c = inst.box().clip(w, h);
            int left = (int) Math.floor(c.x0());
            int right = (int) Math.ceil(c.x1()) - labelW;
            int top = (int) Math.floor(c.y0());
            int bottom = (int) Math.ceil(c.y1());
            int[][] spots = {{left, top - labelH}, {left, top}, {left, bottom}, {right, top - labelH}};
            int[] chosen = null;
            for (int[] spot : spots) {
                int x = Math.max(0, Math.min(spot[0], w - labelW));
                int y = Math.max(0, Math.min(spot[1], h - labelH));
                int[] r = {x, y, x + labelW, y + labelH};
                if (placed.stream().noneMatch(q -> r[0] < q[2] && q[0] < r[2] && r[1] < q[3] && q[1] < r[3])) {
                    chosen = r;
                    break;
                }
            }
            if (chosen != null) placed.add(chosen);
            out.add(chosen);
        }
        return out;
    }

    private static void drawLabel(int[] px, int w, int h, int[] at, String text, int unit, int color) {
        int pad = unit;
        int lx = at[0];
        int ly = at[1];
        int labelW = at[2] - at[0];
        int labelH = at[3] - at[1];
        fill(px, w, h, lx, ly, lx + labelW, ly + labelH, color);
        int r = color >>> 16 & 0xFF;
        int g = color >>> 8 & 0xFF;
        int b = color & 0xFF;
        int ink = 299 * r + 587 * g + 114 * b > 140_000 ? 0x000000 : 0xFFFFFF;
        int x = lx + pad;
        for (int i = 0; i < text.length(); i++) {
            int gi = GLYPH_CHARS.indexOf(text.charAt(i));
            if (gi >= 0) {
                int[] rows = GLYPHS[gi];
                for (int gy = 0; gy < GLYPH_H; gy++) {
                    for (int gx = 0; gx < GLYPH_W; gx++) {
                        if ((rows[gy] >>> (GLYPH_W - 1 - gx) & 1) != 0) {
                            int px0 = x + gx * unit;
                            int py0 = ly + pad + gy * unit;
                            fill(px, w, h, px0, py0, px0 + unit, py0 + unit, ink);
                        }
                    }
                }
            }
            x += (GLYPH_W + 1) * unit;
        }
    }

    /** Fills [x0, x1) × [y0, y1), clipped to the image. */
    private static void fill(int[] px, int w, int h, int x0, int y0, int x1, int y1, int color) {
        x0 = Math.max(0, x0);
        y0 = Math.max(0, y0);
        x1 = Math.min(w, x1);
        y1 = Math.min(h, y1);
        for (int y = y0; y < y1; y++) {
            int row = y * w;
            for (int x = x0; x < x1; x++) px[row + x] = color;
        }
    }

    /** The options, e.g. {@code Overlay[alpha=0.5, boxes=true, scores=true]}. */
    @Override
    public String toString() {
        return "Overlay[alpha=" + alpha + ", boxes=" + drawBoxes + ", scores=" + drawScores + "]";
    }
}
