package org.sam3j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Stack;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.bytedeco.ffmpeg.global.avutil;
import org.sam3j.FrameSource;
import org.sam3j.Mask;
import org.sam3j.PropagationDirection;
import org.sam3j.RgbImage;
import org.sam3j.Rle;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3VideoPredictor;
import org.sam3j.VideoFrameResult;
import org.sam3j.VideoSession;
import org.sam3j.ffmpeg.FFmpegVideoSource;
import org.sam3j.ffmpeg.FFmpegVideoWriter;
import org.sam3j.server.ResultJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sam3 track}: tracks objects clicked or boxed on any frames, or every object a text names ({@code --text},
 * detected on one frame and, for new objects, on every later one), through a video file or a folder of frames,
 * writing one JSON line per frame as soon as it is computed ({@code tracks.jsonl}) and, on request, each object's
 * mask per frame and an overlay video. Options, the video, frame indices and the output directory are checked
 * before the model loads; memory stays bounded whatever the number of frames.
 *
 * <p>{@code --resume} continues a run that stopped: the complete lines of {@code tracks.jsonl} are kept (a torn
 * last line is cut off) and tracking restarts on the last written frame with each object's written mask as a mask
 * prompt. The tracker's memory is not saved, so the frames after the restart are tracked from that one frame's
 * masks (plus the prompts on later frames), not from the full history: they can differ from an uninterrupted run.
 */
@Command(name = "track", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Track objects clicked or boxed on any frames, or every object a --text names, through a video"
                + " file or a folder of frames.",
                "Writes tracks.jsonl (one line per frame as it completes: frame, time, objects with id, object score,"
                        + " box, area and COCO RLE) into --out; --mask-png adds masks/<frame>_<object>.png,"
                        + " --overlay a video of the masks over the frames. Prompts belong to the --object before them"
                        + " (object 1 if none)."})
final class TrackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = {"--video", "--frames"}, paramLabel = "FILE|DIR", required = true, order = 4,
            description = "The video: a file FFmpeg decodes (.mp4, .mov, .mkv, .webm, .avi: H.264, HEVC, VP9, AV1,"
                    + " Motion-JPEG, ...) or a folder of image files (.jpg/.jpeg/.png, numeric name order)")
    Path video;

    @Option(names = "--fps", paramLabel = "N", order = 5,
            description = "Frames per second to sample from a video file (default: every frame)")
    Double fps;

    @Option(names = "--text", paramLabel = "PHRASE", order = 6,
            description = "Track every object the phrase names (SAM 3's detector on --text-frame, then on each frame"
                    + " for new ones); not with --point/--box/--object")
    String text;

    @Option(names = "--text-frame", paramLabel = "F", order = 6,
            description = "The frame the --text is first detected on (default 0)")
    Integer textFrame;

    @Option(names = "--object", paramLabel = "ID", order = 6, parameterConsumer = PromptTokens.class,
            description = "The object the following --point/--box/--mask belong to (repeatable)")
    List<String> objectTokens = new ArrayList<>();

    @Option(names = "--point", paramLabel = "f:x,y[:neg]", order = 7, parameterConsumer = PromptTokens.class,
            description = "A click on frame f (repeatable; the clicks of one object on one frame form its prompt;"
                    + " ':neg' = not this object)")
    List<String> pointTokens = new ArrayList<>();

    @Option(names = "--box", paramLabel = "f:x0,y0,x1,y1", order = 8, parameterConsumer = PromptTokens.class,
            description = "The box around the object on frame f (one per object and frame, not with clicks there)")
    List<String> boxTokens = new ArrayList<>();

    @Option(names = "--mask", paramLabel = "f:FILE.png", order = 8, parameterConsumer = PromptTokens.class,
            description = "The object's mask on frame f, an image of the video's size (set where grey/red >= half;"
                    + " one per object and frame, not with clicks or a box there)")
    List<String> maskTokens = new ArrayList<>();

    @Option(names = "--direction", paramLabel = "forward|backward", order = 8,
            description = "Track towards the last frame from the first prompted frame (forward, the default) or towards"
                    + " frame 0 from the last prompted frame (backward: tracks.jsonl and the overlay in that order)")
    String direction;

    @Option(names = "--out", paramLabel = "DIR", order = 9, description = "Output directory (default ./sam3-track/<video name>)")
    Path out;

    @Option(names = "--mask-png", order = 10, description = "Also write each object's mask per frame as masks/<frame>_<id>.png")
    boolean maskPngs;

    @Option(names = "--rle", negatable = true, defaultValue = "true", fallbackValue = "true", order = 11,
            description = "COCO RLE of each mask in tracks.jsonl (default; --no-rle leaves it out, and --resume then cannot restart)")
    boolean rle = true;

    @Option(names = "--overlay", paramLabel = "FILE", order = 12,
            description = "Also write the frames with the masks drawn over them: .mp4, .mov or .mkv (H.264) or .avi"
                    + " (Motion-JPEG)")
    Path overlay;

    @Option(names = "--resume", order = 13,
            description = "Continue a stopped run in --out from its last complete line (see the manual: later frames"
                    + " restart from the last written masks, not from the full tracker memory)")
    boolean resume;

    /** The prompt options in command-line order (the object of a prompt is the last {@code --object} before it). */
    final List<String[]> promptTokens = new ArrayList<>();

    /** Records {@code --object / --point / --box / --mask} values in order into the command's token list. */
    static final class PromptTokens implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            String name = ((OptionSpec) argSpec).longestName();
            if (args.isEmpty()) throw new ParameterException(commandSpec.commandLine(), "Missing value for " + name);
            String value = args.pop();
            ((TrackCommand) commandSpec.userObject()).promptTokens.add(new String[] {name, value});
        }
    }

    /** One prompt call: clicks, a box or a mask file for an object on a frame. */
    record Prompt(int object, int frame, List<float[]> clicks, float[] box, Path mask, String first) {}

    static final String POINT_FORM = "f:x,y[:neg]";
    static final String BOX_FORM = "f:x0,y0,x1,y1";
    static final String MASK_FORM = "f:FILE.png";

    /** Parses the prompt options into one prompt per (object, frame), in order of first appearance. */
    static List<Prompt> prompts(List<String[]> tokens) {
        Map<String, Prompt> calls = new LinkedHashMap<>();
        int object = 1;
        for (String[] t : tokens) {
            String name = t[0];
            String value = t[1];
            if (name.equals("--object")) {
                object = nonNegative(value, "--object " + value + ": the object ID must be a number >= 0");
                continue;
            }
            if (name.equals("--mask")) {
                int colon = value.indexOf(':');
                if (colon < 0 || colon == value.length() - 1) throw new UserException(name + " " + value + ": expected " + MASK_FORM);
                int frame = nonNegative(value.substring(0, colon),
                        name + " " + value + ": the frame must be a number >= 0 (" + MASK_FORM + ")");
                Path file = Path.of(value.substring(colon + 1));
                if (!Files.isRegularFile(file)) throw new UserException(name + " " + value + ": no such file " + file);
                String key = object + "@" + frame;
                Prompt p = calls.get(key);
                if (p != null) {
                    throw new UserException("object " + object + " has " + (p.mask() != null ? "two --mask" : "a --mask and "
                            + (p.box() != null ? "a box" : "clicks")) + " on frame " + frame + ": give one");
                }
                calls.put(key, new Prompt(object, frame, List.of(), null, file, name + " " + value));
                continue;
            }
            String[] parts = value.split(":", -1);
            boolean point = name.equals("--point");
            String form = point ? POINT_FORM : BOX_FORM;
            if (parts.length < 2 || parts.length > (point ? 3 : 2) || (parts.length == 3 && !parts[2].equals("neg"))) {
                throw new UserException(name + " " + value + ": expected " + form);
            }
            int frame = nonNegative(parts[0], name + " " + value + ": the frame must be a number >= 0 (" + form + ")");
            float[] v = numbers(name, value, parts[1], point ? 2 : 4, form);
            String key = object + "@" + frame;
            Prompt p = calls.computeIfAbsent(key, k -> new Prompt(0, 0, null, null, null, null));
            if (p.mask() != null) {
                throw new UserException("object " + object + " has a --mask and " + (point ? "clicks" : "a box") + " on frame "
                        + frame + ": give one");
            }
            List<float[]> clicks = p.clicks() == null ? new ArrayList<>() : p.clicks();
            float[] box = p.box();
            if (point) {
                clicks.add(new float[] {v[0], v[1], parts.length == 2 ? 1 : 0});
            } else {
                if (!(v[2] > v[0] && v[3] > v[1])) throw new UserException(name + " " + value + ": a box needs x1 > x0 and y1 > y0");
                if (box != null) throw new UserException("object " + object + " has two --box on frame " + frame);
                box = v;
            }
            if (box != null && !clicks.isEmpty()) {
                throw new UserException("object " + object + " has both clicks and a box on frame " + frame + ": give one");
            }
            calls.put(key, new Prompt(object, frame, clicks, box, null, p.first() == null ? name + " " + value : p.first()));
        }
        return List.copyOf(calls.values());
    }

    private static int nonNegative(String s, String message) {
        try {
            int v = Integer.parseInt(s.trim());
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new UserException(message);
        }
    }

    private static float[] numbers(String name, String value, String s, int n, String form) {
        String[] p = s.split(",", -1);
        if (p.length != n) throw new UserException(name + " " + value + ": expected " + form);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            try {
                v[i] = Float.parseFloat(p[i].trim());
            } catch (NumberFormatException e) {
                throw new UserException(name + " " + value + ": expected " + form);
            }
            if (!Float.isFinite(v[i])) throw new UserException(name + " " + value + ": coordinates must be finite");
        }
        return v;
    }

    /** What {@code --resume} found: the last complete frame and its masks per object. */
    record Resumed(int frame, Map<Integer, Mask> masks, long keepBytes) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        // 1. the options alone
        if (text != null) {
            if (!promptTokens.isEmpty()) {
                throw new UserException("--text finds its own objects: it cannot be combined with --point, --box, --mask or --object");
            }
            if (text.isBlank()) throw new UserException("--text: the phrase is blank");
            if (textFrame != null && textFrame < 0) throw new UserException("--text-frame must be >= 0, got " + textFrame);
            if (resume) throw new UserException("--resume restarts from masks, which a --text run cannot take");
        } else if (textFrame != null) {
            throw new UserException("--text-frame needs --text");
        }
        List<Prompt> prompts = prompts(promptTokens);
        if (prompts.isEmpty() && text == null) throw new UserException("give --text, or at least one --point, --box or --mask");
        if (fps != null && !(fps > 0)) throw new UserException("--fps must be > 0, got " + fps);
        if (overlay != null && !FFmpegVideoWriter.supports(overlay)) {
            throw new UserException("--overlay " + overlay + ": name it .mp4, .mov or .mkv (H.264) or .avi (Motion-JPEG)");
        }
        PropagationDirection towards = direction(direction);
        if (towards == PropagationDirection.BACKWARD && text != null) {
            throw new UserException("--direction backward: a --text run tracks forward from --text-frame only");
        }
        if (towards == PropagationDirection.BACKWARD && resume) {
            throw new UserException("--resume continues forward runs only, not --direction backward");
        }
        // 2. the video, the prompts against it and the output directory. FFmpeg's console log (stream dumps,
        // warnings, its side of an error) is silenced: what fails is reported here, in one line.
        avutil.av_log_set_level(avutil.AV_LOG_QUIET);
        FrameSource source;
        FFmpegVideoSource file = null;
        if (Files.isDirectory(video)) {
            if (fps != null) throw new UserException("--fps needs a video file (a folder of frames has no frame rate)");
            source = FrameSource.folder(video);
        } else if (Files.exists(video)) {
            file = FFmpegVideoSource.open(video, fps == null ? 0 : fps);
            source = file;
        } else {
            throw new UserException("--video " + video + ": no such file or directory");
        }
        try {
            return run(prompts, towards, source, file, stdout, stderr);
        } finally {
            if (file != null) file.close();
        }
    }

    /** The {@code --direction} value (default forward). */
    static PropagationDirection direction(String value) {
        if (value == null || value.equals("forward")) return PropagationDirection.FORWARD;
        if (value.equals("backward")) return PropagationDirection.BACKWARD;
        throw new UserException("--direction " + value + ": expected forward or backward");
    }

    private int run(List<Prompt> prompts, PropagationDirection towards, FrameSource source, FFmpegVideoSource file,
                    PrintWriter stdout, PrintWriter stderr) throws Exception {
        int n = source.frameCount();
        for (Prompt p : prompts) {
            if (p.frame() >= n) {
                throw new UserException(p.first() + ": frame " + p.frame() + " is outside the video's " + n + " frames (0 to "
                        + (n - 1) + ")");
            }
        }
        int textAt = textFrame == null ? 0 : textFrame;
        if (text != null && textAt >= n) {
            throw new UserException("--text-frame " + textAt + ": frame " + textAt + " is outside the video's " + n
                    + " frames (0 to " + (n - 1) + ")");
        }
        RgbImage firstFrame = source.read(text != null ? textAt : prompts.get(0).frame());
        int width = firstFrame.width();
        int height = firstFrame.height();
        Map<Prompt, Mask> masks = new IdentityHashMap<>();
        for (Prompt p : prompts) {
            if (p.mask() == null) continue;
            Mask m;
            try {
                m = Mask.readPng(p.mask());
            } catch (IllegalArgumentException e) {
                throw new UserException(p.first() + ": not an image file");
            }
            if (m.width() != width || m.height() != height) {
                throw new UserException(p.first() + ": the mask is " + m.width() + "x" + m.height() + ", the video "
                        + width + "x" + height);
            }
            masks.put(p, m);
        }
        for (Prompt p : prompts) {
            List<float[]> xy = new ArrayList<>(p.clicks());
            if (p.box() != null) {
                xy.add(new float[] {p.box()[0], p.box()[1]});
                xy.add(new float[] {p.box()[2], p.box()[3]});
            }
            for (float[] c : xy) {
                if (c[0] < 0 || c[0] > width || c[1] < 0 || c[1] > height) {
                    throw new UserException(p.first() + ": (" + c[0] + ", " + c[1] + ") is outside the frame [0, " + width
                            + "] x [0, " + height + "]");
                }
            }
        }
        String name = video.toAbsolutePath().normalize().getFileName().toString();
        Path outDir = out != null ? out : Path.of("sam3-track", name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name);
        SegmentCommand.checkOutDir(outDir);
        Path tracks = outDir.resolve("tracks.jsonl");
        Resumed resumed = resume ? readResume(tracks, width, height) : null;
        if (resumed != null && resumed.frame() >= n - 1) {
            stdout.printf(Locale.ROOT, "%s: already complete (%d frames in %s)%n", video, n, tracks);
            stdout.flush();
            return 0;
        }
        if (!resume && Files.exists(tracks)) {
            throw new UserException(tracks + " exists: pass --resume to continue it, or choose another --out");
        }
        ModelOptions.Plan plan = modelOptions.plan(text != null);
        // 3. the model
        long t0 = System.nanoTime();
        try (Sam3Model model = modelOptions.load(plan, true, text != null);
             Sam3VideoPredictor predictor = model.newVideoPredictor();
             VideoSession session = predictor.open(source)) {
            long loaded = System.nanoTime();
            int start;
            if (text != null) {
                start = textAt;
            } else if (resumed != null) {
                start = resumed.frame();
                for (Map.Entry<Integer, Mask> e : resumed.masks().entrySet()) session.addMask(start, e.getKey(), e.getValue());
            } else if (towards == PropagationDirection.BACKWARD) {
                start = 0;   // from the last prompted frame down to frame 0
                for (Prompt p : prompts) start = Math.max(start, p.frame());
            } else {
                start = Integer.MAX_VALUE;
                for (Prompt p : prompts) start = Math.min(start, p.frame());
            }
            Set<Integer> ids = new TreeSet<>();
            for (Prompt p : prompts) {
                if (resumed != null && p.frame() <= start) continue;   // consumed before the restart frame
                if (resumed != null && !resumed.masks().containsKey(p.object())) {
                    throw new UserException("--resume: object " + p.object() + " is not in the last line of " + tracks);
                }
                ids.add(p.object());
                if (p.mask() != null) {
                    session.addMask(p.frame(), p.object(), masks.get(p));
                } else if (p.box() != null) {
                    session.addBox(p.frame(), p.object(), p.box()[0], p.box()[1], p.box()[2], p.box()[3]);
                } else {
                    float[] xy = new float[2 * p.clicks().size()];
                    int[] labels = new int[p.clicks().size()];
                    for (int i = 0; i < labels.length; i++) {
                        xy[2 * i] = p.clicks().get(i)[0];
                        xy[2 * i + 1] = p.clicks().get(i)[1];
                        labels[i] = (int) p.clicks().get(i)[2];
                    }
                    session.addPoints(p.frame(), p.object(), xy, labels);
                }
            }
            if (text != null) session.addText(textAt, text);   // the objects found there; later frames may add more
            Set<Integer> tracked = new TreeSet<>(ids);
            Files.createDirectories(outDir);
            if (maskPngs) Files.createDirectories(outDir.resolve("masks"));
            if (resumed != null) {
                try (FileChannel ch = FileChannel.open(tracks, StandardOpenOption.WRITE)) {
                    ch.truncate(resumed.keepBytes());   // a torn last line is cut off
                }
            }
            ObjectMapper json = new ObjectMapper();
            int skip = resumed != null ? 1 : 0;   // the restart frame is already written
            int todo = (towards == PropagationDirection.BACKWARD ? start + 1 : n - start) - skip;
            BatchProgress progress = new BatchProgress(stderr, "track", "frames", "frames/s", System.console() != null,
                    todo, todo, System::nanoTime);
            progress.show();
            int[] written = {0};
            try (Writer w = Files.newBufferedWriter(tracks, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
                 OverlayWriter ov = overlay == null ? null
                         : new OverlayWriter(overlay, file != null && file.fps() > 0 ? file.fps() : 10, width, height)) {
                java.util.function.Consumer<VideoFrameResult> each = r -> {
                    if (resumed != null && r.frame() == resumed.frame()) return;
                    for (VideoFrameResult.TrackedObject o : r.objects()) tracked.add(o.objectId());
                    try {
                        w.write(json.writeValueAsString(line(r, file)));
                        w.write('\n');
                        w.flush();   // a line per frame as it completes (what --resume reads back)
                        if (maskPngs) {
                            for (VideoFrameResult.TrackedObject o : r.objects()) {
                                o.mask().writePng(outDir.resolve("masks").resolve(r.frame() + "_" + o.objectId() + ".png"));
                            }
                        }
                        if (ov != null) ov.write(source.read(r.frame()), r);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    written[0]++;
                    progress.imageDone();
                };
                // a text session tracks forward from its prompted frame only
                if (text != null) session.propagate(each);
                else session.propagate(towards, start, null, each);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            progress.finish();
            long done = System.nanoTime();
            int objects = resumed != null ? Math.max(resumed.masks().size(), tracked.size()) : tracked.size();
            stdout.printf(Locale.ROOT, "%s: %d objects through %d frames -> %s (model %.1f s, tracking %.1f s,"
                            + " %.1f MB of memory kept)%n", video, objects, written[0], outDir,
                    (loaded - t0) / 1e9, (done - loaded) / 1e9, session.retainedMemoryBytes() / 1e6);
            stdout.flush();
        }
        return 0;
    }

    /** Reads back a stopped run: the last complete line and where the file's complete part ends. */
    private Resumed readResume(Path tracks, int width, int height) throws IOException {
        if (!Files.exists(tracks)) return null;
        byte[] bytes = Files.readAllBytes(tracks);
        ObjectMapper json = new ObjectMapper();
        long keep = 0;
        JsonNode last = null;
        int from = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') continue;
            try {
                JsonNode line = json.readTree(new String(bytes, from, i - from, StandardCharsets.UTF_8));
                if (line == null || !line.has("frame")) break;
                last = line;
                keep = i + 1;
            } catch (IOException e) {
                break;
            }
            from = i + 1;
        }
        if (last == null) return null;
        Map<Integer, Mask> masks = new TreeMap<>();
        for (JsonNode o : last.get("objects")) {
            if (!o.has("rle")) {
                throw new UserException("--resume: " + tracks + " has no RLE (written with --no-rle); cannot restart from its masks");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = json.convertValue(o.get("rle"), Map.class);
            Mask mask = Mask.fromRle(Rle.fromMap(m));
            if (mask.width() != width || mask.height() != height) {
                throw new UserException("--resume: the masks in " + tracks + " are " + mask.width() + "x" + mask.height()
                        + ", the video is " + width + "x" + height);
            }
            masks.put(o.get("id").asInt(), mask);
        }
        return new Resumed(last.get("frame").asInt(), masks, keep);
    }

    private Map<String, Object> line(VideoFrameResult r, FFmpegVideoSource file) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("frame", r.frame());
        double time = file == null ? Double.NaN : file.timeOf(r.frame());
        j.put("time", Double.isNaN(time) ? null : Math.round(time * 1e6) / 1e6);
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
