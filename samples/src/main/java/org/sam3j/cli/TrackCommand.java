package org.sam3j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.sam3j.FrameSource;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3VideoPredictor;
import org.sam3j.VideoFrameResult;
import org.sam3j.VideoSession;
import org.sam3j.io.AtomicFiles;
import org.sam3j.server.ResultJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code sam3 track}: tracks objects clicked or boxed on one frame through a folder of frames, writing one JSON
 * line per frame as it is computed ({@code tracks.jsonl}, moved into place when the video is done) and, on
 * request, each object's mask per frame. Options, frames and the output directory are checked before the model
 * loads; memory stays bounded whatever the number of frames.
 */
@Command(name = "track", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Track objects clicked or boxed on one frame through a folder of frames (0.jpg, 1.jpg, ...).",
                "Writes tracks.jsonl (one line per frame: objects with id, object score, box, area and COCO RLE)"
                        + " into --out; --mask-png adds masks/<frame>_<object>.png."})
final class TrackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--frames", paramLabel = "DIR", required = true, order = 4,
            description = "The video as image files (.jpg/.jpeg/.png), in numeric name order")
    Path frames;

    @Option(names = "--frame", paramLabel = "N", order = 5, description = "The frame the prompts are on (default 0)")
    int frame;

    @Option(names = "--point", paramLabel = ObjectPointConverter.FORM, order = 6, converter = ObjectPointConverter.class,
            description = "A click on object ID (repeatable; clicks of one ID form its prompt; ':neg' = not this)")
    List<ObjectPoint> points = new ArrayList<>();

    @Option(names = "--box", paramLabel = ObjectBoxConverter.FORM, order = 7, converter = ObjectBoxConverter.class,
            description = "The box around object ID (one per ID, not with its clicks)")
    List<ObjectBox> boxes = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", order = 8, description = "Output directory (default ./sam3-track/<frames-dir-name>)")
    Path out;

    @Option(names = "--mask-png", order = 9, description = "Also write each object's mask per frame as masks/<frame>_<id>.png")
    boolean maskPngs;

    @Option(names = "--rle", negatable = true, defaultValue = "true", fallbackValue = "true", order = 10,
            description = "COCO RLE of each mask in tracks.jsonl (default; --no-rle leaves it out)")
    boolean rle = true;

    /** A click on an object: {@code ID:x,y[:neg]}. */
    record ObjectPoint(int id, float x, float y, boolean positive) {}

    /** A box around an object: {@code ID:x0,y0,x1,y1}. */
    record ObjectBox(int id, float x0, float y0, float x1, float y1) {}

    static final class ObjectPointConverter implements ITypeConverter<ObjectPoint> {
        static final String FORM = "ID:x,y[:neg]";

        @Override
        public ObjectPoint convert(String value) {
            String[] parts = value.split(":", -1);
            if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !parts[2].equals("neg"))) {
                throw new TypeConversionException("'" + value + "' is not " + FORM);
            }
            float[] v = numbers(value, parts[1], 2, FORM);
            return new ObjectPoint(id(value, parts[0], FORM), v[0], v[1], parts.length == 2);
        }
    }

    static final class ObjectBoxConverter implements ITypeConverter<ObjectBox> {
        static final String FORM = "ID:x0,y0,x1,y1";

        @Override
        public ObjectBox convert(String value) {
            String[] parts = value.split(":", -1);
            if (parts.length != 2) throw new TypeConversionException("'" + value + "' is not " + FORM);
            float[] v = numbers(value, parts[1], 4, FORM);
            if (!(v[2] > v[0] && v[3] > v[1])) {
                throw new TypeConversionException("'" + value + "': a box needs x1 > x0 and y1 > y0");
            }
            return new ObjectBox(id(value, parts[0], FORM), v[0], v[1], v[2], v[3]);
        }
    }

    private static int id(String value, String s, String form) {
        try {
            int id = Integer.parseInt(s.trim());
            if (id < 0) throw new NumberFormatException();
            return id;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "': the object ID must be a number >= 0 (" + form + ")");
        }
    }

    private static float[] numbers(String value, String s, int n, String form) {
        String[] p = s.split(",", -1);
        if (p.length != n) throw new TypeConversionException("'" + value + "' is not " + form);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            try {
                v[i] = Float.parseFloat(p[i].trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not " + form);
            }
            if (!Float.isFinite(v[i])) throw new TypeConversionException("'" + value + "': coordinates must be finite");
        }
        return v;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        // 1. the options alone
        if (points.isEmpty() && boxes.isEmpty()) throw new UserException("give at least one --point or --box");
        Map<Integer, List<ObjectPoint>> clicks = new TreeMap<>();
        for (ObjectPoint p : points) clicks.computeIfAbsent(p.id(), k -> new ArrayList<>()).add(p);
        Map<Integer, ObjectBox> boxOf = new TreeMap<>();
        for (ObjectBox b : boxes) {
            if (boxOf.put(b.id(), b) != null) throw new UserException("object " + b.id() + " has two --box");
            if (clicks.containsKey(b.id())) throw new UserException("object " + b.id() + " has both clicks and a box: give one");
        }
        if (frame < 0) throw new UserException("--frame must be >= 0, got " + frame);
        // 2. the frames and the output directory
        if (!Files.isDirectory(frames)) throw new UserException("--frames " + frames + ": not a directory");
        FrameSource source = FrameSource.folder(frames);
        if (frame >= source.frameCount()) {
            throw new UserException("--frame " + frame + ": the video has " + source.frameCount() + " frames (0 to "
                    + (source.frameCount() - 1) + ")");
        }
        Path outDir = out != null ? out : Path.of("sam3-track", frames.toAbsolutePath().normalize().getFileName().toString());
        SegmentCommand.checkOutDir(outDir);
        ModelOptions.Plan plan = modelOptions.plan(false);
        // 3. the model
        long t0 = System.nanoTime();
        try (Sam3Model model = modelOptions.load(plan, true, false);
             Sam3VideoPredictor video = model.newVideoPredictor();
             VideoSession session = video.open(source)) {
            long loaded = System.nanoTime();
            for (Map.Entry<Integer, List<ObjectPoint>> e : clicks.entrySet()) {
                float[] xy = new float[2 * e.getValue().size()];
                int[] labels = new int[e.getValue().size()];
                for (int i = 0; i < labels.length; i++) {
                    ObjectPoint p = e.getValue().get(i);
                    xy[2 * i] = p.x();
                    xy[2 * i + 1] = p.y();
                    labels[i] = p.positive() ? 1 : 0;
                }
                session.addPoints(frame, e.getKey(), xy, labels);
            }
            for (ObjectBox b : boxOf.values()) session.addBox(frame, b.id(), b.x0(), b.y0(), b.x1(), b.y1());
            Files.createDirectories(outDir);
            if (maskPngs) Files.createDirectories(outDir.resolve("masks"));
            ObjectMapper json = new ObjectMapper();
            int[] written = {0};
            AtomicFiles.write(outDir.resolve("tracks.jsonl"), ch -> {
                try {
                    session.propagate(r -> {
                        try {
                            ch.write(ByteBuffer.wrap((json.writeValueAsString(line(r)) + "\n").getBytes(StandardCharsets.UTF_8)));
                            if (maskPngs) {
                                for (VideoFrameResult.TrackedObject o : r.objects()) {
                                    o.mask().writePng(outDir.resolve("masks").resolve(r.frame() + "_" + o.objectId() + ".png"));
                                }
                            }
                            written[0]++;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            });
            long done = System.nanoTime();
            stdout.printf(Locale.ROOT, "%s: %d objects through %d frames -> %s (model %.1f s, tracking %.1f s,"
                            + " %.1f MB of memory kept)%n", frames, clicks.size() + boxOf.size(), written[0], outDir,
                    (loaded - t0) / 1e9, (done - loaded) / 1e9, session.retainedMemoryBytes() / 1e6);
            stdout.flush();
        }
        return 0;
    }

    private Map<String, Object> line(VideoFrameResult r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("frame", r.frame());
        List<Map<String, Object>> objects = new ArrayList<>();
        for (VideoFrameResult.TrackedObject o : r.objects()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", o.objectId());
            m.put("object_score_logit", o.objectScoreLogit());
            m.put("box", o.box() == null ? null : ResultJson.box(o.box()));
            m.put("area", o.mask().area());
            if (rle) m.put("rle", o.mask().toRle().toMap());
            objects.add(m);
        }
        j.put("objects", objects);
        return j;
    }
}
