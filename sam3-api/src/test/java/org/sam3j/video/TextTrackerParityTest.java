package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.image.ImageLoader;
import org.sam3j.runner.ConceptModel;
import org.sam3j.testing.SharedData;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.verify.ProbeComparison;
import org.sam3j.verify.ProbeResult;
import org.sam3j.verify.TensorStats;

/**
 * The detector+tracker ("text") loop against {@code text0} of {@code video-tiny}: {@code add_prompt("person")} on
 * frame 0 (step {@code a0}), then propagation over frames 0–3 ({@code f0..f3}, frame 0 again). Every recorded key
 * of those steps that the loop produces is compared: propagation of each tracker state (memory selection, memory
 * attention, SAM heads), hole-filled tracker masks, association, hotstart, occlusion suppression, memory update,
 * new objects (mask as output, preflight memory), {@code build_outputs}, metadata and the final outputs. Tensors to
 * a relative error of 1e-3 of their rms, scores 1e-4 absolute, ids and decisions exactly, binary masks IoU ≥ 0.99,
 * mask areas within a few pixels. The detector's own internals are {@link TextDetectorParityTest}'s. One backbone +
 * detector per frame and memory attention per state and frame: minutes on two cores, so tagged slow.
 */
@Tag("slow")
class TextTrackerParityTest {
    private static final double TOL = 1e-3;
    private static final double ABS_TOL = 1e-4;

    private static CpuBackend backend;
    private static VideoFixture fx;
    private static TrackerEngine engine;
    private static VideoDetector detector;
    private static RunSession session;
    private static ConceptModel.TextFeatures text;
    private static TextTrackingSettings settings;
    private static TextTrackingHeuristics heuristics;

    @BeforeAll
    static void open() throws IOException {
        backend = new CpuBackend();
        fx = VideoFixture.open();
        JsonNode v = new ObjectMapper().readTree(fx.dir.resolve("index.json").toFile()).get("video_settings");
        settings = TextDetectorParityTest.settingsOf(v);
        heuristics = heuristicsOf(v);
        engine = new TrackerEngine(backend, fx.weights, fx.config, TrackerSettings.released());
        detector = new VideoDetector(backend, fx.weights, fx.config, settings);
        session = new RunSession();
        ClipTokenizer tok = ClipTokenizer.fromBpeFile(SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME));
        text = detector.encodeText(session, tok.tokenizeWhole(prompt().get("text").asText()).ids());
    }

    @AfterAll
    static void close() throws IOException {
        if (session != null) session.close();
        if (detector != null) detector.close();
        if (engine != null) engine.close();
        if (fx != null) fx.close();
        if (backend != null) backend.close();
    }

    static JsonNode prompt() {
        for (JsonNode p : fx.json.get("prompts")) if (p.path("key").asText().equals("text0")) return p;
        throw new AssertionError("no text0 prompt in the fixture");
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

    /** Encodes each frame as the text family loads it ({@code image_vg}); features are freed on release. */
    static final class Frames implements VideoTracker.FrameProvider {
        private final Map<TrackerEngine.Frame, ResidentScope> scopes = new IdentityHashMap<>();

        @Override
        public TrackerEngine.Frame acquire(int index) {
            try {
                ResidentScope scope = new ResidentScope(backend);
                float[] image = VideoFrames.detectorInput(ImageLoader.read(fx.frame(index)), fx.config.imageSize());
                TrackerEngine.Frame f = engine.encode(index, image, fx.width, fx.height, scope);
                scopes.put(f, scope);
                return f;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void release(TrackerEngine.Frame frame) {
            ResidentScope s = scopes.remove(frame);
            if (s != null) s.close();
        }
    }

    @Test
    void promptAndFramesZeroToThreeMatchTheReference() throws IOException {
        int last = prompt().get("max_frame_num_to_track").asInt();
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        TrackerHooks hooks = new TrackerHooks() {
            @Override
            public void accept(String key, HostTensor value) {
                ours.put("text0." + key, value);
            }

            @Override
            public void meta(String key, Object value) {
                meta.put("text0." + key, value);
            }
        };
        List<TextTracker.FrameOutput> outputs = new ArrayList<>();
        long t0 = System.nanoTime();
        TextTracker.FrameOutput a0;
        try (TextTracker tracker = new TextTracker(engine, detector, fx.weights, settings, heuristics, text, new Frames(),
                fx.numFrames(), hooks)) {
            a0 = tracker.addPrompt(0);
            System.out.printf("add_prompt: %.1f s%n", (System.nanoTime() - t0) / 1e9);
            tracker.propagate(0, last, f -> {
                outputs.add(f);
                System.out.printf("frame %d out at %.1f s: ids %s%n", f.frame(), (System.nanoTime() - t0) / 1e9,
                        java.util.Arrays.toString(f.objectIds()));
            });
            System.out.printf("states %d, retained memory %d bytes%n", tracker.stateCount(), tracker.retainedBytes());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(last + 1, outputs.size(), "frames yielded");
        for (int t = 0; t <= last; t++) assertEquals(t, outputs.get(t).frame());

        List<String> failures = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Map<String, double[]> worst = new TreeMap<>();   // key family → {worst relative, worst absolute}
        int checked = 0;
        for (Map.Entry<String, TensorStats> e : fx.stats.entrySet()) {
            String key = e.getKey();
            if (!inScope(key, last) || key.contains(".det.")) continue;
            HostTensor t = ours.get(key);
            if (t == null) {
                missing.add(key);
                continue;
            }
            boolean abs = isAbsolute(key);
            ProbeResult r = abs ? absolute(key, t, e.getValue())
                    : ProbeComparison.compare(key, t.shape(), t.data(), e.getValue(), fx.probe(key), TOL);
            checked++;
            System.out.println(r.line());
            worst.computeIfAbsent(family(key) + (abs ? " (abs)" : " (rel)"), k -> new double[1])[0] =
                    Math.max(worst.get(family(key) + (abs ? " (abs)" : " (rel)"))[0], r.error());
            if (r.status() != ProbeResult.Status.PASS) failures.add(r.line());
        }
        // binary masks
        for (String step : steps(last)) {
            for (String k : List.of("det_out", "trk_prop")) {
                String bitsKey = "text0." + step + "." + k + ".mask_bits";
                if (fx.whole(bitsKey).isEmpty()) continue;
                boolean[][] ref = maskBits(bitsKey, 288 * 288);
                HostTensor mine = ours.get("text0." + step + "." + k + (k.equals("det_out") ? ".mask" : ".masks"));
                if (mine == null) {
                    missing.add(bitsKey);
                    continue;
                }
                for (int i = 0; i < ref.length; i++) {
                    float iou = MaskOps.iou(ref[i], MaskOps.binarize(mine.data(), i * 288 * 288, 288 * 288));
                    System.out.printf("%s[%d] IoU %.5f%n", bitsKey, i, iou);
                    worst.computeIfAbsent("mask_bits (1 - IoU)", x -> new double[1])[0] =
                            Math.max(worst.get("mask_bits (1 - IoU)")[0], 1 - iou);
                    if (iou < 0.99) failures.add(bitsKey + "[" + i + "] IoU " + iou);
                }
                checked++;
            }
        }
        // integer arrays: ids and decisions exactly, areas within a few pixels
        for (String step : steps(last)) {
            for (String k : List.of("trk_prop.obj_ids", "add_new.obj_ids", "build_outputs.obj_ids", "out.obj_ids",
                    "occlusion.to_suppress", "occlusion.last_occluded", "build_outputs.mask_area", "out.mask_area")) {
                String key = "text0." + step + "." + k;
                if (fx.whole(key).isEmpty()) continue;
                long[] ref = fx.whole(key).orElseThrow().toLongs();
                Object mine = meta.remove(key);
                if (!(mine instanceof long[] m)) {
                    missing.add(key);
                    continue;
                }
                checked++;
                System.out.printf("%s ours %s ref %s%n", key, java.util.Arrays.toString(m), java.util.Arrays.toString(ref));
                if (m.length != ref.length) {
                    failures.add(key + " length " + m.length + " vs " + ref.length);
                    continue;
                }
                for (int i = 0; i < ref.length; i++) {
                    long diff = Math.abs(m[i] - ref[i]);
                    if (k.endsWith("mask_area")) {
                        worst.computeIfAbsent("mask_area (px)", x -> new double[1])[0] =
                                Math.max(worst.get("mask_area (px)")[0], diff);
                        if (diff > areaTolerance(ref[i])) failures.add(key + "[" + i + "] " + m[i] + " vs " + ref[i]);
                    } else if (diff != 0) {
                        failures.add(key + "[" + i + "] " + m[i] + " vs " + ref[i]);
                    }
                }
            }
        }
        // the add_prompt output returned directly
        assertEquals(1, a0.objectIds().length);
        // meta
        ObjectMapper om = new ObjectMapper();
        for (Map.Entry<String, Object> m : meta.entrySet()) {
            String key = m.getKey();
            // through text, so that our longs compare equal to the reference's small ints
            JsonNode mine = om.readTree(om.writeValueAsString(m.getValue()));
            JsonNode ref = fx.meta(key);
            if (key.endsWith("meta.unmatched_frame_counts")) {
                ref = listSizes(fx.meta(key.replace("unmatched_frame_counts", "unmatched_frame_inds")));
            } else if (key.endsWith("meta.overlap_pair_frame_counts")) {
                ref = listSizes(fx.meta(key.replace("overlap_pair_frame_counts", "overlap_pair_to_frame_inds")));
            }
            if (ref == null) continue;
            boolean scores = key.endsWith("eff_iou_scores_seen") || key.endsWith("obj_id_to_score")
                    || key.endsWith("obj_id_to_tracker_score");
            boolean same = scores ? sameScores(mine, ref) : mine.equals(ref);
            System.out.printf("meta %s ours %s ref %s%n", key, mine, ref);
            if (!same) failures.add("meta " + key + " " + mine + " vs " + ref);
            checked++;
        }
        // every recorded meta key of these steps is produced (frame lists are compared as counts)
        for (Iterator<String> it = fx.json.get("meta").fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!inScope(key, last) || key.endsWith(".shape") || key.contains(".det.")) continue;
            String mineKey = key.replace("unmatched_frame_inds", "unmatched_frame_counts")
                    .replace("overlap_pair_to_frame_inds", "overlap_pair_frame_counts");
            if (!meta.containsKey(mineKey) && !key.endsWith("frame_stats")) missing.add("meta " + key);
        }
        System.out.printf("checked %d, missing %d %s%n", checked, missing.size(), missing);
        System.out.printf("run a0 + f0..f%d in %.1f s; worst errors per key family:%n", last, seconds);
        worst.forEach((k, v) -> System.out.printf("  %-45s %.3g%n", k, v[0]));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(missing.isEmpty(), "not produced: " + missing);
    }

    /** Unpacks {@code numpy.packbits(bitorder="big")} rows. */
    private static boolean[][] maskBits(String key, int hw) throws IOException {
        org.sam3j.io.StoredTensor t = fx.whole(key).orElseThrow(() -> new AssertionError("missing " + key));
        int rows = (int) t.dim(0);
        int per = (int) t.dim(1);
        java.nio.ByteBuffer b = t.bytes();
        boolean[][] out = new boolean[rows][hw];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < hw; i++) out[r][i] = ((b.get(b.position() + r * per + i / 8) >> (7 - i % 8)) & 1) != 0;
        }
        return out;
    }

    private static long areaTolerance(long ref) {
        return 5 + ref / 10_000;
    }

    private static List<String> steps(int last) {
        List<String> s = new ArrayList<>(List.of("a0"));
        for (int t = 0; t <= last; t++) s.add("f" + t);
        return s;
    }

    private static boolean inScope(String key, int last) {
        if (key.startsWith("text0.a0.")) return true;
        if (!key.startsWith("text0.f")) return false;
        int dot = key.indexOf('.', "text0.f".length());
        return Integer.parseInt(key.substring("text0.f".length(), dot)) <= last;
    }

    /** The key without step, state and object: e.g. {@code trk.sam.low_res_masks}. */
    private static String family(String key) {
        String[] parts = key.split("\\.");
        StringBuilder b = new StringBuilder();
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].matches("[so]\\d+(_\\d+)*")) continue;
            b.append(b.length() == 0 ? "" : ".").append(parts[i]);
        }
        return b.toString();
    }

    private static boolean isAbsolute(String key) {
        return key.endsWith(".ious") || key.endsWith("mask_dec.1") || key.endsWith("mask_dec.3")
                || key.endsWith("object_score_logits") || key.endsWith("obj_scores") || key.endsWith("eff_iou_score")
                || key.endsWith("stability_scores") || key.endsWith("det_out.scores") || key.endsWith("bbox_xyxy")
                || key.endsWith("out.probs") || key.endsWith("boxes_xywh") || key.endsWith("shrink_area_ratio");
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

    private static JsonNode listSizes(JsonNode lists) {
        if (lists == null) return null;
        Map<String, Integer> sizes = new LinkedHashMap<>();
        lists.fields().forEachRemaining(e -> sizes.put(e.getKey(), e.getValue().size()));
        return new ObjectMapper().valueToTree(sizes);
    }

    private static boolean sameScores(JsonNode mine, JsonNode ref) {
        if (mine.size() != ref.size()) return false;
        Iterator<Map.Entry<String, JsonNode>> it = ref.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = mine.get(e.getKey());
            if (v == null || Math.abs(v.asDouble() - e.getValue().asDouble()) > ABS_TOL) return false;
        }
        return true;
    }
}
