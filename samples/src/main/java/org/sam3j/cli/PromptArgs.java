package org.sam3j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.server.ResultJson;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The prompt options of {@code sam3 segment}: {@code --text}, {@code --box x0,y0,x1,y1[:neg]} and
 * {@code --point x,y[:neg]}, checked and turned into a {@link Prompt} for one image.
 *
 * <p>With {@code --text} the boxes are concept exemplars ({@code :neg} marks a counter-example) and points
 * are refused; without it, the boxes (one at most) and points make an interactive prompt ({@code :neg} on a
 * point is a negative click). Coordinates are pixels of the image as read (EXIF orientation applied); when
 * the image is scaled down, they are scaled with it.
 */
final class PromptArgs {
    /** An exemplar or interactive box as given on the command line. */
    record BoxArg(Box box, boolean positive, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** A click as given on the command line. */
    record PointArg(float x, float y, boolean positive, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    private final String text;
    private final List<BoxArg> boxes;
    private final List<PointArg> points;
    private final Float threshold;

    private PromptArgs(String text, List<BoxArg> boxes, List<PointArg> points, Float threshold) {
        this.text = text;
        this.boxes = List.copyOf(boxes);
        this.points = List.copyOf(points);
        this.threshold = threshold;
    }

    /**
     * Checks the combination of prompt options (no image needed).
     *
     * @throws UserException if they do not make a prompt
     */
    static PromptArgs of(String text, List<BoxArg> boxes, List<PointArg> points, Float threshold) {
        List<BoxArg> b = boxes == null ? List.of() : boxes;
        List<PointArg> p = points == null ? List.of() : points;
        if (text != null) {
            if (text.isBlank()) {
                throw new UserException("--text is empty: give a short noun phrase, e.g. --text \"red car\"");
            }
            if (!p.isEmpty()) {
                throw new UserException("--point cannot be combined with --text: a text prompt finds every instance of"
                        + " a concept, clicks select one object (use --box with --text for exemplar boxes)");
            }
        } else {
            if (b.isEmpty() && p.isEmpty()) {
                throw new UserException("no prompt: give --text PHRASE, or --point x,y / --box x0,y0,x1,y1");
            }
            if (b.size() > 1) {
                throw new UserException("without --text at most one --box is allowed (an interactive prompt selects one"
                        + " object); several boxes are exemplars of a --text prompt");
            }
            if (!b.isEmpty() && !b.get(0).positive()) {
                throw new UserException("--box " + b.get(0).text() + ": ':neg' marks a negative exemplar and needs --text");
            }
            if (threshold != null) {
                throw new UserException("--threshold applies to text prompts (--text); interactive prompts return"
                        + " their candidate masks with predicted IoU");
            }
        }
        if (threshold != null && !(threshold >= 0f && threshold <= 1f)) {
            throw new UserException("--threshold must be in [0, 1], got " + threshold);
        }
        return new PromptArgs(text, b, p, threshold);
    }

    /** Whether this is a text (concept) prompt. */
    /** The phrase of a text prompt, or null. */
    String text() {
        return text;
    }

    boolean isText() {
        return text != null;
    }

    /** The score threshold of a text prompt (the library's default 0.5 when not given), or null. */
    Float threshold() {
        return text == null ? null : threshold != null ? threshold : 0.5f;
    }

    /**
     * The prompt for an image of {@code width × height} pixels (as read), scaled by {@code sx, sy} to the
     * image that is segmented.
     *
     * @throws UserException if a box or point lies outside the image or an exemplar box is empty
     */
    Prompt toPrompt(int width, int height, double sx, double sy) {
        for (BoxArg b : boxes) checkInside(b, width, height);
        for (PointArg p : points) checkInside(p, width, height);
        int sw = (int) Math.round(width * sx);
        int sh = (int) Math.round(height * sy);
        Prompt.Builder pb = Prompt.builder();
        if (text != null) {
            pb.text(text);
            for (BoxArg b : boxes) pb.exemplar(scale(b.box(), sx, sy, sw, sh), b.positive());
            pb.threshold(threshold());
        } else {
            for (PointArg p : points) {
                pb.point((float) Math.min(p.x() * sx, sw), (float) Math.min(p.y() * sy, sh), p.positive());
            }
            if (!boxes.isEmpty()) pb.box(scale(boxes.get(0).box(), sx, sy, sw, sh));
        }
        return pb.build();
    }

    private static Box scale(Box b, double sx, double sy, int w, int h) {
        if (sx == 1.0 && sy == 1.0) return b;
        return new Box((float) Math.min(b.x0() * sx, w), (float) Math.min(b.y0() * sy, h),
                (float) Math.min(b.x1() * sx, w), (float) Math.min(b.y1() * sy, h));
    }

    private void checkInside(BoxArg b, int w, int h) {
        Box x = b.box();
        if (x.x0() < 0 || x.y0() < 0 || x.x1() > w || x.y1() > h) {
            throw new UserException("--box " + b.text() + " lies outside the " + w + "x" + h + " image");
        }
        // as the API: an exemplar box needs an area (it is pooled over), an interactive box is two corner
        // clicks and may be a line or a point
        if (text != null && (x.width() <= 0 || x.height() <= 0)) {
            throw new UserException("--box " + b.text() + " is empty (zero width or height): an exemplar box needs an area");
        }
    }

    private static void checkInside(PointArg p, int w, int h) {
        if (p.x() < 0 || p.y() < 0 || p.x() > w || p.y() > h) {
            throw new UserException("--point " + p.text() + " lies outside the " + w + "x" + h + " image");
        }
    }

    /** The prompt as given, for {@code result.json} (coordinates in the pixels of the image as read). */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", text != null ? "concept" : "interactive");
        if (text != null) {
            m.put("text", text);
            List<Object> ex = new ArrayList<>();
            for (BoxArg b : boxes) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("box", boxJson(b.box()));
                e.put("positive", b.positive());
                ex.add(e);
            }
            m.put("exemplars", ex);
        } else {
            List<Object> pts = new ArrayList<>();
            for (PointArg p : points) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("x", p.x());
                e.put("y", p.y());
                e.put("positive", p.positive());
                pts.add(e);
            }
            m.put("points", pts);
            m.put("box", boxes.isEmpty() ? null : boxJson(boxes.get(0).box()));
        }
        return m;
    }

    static List<Float> boxJson(Box b) {
        return ResultJson.box(b);
    }

    /** Short description for messages, e.g. {@code "truck" + 1 exemplar}. */
    String describe() {
        StringBuilder s = new StringBuilder();
        if (text != null) {
            s.append('"').append(text).append('"');
            if (!boxes.isEmpty()) s.append(" + ").append(boxes.size()).append(boxes.size() == 1 ? " exemplar" : " exemplars");
        } else {
            s.append(points.size()).append(points.size() == 1 ? " point" : " points");
            if (!boxes.isEmpty()) s.append(" + box");
        }
        return s.toString();
    }

    /** Splits {@code "a,b,c[:neg]"} into numbers and polarity. */
    private static float[] parseNumbers(String value, int count, String form, boolean[] positive) {
        String v = value.strip();
        int colon = v.indexOf(':');
        positive[0] = true;
        if (colon >= 0) {
            String tag = v.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            if (tag.equals("neg") || tag.equals("negative")) {
                positive[0] = false;
            } else if (!tag.equals("pos") && !tag.equals("positive")) {
                throw new TypeConversionException("'" + value + "' is not " + form + " (the suffix after ':' must be"
                        + " 'neg' or 'pos')");
            }
            v = v.substring(0, colon);
        }
        String[] parts = v.split(",", -1);
        if (parts.length != count) {
            throw new TypeConversionException("'" + value + "' is not " + form + " (" + count + " numbers separated by"
                    + " commas, got " + parts.length + ")");
        }
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].strip()) + 0f; // -0 is 0
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not " + form + " ('" + parts[i].strip()
                        + "' is not a number)");
            }
            if (!Float.isFinite(out[i])) {
                throw new TypeConversionException("'" + value + "' is not " + form + " (coordinates must be finite)");
            }
        }
        return out;
    }

    /** picocli converter of {@code x0,y0,x1,y1[:neg]}. */
    static final class BoxConverter implements ITypeConverter<BoxArg> {
        static final String FORM = "x0,y0,x1,y1[:neg]";

        @Override
        public BoxArg convert(String value) {
            boolean[] pos = new boolean[1];
            float[] v = parseNumbers(value, 4, FORM, pos);
            if (v[2] < v[0] || v[3] < v[1]) {
                throw new TypeConversionException("'" + value + "' is not " + FORM + " (x1 must be >= x0 and y1 >= y0:"
                        + " top-left corner first)");
            }
            return new BoxArg(new Box(v[0], v[1], v[2], v[3]), pos[0], value.strip());
        }
    }

    /** picocli converter of {@code x,y[:neg]}. */
    static final class PointConverter implements ITypeConverter<PointArg> {
        static final String FORM = "x,y[:neg]";

        @Override
        public PointArg convert(String value) {
            boolean[] pos = new boolean[1];
            float[] v = parseNumbers(value, 2, FORM, pos);
            return new PointArg(v[0], v[1], pos[0], value.strip());
        }
    }
}
