package org.sam3j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.backend.Backend;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.testing.SharedData;

/**
 * Runs the verifier on a fixture set and asserts that every key under some prefixes is checked and passes.
 * Public (in the test jar) so that other backends' modules run the same checks on their backend.
 */
public final class ParityAssertions {
    private ParityAssertions() {}

    /** On a new pure-Java CPU backend. */
    static void check(String dir, List<String> prefixes) throws Exception {
        try (CpuBackend cpu = new CpuBackend()) {
            check(cpu, dir, prefixes);
        }
    }

    /**
     * Every key under {@code prefixes} of the fixture set {@code dir} (relative to shared/) is checked on
     * {@code backend} and passes.
     */
    public static void check(Backend backend, String dir, List<String> prefixes) throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve(dir));
        List<ProbeResult> results = new ArrayList<>();
        VerifySummary s = new Verifier(backend, r -> {
            results.add(r);
            System.out.println(r.line());
        }).verify(set, prefixes);
        s.timings().forEach(t -> System.out.println("# " + t));
        System.out.println(s.line());
        long expected = 0;
        for (String name : set.caseNames()) {
            try (FixtureCase c = set.openCase(name)) {
                expected += c.keys().stream().map(Verifier::bare)
                        .filter(k -> prefixes.stream().anyMatch(k::startsWith)).count();
            }
        }
        assertEquals(expected, results.size(), "every key under " + prefixes + " is checked");
        for (ProbeResult r : results) assertEquals(ProbeResult.Status.PASS, r.status(), r.line());
    }
}
