package org.sam3j.video;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.image.ImageLoader;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.StoredTensor;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.runner.ConceptModel;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.HookKeys;
import org.sam3j.verify.Probe;
import org.sam3j.verify.ProbeComparison;
import org.sam3j.verify.ProbeResult;
import org.sam3j.verify.TensorStats;
import org.sam3j.verify.Verifier;
import org.sam3j.verify.VerifySummary;
import org.sam3j.weights.ConstantOverrides;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;

/**
 * Verifies the video path against a {@code video-v1} fixture set ({@code shared/spec/video-fixtures.md}): runs
 * the {@code inter<i>} family (clicked / boxed objects, the SAM 2-style tracker) with the recorded prompt calls
 * and propagation, and compares every recorded {@code inter<i>.*} and {@code frames.*} key: tensors to a relative
 * error of 1e-3 (§7; the memories downstream of the prompted frame's binarised masks away from near-zero logits,
 * §6, and that binarisation aligned with the reference's recorded pixel count where the counts differ by near-zero
 * pixels only: {@link ReferenceBinarisation}), scores absolutely to 1e-4, memory-selection meta exactly, per-frame
 * mask areas within the frame's near-zero-logit pixel count, boxes exactly, low-resolution mask bits to an IoU of
 * 0.99, the points our prompt encoder received ({@code sam.point_coords}, {@code sam.point_labels}) against the
 * recorded ones, and each frame's ViT trunk output (from a verify-only program of the backbone with that extra
 * output). The {@code text<i>} family (detector + tracker) runs too ({@code checkText}).
 */
public final class VideoVerifier implements AutoCloseable {
    /** The format this class reads. */
    public static final String FORMAT = "video-v1";
    private static final double TOL = 1e-3;
    private static final double ABS_TOL = 1e-4;
    /** |logit| below this counts as a possible flip of the prompted frame's binarised masks. */
    private static final float NEAR_ZERO = 1e-4f;
    /** Parts of recorded module outputs that our graphs do not compute: the caller derives them. */
    private static final Set<String> CALLER_DERIVED = Set.of(HookKeys.TEXT_MASK, HookKeys.VALID_RATIOS);

    private final Path dir;
    private final Sam3Config config;
    private final WeightStore weights;
    private final JsonNode json;
    private final Map<String, TensorStats> stats = new LinkedHashMap<>();
    private final SafetensorsFile tensors;
    /** Prompted frames' binarised memory masks aligned with the reference's, by key (reported with that key). */
    private final Map<String, ReferenceBinarisation.Result> binarised = new LinkedHashMap<>();
    private final int width;
    private final int height;

    private VideoVerifier(FixtureSet set) throws IOException {
        this.dir = set.dir();
        this.config = Verifier.configOf(set);
        Map<String, Float> overrides = new LinkedHashMap<>();
        set.config().path("weight_overrides").fields()
                .forEachRemaining(e -> overrides.put(e.getKey(), (float) e.getValue().asDouble()));
        this.weights = ConstantOverrides.of(SyntheticWeights.of(set.paramShapes()), overrides);
        String name = set.caseNames().get(0);
        this.json = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        json.get("stats").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asLong();
            stats.put(e.getKey(), new TensorStats(shape, v.get("numel").asLong(), v.get("sum").asDouble(),
                    v.get("sumsq").asDouble(), v.get("absmax").asDouble()));
        });
        this.tensors = SafetensorsFile.open(dir.resolve(name + ".safetensors"));
        this.width = json.get("size").get(0).asInt();
        this.height = json.get("size").get(1).asInt();
    }

    /**
     * Opens a video fixture set.
     *
     * @throws IllegalArgumentException if the set is not in the {@code video-v1} format
     */
    public static VideoVerifier open(FixtureSet set) throws IOException {
        if (!FORMAT.equals(set.format())) {
            throw new IllegalArgumentException(set.dir() + " is not a " + FORMAT + " fixture set (format '" + set.format() + "')");
        }
        return new VideoVerifier(set);
    }

    Sam3Config config() {
        return config;
    }

    WeightStore weights() {
        return weights;
    }

    int numFrames() {
        return json.get("num_frames").asInt();
    }

    Path frame(int t) {
        return dir.resolve(json.get("frames").get(t).asText());
    }

    /**
     * Runs the {@code inter} family on every frame, the frame loads of the text family and (when {@code only} asks
     * for it) the {@code text0} family, and reports every recorded key; keys our runs do not produce fail.
     *
     * @param only key prefixes to report (empty: all)
     */
    public VerifySummary verify(Backend backend, List<String> only, Consumer<ProbeResult> listener) throws IOException {
        List<ProbeResult> results = new ArrayList<>();
        Consumer<ProbeResult> sink = r -> {
            if (!only.isEmpty() && only.stream().noneMatch(p -> r.key().startsWith(p))) return;
            results.add(r);
            listener.accept(r);
        };
        long t0 = System.nanoTime();
        try (TrackerEngine engine = new TrackerEngine(backend, weights, config, TrackerSettings.released());
             ResidentScope scope = new ResidentScope(backend)) {
            VideoTracker.FrameProvider frames = new VideoTracker.FrameProvider() {
                private final Map<TrackerEngine.Frame, ResidentScope> scopes = new java.util.IdentityHashMap<>();

                @Override
                public TrackerEngine.Frame acquire(int t) {
                    try {
                        float[] img = VideoFrames.interactiveInput(ImageLoader.read(frame(t)), config.imageSize());
                        ResidentScope s = new ResidentScope(backend);
                        // the backbone's module outputs recorded for this frame (the ViT trunk's on some frames): a
                        // program of its own, the backbone's with those extra outputs
                        Map<String, String> recorded = frameModuleKeys(t);
                        TrackerEngine.Traced traced = engine.encodeTraced(t, img, width, height, s,
                                new java.util.HashSet<>(recorded.values()));
                        TrackerEngine.Frame f = traced.frame();
                        scopes.put(f, s);
                        checkFrameKeys(engine, f, recorded, traced.modules(), img, sink);
                        return f;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void release(TrackerEngine.Frame f) {
                    ResidentScope s = scopes.remove(f);
                    if (s != null) s.close();
                }
            };
            checkInteractive(engine, frames, numFrames() - 1, sink);
        }
        double inter = (System.nanoTime() - t0) / 1e9;
        checkFrameLoads(sink);
        List<String> timings = new ArrayList<>(List.of(String.format("video inter family: %.1f s", inter)));
        boolean textRecorded = stats.keySet().stream().anyMatch(k -> k.startsWith("text0."));
        if (textRecorded && (only.isEmpty() || only.stream().anyMatch(p -> p.startsWith("text") || "text".startsWith(p)))) {
            TextRun run = checkText(backend, sink);
            timings.add(String.format("video text family: %.1f s", run.seconds()));
        }
        return new VerifySummary(results, timings);
    }

    /** The keys of frame {@code t} that name a module's output ({@code frames.f<t>.trunk.0}) → its module path. */
    private Map<String, String> frameModuleKeys(int t) {
        String call = "frames.f" + t + ".";
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : stats.keySet()) {
            if (!key.startsWith(call)) continue;
            HookKeys.videoModule(key).filter(m -> m.call().equals(call)).ifPresent(m -> out.put(key, m.path()));
        }
        return out;
    }

    /**
     * Compares the per-frame keys ({@code frames.f<t>.*}) of a frame just encoded: the preprocessed image, the
     * tracker neck, its position encoding, and the backbone's module outputs ({@code recorded}: fixture key → module path; {@code modules}: what those modules returned).
     */
    private void checkFrameKeys(TrackerEngine engine, TrackerEngine.Frame f, Map<String, String> recorded,
                                Map<String, HostTensor> modules, float[] image, Consumer<ProbeResult> sink)
            throws IOException {
        String pre = "frames.f" + f.index() + ".";
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        ours.put(pre + "image", new HostTensor(new int[] {3, config.imageSize(), config.imageSize()}, image));
        for (int i = 0; i < 3; i++) {
            HostTensor lv = f.embedding().sam2Fpn().get(i).download();
            int[] s = lv.shape();
            ours.put(pre + "tracker_fpn." + i, Layouts.nhwcToNchw(lv.data(), s[0], s[1], s[2], s[3]));
        }
        int g = engine.grid();
        ours.put(pre + "tracker_pos.2", Layouts.nhwcToNchw(engine.sourcePosition(), 1, g, g, engine.dim()));
        recorded.forEach((key, path) -> ours.put(key, modules.get(path)));
        for (Map.Entry<String, HostTensor> e : ours.entrySet()) {
            TensorStats st = stats.get(e.getKey());
            if (st == null) continue;
            sink.accept(ProbeComparison.compare(e.getKey(), e.getValue().shape(), e.getValue().data(), st, probe(e.getKey()), TOL));
        }
    }

    /** {@code frames.f<t>.image_vg}: every frame as the text family loads it (a 1008² Pillow-style resize). */
    private void checkFrameLoads(Consumer<ProbeResult> sink) throws IOException {
        for (int t = 0; t < numFrames(); t++) {
            String key = "frames.f" + t + ".image_vg";
            TensorStats st = stats.get(key);
            if (st == null) continue;
            float[] img = VideoFrames.detectorInput(ImageLoader.read(frame(t)), config.imageSize());
            sink.accept(ProbeComparison.compare(key, new int[] {3, config.imageSize(), config.imageSize()}, img, st,
                    probe(key), TOL));
        }
    }

    /**
     * What {@link #checkText} ran: the {@code add_prompt} output, the frames propagated, and the seconds taken.
     *
     * @param addPrompt the prompted frame's output
     * @param frames    the propagation's outputs, in frame order
     * @param seconds   wall time of the text encoding, prompt and propagation
     */
    record TextRun(TextTracker.FrameOutput addPrompt, List<TextTracker.FrameOutput> frames, double seconds) {}

    /** The thresholds of {@code index.json → video_settings}: configuration, read as the reference ran it. */
    static TextTrackingSettings textSettingsOf(JsonNode v) {
        return new TextTrackingSettings((float) v.get("score_threshold_detection").asDouble(),
                (float) v.get("det_nms_thresh").asDouble(), (float) v.get("assoc_iou_thresh").asDouble(),
                (float) v.get("trk_assoc_iou_thresh").asDouble(), (float) v.get("new_det_thresh").asDouble(),
                v.get("fill_hole_area").asInt());
    }

    /** The heuristics of {@code index.json → video_settings}, read as the reference ran them. */
    static TextTrackingHeuristics heuristicsOf(JsonNode v) {
        return new TextTrackingHeuristics(v.get("hotstart_delay").asInt(), v.get("hotstart_unmatch_thresh").asInt(),
                v.get("hotstart_dup_thresh").asInt(), v.get("suppress_unmatched_only_within_hotstart").asBoolean(),
                v.get("init_trk_keep_alive").asInt(), v.get("max_trk_keep_alive").asInt(),
                v.get("min_trk_keep_alive").asInt(),
                (float) v.get("suppress_overlapping_based_on_recent_occlusion_threshold").asDouble(),
                v.get("decrease_trk_keep_alive_for_empty_masklets").asBoolean(),
                v.get("recondition_every_nth_frame").asInt(), v.get("max_num_objects").asInt());
    }

    /** The recorded {@code text0} prompt ({@code text}, {@code max_frame_num_to_track}). */
    JsonNode textPrompt() {
        for (JsonNode p : json.get("prompts")) if ("text0".equals(p.path("key").asText())) return p;
        throw new IllegalStateException("the fixture has no text0 prompt");
    }

    /**
     * Runs the {@code text0} family — the phrase encoded (with the reference's second batch entry, the text
     * "visual"), {@code add_prompt} on frame 0 (step {@code a0}), propagation over frames 0..{@code
     * max_frame_num_to_track} ({@code f<t>}, frame 0 again), the detector on the next frame (the reference's
     * look-ahead) — and reports every recorded {@code text0.*} key:
     * tensors to a relative error of 1e-3 of their rms, scores, boxes and logits 1e-4 absolute, ids and decisions
     * exactly, binary masks to an IoU of 0.99, mask areas within {@code 5 + area/10⁴} pixels; keys not produced fail.
     * The CLIP vocabulary is read from the shared data the fixtures belong to ({@code shared/tokenizer/}).
     */
    TextRun checkText(Backend backend, Consumer<ProbeResult> sink) throws IOException {
        String fam = "text0.";
        JsonNode prompt = textPrompt();
        int last = prompt.get("max_frame_num_to_track").asInt();
        JsonNode v = new ObjectMapper().readTree(dir.resolve("index.json").toFile()).get("video_settings");
        TextTrackingSettings settings = textSettingsOf(v);
        Path bpe = dir.toAbsolutePath().resolve("../../../tokenizer").resolve(ClipTokenizer.BPE_FILE_NAME).normalize();
        if (!Files.isRegularFile(bpe)) throw new IOException("the text family needs the CLIP vocabulary " + bpe);
        ClipTokenizer tokenizer = ClipTokenizer.fromBpeFile(bpe);
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        TrackerSettings trackerSettings = TrackerSettings.released();
        TrackerHooks hooks = new TrackerHooks() {
            @Override
            public void accept(String key, HostTensor value) {
                ours.put(fam + key, value);
            }

            @Override
            public float[][] binarisationLogits(String key, float[][] logits) {
                return binarisedAsReference(fam + key, logits, trackerSettings);
            }

            @Override
            public void meta(String key, Object value) {
                meta.put(fam + key, value);
            }
        };
        // the recorded module outputs (text encoder, detector) by the module path their keys name
        Map<String, HookKeys.ModuleKey> moduleKeys = new LinkedHashMap<>();
        for (String key : stats.keySet()) {
            if (key.startsWith(fam)) HookKeys.videoModule(key).ifPresent(m -> moduleKeys.put(key, m));
        }
        Set<String> modulePaths = new LinkedHashSet<>();
        moduleKeys.values().forEach(m -> modulePaths.add(m.path()));
        modulePaths.removeAll(CALLER_DERIVED);
        List<TextTracker.FrameOutput> outputs = new ArrayList<>();
        long t0 = System.nanoTime();
        TextTracker.FrameOutput a0;
        try (TrackerEngine engine = new TrackerEngine(backend, weights, config, trackerSettings);
             VideoDetector detector = new VideoDetector(backend, weights, config, settings, modulePaths);
             RunSession session = new RunSession()) {
            ConceptModel.TextFeatures text = detector.encodeText(session,
                    tokenizer.tokenizeWhole(prompt.get("text").asText()).ids());
            ConceptModel.TextFeatures visual = detector.encodeText(session, tokenizer.tokenizeWhole("visual").ids());
            putTextBatch(fam + "text.", text, visual, ours);
            VideoTracker.FrameProvider frames = new VideoTracker.FrameProvider() {
                private final Map<TrackerEngine.Frame, ResidentScope> scopes = new java.util.IdentityHashMap<>();

                @Override
                public TrackerEngine.Frame acquire(int t) {
                    try {
                        ResidentScope s = new ResidentScope(backend);
                        float[] image = VideoFrames.detectorInput(ImageLoader.read(frame(t)), config.imageSize());
                        TrackerEngine.Frame f = engine.encode(t, image, width, height, s);
                        scopes.put(f, s);
                        return f;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void release(TrackerEngine.Frame f) {
                    ResidentScope s = scopes.remove(f);
                    if (s != null) s.close();
                }
            };
            try (TextTracker tracker = new TextTracker(engine, detector, settings, heuristicsOf(v), text, frames,
                    numFrames(), hooks)) {
                a0 = tracker.addPrompt(0);
                tracker.propagate(0, last, outputs::add);
            }
            int ahead = last + 1;
            if (ahead < numFrames() && stats.containsKey(fam + "f" + ahead + ".det.pred_logits")) {
                // the reference's one-frame look-ahead also ran the detector on the frame after the last one
                // tracked (outputs never used): the same detector on that frame
                try (ResidentScope s = new ResidentScope(backend)) {
                    float[] image = VideoFrames.detectorInput(ImageLoader.read(frame(ahead)), config.imageSize());
                    TrackerEngine.Frame f = engine.encode(ahead, image, width, height, s);
                    detector.detect(session, f.embedding(), text, true, (k, t) -> ours.put(fam + "f" + ahead + ".det." + k, t));
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Set<String> seen = new LinkedHashSet<>();
        for (Map.Entry<String, TensorStats> e : stats.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(fam)) continue;
            HookKeys.ModuleKey m = moduleKeys.get(key);
            HostTensor t = m == null ? ours.get(key)
                    : m.path().equals(HookKeys.VALID_RATIOS) ? oneLevelValidRatios() : ours.get(m.call() + m.path());
            seen.add(key);
            if (t == null) {
                sink.accept(new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, TOL, "not produced"));
            } else {
                sink.accept(withBinarisation(compareText(key, t, e.getValue())));
            }
        }
        List<String> steps = new ArrayList<>(List.of("a0"));
        for (int t = 0; t <= last; t++) steps.add("f" + t);
        for (String step : steps) {
            for (String k : List.of("det_out", "trk_prop")) {
                String key = fam + step + "." + k + ".mask_bits";
                if (!tensors.contains(key)) continue;
                seen.add(key);
                sink.accept(maskBits(key, ours.get(fam + step + "." + k + (k.equals("det_out") ? ".mask" : ".masks"))));
            }
            for (String k : List.of("trk_prop.obj_ids", "add_new.obj_ids", "build_outputs.obj_ids", "out.obj_ids",
                    "occlusion.to_suppress", "occlusion.last_occluded", "build_outputs.mask_area", "out.mask_area")) {
                String key = fam + step + "." + k;
                if (!tensors.contains(key)) continue;
                seen.add(key);
                sink.accept(integers(key, meta.remove(key), k.endsWith("mask_area")));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = json.get("meta").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!key.startsWith(fam) || seen.contains(key)) continue;
            sink.accept(textMeta(key, e.getValue(), ours, meta));
        }
        return new TextRun(a0, List.copyOf(outputs), seconds);
    }

    /**
     * The text encoder's module outputs for the batch [phrase, "visual"] under {@code call} + module path:
     * sequence-first like the reference's, and the attention mask (batch-first), which the caller derives.
     */
    private static void putTextBatch(String call, ConceptModel.TextFeatures a, ConceptModel.TextFeatures b,
                                     Map<String, HostTensor> ours) {
        int n = a.padding().length;
        float[] mask = new float[2 * n];
        for (int i = 0; i < n; i++) {
            mask[i] = a.padding()[i] ? 1f : 0f;
            mask[n + i] = b.padding()[i] ? 1f : 0f;
        }
        ours.put(call + HookKeys.TEXT_MASK, new HostTensor(new int[] {2, n}, mask));
        a.hooks().forEach((path, t) -> ours.put(call + path, interleave(t.data(), b.hooks().get(path).data(), n)));
    }

    /** The fusion encoder's valid ratios {@code [1, 1, 2]}: one unpadded feature level. */
    private static HostTensor oneLevelValidRatios() {
        return new HostTensor(new int[] {1, 1, 2}, new float[] {1f, 1f});
    }

    private static HostTensor interleave(float[] a, float[] b, int n) {
        int c = a.length / n;
        float[] out = new float[2 * a.length];
        for (int s = 0; s < n; s++) {
            System.arraycopy(a, s * c, out, 2 * s * c, c);
            System.arraycopy(b, s * c, out, (2 * s + 1) * c, c);
        }
        return new HostTensor(new int[] {n, 2, c}, out);
    }

    private ProbeResult compareText(String key, HostTensor t, TensorStats st) {
        try {
            if (key.endsWith("pred_logits_after_nms")) return logitsAfterNms(key, t);
            if (isTextAbsolute(key)) return absolute(key, t, st);
            int[] shape = t.shape();
            // the detector's and text encoder's internals are compared in the reference's element order
            if ((key.contains(".det.") || key.contains(".language_backbone.")) && t.numel() == st.numel()) {
                shape = new int[st.shape().length];
                for (int i = 0; i < shape.length; i++) shape[i] = (int) st.shape()[i];
            }
            return ProbeComparison.compare(key, shape, t.data(), st, probe(key), TOL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isTextAbsolute(String key) {
        return isAbsolute(key) || key.endsWith("det_out.scores") || key.endsWith("bbox_xyxy") || key.endsWith("out.probs")
                || key.endsWith("boxes_xywh") || key.endsWith("shrink_area_ratio") || key.endsWith(".det.pred_logits")
                || key.endsWith(".det.presence_logit_dec") || key.endsWith(".det.probs") || key.endsWith(".det.pred_boxes")
                || key.endsWith(".det.pred_boxes_xyxy") || key.endsWith(".det.nms_ious") || key.endsWith("assoc.ious");
    }

    /** NMS lowers suppressed logits by 10⁴, where one float32 step is 10⁻³: one step is allowed there. */
    private ProbeResult logitsAfterNms(String key, HostTensor t) throws IOException {
        float[] ref = whole(key).toFloats();
        if (ref.length != t.numel()) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, ABS_TOL, "numel " + t.numel() + " vs " + ref.length);
        }
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(t.data()[i] - ref[i]) - Math.ulp(ref[i]));
        }
        return new ProbeResult(key, worst <= ABS_TOL ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, Math.max(0, worst),
                ABS_TOL, "absolute, beyond one float32 step");
    }

    /** Packed mask bits ({@code numpy.packbits}, big bit order) against ours binarised: the worst row IoU. */
    private ProbeResult maskBits(String key, HostTensor mine) throws IOException {
        if (mine == null) return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, 0.01, "not produced");
        StoredTensor bits = whole(key);
        int rows = (int) bits.dim(0);
        int per = (int) bits.dim(1);
        int hw = mine.numel() / Math.max(1, mine.shape()[0]);
        if (mine.shape()[0] != rows) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, 0.01, rows + " reference masks, ours " + mine.shape()[0]);
        }
        ByteBuffer b = bits.bytes();
        float worst = 1;
        for (int r = 0; r < rows; r++) {
            boolean[] ref = new boolean[hw];
            for (int i = 0; i < hw; i++) ref[i] = ((b.get(b.position() + r * per + i / 8) >> (7 - i % 8)) & 1) != 0;
            worst = Math.min(worst, MaskOps.iou(ref, MaskOps.binarize(mine.data(), r * hw, hw)));
        }
        return new ProbeResult(key, worst >= 0.99 ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, 1 - worst, 0.01,
                String.format("worst IoU %.5f of %d", worst, rows));
    }

    /** Ids and decisions exactly; mask areas within {@code 5 + area/10⁴} pixels. */
    private ProbeResult integers(String key, Object mine, boolean area) throws IOException {
        long[] ref = whole(key).toLongs();
        if (!(mine instanceof long[] m)) return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, 0, "not produced");
        String note = "ours " + Arrays.toString(m) + " ref " + Arrays.toString(ref);
        if (m.length != ref.length) return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, 0, note);
        long worst = 0;
        boolean ok = true;
        for (int i = 0; i < ref.length; i++) {
            long diff = Math.abs(m[i] - ref[i]);
            worst = Math.max(worst, diff);
            ok &= diff <= (area ? 5 + ref[i] / 10_000 : 0);
        }
        return new ProbeResult(key, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, worst, 0, note);
    }

    /**
     * A recorded meta key of the text family: frame lists compared as counts (ours keeps counts), scores to 1e-4,
     * the mask-bit shapes against our masks', {@code frame_stats.num_obj_tracked} against our object ids, the rest
     * exactly.
     */
    private ProbeResult textMeta(String key, JsonNode ref, Map<String, HostTensor> ours, Map<String, Object> meta)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        JsonNode mine;
        if (key.endsWith(".mask_bits.shape")) {
            String base = key.substring(0, key.length() - ".mask_bits.shape".length());
            HostTensor t = ours.get(base + (base.endsWith("det_out") ? ".mask" : ".masks"));
            mine = t == null ? null : om.valueToTree(t.shape());
        } else if (key.endsWith("meta.frame_stats")) {
            Object ids = meta.get(key.replace("frame_stats", "obj_ids_all"));
            mine = ids == null ? null : om.valueToTree(((List<?>) ids).size());
            ref = ref.get("num_obj_tracked");
        } else {
            String mineKey = key.replace("unmatched_frame_inds", "unmatched_frame_counts")
                    .replace("overlap_pair_to_frame_inds", "overlap_pair_frame_counts");
            Object m = meta.get(mineKey);
            // through text, so that our longs compare equal to the reference's small ints
            mine = m == null ? null : om.readTree(om.writeValueAsString(m));
            if (!mineKey.equals(key)) ref = listSizes(ref);
        }
        if (mine == null) return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, 0, "not produced");
        boolean scores = key.endsWith("eff_iou_scores_seen") || key.endsWith("obj_id_to_score")
                || key.endsWith("obj_id_to_tracker_score");
        boolean same = scores ? sameScores(mine, ref) : mine.equals(ref);
        return new ProbeResult(key, same ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, 0, 0,
                "meta ours " + mine + " ref " + ref + (key.endsWith("frame_stats") ? " (num_obj_tracked)" : ""));
    }

    private static JsonNode listSizes(JsonNode lists) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        lists.fields().forEachRemaining(e -> sizes.put(e.getKey(), e.getValue().size()));
        return new ObjectMapper().valueToTree(sizes);
    }


    /**
     * Runs the recorded prompt calls of {@code inter0} and the propagation up to {@code lastFrame}, reporting every
     * recorded {@code inter0.*} key of that range as soon as it is produced, then the keys not produced.
     */
    void checkInteractive(TrackerEngine engine, VideoTracker.FrameProvider frames, int lastFrame, Consumer<ProbeResult> sink)
            throws IOException {
        checkInteractive(engine, frames, lastFrame, sink, null);
    }

    /** As {@link #checkInteractive(TrackerEngine, VideoTracker.FrameProvider, int, Consumer)}, also putting every
     *  tensor the tracker produced into {@code produced} (by key) when it is not null. */
    void checkInteractive(TrackerEngine engine, VideoTracker.FrameProvider frames, int lastFrame, Consumer<ProbeResult> sink,
                          Map<String, HostTensor> produced) throws IOException {
        String fam = "inter0.";
        Set<String> seen = new LinkedHashSet<>();
        HostTensor[] preflightHigh = new HostTensor[1];
        TrackerHooks hooks = new TrackerHooks() {
            @Override
            public void accept(String key, HostTensor value) {
                String k = fam + key;
                if (k.endsWith("f0.mem_enc.pred_masks_high_res")) preflightHigh[0] = value;
                if (produced != null) produced.put(k, value);
                compareTensor(k, value, preflightHigh[0], seen, sink);
            }

            @Override
            public float[][] binarisationLogits(String key, float[][] logits) {
                return binarisedAsReference(fam + key, logits, engine.settings());
            }

            @Override
            public void meta(String key, Object value) {
                String k = fam + key;
                JsonNode ref = json.get("meta").get(k);
                if (ref == null) return;
                JsonNode mine = new ObjectMapper().valueToTree(value);
                boolean same = k.endsWith("eff_iou_scores_seen") ? sameScores(mine, ref) : mine.equals(ref);
                seen.add(k);
                sink.accept(new ProbeResult(k, same ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, 0, 0,
                        "meta ours " + mine + " ref " + ref));
            }
        };
        List<Prompt> prompts = new ArrayList<>();
        List<int[]> calls = callsAndPrompts(prompts);
        try (VideoTracker tracker = new VideoTracker(engine, frames, numFrames(), hooks)) {
            Map<Integer, float[]> known = new LinkedHashMap<>();
            for (int k = 0; k < prompts.size(); k++) {
                int obj = objectOfCall(calls.get(k), known);
                known.put(obj, tracker.addPrompt(0, obj, prompts.get(k)));
                String key = fam + "p" + k + ".out.video_res_masks";
                compareTensor(key, videoRes(known.values().toArray(new float[0][])), null, seen, sink);
            }
            tracker.propagate(f -> {
                String pre = fam + "f" + f.frame() + ".out.";
                HostTensor video = videoRes(f.lowRes());
                compareTensor(pre + "video_res_masks", video, null, seen, sink);
                try {
                    checkOutputs(pre, f, video, seen, sink);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, lastFrame);
        }
        for (String key : stats.keySet()) {
            if (!key.startsWith(fam) || !inScope(key, fam, lastFrame) || seen.contains(key)) continue;
            sink.accept(new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, TOL, "not produced"));
        }
        for (int k = 0; tensors.contains(fam + "p" + k + ".sam.point_labels"); k++) {
            String key = fam + "p" + k + ".sam.point_labels";   // a whole tensor without stats
            if (!seen.contains(key)) sink.accept(new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, 0, "not produced"));
        }
    }

    private void compareTensor(String key, HostTensor t, HostTensor preflightHigh, Set<String> seen, Consumer<ProbeResult> sink) {
        if (key.endsWith(".sam.point_coords") || key.endsWith(".sam.point_labels")) {
            comparePoints(key, t, seen, sink);
            return;
        }
        TensorStats st = stats.get(key);
        if (st == null || seen.contains(key)) return;
        seen.add(key);
        try {
            ProbeResult r = isAbsolute(key) ? absolute(key, t, st)
                    : downstreamOfBinarisation(key) ? awayFromFlips(key, t, st, preflightHigh)
                    : ProbeComparison.compare(key, t.shape(), t.data(), st, probe(key), TOL);
            sink.accept(withBinarisation(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A prompted frame's masks binarised for its memory as the reference's recorded count says
     * ({@link ReferenceBinarisation}; near-zero logits only): what the tracker's hook returns, and remembered for
     * {@link #withBinarisation}. Keys without a record are left alone.
     */
    private float[][] binarisedAsReference(String key, float[][] logits, TrackerSettings settings) {
        TensorStats st = stats.get(key);
        if (st == null) return logits;
        long reference;
        try {
            reference = ReferenceBinarisation.referenceCount(st.sum(), st.numel(), settings.sigmoidScaleForMemEnc(),
                    settings.sigmoidBiasForMemEnc());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
        ReferenceBinarisation.Result r = ReferenceBinarisation.align(logits, reference, NEAR_ZERO);
        binarised.put(key, r);
        return r.logits();
    }

    /** {@code r} with the binarisation of its key reported, and failed where it could not be aligned. */
    private ProbeResult withBinarisation(ProbeResult r) {
        ReferenceBinarisation.Result b = binarised.get(r.key());
        if (b == null) return r;
        ProbeResult.Status status = b.aligned() ? r.status() : ProbeResult.Status.FAIL;
        String note = r.note().isEmpty() ? b.note() : r.note() + "; " + b.note();
        return new ProbeResult(r.key(), status, r.error(), r.tolerance(), note);
    }

    /**
     * The points our prompt encoder received against the recorded ones: coordinates absolutely to
     * {@link #pointTolerance()}, labels exactly.
     */
    private void comparePoints(String key, HostTensor t, Set<String> seen, Consumer<ProbeResult> sink) {
        if (!tensors.contains(key) || seen.contains(key)) return;
        seen.add(key);
        try {
            StoredTensor ref = whole(key);
            long[] shape = ref.shape();
            sink.accept(key.endsWith("coords") ? pointCoords(key, t, shape, ref.toFloats(), pointTolerance())
                    : pointLabels(key, t, shape, ref.toLongs()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tolerance of {@code sam.point_coords}, in model-input pixels: {@link #TOL}, plus what the prompts'
     * reconstruction adds ({@link #callsAndPrompts} rounds them to 10⁻³ video pixels).
     */
    double pointTolerance() {
        return TOL + 0.5e-3 * config.imageSize() / Math.min(width, height);
    }

    /**
     * Our {@code sam.point_coords} against the recorded ones: same shape, each coordinate within {@code tol}. The
     * prompts were reconstructed from these recorded coordinates, so this checks our transformation (scaling, the
     * order of box corners and clicks), not the prompts' source.
     */
    static ProbeResult pointCoords(String key, HostTensor ours, long[] refShape, float[] ref, double tol) {
        String note = "absolute (model px); the prompts are reconstructed from the recorded coordinates rounded to "
                + "1e-3 video px: checks the transformation (scaling, order), not the prompt source";
        if (!sameShape(ours.shape(), refShape)) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, tol,
                    "shape " + Arrays.toString(ours.shape()) + " vs " + Arrays.toString(refShape));
        }
        double max = 0;
        // Math.max keeps a NaN, which then fails
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ours.data()[i] - ref[i]));
        return new ProbeResult(key, max <= tol ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, max, tol, note);
    }

    /** Our {@code sam.point_labels} against the recorded ones, exactly. */
    static ProbeResult pointLabels(String key, HostTensor ours, long[] refShape, long[] ref) {
        float[] mine = ours.data();
        boolean same = sameShape(ours.shape(), refShape);
        for (int i = 0; same && i < ref.length; i++) same = mine[i] == ref[i];
        return new ProbeResult(key, same ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, 0, 0,
                "ours " + Arrays.toString(mine) + " ref " + Arrays.toString(ref));
    }

    private static boolean sameShape(int[] ours, long[] ref) {
        if (ours.length != ref.length) return false;
        for (int i = 0; i < ref.length; i++) if (ours[i] != ref[i]) return false;
        return true;
    }

    /** Mask areas (within the near-zero-logit pixel count), boxes (exactly) and low-resolution bits (IoU). */
    private void checkOutputs(String pre, VideoTracker.TrackedFrame f, HostTensor video, Set<String> seen,
                              Consumer<ProbeResult> sink) throws IOException {
        JsonNode frameInfo = json.get("prompts").get(0).get("frames").get(f.frame());
        int nearZero = frameInfo.get("near_zero_logit_pixels").asInt();
        long[] area = whole(pre + "mask_area").toLongs();
        long[] boxes = whole(pre + "boxes_xyxy").toLongs();
        int b = f.lowRes().length;
        boolean areaOk = true;
        boolean boxOk = true;
        StringBuilder note = new StringBuilder();
        for (int o = 0; o < b; o++) {
            int[] ab = areaAndBox(video.data(), o);
            areaOk &= Math.abs(ab[0] - area[o]) <= nearZero;
            for (int k = 0; k < 4; k++) boxOk &= ab[1 + k] == boxes[4 * o + k];
            note.append(String.format("object %d area %d ref %d box %s ref %s; ", o, ab[0], area[o],
                    Arrays.toString(Arrays.copyOfRange(ab, 1, 5)), Arrays.toString(Arrays.copyOfRange(boxes, 4 * o, 4 * o + 4))));
        }
        seen.add(pre + "mask_area");
        seen.add(pre + "boxes_xyxy");
        sink.accept(new ProbeResult(pre + "mask_area", areaOk ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, 0,
                nearZero, note.toString()));
        sink.accept(new ProbeResult(pre + "boxes_xyxy", boxOk ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, 0, 0, "exact"));
        double iou = bitsIou(f.lowRes(), whole(pre + "low_res_mask_bits"));
        seen.add(pre + "low_res_mask_bits");
        sink.accept(new ProbeResult(pre + "low_res_mask_bits", iou >= 0.99 ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL,
                1 - iou, 0.01, String.format("IoU %.5f", iou)));
    }

    private HostTensor videoRes(float[][] low) {
        int n = width * height;
        int side = (int) Math.round(Math.sqrt(low[0].length));
        float[] all = new float[low.length * n];
        for (int o = 0; o < low.length; o++) BilinearResize.resize(low[o], 0, side, side, all, o * n, height, width);
        return new HostTensor(new int[] {low.length, 1, height, width}, all);
    }

    /** The recorded prompt calls: points / box in video pixels, from the coordinates the reference encoded. */
    List<int[]> callsAndPrompts(List<Prompt> prompts) throws IOException {
        List<int[]> objIds = new ArrayList<>();
        JsonNode calls = null;
        for (JsonNode p : json.get("prompts")) if ("inter0".equals(p.path("key").asText())) calls = p.get("calls");
        int side = config.imageSize();
        for (int k = 0; k < calls.size(); k++) {
            JsonNode c = calls.get(k);
            int[] ids = new int[c.get("obj_ids").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = c.get("obj_ids").get(i).asInt();
            float[] coords = whole("inter0.p" + k + ".sam.point_coords").toFloats();
            long[] labels = whole("inter0.p" + k + ".sam.point_labels").toLongs();
            Prompt.Builder b = Prompt.builder();
            for (int i = 0; i < labels.length; i++) {
                // the reference scaled relative coordinates by the model size; back to the video's pixels
                float x = Math.round(coords[2 * i] / side * width * 1000f) / 1000f;
                float y = Math.round(coords[2 * i + 1] / side * height * 1000f) / 1000f;
                if (labels[i] == 2) {
                    float x1 = Math.round(coords[2 * i + 2] / side * width * 1000f) / 1000f;
                    float y1 = Math.round(coords[2 * i + 3] / side * height * 1000f) / 1000f;
                    b.box(new Box(x, y, x1, y1));
                    i++;
                } else {
                    b.point(x, y, labels[i] == 1);
                }
            }
            prompts.add(b.build());
            objIds.add(ids);
        }
        return objIds;
    }

    /**
     * The object a prompt call is about: the id it added, else (a refinement) the last object prompted — the spec
     * records object 1's click, then its click + negative click, then object 2's box.
     */
    private static int objectOfCall(int[] idsAfter, Map<Integer, float[]> known) {
        for (int id : idsAfter) if (!known.containsKey(id)) return id;
        int last = -1;
        for (int id : known.keySet()) last = id;
        return last;
    }

    private static boolean inScope(String key, String fam, int lastFrame) {
        if (key.startsWith(fam + "p")) return true;
        String prefix = fam + "f";
        if (!key.startsWith(prefix)) return false;
        int t = Integer.parseInt(key.substring(prefix.length(), key.indexOf('.', prefix.length())));
        return t <= lastFrame;
    }

    /**
     * The prompted frame's memory is encoded from binarised masks ({@code logit > 0}), which has no margin (spec
     * §6): a pixel whose logit is within rounding of 0 may flip and change every memory value in its receptive
     * field by a large amount. These keys are compared away from such pixels.
     */
    private static boolean downstreamOfBinarisation(String key) {
        return key.endsWith(".f0.mem_enc.mask_down") || key.endsWith(".f0.mem_enc.raw_features")
                || key.endsWith(".f0.mem_enc.features") || key.matches("inter\\d+\\.f\\d+\\.mem_attn\\.prompt");
    }

    /**
     * Relative error over the probes whose 72² cell lies farther than the receptive field from every near-zero
     * logit of the prompted frame's masks (mask downsampler: 2 cells, + two 7×7 depthwise convs: 8 cells; one more
     * for the resize); the excluded share is reported and at least a quarter of the probes must remain.
     */
    private ProbeResult awayFromFlips(String key, HostTensor t, TensorStats st, HostTensor high) throws IOException {
        if (high == null) return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, TOL, "no preflight masks");
        int b = high.shape()[0];
        int side = high.shape()[2];
        int g = config.gridSize();
        int cell = side / g;
        int radius = key.endsWith("mask_down") ? 3 : 9;
        boolean[][] unsafe = new boolean[b][g * g];
        int nearZero = 0;
        for (int o = 0; o < b; o++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    if (Math.abs(high.data()[(o * side + y) * side + x]) >= NEAR_ZERO) continue;
                    nearZero++;
                    int cy = y / cell;
                    int cx = x / cell;
                    for (int yy = Math.max(0, cy - radius); yy <= Math.min(g - 1, cy + radius); yy++) {
                        for (int xx = Math.max(0, cx - radius); xx <= Math.min(g - 1, cx + radius); xx++) unsafe[o][yy * g + xx] = true;
                    }
                }
            }
        }
        float[] probe = probe(key);
        long[] idx = Probe.indices(st.numel());
        boolean prompt = key.endsWith("mem_attn.prompt");
        int channels = (int) st.shape()[1];
        double max = 0;
        int excluded = 0;
        for (int k = 0; k < idx.length; k++) {
            long i = idx[k];
            int o;
            int p;
            if (prompt) {   // [L, B, 64]: the prompted frame's tokens come first
                long token = i / (b * 64L);
                o = (int) ((i / 64) % b);
                p = token < (long) g * g ? (int) token : -1;
            } else {        // [B, C, 72, 72]
                o = (int) (i / ((long) channels * g * g));
                p = (int) (i % ((long) g * g));
            }
            if (p >= 0 && unsafe[o][p]) {
                excluded++;
                continue;
            }
            max = Math.max(max, Math.abs(t.data()[(int) i] - probe[k]));
        }
        double rel = max / st.rms();
        boolean ok = rel <= TOL && excluded <= idx.length * 3 / 4;
        return new ProbeResult(key, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, rel, TOL,
                String.format("away from %d near-zero logits: %d of %d probes excluded", nearZero, excluded, idx.length));
    }

    private static boolean isAbsolute(String key) {
        return key.endsWith(".ious") || key.endsWith("mask_dec.1") || key.endsWith("mask_dec.3")
                || key.endsWith("object_score_logits") || key.endsWith("obj_scores") || key.endsWith("eff_iou_score")
                || key.endsWith("stability_scores");
    }

    private ProbeResult absolute(String key, HostTensor t, TensorStats st) throws IOException {
        if (t.numel() != st.numel()) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, ABS_TOL, "numel " + t.numel() + " vs " + st.numel());
        }
        float[] ref = whole(key).toFloats();
        double max = 0;
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(t.data()[i] - ref[i]));
        return new ProbeResult(key, max <= ABS_TOL ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, max, ABS_TOL, "absolute");
    }

    /** {@code [area, x0, y0, x1, y1]} of object {@code o}'s mask (logit > 0). */
    private int[] areaAndBox(float[] video, int o) {
        int area = 0;
        int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (video[o * width * height + y * width + x] > 0) {
                    area++;
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return area == 0 ? new int[] {0, 0, 0, 0, 0} : new int[] {area, x0, y0, x1, y1};
    }

    private static double bitsIou(float[][] low, StoredTensor bits) {
        ByteBuffer buf = bits.bytes();
        int n = low[0].length;
        int rowBytes = (n + 7) / 8;
        long inter = 0;
        long union = 0;
        for (int o = 0; o < low.length; o++) {
            for (int p = 0; p < n; p++) {
                int byteVal = buf.get(buf.position() + o * rowBytes + p / 8) & 0xFF;
                boolean ref = ((byteVal >> (7 - p % 8)) & 1) != 0;
                boolean mine = low[o][p] > 0;
                if (ref && mine) inter++;
                if (ref || mine) union++;
            }
        }
        return union == 0 ? 1 : (double) inter / union;
    }

    private static boolean sameScores(JsonNode mine, JsonNode ref) {
        if (mine.size() != ref.size()) return false;
        var it = ref.fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode v = mine.get(e.getKey());
            if (v == null || Math.abs(v.asDouble() - e.getValue().asDouble()) > ABS_TOL) return false;
        }
        return true;
    }

    private float[] probe(String key) throws IOException {
        return tensors.tensor(key + ".probe").toFloats();
    }

    private StoredTensor whole(String key) throws IOException {
        if (!tensors.contains(key)) throw new IOException("the fixture has no tensor " + key);
        return tensors.tensor(key);
    }

    @Override
    public void close() throws IOException {
        tensors.close();
    }
}
