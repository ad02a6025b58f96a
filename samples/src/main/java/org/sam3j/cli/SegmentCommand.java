package org.sam3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sam3j.CallOptions;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.io.AtomicFiles;
import org.sam3j.text.TokenizerFormatException;
import org.sam3j.server.ResultJson;
import org.sam3j.weights.WeightLoadingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sam3 segment}: segments one image ({@code --image FILE|URL}) or every image of a folder
 * ({@code --input-dir DIR}) with a text prompt (plus optional exemplar boxes) or an interactive prompt
 * (points and/or a box), and writes masks, an overlay and {@code result.json} per image.
 *
 * <p>Order of work: the options are checked first, then the image is read (single image), then the model is
 * loaded, so that mistakes are reported in a moment, before any model work. User errors are one line on
 * stderr with exit status 2. In a batch, an image that cannot be read or segmented is reported as one line
 * and the batch goes on; the exit status is then 1.
 */
@Command(name = "segment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Segment an image (or a folder of images) with a text or interactive prompt.",
                "Writes overlay.png and result.json (instances best first with score, box, area and COCO RLE;"
                        + " written last) into --out (default ./sam3-out/<image-stem>/; with --input-dir,"
                        + " <out>/<image-stem>/); --mask-png adds mask_<k>.png per instance."})
final class SegmentCommand implements Callable<Integer> {
    /** Time limit for downloading an {@code --image} URL. */
    static final Duration DOWNLOAD_TIMEOUT = Duration.ofSeconds(60);

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--image", paramLabel = "FILE|URL", order = 4, description = "The image: a file or an http(s) URL")
    String image;

    @Option(names = "--input-dir", paramLabel = "DIR", order = 5,
            description = "Segment every jpg/jpeg/png/webp/bmp image of DIR, in name order, with one model load")
    Path inputDir;

    @Option(names = "--text", paramLabel = "PHRASE", order = 6,
            description = "Find every instance of a short noun phrase, e.g. \"red car\"")
    String text;

    @Option(names = "--box", paramLabel = PromptArgs.BoxConverter.FORM, order = 7, converter = PromptArgs.BoxConverter.class,
            description = "With --text: an exemplar box (repeatable; ':neg' = counter-example). Without: the box around"
                    + " the one object to select (at most one). Pixels of the image as read.")
    List<PromptArgs.BoxArg> boxes = new ArrayList<>();

    @Option(names = "--point", paramLabel = PromptArgs.PointConverter.FORM, order = 8, converter = PromptArgs.PointConverter.class,
            description = "A click on the object to select (repeatable; ':neg' = not this). Not with --text.")
    List<PromptArgs.PointArg> points = new ArrayList<>();

    @Option(names = "--threshold", paramLabel = "T", order = 9,
            description = "Score threshold of a text prompt, in [0, 1] (default 0.5)")
    Float threshold;

    @Option(names = "--out", paramLabel = "DIR", order = 10,
            description = "Output directory (default ./sam3-out/<image-stem>; with --input-dir the root, default ./sam3-out)")
    Path out;

    @Option(names = "--resume", order = 11,
            description = "Skip images whose output directory already holds result.json (a complete output)")
    boolean resume;

    @Option(names = "--dump", paramLabel = "FILE", order = 12,
            description = "Also write the raw model outputs as safetensors (with --input-dir: this file name in each"
                    + " image's output directory)")
    Path dump;

    @Option(names = "--mask-png", order = 12,
            description = "Also write each instance's mask as mask_<k>.png (k = rank, best first); result.json has"
                    + " the masks as COCO RLE anyway (unless --no-rle)")
    boolean maskPngs;

    @Option(names = "--rle", negatable = true, defaultValue = "true", fallbackValue = "true", order = 12,
            description = "COCO RLE of each mask in result.json (default; --no-rle leaves it out for small files)")
    boolean rle = true;

    @Option(names = "--polygons", paramLabel = PolygonsOption.FORM, order = 17, arity = "0..1", fallbackValue = "0",
            converter = PolygonsOption.Converter.class,
            description = "Also write each instance's outline polygons (COCO flat lists, exterior then holes) into"
                    + " result.json, simplified within TOLERANCE pixels (default 0: exact)")
    Double polygons;

    private PrintWriter stdout;
    private PrintWriter stderr;

    /** One image to segment. */
    private record Job(String name, String jsonPath, ImageInput.Loaded image, Path outDir, Path dumpFile,
                       long downloadNanos) {}

    @Override
    public Integer call() throws Exception {
        stdout = spec.commandLine().getOut();
        stderr = spec.commandLine().getErr();
        // 1. the options alone
        if ((image == null) == (inputDir == null)) {
            throw new UserException(image == null ? "give --image FILE|URL or --input-dir DIR"
                    : "--image and --input-dir are alternatives: give one");
        }
        PromptArgs prompt = PromptArgs.of(text, boxes, points, threshold);
        ModelOptions.Plan plan = modelOptions.plan(prompt.isText());
        if (prompt.isText()) modelOptions.checkTextFits(plan, prompt.text());
        return inputDir != null ? runBatch(prompt, plan) : runSingle(prompt, plan);
    }

    private Sam3Model loadModel(ModelOptions.Plan plan, PromptArgs prompt) throws IOException {
        return modelOptions.load(plan, !prompt.isText(), prompt.isText());
    }

    // ---------------------------------------------------------------------------------------------- single

    private int runSingle(PromptArgs prompt, ModelOptions.Plan plan) throws Exception {
        ImageInput.Source src = ImageInput.parse(image);
        Path outDir = out != null ? out : Path.of("sam3-out", src.stem());
        checkOutDir(outDir);
        if (resume && SegmentOutput.isComplete(outDir)) {
            stdout.println("skipped " + src.given() + " (" + outDir.resolve(SegmentOutput.RESULT) + " exists)");
            stdout.flush();
            return 0;
        }
        // 2. the image
        Path file = src.file();
        long downloadNanos = 0;
        try {
            if (src.isUrl()) {
                long t0 = System.nanoTime();
                file = ImageInput.download(src.url(), DOWNLOAD_TIMEOUT);
                downloadNanos = System.nanoTime() - t0;
            }
            ImageInput.Loaded img = ImageInput.load(file);
            String name = src.isUrl() ? src.given() : src.file().getFileName().toString();
            Prompt p = prompt.toPrompt(img.originalWidth(), img.originalHeight(), img.sx(), img.sy());
            reportScaling(name, img);
            // 3. the model
            long t0 = System.nanoTime();
            try (Sam3Model m = loadModel(plan, prompt); Sam3Predictor predictor = m.newPredictor()) {
                long loadNanos = System.nanoTime() - t0;
                String jsonPath = src.isUrl() ? src.url().toString() : src.file().toAbsolutePath().normalize().toString();
                Job job = new Job(name, jsonPath, img, outDir, dump, downloadNanos);
                MaskResult r = segment(m, predictor, plan, prompt, p, job, loadNanos);
                stdout.printf(Locale.ROOT, "%s: %d %s%s -> %s%n", name, r.size(), r.size() == 1 ? "instance" : "instances",
                        r.presenceScore().isPresent() ? String.format(Locale.ROOT, " (presence %.3f)", r.presenceScore().getAsDouble()) : "",
                        outDir);
                stdout.println("timings: " + timingLine(loadNanos, downloadNanos, img.readNanos(), r));
                stdout.flush();
            }
            return 0;
        } finally {
            if (src.isUrl() && file != null) Files.deleteIfExists(file);
        }
    }

    /**
     * Checks, before any model work, that the output directory can be created and written: it is a
     * directory or can become one, and a file can be created in it (or in its nearest existing ancestor).
     * A probe file is created and removed; nothing else is left behind.
     */
    static void checkOutDir(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new UserException("--out " + dir + ": exists and is not a directory");
        }
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null || !Files.isDirectory(existing)) {
            throw new UserException("--out " + dir + ": cannot be created (" + existing + " is not a directory)");
        }
        try {
            Path probe = existing.resolve(AtomicFiles.temporaryName("sam3-write-check"));
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            Files.delete(probe);
        } catch (IOException e) {
            String why = e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : "files cannot be created there";
            throw new UserException("--out " + dir + ": not writable (" + (existing.equals(abs) ? "" : "in " + existing + ": ")
                    + why + ")");
        }
    }

    private void reportScaling(String name, ImageInput.Loaded img) {
        if (img.scaled()) {
            stderr.printf(Locale.ROOT, "sam3: %s is %dx%d pixels, above %d on a side: scaled down to %dx%d for segmentation"
                            + " (masks, boxes and result.json are in the scaled image's pixels)%n", name, img.originalWidth(),
                    img.originalHeight(), ImageInput.MAX_SIDE, img.image().width(), img.image().height());
            stderr.flush();
        }
    }

    private static String timingLine(long loadNanos, long downloadNanos, long readNanos, MaskResult r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "model load %.1f s", loadNanos / 1e9));
        if (downloadNanos > 0) s.append(String.format(Locale.ROOT, ", download %.1f s", downloadNanos / 1e9));
        s.append(String.format(Locale.ROOT, ", image read %.1f s", readNanos / 1e9));
        r.timings().forEach((k, v) -> s.append(String.format(Locale.ROOT, ", %s %.1f s", k, v.toNanos() / 1e9)));
        return s.toString();
    }

    /** Encodes, predicts and writes the outputs of one image; returns the result. */
    private MaskResult segment(Sam3Model m, Sam3Predictor predictor, ModelOptions.Plan plan, PromptArgs prompt, Prompt p, Job job,
                               long loadNanos) throws IOException {
        predictor.setImage(job.image().image());
        // the dump holds the raw outputs, which the predictor only downloads on request
        MaskResult r = predictor.predict(p, job.dumpFile() != null ? CallOptions.none().withRawOutputs() : CallOptions.none());
        long w0 = System.nanoTime();
        String dumpName = job.dumpFile() == null ? null : job.dumpFile().getFileName().toString();
        SegmentOutput.prepare(job.outDir(), dumpName);
        SegmentOutput.writeImages(job.outDir(), job.image().image(), r, maskPngs);
        Map<String, Object> modelJson = ModelOptions.json(m, plan);
        Map<String, Object> imageJson = imageJson(job);
        if (job.dumpFile() != null) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("image", job.jsonPath());
            meta.put("prompt", prompt.describe());
            meta.put("model", String.valueOf(modelJson.get("weights")));
            meta.put("config", m.config().toString());
            SegmentOutput.writeDump(job.dumpFile(), r, meta);
        }
        long writeNanos = System.nanoTime() - w0;

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("image", imageJson);
        json.put("prompt", prompt.toJson());
        json.put("model", modelJson);
        json.put("threshold", prompt.threshold());
        json.put("presence_score", r.presenceScore().isPresent() ? r.presenceScore().getAsDouble() : null);
        json.put("instances", SegmentOutput.instancesJson(r, maskPngs, rle));
        if (polygons != null) PolygonsOption.addTo(json, r, polygons);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("model_load", ms(loadNanos));
        if (job.downloadNanos() > 0) t.put("download", ms(job.downloadNanos()));
        t.put("image_read", ms(job.image().readNanos()));
        for (Map.Entry<String, Duration> e : r.timings().entrySet()) {
            t.put(e.getKey().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"), ms(e.getValue().toNanos()));
        }
        t.put("write_outputs", ms(writeNanos));
        json.put("timings_ms", t);
        json.put("transfer_bytes", ResultJson.transferBytes(r));
        if (job.dumpFile() != null) json.put("dump", job.dumpFile().toAbsolutePath().normalize().toString());
        SegmentOutput.writeResult(job.outDir(), json);
        return r;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e5) / 10.0;
    }

    private static Map<String, Object> imageJson(Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", job.jsonPath());
        m.put("width", job.image().image().width());
        m.put("height", job.image().image().height());
        if (job.image().scaled()) m.put("scaled_from", List.of(job.image().originalWidth(), job.image().originalHeight()));
        return m;
    }

    // ----------------------------------------------------------------------------------------------- batch

    private int runBatch(PromptArgs prompt, ModelOptions.Plan plan) throws Exception {
        long start = System.nanoTime();
        List<Path> images = ImageInput.list(inputDir);
        Path root = out != null ? out : Path.of("sam3-out");
        checkOutDir(root);
        Map<Path, String> names = ImageInput.outputNames(images);
        List<Path> todo = new ArrayList<>();
        List<Path> skipped = new ArrayList<>();
        for (Path p : images) {
            if (resume && SegmentOutput.isComplete(root.resolve(names.get(p)))) skipped.add(p);
            else todo.add(p);
        }
        stdout.printf("segment: %d %s in %s, prompt %s%s -> %s%n", images.size(), images.size() == 1 ? "image" : "images",
                inputDir, prompt.describe(), skipped.isEmpty() ? "" : ", " + skipped.size() + " already done", root);
        for (Path p : skipped) {
            stdout.println("skipped " + p.getFileName() + " (" + root.resolve(names.get(p)).resolve(SegmentOutput.RESULT) + " exists)");
        }
        stdout.flush();
        int ok = 0;
        int failed = 0;
        if (!todo.isEmpty()) {
            long t0 = System.nanoTime();
            try (Sam3Model m = loadModel(plan, prompt); Sam3Predictor predictor = m.newPredictor()) {
                long loadNanos = System.nanoTime() - t0;
                BatchProgress progress = new BatchProgress(stderr, System.console() != null, images.size(), todo.size(),
                        System::nanoTime);
                progress.show();
                for (Path p : todo) {
                    String name = p.getFileName().toString();
                    Path dir = root.resolve(names.get(p));
                    long i0 = System.nanoTime();
                    try {
                        ImageInput.Loaded img = ImageInput.load(p);
                        Prompt pr = prompt.toPrompt(img.originalWidth(), img.originalHeight(), img.sx(), img.sy());
                        if (img.scaled()) {
                            progress.println(stderr, String.format(Locale.ROOT, "sam3: %s is %dx%d pixels, above %d on a"
                                            + " side: scaled down to %dx%d (results are in the scaled image's pixels)", name,
                                    img.originalWidth(), img.originalHeight(), ImageInput.MAX_SIDE, img.image().width(),
                                    img.image().height()));
                        }
                        Path dumpFile = dump == null ? null : dir.resolve(dump.getFileName().toString());
                        Job job = new Job(name, p.toAbsolutePath().normalize().toString(), img, dir, dumpFile, 0);
                        MaskResult r = segment(m, predictor, plan, prompt, pr, job, loadNanos);
                        ok++;
                        progress.println(stdout, String.format(Locale.ROOT, "ok %s: %d %s -> %s (%.1f s)", name, r.size(),
                                r.size() == 1 ? "instance" : "instances", dir, (System.nanoTime() - i0) / 1e9));
                    } catch (WeightLoadingException | TokenizerFormatException | UnsupportedOperationException e) {
                        progress.finish();
                        throw e; // the model cannot run at all: no point in trying the other images
                    } catch (Exception e) {
                        failed++;
                        String msg = Sam3Cli.userMessage(e);
                        progress.println(stderr, "sam3: " + (msg.contains(name) ? "" : name + ": ") + msg);
                    }
                    progress.imageDone();
                }
                progress.finish();
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        stdout.printf(Locale.ROOT, "segment: %d ok, %d failed, %d skipped in %.1f s (%s images/s)%n", ok, failed, skipped.size(),
                secs, ok + failed == 0 ? "--" : String.format(Locale.ROOT, "%.2f", (ok + failed) / secs));
        stdout.flush();
        return failed > 0 ? 1 : 0;
    }
}
