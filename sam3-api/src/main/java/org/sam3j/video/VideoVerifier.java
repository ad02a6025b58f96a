package org.sam3j.video;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.sam3j.image.ImageLoader;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.StoredTensor;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.verify.FixtureSet;
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
 * §6), scores absolutely to 1e-4, memory-selection meta exactly, per-frame mask areas within the frame's
 * near-zero-logit pixel count, boxes exactly, low-resolution mask bits to an IoU of 0.99. The {@code text<i>}
 * family (detector + tracker) is not run here yet: its keys are reported as skipped, "not yet verified".
 */
public final class VideoVerifier implements AutoCloseable {
    /** The format this class reads. */
    public static final String FORMAT = "video-v1";
    private static final double TOL = 1e-3;
    private static final double ABS_TOL = 1e-4;
    /** |logit| below this counts as a possible flip of the prompted frame's binarised masks. */
    private static final float NEAR_ZERO = 1e-4f;

    private final Path dir;
    private final Sam3Config config;
    private final WeightStore weights;
    private final JsonNode json;
    private final Map<String, TensorStats> stats = new LinkedHashMap<>();
    private final SafetensorsFile tensors;
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
     * Runs the {@code inter} family on every frame and reports every recorded key, the {@code text} family's as
     * skipped. Keys of the {@code inter} family our run does not produce fail.
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
                        TrackerEngine.Frame f = engine.encode(t, img, width, height, s);
                        scopes.put(f, s);
                        checkFrameKeys(engine, f, img, sink);
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
        for (String key : stats.keySet()) {
            if (key.startsWith("text")) sink.accept(new ProbeResult(key, ProbeResult.Status.SKIP, Double.NaN, TOL,
                    "not yet verified (the text family: detector + tracker)"));
        }
        return new VerifySummary(results, List.of(String.format("video inter family: %.1f s", (System.nanoTime() - t0) / 1e9)));
    }

    /** The per-frame keys ({@code frames.f<t>.*}) of a frame just encoded. */
    private void checkFrameKeys(TrackerEngine engine, TrackerEngine.Frame f, float[] image, Consumer<ProbeResult> sink)
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
        for (Map.Entry<String, HostTensor> e : ours.entrySet()) {
            TensorStats st = stats.get(e.getKey());
            if (st == null) continue;
            sink.accept(ProbeComparison.compare(e.getKey(), e.getValue().shape(), e.getValue().data(), st, probe(e.getKey()), TOL));
        }
        for (String key : new String[] {pre + "trunk.0", pre + "image_vg"}) {
            if (stats.containsKey(key)) {
                sink.accept(new ProbeResult(key, ProbeResult.Status.SKIP, Double.NaN, TOL, key.endsWith("image_vg")
                        ? "not yet verified (the text family's frame loader)" : "not compared (ViT trunk internal)"));
            }
        }
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
            if (key.endsWith(".sam.point_coords")) {
                sink.accept(new ProbeResult(key, ProbeResult.Status.SKIP, Double.NaN, TOL, "input (the prompts are read from it)"));
            } else {
                sink.accept(new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, TOL, "not produced"));
            }
        }
    }

    private void compareTensor(String key, HostTensor t, HostTensor preflightHigh, Set<String> seen, Consumer<ProbeResult> sink) {
        TensorStats st = stats.get(key);
        if (st == null || seen.contains(key)) return;
        seen.add(key);
        try {
            ProbeResult r = isAbsolute(key) ? absolute(key, t, st)
                    : downstreamOfBinarisation(key) ? awayFromFlips(key, t, st, preflightHigh)
                    : ProbeComparison.compare(key, t.shape(), t.data(), st, probe(key), TOL);
            sink.accept(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
