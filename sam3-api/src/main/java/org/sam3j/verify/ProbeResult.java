package org.sam3j.verify;

/**
 * The verdict on one recorded tensor.
 *
 * @param key       fixture key (e.g. {@code backbone.fpn.0})
 * @param status    passed, failed or skipped
 * @param error     max |ours − reference| over the probes divided by the reference RMS (NaN if skipped)
 * @param tolerance the bound the error was held to
 * @param note      why it was skipped or failed, or extra detail (may be empty)
 */
public record ProbeResult(String key, Status status, double error, double tolerance, String note) {
    /** Verdict. */
    public enum Status { PASS, FAIL, SKIP }

    /** One line for a terminal: key, relative error, verdict. */
    public String line() {
        String err = Double.isNaN(error) ? "-" : String.format("%.3e", error);
        String tol = Double.isNaN(tolerance) ? "" : String.format(" (tol %.0e)", tolerance);
        return String.format("%-62s %10s%s  %s%s", key, err, tol, status, note.isEmpty() ? "" : "  " + note);
    }
}
