package org.sam3j;

import java.util.Objects;
import java.util.Optional;

/**
 * Options of a long call: a {@link ProgressListener} and a {@link CancellationToken}, both optional.
 * For example {@code predictor.setImage(image, CallOptions.none().withProgress((stage, f) -> bar.set(f))
 * .withCancellation(token))}.
 *
 * <p>Immutable; the {@code with...} methods return new options.
 */
public final class CallOptions {
    private static final CallOptions NONE = new CallOptions(null, null);

    private final ProgressListener progress;
    private final CancellationToken cancellation;

    private CallOptions(ProgressListener progress, CancellationToken cancellation) {
        this.progress = progress;
        this.cancellation = cancellation;
    }

    /** No listener, no token (a call can still be stopped by interrupting its thread). */
    public static CallOptions none() {
        return NONE;
    }

    /** These options with {@code listener} receiving progress. */
    public CallOptions withProgress(ProgressListener listener) {
        return new CallOptions(Objects.requireNonNull(listener, "listener"), cancellation);
    }

    /** These options with {@code token} able to cancel the call. */
    public CallOptions withCancellation(CancellationToken token) {
        return new CallOptions(progress, Objects.requireNonNull(token, "token"));
    }

    /** The progress listener, if any. */
    public Optional<ProgressListener> progress() {
        return Optional.ofNullable(progress);
    }

    /** The cancellation token, if any. */
    public Optional<CancellationToken> cancellation() {
        return Optional.ofNullable(cancellation);
    }

    /** Which options are set, e.g. {@code CallOptions[progress, CancellationToken[active]]}. */
    @Override
    public String toString() {
        return "CallOptions[" + (progress != null ? "progress" : "no progress") + ", "
                + (cancellation != null ? cancellation : "no token") + "]";
    }
}
