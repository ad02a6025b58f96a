package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.image.ImageLoader;
import org.sam3j.io.StoredTensor;
import org.sam3j.runner.ConceptModel;
import org.sam3j.testing.SharedData;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.verify.Probe;
import org.sam3j.verify.ProbeComparison;
import org.sam3j.verify.ProbeResult;

/**
 * The detector+tracker ("text") family's first blocks against {@code text0} of {@code video-tiny}: the frame
 * loader ({@code image_vg}), the video detector on a frame (joint scores, boxes, masks), its mask NMS and the kept
 * detections ({@code det_out}), and the association with the tracks, fed with the fixture's own detections and
 * propagated tracker masks. Tensors to a relative error of 1e-3, scores 1e-4 absolute, ids and decisions exactly,
 * binary masks IoU ≥ 0.99. One backbone + detector run per frame (10–15 s here): frames 0 and 1 by default, 2 and
 * 3 tagged slow.
 */
class TextDetectorParityTest {
    private static final double TOL = 1e-3;
    private static final double ABS_TOL = 1e-4;

    private static CpuBackend backend;
    private static VideoFixture fx;
    private static TextTrackingSettings settings;
    private static TrackerEngine engine;
    private static VideoDetector detector;
    private static RunSession session;
    private static ConceptModel.TextFeatures text;
    private static int inputMaskSize;

    @BeforeAll
    static void open() throws IOException {
        backend = new CpuBackend();
        fx = VideoFixture.open();
        JsonNode index = new ObjectMapper().readTree(fx.dir.resolve("index.json").toFile());
        settings = settingsOf(index.get("video_settings"));
        inputMaskSize = index.get("tracker_settings").get("input_mask_size").asInt();
        engine = new TrackerEngine(backend, fx.weights, fx.config, TrackerSettings.released());
        detector = new VideoDetector(backend, fx.weights, fx.config, settings);
        session = new RunSession();
        ClipTokenizer tok = ClipTokenizer.fromBpeFile(SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME));
        String phrase = textPrompt().get("text").asText();
        text = detector.encodeText(session, tok.tokenizeWhole(phrase).ids());
    }

    @AfterAll
    static void close() throws IOException {
        if (session != null) session.close();
        if (detector != null) detector.close();
        if (engine != null) engine.close();
        if (fx != null) fx.close();
        if (backend != null) backend.close();
    }

    static JsonNode textPrompt() {
        for (JsonNode p : fx.json.get("prompts")) if (p.path("key").asText().equals("text0")) return p;
        throw new AssertionError("no text0 prompt in the fixture");
    }

    /** The thresholds of {@code index.json → video_settings}: configuration, read as the reference ran it. */
    static TextTrackingSettings settingsOf(JsonNode v) {
        return VideoVerifier.textSettingsOf(v);
    }

    static float[] load(int t) throws IOException {
        return VideoFrames.detectorInput(ImageLoader.read(fx.frame(t)), fx.config.imageSize());
    }

    @Test
    void framesLoadAsPillowBilinearResize() throws IOException {
        for (int t = 0; t < 2; t++) {
            String key = "frames.f" + t + ".image_vg";
            float[] ours = load(t);
            float[] probe = fx.probe(key);
            ProbeResult r = ProbeComparison.compare(key, new int[] {3, 1008, 1008}, ours, fx.stats.get(key), probe, TOL);
            long[] idx = Probe.indices(ours.length);
            double maxAbs = 0;
            for (int k = 0; k < idx.length; k++) maxAbs = Math.max(maxAbs, Math.abs(ours[(int) idx[k]] - probe[k]));
            System.out.printf("%s max abs %.3g%n", r.line(), maxAbs);
            assertEquals(ProbeResult.Status.PASS, r.status(), r.line());
            assertTrue(maxAbs < 1e-6, key + ": the same 8-bit samples expected, max abs " + maxAbs);
        }
    }

    @Test
    void textEncodingIsEntryZeroOfTheBatch() throws IOException {
        // language_backbone.1 is [32, 2, 256] (sequence-first, batch [text, "visual"]); ours is entry 0
        String key = "text0.text.language_backbone.1";
        float[] probe = fx.probe(key);
        long[] idx = Probe.indices(fx.stats.get(key).numel());
        double maxErr = 0;
        int compared = 0;
        for (int k = 0; k < idx.length; k++) {
            long i = idx[k];
            if ((i / 256) % 2 != 0) continue;
            int s = (int) (i / 512);
            int c = (int) (i % 256);
            maxErr = Math.max(maxErr, Math.abs(text.features()[s * 256 + c] - probe[k]));
            compared++;
        }
        double rel = maxErr / fx.stats.get(key).rms();
        System.out.printf("%s: %d probe values of entry 0, rel err %.3g%n", key, compared, rel);
        assertTrue(compared > 500 && rel <= TOL, key + " rel err " + rel);
    }

    @Test
    @Tag("slow") // a detector encode per frame; the default run checks frame loading, text and association
    void detectorNmsAndAssociationOnFrames0To3() throws IOException {
        for (int t = 0; t < 4; t++) checkFrame(t);
    }

    private static void checkFrame(int t) throws IOException {
        long t0 = System.nanoTime();
        VideoDetector.FrameDetections d;
        try (ResidentScope scope = new ResidentScope(backend)) {
            TrackerEngine.Frame frame = engine.encode(t, load(t), fx.width, fx.height, scope);
            d = detector.detect(session, frame.embedding(), text, true);
            if (t == 0) {   // the default path downloads only the NMS candidates' masks, with the same results
                VideoDetector.FrameDetections lean = detector.detect(session, frame.embedding(), text, false);
                assertEquals(d.nms().candidates().length, lean.maskQueries().length, "masks downloaded");
                assertArrayEquals(d.kept(), lean.kept());
                assertArrayEquals(d.nms().logitsAfter(), lean.nms().logitsAfter());
                assertArrayEquals(d.keptMasks(), lean.keptMasks());
            }
        }
        System.out.printf("frame %d: backbone + detector %.1f s%n", t, (System.nanoTime() - t0) / 1e9);
        String p = "text0.f" + t + ".det.";
        assertClose(p + "pred_logits", d.jointLogits(), ABS_TOL);
        assertClose(p + "presence_logit_dec", new float[] {d.presenceLogit()}, ABS_TOL);
        float[] probs = new float[d.jointLogits().length];
        for (int q = 0; q < probs.length; q++) probs[q] = DetectorScores.sigmoid(d.jointLogits()[q]);
        assertClose(p + "probs", probs, ABS_TOL);
        assertClose(p + "pred_boxes", d.boxes(), ABS_TOL);
        assertClose(p + "pred_boxes_xyxy", d.boxesXyxy(), ABS_TOL);
        int q = probs.length;
        int s = d.maskSize();
        assertProbe(p + "pred_masks", new int[] {1, q, s, s}, d.masks());
        // NMS: the candidates' IoU matrix (the reference's order = query order) and the lowered logits
        float[][] ious = d.nms().ious();
        float[] flat = new float[ious.length * ious.length];
        for (int i = 0; i < ious.length; i++) System.arraycopy(ious[i], 0, flat, i * ious.length, ious.length);
        assertClose(p + "nms_ious", flat, ABS_TOL);
        // suppressed logits sit near −10⁴, where one float32 step is 10⁻³: allow one step there
        float[] after = fx.whole(p + "pred_logits_after_nms").orElseThrow().toFloats();
        int suppressed = 0;
        for (int i = 0; i < q; i++) {
            float ours = d.nms().logitsAfter()[i];
            assertTrue(Math.abs(ours - after[i]) <= ABS_TOL + Math.ulp(after[i]), p + "pred_logits_after_nms[" + i + "] "
                    + ours + " vs " + after[i]);
            if (after[i] < -1e3f) suppressed++;
        }
        System.out.printf("%s: %d candidates, %d lowered by 1e4%n", p + "nms", d.nms().candidates().length, suppressed);
        if (t == 0) checkNewObjectOutput(d);
        // det_out: the steps of frame t (frame 0 also as add_prompt's a0)
        for (String step : t == 0 ? List.of("a0", "f0") : List.of("f" + t)) {
            String o = "text0." + step + ".det_out.";
            assertClose(o + "scores", d.keptScores(), ABS_TOL);
            float[] xyxy = d.boxesXyxy();
            float[] kept = new float[4 * d.kept().length];
            for (int i = 0; i < d.kept().length; i++) System.arraycopy(xyxy, 4 * d.kept()[i], kept, 4 * i, 4);
            assertClose(o + "bbox_xyxy", kept, ABS_TOL);
            assertProbe(o + "mask", new int[] {d.kept().length, s, s}, d.keptMasks());
            boolean[][] ref = maskBits(o + "mask_bits", s * s);
            assertEquals(ref.length, d.kept().length, o + "count");
            for (int i = 0; i < ref.length; i++) {
                float iou = MaskOps.iou(ref[i], MaskOps.binarize(d.keptMasks(), i * s * s, s * s));
                assertTrue(iou >= 0.99, o + "mask_bits[" + i + "] IoU " + iou);
            }
            System.out.printf("%s: kept queries %s, scores %s%n", step, java.util.Arrays.toString(d.kept()),
                    java.util.Arrays.toString(d.keptScores()));
        }
    }

    /**
     * An object born on frame 0 (add_prompt's object 0) is output as its detection's mask, hole-filled at 288²,
     * upsampled bilinearly to the video size, {@code > 0}: its pixel count ({@code build_outputs.mask_area}, also
     * object 1 of step f0, born from the same detection) and box ({@code out.boxes_xywh}, alone on that step).
     */
    private static void checkNewObjectOutput(VideoDetector.FrameDetections d) throws IOException {
        int s = d.maskSize();
        float[] det = java.util.Arrays.copyOfRange(d.keptMasks(), 0, s * s);
        int h = fx.height;
        int w = fx.width;
        boolean[] out = NewObjectMasks.output(det, s, settings.fillHoleArea(), h, w);
        boolean[] unfilled = NewObjectMasks.output(det, s, 0, h, w);
        long refA0 = fx.whole("text0.a0.build_outputs.mask_area").orElseThrow().toLongs()[0];
        long refF0 = fx.whole("text0.f0.build_outputs.mask_area").orElseThrow().toLongs()[1];
        int area = MaskOps.area(out);
        System.out.printf("new object: video-size area %d (without hole filling %d), reference %d / %d%n", area,
                MaskOps.area(unfilled), refA0, refF0);
        assertTrue(Math.abs(area - refA0) <= 3 && Math.abs(area - refF0) <= 3, "area " + area + " vs " + refA0);
        assertClose("text0.a0.out.boxes_xywh", MaskOps.boxXywh(out, h, w), 1e-6);

        // Its stored mask as the tracker reads it back on frame 0 (trk_prop of step f0), hole-filled by the
        // propagation step.
        boolean[] prompt = NewObjectMasks.promptMask(det, s, inputMaskSize, h, w);
        float[] stored = HoleFilling.fill(NewObjectMasks.storedLowRes(prompt, h, w, s), s, s, settings.fillHoleArea());
        assertProbe("text0.f0.trk_prop.masks", new int[] {1, s, s}, stored);
        boolean[] ref = maskBits("text0.f0.trk_prop.mask_bits", s * s)[0];
        float iou = MaskOps.iou(ref, MaskOps.binarize(stored, 0, s * s));
        System.out.printf("text0.f0.trk_prop.mask_bits IoU %.5f (area %d, reference %d); prompt mask area %d%n", iou,
                MaskOps.area(MaskOps.binarize(stored, 0, s * s)), MaskOps.area(ref), MaskOps.area(prompt));
        assertTrue(iou >= 0.99, "trk_prop mask IoU " + iou);
    }

    /**
     * {@code _associate_det_trk} of every step (add_prompt and frames 0–3), fed with the fixture's own kept
     * detections and propagated tracker masks: the IoU matrix and all decisions.
     */
    @Test
    void associationMatchesEveryStep() throws IOException {
        List<String> steps = new ArrayList<>(List.of("a0"));
        int frames = textPrompt().get("max_frame_num_to_track").asInt() + 1;
        for (int t = 0; t < frames; t++) steps.add("f" + t);
        int hw = 288 * 288;
        for (String step : steps) {
            String p = "text0." + step + ".";
            boolean[][] det = maskBits(p + "det_out.mask_bits", hw);
            float[] scores = fx.whole(p + "det_out.scores").orElseThrow().toFloats();
            boolean[][] trk = maskBits(p + "trk_prop.mask_bits", hw);
            long[] ids = fx.whole(p + "trk_prop.obj_ids").orElseThrow().toLongs();
            Association.Result r = Association.associate(det, scores, trk, ids, settings);
            if (det.length > 0 && trk.length > 0) {
                float[] flat = new float[det.length * trk.length];
                for (int i = 0; i < det.length; i++) System.arraycopy(r.ious()[i], 0, flat, i * trk.length, trk.length);
                assertClose(p + "assoc.ious", flat, 1e-6);
            }
            String a = p + "assoc.";
            assertArrayEquals(ints(fx.meta(a + "new_det_fa_inds")), r.newDetections(), a + "new_det_fa_inds");
            assertArrayEquals(longs(fx.meta(a + "unmatched_trk_obj_ids")), r.unmatchedTrackIds(), a + "unmatched");
            assertArrayEquals(longs(fx.meta(a + "empty_trk_obj_ids")), r.emptyTrackIds(), a + "empty");
            JsonNode matched = fx.meta(a + "det_to_matched_trk_obj_ids");
            assertEquals(matched.size(), r.detToMatchedTrackIds().size(), a + "det_to_matched size");
            for (Iterator<Map.Entry<String, JsonNode>> it = matched.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertArrayEquals(longs(e.getValue()), r.detToMatchedTrackIds().get(Integer.parseInt(e.getKey())),
                        a + "det_to_matched " + e.getKey());
            }
            JsonNode high = fx.meta(a + "trk_id_to_max_iou_high_conf_det");
            assertEquals(high.size(), r.highConfDetOfTrack().size(), a + "high-conf size");
            for (Iterator<Map.Entry<String, JsonNode>> it = high.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertEquals(e.getValue().asInt(), r.highConfDetOfTrack().get(Long.parseLong(e.getKey())), a + "high-conf");
            }
            System.out.printf("%s: %d det x %d trk, new %s, unmatched %s%n", step, det.length, trk.length,
                    java.util.Arrays.toString(r.newDetections()), java.util.Arrays.toString(r.unmatchedTrackIds()));
        }
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }

    private static long[] longs(JsonNode n) {
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asLong();
        return out;
    }

    /** Unpacks {@code numpy.packbits(bitorder="big")} rows. */
    static boolean[][] maskBits(String key, int hw) throws IOException {
        StoredTensor t = fx.whole(key).orElseThrow(() -> new AssertionError("missing " + key));
        int rows = (int) t.dim(0);
        int per = (int) t.dim(1);
        ByteBuffer b = t.bytes();
        boolean[][] out = new boolean[rows][hw];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < hw; i++) {
                int v = b.get(b.position() + r * per + i / 8) & 0xFF;
                out[r][i] = ((v >> (7 - i % 8)) & 1) != 0;
            }
        }
        return out;
    }

    private static void assertClose(String key, float[] ours, double tol) throws IOException {
        float[] ref = fx.whole(key).orElseThrow(() -> new AssertionError("missing " + key)).toFloats();
        assertEquals(ref.length, ours.length, key + " length");
        double max = 0;
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i] - ours[i]));
        System.out.printf("%s: max abs %.3g%n", key, max);
        assertTrue(max <= tol, key + " max abs " + max + " > " + tol);
    }

    private static void assertProbe(String key, int[] shape, float[] ours) throws IOException {
        ProbeResult r = ProbeComparison.compare(key, shape, ours, fx.stats.get(key), fx.probe(key), TOL);
        System.out.println(r.line());
        assertEquals(ProbeResult.Status.PASS, r.status(), r.line());
    }
}
