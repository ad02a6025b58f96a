package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.backend.Backend;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.image.ImageLoader;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.verify.ProbeComparison;
import org.sam3j.verify.ProbeResult;
import org.sam3j.verify.TensorStats;

/**
 * The SAM 2-style video path ({@code inter0} of {@code video-tiny}: two objects prompted on frame 0 by clicks and
 * a box, propagated forward) against the official implementation's recorded internals and outputs: every recorded
 * {@code inter0.*} tensor of the frames run (prompt calls, preflight memory, memory selection, memory attention,
 * SAM heads, memory encoder, outputs) and the frame loader. Tensors to a relative error of 1e-3, scores to 1e-4
 * absolute, ids, selected frames and boxes exactly, mask areas within the frame's near-zero-logit pixel count.
 * Each frame's backbone runs once per class (about 10 s each here); the full clip is tagged slow.
 */
class VideoTrackerParityTest {
    private static final double TOL = 1e-3;
    private static final double ABS_TOL = 1e-4;

    private static Backend backend;
    private static VideoFixture fx;
    private static TrackerEngine engine;
    private static ResidentScope frameScope;
    private static final Map<Integer, TrackerEngine.Frame> FRAMES = new ConcurrentHashMap<>();

    @BeforeAll
    static void open() throws IOException {
        open(new CpuBackend());
    }

    /** Opens the fixture with the tracker on {@code b} (closed by {@link #close()}): other backends' parity tests. */
    static void open(Backend b) throws IOException {
        backend = b;
        fx = VideoFixture.open();
        engine = new TrackerEngine(backend, fx.weights, fx.config, TrackerSettings.released());
        frameScope = new ResidentScope(backend);
    }

    @AfterAll
    static void close() throws IOException {
        if (engine != null) engine.close();
        if (frameScope != null) frameScope.close();
        FRAMES.clear();
        if (fx != null) fx.close();
        if (backend != null) backend.close();
    }

    static float[] load(int t) throws IOException {
        return VideoFrames.interactiveInput(ImageLoader.read(fx.frame(t)), fx.config.imageSize());
    }

    static TrackerEngine.Frame frame(int t) {
        return FRAMES.computeIfAbsent(t, k -> {
            try {
                long t0 = System.nanoTime();
                TrackerEngine.Frame f = engine.encode(k, load(k), fx.width, fx.height, frameScope);
                System.out.printf("frame %d: backbone %.1f s%n", k, (System.nanoTime() - t0) / 1e9);
                return f;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Frames come from the class cache, so release keeps them. */
    static final VideoTracker.FrameProvider CACHED = new VideoTracker.FrameProvider() {
        @Override
        public TrackerEngine.Frame acquire(int index) {
            return frame(index);
        }

        @Override
        public void release(TrackerEngine.Frame f) {}
    };

    @Test
    void framesLoadAsPillowBicubicResize() throws IOException {
        for (int t = 0; t < 2; t++) {
            String key = "frames.f" + t + ".image";
            float[] ours = load(t);
            ProbeResult r = ProbeComparison.compare(key, new int[] {3, 1008, 1008}, ours, fx.stats.get(key), fx.probe(key), TOL);
            float[] probe = fx.probe(key);
            long[] idx = org.sam3j.verify.Probe.indices(ours.length);
            double maxAbs = 0;
            for (int k = 0; k < idx.length; k++) maxAbs = Math.max(maxAbs, Math.abs(ours[(int) idx[k]] - probe[k]));
            System.out.printf("%s max abs %.3g (1/255 = %.3g)%n", r.line(), maxAbs, 2 / 255.0);
            assertEquals(ProbeResult.Status.PASS, r.status(), r.line());
        }
    }

    @Test
    void promptsAndFirstTrackedFrameMatchTheReference() throws IOException {
        runAndCheck(1);
    }

    @Test
    @Tag("slow")
    void allEightFramesMatchTheReference() throws IOException {
        runAndCheck(fx.numFrames() - 1);
    }

    /**
     * A stream longer than the memory budget (the clip's frames repeated, backbone features reused, one object):
     * the retained state grows while the memory fills, then stays flat: at most one conditioning frame, the
     * latest frame and {@code max_obj_ptrs_in_encoder − 1} valid frames, of these the latest and
     * {@code num_maskmem − 1} valid frames with features.
     */
    @Test
    @Tag("slow")
    void longStreamKeepsBoundedState() {
        int length = 18;
        TrackerSettings s = TrackerSettings.released();
        VideoTracker.FrameProvider repeated = new VideoTracker.FrameProvider() {
            @Override
            public TrackerEngine.Frame acquire(int index) {
                TrackerEngine.Frame f = frame(index % fx.numFrames());
                return new TrackerEngine.Frame(index, f.embedding(), f.pixFeat());
            }

            @Override
            public void release(TrackerEngine.Frame f) {}
        };
        List<long[]> sizes = new ArrayList<>();
        try (VideoTracker tracker = new VideoTracker(engine, repeated, length, TrackerHooks.NONE)) {
            tracker.addPrompt(0, 2, Prompt.box(new Box(995, 95, 1275, 668)));
            tracker.propagate(f -> {
                sizes.add(new long[] {f.frame(), tracker.retainedEntries(), tracker.retainedFeatureEntries(),
                        tracker.retainedBytes()});
                System.out.printf("frame %d: %d entries, %d with features, %d bytes%n", f.frame(),
                        tracker.retainedEntries(), tracker.retainedFeatureEntries(), tracker.retainedBytes());
            });
        }
        assertEquals(length, sizes.size());
        long maxEntries = 1 + 1 + s.maxObjPtrsInEncoder() - 1;
        long maxFeatures = 1 + 1 + s.numMaskmem() - 1;
        for (long[] z : sizes) {
            assertTrue(z[1] <= maxEntries, "entries at frame " + z[0] + ": " + z[1]);
            assertTrue(z[2] <= maxFeatures, "entries with features at frame " + z[0] + ": " + z[2]);
        }
        long[] last = sizes.get(length - 1);
        long[] before = sizes.get(length - 2);
        assertEquals(before[1], last[1], "retained entries keep growing");
        assertEquals(before[3], last[3], "retained bytes keep growing");
        assertTrue(last[0] >= maxEntries, "the stream outlasts the pointer budget");
    }

    /** The recorded prompt calls: points / box in video pixels, from the coordinates the reference encoded. */
    static List<int[]> callsAndPrompts(List<Prompt> prompts) throws IOException {
        List<int[]> objIds = new ArrayList<>();
        JsonNode calls = null;
        for (JsonNode p : fx.json.get("prompts")) if ("inter0".equals(p.path("key").asText())) calls = p.get("calls");
        for (int k = 0; k < calls.size(); k++) {
            JsonNode c = calls.get(k);
            int[] ids = new int[c.get("obj_ids").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = c.get("obj_ids").get(i).asInt();
            float[] coords = fx.whole("inter0.p" + k + ".sam.point_coords").orElseThrow().toFloats();
            long[] labels = fx.whole("inter0.p" + k + ".sam.point_labels").orElseThrow().toLongs();
            Prompt.Builder b = Prompt.builder();
            for (int i = 0; i < labels.length; i++) {
                // the reference scaled relative coordinates by 1008; back to the video's pixels (exact here)
                float x = Math.round(coords[2 * i] / 1008f * fx.width * 1000f) / 1000f;
                float y = Math.round(coords[2 * i + 1] / 1008f * fx.height * 1000f) / 1000f;
                if (labels[i] == 2) {
                    float x1 = Math.round(coords[2 * i + 2] / 1008f * fx.width * 1000f) / 1000f;
                    float y1 = Math.round(coords[2 * i + 3] / 1008f * fx.height * 1000f) / 1000f;
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
     * Runs {@code inter0} up to {@code lastFrame}, checks every recorded key in scope and returns what was compared
     * (the tracker's tensors in the reference's names and layouts).
     */
    Map<String, HostTensor> runAndCheck(int lastFrame) throws IOException {
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        TrackerHooks hooks = new TrackerHooks() {
            @Override
            public void accept(String key, HostTensor value) {
                ours.put("inter0." + key, value);
            }

            @Override
            public void meta(String key, Object value) {
                meta.put("inter0." + key, value);
            }
        };
        List<Prompt> prompts = new ArrayList<>();
        List<int[]> calls = callsAndPrompts(prompts);
        List<VideoTracker.TrackedFrame> outputs = new ArrayList<>();
        long t0 = System.nanoTime();
        try (VideoTracker tracker = new VideoTracker(engine, CACHED, fx.numFrames(), hooks)) {
            Map<Integer, float[]> known = new LinkedHashMap<>();
            for (int k = 0; k < prompts.size(); k++) {
                int[] ids = calls.get(k);
                int obj = objectOfCall(k, ids, known);
                float[] low = tracker.addPrompt(0, obj, prompts.get(k));
                known.put(obj, low);
                videoRes(ours, "inter0.p" + k + ".out.", known.values().toArray(new float[0][]));
                if (k == 0) System.out.printf("prompt call 0 on object %d: %s%n", obj, prompts.get(k));
            }
            tracker.propagate(outputs::add, lastFrame);
            System.out.printf("retained entries %d (with features %d), %d bytes%n", tracker.retainedEntries(),
                    tracker.retainedFeatureEntries(), tracker.retainedBytes());
        }
        System.out.printf("tracked frames 0..%d in %.1f s%n", lastFrame, (System.nanoTime() - t0) / 1e9);
        for (VideoTracker.TrackedFrame f : outputs) {
            videoRes(ours, "inter0.f" + f.frame() + ".out.", f.lowRes());
            assertEquals(List.of(1, 2), java.util.Arrays.stream(f.objectIds()).boxed().toList());
        }
        for (int t = 0; t <= lastFrame; t++) {
            TrackerEngine.Frame f = frame(t);
            int g = engine.grid();
            for (int i = 0; i < 3; i++) {
                HostTensor lv = f.embedding().sam2Fpn().get(i).download();
                int[] s = lv.shape();
                ours.put("frames.f" + t + ".tracker_fpn." + i, Layouts.nhwcToNchw(lv.data(), s[0], s[1], s[2], s[3]));
            }
            ours.put("frames.f" + t + ".tracker_pos.2", Layouts.nhwcToNchw(engine.sourcePosition(), 1, g, g, 256));
            ours.put("frames.f" + t + ".image", new HostTensor(new int[] {3, 1008, 1008}, load(t)));
        }

        List<String> failures = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, TensorStats> e : fx.stats.entrySet()) {
            String key = e.getKey();
            if (!inScope(key, lastFrame)) continue;
            if (key.endsWith(".sam.point_coords") || key.endsWith(".trunk.0") || key.endsWith(".image_vg")) continue;
            HostTensor t = ours.get(key);
            if (t == null) {
                missing.add(key);
                continue;
            }
            ProbeResult r = isAbsolute(key) ? absolute(key, t, e.getValue())
                    : downstreamOfBinarisation(key) ? awayFromFlips(key, t, e.getValue(), ours)
                    : ProbeComparison.compare(key, t.shape(), t.data(), e.getValue(), fx.probe(key), TOL);
            checked++;
            System.out.println(r.line());
            if (r.status() != ProbeResult.Status.PASS) failures.add(r.line());
        }
        // integer outputs and meta
        for (VideoTracker.TrackedFrame f : outputs) {
            String pre = "inter0.f" + f.frame() + ".out.";
            long[] area = fx.whole(pre + "mask_area").orElseThrow().toLongs();
            long[] boxes = fx.whole(pre + "boxes_xyxy").orElseThrow().toLongs();
            int nearZero = fx.json.get("prompts").get(0).get("frames").get(f.frame()).get("near_zero_logit_pixels").asInt();
            HostTensor video = ours.get(pre + "video_res_masks");
            for (int o = 0; o < 2; o++) {
                int[] ab = areaAndBox(video.data(), o);
                System.out.printf("%smask_area[%d] ours %d ref %d; box %s ref %s%n", pre, o, ab[0], area[o],
                        java.util.Arrays.toString(java.util.Arrays.copyOfRange(ab, 1, 5)),
                        java.util.Arrays.toString(java.util.Arrays.copyOfRange(boxes, 4 * o, 4 * o + 4)));
                if (Math.abs(ab[0] - area[o]) > nearZero) failures.add(pre + "mask_area[" + o + "] " + ab[0] + " vs " + area[o]);
                for (int k = 0; k < 4; k++) if (ab[1 + k] != boxes[4 * o + k]) failures.add(pre + "boxes_xyxy[" + o + "]");
            }
            double iou = bitsIou(f.lowRes(), fx.whole(pre + "low_res_mask_bits").orElseThrow());
            System.out.printf("%slow_res_mask_bits IoU %.5f%n", pre, iou);
            if (iou < 0.99) failures.add(pre + "low_res_mask_bits IoU " + iou);
            checked += 3;
        }
        ObjectMapper om = new ObjectMapper();
        for (Map.Entry<String, Object> m : meta.entrySet()) {
            JsonNode ref = fx.meta(m.getKey());
            if (ref == null) continue;
            JsonNode mine = om.valueToTree(m.getValue());
            boolean same = m.getKey().endsWith("eff_iou_scores_seen") ? sameScores(mine, ref) : mine.equals(ref);
            System.out.printf("meta %s ours %s ref %s%n", m.getKey(), mine, ref);
            if (!same) failures.add("meta " + m.getKey() + " " + mine + " vs " + ref);
            checked++;
        }
        System.out.printf("checked %d, missing %d %s%n", checked, missing.size(), missing);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(missing.isEmpty(), "not produced: " + missing);
        return ours;
    }

    /**
     * The object a prompt call is about: the id it added, else (a refinement) the last object prompted — the spec
     * records object 1's click, then its click + negative click, then object 2's box.
     */
    private static int objectOfCall(int k, int[] idsAfter, Map<Integer, float[]> known) {
        for (int id : idsAfter) if (!known.containsKey(id)) return id;
        int last = -1;
        for (int id : known.keySet()) last = id;
        return last;
    }

    private static boolean inScope(String key, int lastFrame) {
        if (key.startsWith("inter0.p")) return true;
        for (String prefix : new String[] {"inter0.f", "frames.f"}) {
            if (key.startsWith(prefix)) {
                int t = Integer.parseInt(key.substring(prefix.length(), key.indexOf('.', prefix.length())));
                return t <= lastFrame;
            }
        }
        return false;
    }

    /**
     * The prompted frame's memory is encoded from binarised masks ({@code logit > 0}), which has no margin (spec
     * §6): a pixel whose logit is within rounding of 0 may flip and change every memory value in its receptive
     * field by a large amount. These keys are compared away from such pixels.
     */
    private static boolean downstreamOfBinarisation(String key) {
        return key.equals("inter0.f0.mem_enc.mask_down") || key.equals("inter0.f0.mem_enc.raw_features")
                || key.equals("inter0.f0.mem_enc.features") || key.matches("inter0\\.f\\d+\\.mem_attn\\.prompt");
    }

    /** |logit| below this counts as a possible flip (our logits differ from the reference's by ~1e-5). */
    private static final float NEAR_ZERO = 1e-4f;

    /**
     * Relative error over the probes whose 72² cell lies farther than the receptive field from every near-zero
     * logit of the prompted frame's masks (mask downsampler: 2 cells, + two 7×7 depthwise convs: 8 cells; one more
     * for the resize); the excluded share is reported and at least a quarter of the probes must remain.
     */
    private static ProbeResult awayFromFlips(String key, HostTensor t, TensorStats stats, Map<String, HostTensor> ours)
            throws IOException {
        HostTensor high = ours.get("inter0.f0.mem_enc.pred_masks_high_res");
        int b = high.shape()[0];
        int side = high.shape()[2];
        int g = 72;
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
        float[] probe = fx.probe(key);
        long[] idx = org.sam3j.verify.Probe.indices(stats.numel());
        boolean prompt = key.endsWith("mem_attn.prompt");
        int channels = (int) stats.shape()[1];
        double max = 0;
        int excluded = 0;
        for (int k = 0; k < idx.length; k++) {
            long i = idx[k];
            int o;
            int p;
            if (prompt) {   // [L, B, 64]: the prompted frame's tokens come first
                long token = i / (b * 64L);
                o = (int) ((i / 64) % b);
                p = token < g * g ? (int) token : -1;
            } else {        // [B, C, 72, 72]
                o = (int) (i / ((long) channels * g * g));
                p = (int) (i % (g * g));
            }
            if (p >= 0 && unsafe[o][p]) {
                excluded++;
                continue;
            }
            max = Math.max(max, Math.abs(t.data()[(int) i] - probe[k]));
        }
        double rel = max / stats.rms();
        boolean ok = rel <= TOL && excluded <= idx.length * 3 / 4;
        return new ProbeResult(key, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, rel, TOL,
                String.format("away from %d near-zero logits: %d of %d probes excluded", nearZero, excluded, idx.length));
    }

    private static boolean isAbsolute(String key) {
        return key.endsWith(".ious") || key.endsWith("mask_dec.1") || key.endsWith("mask_dec.3")
                || key.endsWith("object_score_logits") || key.endsWith("obj_scores") || key.endsWith("eff_iou_score")
                || key.endsWith("stability_scores");
    }

    private static ProbeResult absolute(String key, HostTensor t, TensorStats stats) throws IOException {
        if (t.numel() != stats.numel()) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, ABS_TOL, "numel " + t.numel() + " vs " + stats.numel());
        }
        float[] ref = fx.whole(key).orElseThrow().toFloats();
        double max = 0;
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(t.data()[i] - ref[i]));
        return new ProbeResult(key, max <= ABS_TOL ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, max, ABS_TOL, "absolute");
    }

    private static void videoRes(Map<String, HostTensor> ours, String pre, float[][] low) {
        int n = fx.width * fx.height;
        float[] all = new float[low.length * n];
        for (int o = 0; o < low.length; o++) BilinearResize.resize(low[o], 0, 288, 288, all, o * n, fx.height, fx.width);
        ours.put(pre + "video_res_masks", new HostTensor(new int[] {low.length, 1, fx.height, fx.width}, all));
    }

    /** {@code [area, x0, y0, x1, y1]} of object {@code o}'s mask (logit > 0). */
    private static int[] areaAndBox(float[] video, int o) {
        int w = fx.width;
        int h = fx.height;
        int area = 0;
        int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (video[o * w * h + y * w + x] > 0) {
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

    private static double bitsIou(float[][] low, org.sam3j.io.StoredTensor bits) {
        java.nio.ByteBuffer buf = bits.bytes();
        int n = 288 * 288;
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
}
