package org.sam3j;

import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Consumer;
import org.sam3j.video.TrackingSession;

/**
 * One video being tracked: objects are prompted by clicks and / or a box on one frame, then
 * {@link #propagate(Consumer)} tracks them forward to the last frame, handing each frame's result to the
 * listener as soon as it is computed. As the official {@code Sam3TrackerPredictor}: a call on an object replaces
 * its previous clicks but feeds its previous mask back as a mask prompt.
 *
 * <p>Memory: frames are decoded and encoded one at a time and dropped after use; the tracker keeps per object
 * only what the memory selection can still read (the prompted frame, the latest and the last valid frames, object
 * pointers up to the budget), so the state does not grow with the video's length. Results are not retained.
 *
 * <p>Not thread-safe. Close it to free the prompted frame's features if it is not propagated.
 */
public final class VideoSession implements AutoCloseable {
    private final TrackingSession session;

    VideoSession(TrackingSession session) {
        this.session = Objects.requireNonNull(session, "session");
    }

    /** Number of frames. */
    public int frameCount() {
        return session.frameCount();
    }

    /**
     * Clicks on an object.
     *
     * @param frame    the prompted frame (all prompts of a session are on one frame)
     * @param objectId the caller's id for the object
     * @param xy       click coordinates in the frame's pixels, {@code [x0, y0, x1, y1, …]}
     * @param labels   per click 1 (positive) or 0 (negative)
     * @return the object's mask on the prompted frame
     * @throws IllegalArgumentException for a frame outside the video, a frame other than the one already prompted,
     *                                  no click, mismatched lengths, a label other than 0/1, or a point outside the frame
     */
    public Mask addPoints(int frame, int objectId, float[] xy, int[] labels) {
        return session.addPoints(frame, objectId, xy, labels);
    }

    /**
     * A box around an object ({@code x0 < x1}, {@code y0 < y1}, in the frame's pixels).
     *
     * @return the object's mask on the prompted frame
     * @throws IllegalArgumentException as {@link #addPoints}, or for an empty or inverted box
     */
    public Mask addBox(int frame, int objectId, float x0, float y0, float x1, float y1) {
        return session.addBox(frame, objectId, x0, y0, x1, y1);
    }

    /**
     * Tracks every prompted object from the prompted frame to the last frame.
     *
     * @param listener receives each frame's result, in frame order
     * @throws IllegalStateException if no object was prompted, or the session was already propagated
     * @throws UncheckedIOException  if a frame cannot be read
     */
    public void propagate(Consumer<VideoFrameResult> listener) {
        session.propagate(listener);
    }

    /** Bytes of memory features and object pointers the session keeps (bounded, see the class comment). */
    public long retainedMemoryBytes() {
        return session.retainedMemoryBytes();
    }

    /** Frees the prompted frame's features and the tracker state. Idempotent. */
    @Override
    public void close() {
        session.close();
    }
}
