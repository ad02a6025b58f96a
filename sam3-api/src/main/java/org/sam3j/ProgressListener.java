package org.sam3j;

/**
 * Receives the progress of a long call, such as {@link Sam3Predictor#setImage(org.sam3j.RgbImage,
 * CallOptions)}. Called on the thread running the call, between units of work, so it should return
 * quickly (hand the value to a UI thread rather than drawing there). It may cancel the call through the
 * {@link CancellationToken} of the same {@link CallOptions}; an exception it throws aborts the call
 * like a cancellation would, and propagates.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * Progress within a stage.
     *
     * @param stage    what runs, e.g. {@code "image encoder"}
     * @param fraction the fraction of the stage's work done, in {@code [0, 1]}: {@code 0} first, never
     *                 decreasing, and exactly {@code 1} last when the stage completes (estimated from the
     *                 operations' arithmetic, not from time; reported at most about every 1 %)
     */
    void onProgress(String stage, double fraction);
}
