package org.sam3j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.video.TextTrackingHeuristics;
import org.sam3j.video.TextTrackingSettings;
import org.sam3j.video.VideoBenchHarness;

/**
 * Time per frame of video tracking, one single shot per frame: each invocation lets the propagation run exactly
 * one more frame (decode, preprocess, backbone, then the tracker step of the clicked family or the detector +
 * tracker step of the text family) on the fixture's 1280×720 frames looped into a 1000-frame video, with synthetic
 * weights and the fixture's weight override and thresholds (so objects persist and every frame is a valid memory).
 * The first invocations are the warm-up (graph compilation); the memory grows during the first frames (one more
 * spatial memory per frame up to 7, one more object pointer up to 16), so early frames attend to fewer memories
 * than the steady state.
 *
 * <p>{@code clicked}: two objects as in the fixture ({@code inter0}: a click and a box on frame 0), the path of
 * {@code VideoSession.addPoints/addBox} + {@code propagate}. {@code text}: the phrase "person" on frame 0, the path
 * of {@code VideoSession.addText} + {@code propagate}. Both run the library's own trackers through
 * {@link VideoBenchHarness}, which times the backbone apart from the step. The trial records, per frame, the
 * decode, encode and step times and the bytes the tracker state retains.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx6g"})
public class VideoBenchmark {
    /** {@code tiny} (reference test configuration) or {@code full} (released architecture). */
    @Param({"tiny"})
    public String config;

    /** Backend: {@code openblas} (GEMMs on OpenBLAS) or {@code cpu} (pure Java). */
    @Param({"openblas", "cpu"})
    public String backend;

    /** {@code clicked} (tracker) or {@code text} (detector + tracker). */
    @Param({"clicked", "text"})
    public String family;

    /** CPU threads (0 = all processors). */
    @Param({"0"})
    public int threads;

    /** Frames of the looped video (only the pointers' temporal scale, {@code min(frames, 16)}, depends on it). */
    private static final int VIDEO_FRAMES = 1000;

    private Backend be;
    private VideoBenchHarness harness;
    private VideoBenchHarness.Stepper stepper;
    private final List<VideoBenchHarness.FrameTiming> timings = new ArrayList<>();
    private int warmups;
    private int objects;
    private long promptNanos;
    private long startNanos;

    /** Builds the tracker, prompts frame 0 and starts the propagation, held before frame 1. */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        warmups = params.getWarmup().getCount();
        Sam3Config c = BenchSupport.config(config);
        be = BenchSupport.backend(backend, threads);
        harness = new VideoBenchHarness(be, BenchSupport.videoWeights(c), c);
        long t0 = System.nanoTime();
        if (family.equals("clicked")) {
            stepper = harness.openClicked(BenchSupport.loopedFrames(VIDEO_FRAMES));
            stepper.addPoints(0, 1, new float[] {770, 500}, new int[] {1});
            stepper.addBox(0, 2, 995, 95, 1275, 668);
            objects = 2;
        } else if (family.equals("text")) {
            JsonNode v = BenchSupport.videoSettings();
            TextTrackingSettings s = new TextTrackingSettings((float) v.get("score_threshold_detection").asDouble(),
                    (float) v.get("det_nms_thresh").asDouble(), (float) v.get("assoc_iou_thresh").asDouble(),
                    (float) v.get("trk_assoc_iou_thresh").asDouble(), (float) v.get("new_det_thresh").asDouble(),
                    v.get("fill_hole_area").asInt());
            stepper = harness.openText(BenchSupport.loopedFrames(VIDEO_FRAMES), "person", BenchSupport.tokenizer(), s,
                    TextTrackingHeuristics.released());
            objects = stepper.promptText(0);
        } else {
            throw new IllegalArgumentException("family must be clicked or text, got " + family);
        }
        long t1 = System.nanoTime();
        stepper.start();
        promptNanos = t1 - t0;
        startNanos = System.nanoTime() - t1;
    }

    /** One more frame of the propagation. */
    @Benchmark
    public VideoBenchHarness.FrameTiming frame() throws InterruptedException {
        VideoBenchHarness.FrameTiming t = stepper.step();
        timings.add(t);
        return t;
    }

    /** Records the per-frame split and the retained bytes, stops the propagation. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("objects", objects);
        extra.put("trackerStates", stepper.states());
        extra.put("promptNanos", promptNanos);
        extra.put("startNanos", startNanos);
        List<Map<String, Object>> frames = new ArrayList<>();
        for (VideoBenchHarness.FrameTiming t : timings) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("frame", t.frame());
            f.put("decodeNanos", t.decodeNanos());
            f.put("encodeNanos", t.encodeNanos());
            f.put("stepNanos", t.stepNanos());
            f.put("totalNanos", t.totalNanos());
            f.put("retainedBytes", t.retainedBytes());
            frames.add(f);
        }
        extra.put("frames", frames);
        List<VideoBenchHarness.FrameTiming> measured = timings.subList(Math.min(warmups, timings.size()), timings.size());
        if (!measured.isEmpty()) {
            extra.put("medianDecodeNanos", median(measured.stream().mapToLong(VideoBenchHarness.FrameTiming::decodeNanos).toArray()));
            extra.put("medianEncodeNanos", median(measured.stream().mapToLong(VideoBenchHarness.FrameTiming::encodeNanos).toArray()));
            extra.put("medianStepNanos", median(measured.stream().mapToLong(VideoBenchHarness.FrameTiming::stepNanos).toArray()));
        }
        BenchSupport.record("VideoBenchmark.frame", Map.of("config", config, "backend", backend, "family", family,
                "threads", threads), extra);
        stepper.close();
        harness.close();
        be.close();
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
