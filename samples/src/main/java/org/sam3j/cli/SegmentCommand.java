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
import java.util.function.Function;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.hub.HubClient;
import org.sam3j.io.AtomicFiles;
import org.sam3j.hub.ModelSource;
import org.sam3j.hub.ProgressBar;
import org.sam3j.model.Sam3Config;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.text.TokenizerFormatException;
import org.sam3j.weights.WeightLoadingException;
import picocli.CommandLine.Command;
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
    static final String TOKENIZER_RELATIVE = "tokenizer/" + ClipTokenizer.BPE_FILE_NAME;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "M", order = 1,
            description = "sam3.pt, a .safetensors file, a model directory, or hf:owner/name[@revision] (e.g. hf:facebook/sam3)")
    String model;

    @Option(names = "--weights", paramLabel = "synthetic", order = 2,
            description = "'synthetic': no checkpoint, the specification's synthetic weights (meaningless masks, real arithmetic)")
    String weights;

    @Option(names = "--config", paramLabel = "tiny|full|FILE", order = 3,
            description = "Architecture: tiny, full (the released SAM 3), or a JSON file of overrides"
                    + " (vit_depth, vit_global_blocks, text_layers, fusion_encoder_layers, decoder_layers,"
                    + " geometry_encoder_layers; a fixtures index.json works too). Default: with --model the"
                    + " checkpoint's own (read from its layers), with --weights synthetic full")
    String config;

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

    @Option(names = "--tokenizer", paramLabel = "PATH", order = 13,
            description = "CLIP vocabulary: bpe_simple_vocab_16e6.txt.gz or a directory with vocab.json + merges.txt"
                    + " (default: beside the checkpoint; with --weights synthetic $SAM3_SHARED/" + TOKENIZER_RELATIVE
                    + " or ../shared/" + TOKENIZER_RELATIVE + ")")
    Path tokenizer;

    @Option(names = "--threads", paramLabel = "N", order = 14, description = "CPU threads (default: all processors)")
    Integer threads;

    @Option(names = "--offline", order = 15, description = "Never use the network for hf: models (cache only)")
    boolean offline;

    @Option(names = "--cache", paramLabel = "DIR", order = 16, description = "Model cache (default: $SAM3J_CACHE or ~/.cache/sam3j)")
    Path cache;

    @Option(names = "--polygons", paramLabel = PolygonsOption.FORM, order = 17, arity = "0..1", fallbackValue = "0",
            converter = PolygonsOption.Converter.class,
            description = "Also write each instance's outline polygons (COCO flat lists, exterior then holes) into"
                    + " result.json, simplified within TOLERANCE pixels (default 0: exact)")
    Double polygons;

    /** Environment lookup (tests replace it). */
    Function<String, String> env = System::getenv;

    private PrintWriter stdout;
    private PrintWriter stderr;

    /** What the checks before loading decided about the model. */
    private record ModelPlan(ModelSource source, Sam3Config config, String configName, Path tokenizer) {
        boolean synthetic() {
            return source == null;
        }
    }

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
        if (threads != null && threads < 1) throw new UserException("--threads must be at least 1, got " + threads);
        ModelPlan plan = planModel(prompt);
        return inputDir != null ? runBatch(prompt, plan) : runSingle(prompt, plan);
    }

    private ModelPlan planModel(PromptArgs prompt) throws IOException {
        if (weights != null && !weights.equals("synthetic")) {
            throw new UserException("--weights accepts only 'synthetic' (for a checkpoint use --model M), got '" + weights + "'");
        }
        if ((model == null) == (weights == null)) {
            throw new UserException(model == null ? "give --model M (a checkpoint, a directory or hf:facebook/sam3) or"
                    + " --weights synthetic" : "--model and --weights synthetic are alternatives: give one");
        }
        Sam3Config cfg;
        String cfgName;
        if (config == null && model != null) {
            cfg = null; // the checkpoint's own architecture, inferred from its layer stacks
            cfgName = "from the checkpoint";
        } else if (config == null || config.equals("full") || config.equals("released")) {
            cfg = Sam3Config.released();
            cfgName = "full";
        } else if (config.equals("tiny")) {
            cfg = Sam3Config.tiny();
            cfgName = "tiny";
        } else {
            cfg = readConfig(Path.of(config));
            cfgName = config;
        }
        ModelSource source = null;
        if (model != null) {
            source = ModelSource.parse(model);
            if (!(source instanceof ModelSource.HubRepo)) source.toLocalPath(null); // missing files: now, not later
        }
        Path tok = tokenizer;
        if (tok != null && !Files.exists(tok)) {
            throw new UserException("--tokenizer " + tok + ": no such file or directory");
        }
        if (tok == null && source == null) tok = defaultTokenizer(env, Path.of(""));
        if (prompt.isText() && source == null && tok == null) {
            throw new UserException("--text needs the CLIP tokenizer: pass --tokenizer PATH (" + ClipTokenizer.BPE_FILE_NAME
                    + "); with --weights synthetic it is looked up at $SAM3_SHARED/" + TOKENIZER_RELATIVE
                    + " and ../shared/" + TOKENIZER_RELATIVE);
        }
        if (prompt.isText() && tok != null) checkTextFits(tok, prompt.text());
        return new ModelPlan(source, cfg, cfgName, tok);
    }

    /** Refuses, before any model work, a phrase longer than the text encoder's context (it would be cut). */
    static void checkTextFits(Path tokenizerPath, String text) throws IOException {
        ClipTokenizer t = Files.isDirectory(tokenizerPath) ? ClipTokenizer.fromDirectory(tokenizerPath)
                : ClipTokenizer.fromBpeFile(tokenizerPath);
        try {
            t.tokenizeWhole(text);
        } catch (IllegalArgumentException e) {
            throw new UserException("--text: " + e.getMessage());
        }
    }

    /**
     * The tokenizer used with synthetic weights when {@code --tokenizer} is not given:
     * {@code $SAM3_SHARED/tokenizer/bpe_simple_vocab_16e6.txt.gz}, else
     * {@code ../shared/tokenizer/bpe_simple_vocab_16e6.txt.gz} relative to the working directory, if present.
     */
    static Path defaultTokenizer(Function<String, String> env, Path workingDir) {
        String shared = env.apply("SAM3_SHARED");
        if (shared != null && !shared.isBlank()) {
            Path p = Path.of(shared).resolve(TOKENIZER_RELATIVE);
            if (Files.isRegularFile(p)) return p;
        }
        Path p = workingDir.toAbsolutePath().resolve("..").resolve("shared").resolve(TOKENIZER_RELATIVE).normalize();
        return Files.isRegularFile(p) ? p : null;
    }

    /** Whether {@link Sam3Model} will find tokenizer files beside a checkpoint (as its builder looks for them). */
    static boolean hasTokenizerBeside(Path checkpoint) {
        Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
        if (dir == null) return false;
        return Files.isRegularFile(dir.resolve(ClipTokenizer.BPE_FILE_NAME))
                || Files.isRegularFile(dir.resolve(ClipTokenizer.VOCAB_FILE_NAME))
                && Files.isRegularFile(dir.resolve(ClipTokenizer.MERGES_FILE_NAME));
    }

    private static Sam3Config readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserException("--config " + file + ": not 'tiny' or 'full', and no such file");
        }
        Map<String, Object> json;
        try {
            json = SegmentOutput.readJsonObject(file);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new UserException("--config " + file + ": not a JSON object of overrides (" + m + ")");
        }
        Object nested = json.get("config");
        @SuppressWarnings("unchecked")
        Map<String, ?> overrides = nested instanceof Map ? (Map<String, ?>) nested : json;
        try {
            return Sam3Config.released().withOverrides(overrides);
        } catch (IllegalArgumentException e) {
            throw new UserException("--config " + file + ": " + e.getMessage());
        }
    }

    private Sam3Model loadModel(ModelPlan plan, PromptArgs prompt) throws IOException {
        Sam3Model.Builder b = Sam3Model.builder().interactive(!prompt.isText());
        if (plan.config() != null) b.config(plan.config());
        if (threads != null) b.threads(threads);
        if (plan.tokenizer() != null) b.tokenizer(plan.tokenizer());
        Path local = null;
        if (plan.synthetic()) {
            b.syntheticWeights();
        } else {
            HubClient.Builder hub = HubClient.builder().offline(offline).progressListener(ProgressBar.printingTo(System.err));
            if (cache != null) hub.cacheRoot(cache);
            local = plan.source().toLocalPath(hub.build());
            if (prompt.isText() && plan.tokenizer() == null && !hasTokenizerBeside(local)) {
                throw new UserException("--text needs the CLIP tokenizer: none beside the checkpoint " + local
                        + " (vocab.json + merges.txt, or " + ClipTokenizer.BPE_FILE_NAME + "); pass --tokenizer PATH");
            }
            if (prompt.isText() && plan.tokenizer() == null) {
                Path dir = Files.isDirectory(local) ? local : local.toAbsolutePath().getParent();
                checkTextFits(dir, prompt.text()); // the tokenizer the model will find there
            }
            b.checkpoint(local);
        }
        Sam3Model m = b.build();
        if (prompt.isText() && !m.hasTokenizer()) {
            m.close();
            throw new UserException("--text needs the CLIP tokenizer: none found for " + local + "; pass --tokenizer PATH");
        }
        return m;
    }

    // ---------------------------------------------------------------------------------------------- single

    private int runSingle(PromptArgs prompt, ModelPlan plan) throws Exception {
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
    private MaskResult segment(Sam3Model m, Sam3Predictor predictor, ModelPlan plan, PromptArgs prompt, Prompt p, Job job,
                               long loadNanos) throws IOException {
        predictor.setImage(job.image().image());
        MaskResult r = predictor.predict(p);
        long w0 = System.nanoTime();
        String dumpName = job.dumpFile() == null ? null : job.dumpFile().getFileName().toString();
        SegmentOutput.prepare(job.outDir(), dumpName);
        SegmentOutput.writeImages(job.outDir(), job.image().image(), r, maskPngs);
        Map<String, Object> modelJson = modelJson(m, plan);
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

    private Map<String, Object> modelJson(Sam3Model m, ModelPlan plan) {
        Sam3Config c = m.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("vit_depth", c.vitDepth());
        cfg.put("vit_global_blocks", c.vitGlobalBlocks());
        cfg.put("text_layers", c.textLayers());
        cfg.put("fusion_encoder_layers", c.fusionEncoderLayers());
        cfg.put("decoder_layers", c.decoderLayers());
        cfg.put("geometry_encoder_layers", c.geometryEncoderLayers());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("source", plan.synthetic() ? "synthetic" : plan.source().toString());
        j.put("weights", m.weightsDescription());
        j.put("architecture", c.isReleasedArchitecture() ? "released SAM 3" : plan.configName());
        j.put("config", cfg);
        j.put("backend", m.backend().name());
        if (m.backend() instanceof CpuBackend cpu) j.put("threads", cpu.threads());
        return j;
    }

    // ----------------------------------------------------------------------------------------------- batch

    private int runBatch(PromptArgs prompt, ModelPlan plan) throws Exception {
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
