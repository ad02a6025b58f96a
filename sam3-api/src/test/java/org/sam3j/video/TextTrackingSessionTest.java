package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.FrameSource;
import org.sam3j.VideoFrameResult;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.runner.ConceptModel;
import org.sam3j.testing.SharedData;
import org.sam3j.text.ClipTokenizer;

/**
 * A text session through the public result types on the fixture's first frame: the {@code add_prompt} output (one
 * object) and the propagation of frame 0 (the detection reborn as object 1), areas and boxes as the reference's
 * {@code text0.a0.out} / {@code text0.f0.out}. One backbone + detector run.
 */
class TextTrackingSessionTest {
    @Test
    @Tag("slow")
    void textSessionOnTheFirstFrame() throws IOException {
        try (VideoFixture fx = VideoFixture.open(); CpuBackend cpu = new CpuBackend();
             VideoTracking tracking = new VideoTracking(cpu, fx.weights, fx.config, TrackerSettings.released());
             RunSession rs = new RunSession()) {
            JsonNode v = new ObjectMapper().readTree(fx.dir.resolve("index.json").toFile()).get("video_settings");
            TextTrackingSettings settings = TextDetectorParityTest.settingsOf(v);
            ClipTokenizer tok = ClipTokenizer.fromBpeFile(SharedData.resolve("tokenizer/" + ClipTokenizer.BPE_FILE_NAME));
            VideoDetector d = new VideoDetector(cpu, fx.weights, fx.config, settings);
            ConceptModel.TextFeatures text = d.encodeText(rs, tok.tokenizeWhole("person").ids());
            d.close();
            try (TextTrackingSession s = tracking.openText(FrameSource.files(List.of(fx.frame(0))), text, settings,
                    VideoVerifier.heuristicsOf(v))) {
                assertThrows(IllegalStateException.class, () -> s.propagate(r -> { }));
                VideoFrameResult a0 = s.prompt(0);
                check(fx, "a0", a0);
                List<VideoFrameResult> results = new ArrayList<>();
                s.propagate(results::add);
                assertEquals(1, results.size());
                check(fx, "f0", results.get(0));
                assertTrue(s.retainedMemoryBytes() > 0);
                assertThrows(IllegalStateException.class, () -> s.prompt(0));
            }
        }
    }

    private static void check(VideoFixture fx, String step, VideoFrameResult r) throws IOException {
        long[] ids = fx.whole("text0." + step + ".out.obj_ids").orElseThrow().toLongs();
        long[] area = fx.whole("text0." + step + ".out.mask_area").orElseThrow().toLongs();
        float[] probs = fx.whole("text0." + step + ".out.probs").orElseThrow().toFloats();
        float[] boxes = fx.whole("text0." + step + ".out.boxes_xywh").orElseThrow().toFloats();
        assertEquals(ids.length, r.objects().size(), step + " objects");
        for (int i = 0; i < ids.length; i++) {
            VideoFrameResult.TrackedObject o = r.objects().get(i);
            assertEquals(ids[i], o.objectId());
            double p = 1 / (1 + Math.exp(-o.objectScoreLogit()));
            System.out.printf("%s object %d: area %d (reference %d), box %s, score %.5f (reference %.5f)%n", step,
                    o.objectId(), o.mask().area(), area[i], o.box(), p, probs[i]);
            assertTrue(Math.abs(o.mask().area() - area[i]) <= 5, step + " area " + o.mask().area() + " vs " + area[i]);
            assertEquals(probs[i], p, 1e-4);
            assertEquals(boxes[4 * i] * fx.width, o.box().x0(), 0.01);
            assertEquals(boxes[4 * i + 1] * fx.height, o.box().y0(), 0.01);
            assertEquals((boxes[4 * i] + boxes[4 * i + 2]) * fx.width + 1, o.box().x1(), 0.01);
            assertEquals((boxes[4 * i + 1] + boxes[4 * i + 3]) * fx.height + 1, o.box().y1(), 0.01);
        }
    }
}
