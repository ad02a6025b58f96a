package org.sam3j;

import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Consumer;
import org.sam3j.video.TrackingSession;

/**
 * One video being tracked, as the official {@code Sam3TrackerPredictor}: objects are prompted by clicks, a box or
 * a mask on any frames, then {@link #propagate} tracks them forward or backward, handing each frame's result to
 * the listener as soon as it is computed. A call on an object replaces its previous clicks on that frame but feeds
 * its previous mask back as a mask prompt. Prompts on a frame already tracked refine it: the heads run on the
 * frame's memory-conditioned features and the frame becomes a conditioning frame for the next pass. New objects
 * can be added until the first propagation; {@link #removeObject} drops one at any time.
 *
 * <p>Memory: frames are decoded and encoded one at a time and dropped after use (the last one is cached for
 * repeated prompts). The tracker keeps only what the memory selection can still read: the prompted frames, a
 * window behind the latest tracked frame and a window on both sides of each prompted frame (object pointers up to
 * the budget, memory features for the last {@code num_maskmem − 1}), so the state does not grow with the video's
 * length. Results are not retained. The reference keeps every frame's memory instead; where a later call would
 * read memories this session dropped (a pass started on an arbitrary already-tracked frame, a refinement on a
 * frame far behind the latest one), it throws {@link IllegalStateException} rather than differ.
 *
 * <p>Not thread-safe. Close it to free the cached frame's features.
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
     * @param frame    the prompted frame
     * @param objectId the caller's id for the object
     * @param xy       click coordinates in the frame's pixels, {@code [x0, y0, x1, y1, …]}
     * @param labels   per click 1 (positive) or 0 (negative)
     * @return the object's mask on the prompted frame
     * @throws IllegalArgumentException for a frame outside the video, no click, mismatched lengths, a label other
     *                                  than 0/1, or a point outside the frame
     * @throws IllegalStateException    for a new object id after the first propagation
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
     * A mask of an object on a frame (at the video's size): it becomes the object's output there.
     *
     * @return the object's mask on the frame
     * @throws IllegalArgumentException for a frame outside the video or a mask of another size
     */
    public Mask addMask(int frame, int objectId, Mask mask) {
        return session.addMask(frame, objectId, mask);
    }

    /**
     * Removes an object with its prompts and memories (removing the last one resets the session). As the
     * reference: a prompted frame left without prompts becomes an ordinary tracked frame, and when no prompted
     * frame remains every result and prompt is reset (e.g. removing, before the first propagation, the only object
     * prompted on its frame clears the other objects' prompts too).
     *
     * @throws IllegalArgumentException for an id that is not tracked
     */
    public void removeObject(int objectId) {
        session.removeObject(objectId);
    }

    /** The tracked objects' ids, in the order of their first prompt. */
    public java.util.List<Integer> objectIds() {
        return session.objectIds();
    }

    /**
     * Tracks every prompted object forward from the first prompted frame to the last frame.
     *
     * @param listener receives each frame's result, in frame order
     * @throws IllegalStateException if no object was prompted
     * @throws UncheckedIOException  if a frame cannot be read
     */
    public void propagate(Consumer<VideoFrameResult> listener) {
        session.propagate(listener);
    }

    /**
     * Tracks every prompted object from the first prompted frame in one direction (backward: down to frame 0).
     *
     * @param listener receives each frame's result, in processing order
     */
    public void propagate(PropagationDirection direction, Consumer<VideoFrameResult> listener) {
        session.propagate(direction, null, null, listener);
    }

    /**
     * Tracks every prompted object from {@code start} in one direction, for at most {@code maxFrames} frames after
     * it (null: to the end). Passes that start at a prompted frame or continue from the last tracked frame are
     * always possible; others only while the memories they read are still held.
     *
     * @throws IllegalArgumentException for a start outside the video or a negative count
     * @throws IllegalStateException    if no object was prompted, or for a pass whose memories were dropped
     */
    public void propagate(PropagationDirection direction, Integer start, Integer maxFrames,
                          Consumer<VideoFrameResult> listener) {
        session.propagate(direction, start, maxFrames, listener);
    }

    /** Memory entries (frames) the session keeps (bounded, see the class comment). */
    public int retainedEntries() {
        return session.retainedEntries();
    }

    /** Bytes of memory features, masks and object pointers the session keeps (bounded, see the class comment). */
    public long retainedMemoryBytes() {
        return session.retainedMemoryBytes();
    }

    /** Frees the cached frame's features and the tracker state. Idempotent. */
    @Override
    public void close() {
        session.close();
    }
}
