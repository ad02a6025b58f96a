package org.sam3j;

import java.util.Locale;
import java.util.concurrent.CancellationException;
import org.sam3j.backend.RunMonitor;

/**
 * Adapts {@link CallOptions} to a backend's {@link RunMonitor} for one stage of one call: forwards
 * progress to the listener (at most about every 1 %, always 0 first and 1 last) and, between operations,
 * stops the run when the token is cancelled or the thread interrupted. Progress is reported before the
 * check, so a listener that cancels on an event stops the run before the next operation.
 */
final class CallMonitor implements RunMonitor {
    /** Smallest progress step forwarded to the listener. */
    private static final double STEP = 0.01;

    private final String call;
    private final String stage;
    private final ProgressListener listener;
    private final CancellationToken token;
    private double reported = -1;

    CallMonitor(String call, String stage, CallOptions options) {
        this.call = call;
        this.stage = stage;
        this.listener = options.progress().orElse(null);
        this.token = options.cancellation().orElse(null);
    }

    /** Stops the call if it was cancelled or its thread interrupted (the interrupt status stays set). */
    void check(double fraction) {
        if (token != null && token.isCancelled()) {
            throw new CancellationException(call + " cancelled (" + where(fraction) + ")");
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException(call + " interrupted (" + where(fraction) + ")");
        }
    }

    private String where(double fraction) {
        return String.format(Locale.ROOT, "%s at %.0f %%", stage, fraction * 100);
    }

    @Override
    public void progress(double fraction) {
        boolean due = reported < 0 || (fraction >= 1 ? fraction > reported : fraction >= reported + STEP);
        if (listener != null && due) {
            reported = fraction;
            listener.onProgress(stage, fraction);
        }
        if (fraction < 1) check(fraction); // once the work is done, the call completes
    }
}
