package org.sam3j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.testing.SharedData;

/**
 * The image encoder (preprocessing, PE ViT, both necks, position encodings) against the official
 * implementation's recorded outputs: every {@code input.*}, {@code hook.image.*} and {@code backbone.*}
 * probe must pass, none may be skipped.
 */
class EncoderParityTest {
    private static final List<String> PREFIXES = List.of("input", "image", "backbone");

    @Test
    void tinyEncoderMatchesTheReference() throws Exception {
        check("fixtures/sam3/tiny", 1e-3);
    }

    @Test
    @Tag("slow")
    void fullEncoderMatchesTheReference() throws Exception {
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
            }).verify(set, PREFIXES);
        }
        s.timings().forEach(t -> System.out.println("# " + t));
        System.out.println(s.line());
        long expected = set.caseNames().size() == 1 ? countKeys(set) : -1;
        assertEquals(expected, results.size(), "every image/backbone key is checked");
        for (ProbeResult r : results) {
            assertEquals(ProbeResult.Status.PASS, r.status(), r.line());
            assertTrue(r.error() <= tolerance, r.line());
        }
    }

    private static long countKeys(FixtureSet set) throws Exception {
        try (FixtureCase c = set.openCase(set.caseNames().get(0))) {
            return c.stats().keySet().stream().map(Verifier::bare)
                    .filter(k -> PREFIXES.stream().anyMatch(k::startsWith)).count();
        }
    }
}
