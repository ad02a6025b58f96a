package org.sam3j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.testing.SharedData;

/**
 * Interactive prompts (points, boxes; prompt encoder, two-way transformer, mask decoder, selection and
 * upsampling) against the official implementation's recorded outputs: every {@code inter*} key must
 * pass, none may be skipped, including the whole-only {@code inter<i>.iou} and {@code inter<i>.low_res_logits}.
 */
class InteractiveParityTest {
    @Test
    void tinyInteractiveMatchesTheReference() throws Exception {
        check("fixtures/sam3/tiny", 1e-3);
    }

    @Test
    @Tag("slow")
    void fullInteractiveMatchesTheReference() throws Exception {
        check("fixtures/sam3/full", 1e-2);
    }

    private static void check(String dir, double tolerance) throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve(dir));
        List<ProbeResult> results = new ArrayList<>();
        VerifySummary s;
        try (CpuBackend cpu = new CpuBackend()) {
            s = new Verifier(cpu, r -> {
                results.add(r);
                System.out.println(r.line());
            }).verify(set, List.of("inter"));
        }
        s.timings().forEach(t -> System.out.println("# " + t));
        System.out.println(s.line());
        assertEquals(countKeys(set), results.size(), "every inter key is checked");
        assertEquals(0, s.failed(), s.line());
        assertEquals(0, s.skipped(), s.line());
        for (ProbeResult r : results) {
            assertEquals(ProbeResult.Status.PASS, r.status(), r.line());
            assertTrue(r.error() <= r.tolerance(), r.line());
        }
        for (String whole : List.of(".iou", ".low_res_logits")) {
            long n = results.stream().filter(r -> r.key().matches("inter\\d+" + Pattern.quote(whole))).count();
            assertEquals(promptCount(set), n, "whole-only key " + whole + " checked for every prompt");
        }
    }

    private static long countKeys(FixtureSet set) throws Exception {
        long n = 0;
        for (String name : set.caseNames()) {
            try (FixtureCase c = set.openCase(name)) {
                n += c.keys().stream().map(Verifier::bare).filter(k -> k.startsWith("inter")).count();
            }
        }
        return n;
    }

    private static long promptCount(FixtureSet set) throws Exception {
        long n = 0;
        for (String name : set.caseNames()) {
            try (FixtureCase c = set.openCase(name)) {
                for (var p : c.prompts()) if ("interactive".equals(p.path("kind").asText())) n++;
            }
        }
        return n;
    }
}
