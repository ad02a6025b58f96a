package org.sam3j.verify;

import java.util.List;

/**
 * Totals of a verification run.
 *
 * @param results every verdict, in order
 * @param timings one line per timed stage (e.g. "image encoder: 12.3 s, planned activations 812 MiB")
 */
public record VerifySummary(List<ProbeResult> results, List<String> timings) {
    /** Number of passed probes. */
    public long passed() {
        return count(ProbeResult.Status.PASS);
    }

    /** Number of failed probes. */
    public long failed() {
        return count(ProbeResult.Status.FAIL);
    }

    /** Number of skipped probes (keys this build cannot produce yet). */
    public long skipped() {
        return count(ProbeResult.Status.SKIP);
    }

    private long count(ProbeResult.Status s) {
        return results.stream().filter(r -> r.status() == s).count();
    }

    /** {@code verify: N passed, M failed, K skipped}. */
    public String line() {
        return "verify: " + passed() + " passed, " + failed() + " failed, " + skipped() + " skipped";
    }
}
