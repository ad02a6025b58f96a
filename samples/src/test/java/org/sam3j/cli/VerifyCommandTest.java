package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sam3j.testing.SharedData;

/** {@code sam3 verify} driven in-process: output format, exit status, bad input. */
class VerifyCommandTest {


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void inputProbePassesAndSummaryIsPrinted() {
        CliRun r = run("verify", "--fixtures", SharedData.resolve("fixtures/sam3/tiny").toString(), "--only", "input");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("input.normalized"), r.out());
        assertTrue(r.out().contains("PASS"), r.out());
        assertTrue(r.out().contains("verify: 1 passed, 0 failed, 0 skipped"), r.out());
    }

    @Test
    void keysNobodyProducesAreSkippedNotPassed(@TempDir Path dir) throws Exception {
        // a fixture set recording a tensor this build has no model part for
        Files.writeString(dir.resolve("index.json"), "{\"config\": {}, \"param_shapes\": {}, \"cases\": [{\"name\": \"x\"}]}");
        Files.writeString(dir.resolve("x.json"), "{\"name\": \"x\", \"image\": \"x.jpg\", \"size\": [4, 4], "
                + "\"prompts\": [], \"stats\": {\"video.memory\": {\"shape\": [2], \"numel\": 2, \"sum\": 1, "
                + "\"sumsq\": 1, \"absmax\": 1}}}");
        org.sam3j.io.SafetensorsWriter.write(dir.resolve("x.safetensors"), java.util.List.of(
                org.sam3j.io.StoredTensor.ofFloats("video.memory.probe", new long[] {2}, new float[] {1, 0})), java.util.Map.of());
        CliRun r = run("verify", "--fixtures", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("verify: 0 passed, 0 failed, 1 skipped"), r.out());
        assertTrue(r.out().contains("video.memory") && r.out().contains("SKIP"), r.out());
    }

    @Test
    @Tag("slow") // a verify run over the tiny fixtures (about 20 s); the parity tests of sam3-api compare the same keys by default
    void hookPrefixIsAcceptedAndAnUnknownPrefixIsAnError() {
        String dir = SharedData.resolve("fixtures/sam3/tiny").toString();
        CliRun ok = run("verify", "--fixtures", dir, "--only", "hook.inter0");
        assertEquals(0, ok.status(), ok.out() + ok.err());
        assertTrue(ok.out().contains("hook.inter0."), ok.out());
        CliRun typo = run("verify", "--fixtures", dir, "--only", "backbnoe");
        assertEquals(2, typo.status(), typo.out() + typo.err());
        assertTrue(typo.err().contains("matches --only backbnoe"), typo.err());
    }

    @Test
    void notAFixtureDirectoryIsAClearError(@TempDir Path dir) {
        CliRun r = run("verify", "--fixtures", dir.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("not a fixture directory"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    /**
     * The video fixtures ({@code video-tiny}) on the pure-Java and the OpenBLAS backend: every recorded key of both
     * families passes, none skipped — {@code inter0} (clicks and a box, 8 frames, with the points our prompt encoder
     * received and each frame's ViT trunk output) and {@code text0} (the phrase, the detector + tracker over the
     * recorded frames); several minutes each here.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "openblas"})
    @org.junit.jupiter.api.Tag("slow")
    void videoFixturesVerifyBothFamiliesWithoutSkips(String backend) {
        long t0 = System.nanoTime();
        CliRun r = run("verify", "--backend", backend, "--fixtures", SharedData.resolve("fixtures/sam3/video-tiny").toString());
        System.out.printf("video-tiny on %s: %.0f s%n", backend, (System.nanoTime() - t0) / 1e9);
        System.out.println(r.out().lines().filter(l -> !l.contains(" PASS")).limit(40).toList());
        assertEquals(0, r.status(), r.err());
        for (String key : new String[] {"inter0.f7.out.low_res_mask_bits", "inter0.f7.mem_attn.out", "text0.f3.out.boxes_xywh",
                "text0.f3.mem_update.shrink_area_ratio", "text0.a0.add_new.o0.mask_as_output.low_res_masks",
                "frames.f2.trunk.0", "frames.f7.trunk.0", "inter0.p2.sam.point_coords", "inter0.p1.sam.point_labels"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(key + " ") && l.contains("PASS")), key + "\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.matches("verify: \\d+ passed, 0 failed, 0 skipped")), r.out());
    }
}
