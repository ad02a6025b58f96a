package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.ProbeResult;

/**
 * The detector+tracker ("text") loop against {@code text0} of {@code video-tiny} through
 * {@link VideoVerifier#checkText} (what {@code sam3 verify} runs): {@code add_prompt("person")} on frame 0 (step
 * {@code a0}), then propagation over frames 0–3 ({@code f0..f3}, frame 0 again). Every recorded {@code text0} key
 * must pass: the text encoder, the detector's internals and outputs, NMS, association, propagation of each tracker
 * state (memory selection, memory attention, SAM heads), hole-filled tracker masks, hotstart, occlusion
 * suppression, memory update, new objects, {@code build_outputs}, metadata and the final outputs. One backbone +
 * detector per frame and memory attention per state and frame: minutes on two cores, so tagged slow.
 */
@Tag("slow")
class TextTrackerParityTest {

    @Test
    void promptAndFramesZeroToThreeMatchTheReference() throws IOException {
        VideoFixture fx = VideoFixture.open();
        List<ProbeResult> results = new ArrayList<>();
        VideoVerifier.TextRun run;
        try (CpuBackend backend = new CpuBackend();
             VideoVerifier v = VideoVerifier.open(FixtureSet.open(fx.dir))) {
            run = v.checkText(backend, r -> {
                results.add(r);
                System.out.println(r.line());
            });
        } finally {
            fx.close();
        }
        int last = 3;
        assertEquals(last + 1, run.frames().size(), "frames yielded");
        for (int t = 0; t <= last; t++) assertEquals(t, run.frames().get(t).frame());
        assertEquals(1, run.addPrompt().objectIds().length);
        // worst error per key family: where the margins are
        Map<String, Double> worst = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        for (ProbeResult r : results) {
            if (r.status() != ProbeResult.Status.PASS) bad.add(r.line());
            if (!Double.isNaN(r.error())) worst.merge(family(r.key()), r.error(), Math::max);
        }
        System.out.printf("checked %d keys in %.1f s; worst errors per key family:%n", results.size(), run.seconds());
        worst.forEach((k, e) -> System.out.printf("  %-45s %.3g%n", k, e));
        assertTrue(results.size() > 500, "keys reported: " + results.size());
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    /** The key without family, step, state and object: e.g. {@code trk.sam.low_res_masks}. */
    private static String family(String key) {
        String[] parts = key.split("\\.");
        StringBuilder b = new StringBuilder();
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].matches("[so]\\d+(_\\d+)*")) continue;
            b.append(b.length() == 0 ? "" : ".").append(parts[i]);
        }
        return b.toString();
    }
}
