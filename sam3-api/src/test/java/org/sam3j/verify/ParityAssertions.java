package org.sam3j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.testing.SharedData;

/** Runs the verifier on a fixture set and asserts that every key under some prefixes is checked and passes. */
final class ParityAssertions {
    private ParityAssertions() {}

    static void check(String dir, List<String> prefixes) throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve(dir));
        List<ProbeResult> results = new ArrayList<>();
        VerifySummary s;
        try (CpuBackend cpu = new CpuBackend()) {
            s = new Verifier(cpu, r -> {
                results.add(r);
                System.out.println(r.line());
            }).verify(set, prefixes);
        }
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
