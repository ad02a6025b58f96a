package org.sam3j;

import java.util.Objects;
import java.util.Optional;

/**
 * Options of a long call: a {@link ProgressListener} and a {@link CancellationToken}, both optional, and
 * whether {@link Sam3Predictor#predict(Prompt, CallOptions)} attaches the raw model outputs.
 * For example {@code predictor.setImage(image, CallOptions.none().withProgress((stage, f) -> bar.set(f))
 * .withCancellation(token))}.
 *
 * <p>Immutable; the {@code with...} methods return new options.
 */
public final class CallOptions {
    private static final CallOptions NONE = new CallOptions(null, null, false);

    private final ProgressListener progress;
    private final CancellationToken cancellation;
    private final boolean rawOutputs;

    private CallOptions(ProgressListener progress, CancellationToken cancellation, boolean rawOutputs) {
        this.progress = progress;
        this.cancellation = cancellation;
        this.rawOutputs = rawOutputs;
    }

    /** No listener, no token (a call can still be stopped by interrupting its thread). */
    public static CallOptions none() {
        return NONE;
    }

    /** These options with {@code listener} receiving progress. */
    public CallOptions withProgress(ProgressListener listener) {
        return new CallOptions(Objects.requireNonNull(listener, "listener"), cancellation, rawOutputs);
    }

    /** These options with {@code token} able to cancel the call. */
    public CallOptions withCancellation(CancellationToken token) {
        return new CallOptions(progress, Objects.requireNonNull(token, "token"), rawOutputs);
    }

    /**
     * These options asking {@code predict} for the raw model outputs ({@link MaskResult#rawOutputs()}): for a
     * concept prompt that downloads the masks of all queries ({@code pred_masks}, about 66 MB for the
     * released model), not only the kept ones.
     */
    public CallOptions withRawOutputs() {
        return new CallOptions(progress, cancellation, true);
    }

    /** Whether raw model outputs are requested. */
    public boolean rawOutputs() {
        return rawOutputs;
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
                + (cancellation != null ? cancellation : "no token") + (rawOutputs ? ", raw outputs" : "") + "]";
    }
}
