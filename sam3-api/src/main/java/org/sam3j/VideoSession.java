package org.sam3j;

import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.sam3j.video.TextTrackingSession;
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
 * <p>Alternatively a session is prompted by a text ({@link #addText}): SAM 3's detector finds the phrase's
 * objects on every frame and its tracker follows them (the official {@code Sam3VideoInference} path); a session
 * holds either clicked objects or one text prompt.
 *
 * <p>Not thread-safe. Close it to free the cached frame's features.
 */
public final class VideoSession implements AutoCloseable {
    private final TrackingSession session;
    private final Function<String, TextTrackingSession> textSessions;
    private TextTrackingSession text;
    private boolean clicked;

    VideoSession(TrackingSession session) {
        this(session, null);
    }

    VideoSession(TrackingSession session, Function<String, TextTrackingSession> textSessions) {
        this.session = Objects.requireNonNull(session, "session");
        this.textSessions = textSessions;
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
        checkNoText();
        Mask m = session.addPoints(frame, objectId, xy, labels);
        clicked = true;
        return m;
    }

    /**
     * A box around an object ({@code x0 < x1}, {@code y0 < y1}, in the frame's pixels).
     *
     * @return the object's mask on the prompted frame
     * @throws IllegalArgumentException as {@link #addPoints}, or for an empty or inverted box
     */
    public Mask addBox(int frame, int objectId, float x0, float y0, float x1, float y1) {
        checkNoText();
        Mask m = session.addBox(frame, objectId, x0, y0, x1, y1);
        clicked = true;
        return m;
    }

    private void checkNoText() {
        if (text != null) throw new IllegalStateException("this session is prompted by a text; open another for clicks");
    }

    /**
     * Prompts the session with a text: the detector finds the phrase's objects on {@code frame}, each becomes a
     * tracked object (ids 0, 1, … in order of appearance); {@link #propagate} then tracks them from this frame on,
     * detecting new ones on every frame and dropping those that turn out to be spurious within the first 15 frames
     * (results of a frame are therefore handed over up to 15 frames after it was processed, all at the end for
     * shorter videos). In the results, {@code objectScoreLogit} is the logit of the detection score at the
     * object's birth and the box is the mask's before overlapping pixels are given to the object with the higher
     * tracker score.
     *
     * @return the objects found on {@code frame}
     * @throws IllegalArgumentException for a blank phrase or a frame outside the video
     * @throws IllegalStateException    if objects were clicked or a text was already given
     * @throws UnsupportedOperationException if the session cannot take text prompts
     */
    public VideoFrameResult addText(int frame, String phrase) {
        Objects.requireNonNull(phrase, "phrase");
        if (phrase.isBlank()) throw new IllegalArgumentException("the text prompt is blank");
        if (clicked) throw new IllegalStateException("this session has clicked objects; open another for a text");
        if (text != null) throw new IllegalStateException("this session already has a text prompt");
        if (textSessions == null) throw new UnsupportedOperationException("this session takes no text prompts");
        if (frame < 0 || frame >= session.frameCount()) {
            throw new IllegalArgumentException("frame " + frame + " is outside the video's " + session.frameCount() + " frames");
        }
        TextTrackingSession t = textSessions.apply(phrase);
        try {
            VideoFrameResult r = t.prompt(frame);
            text = t;
            return r;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * A mask of an object on a frame (at the video's size): it becomes the object's output there.
     *
     * @return the object's mask on the frame
     * @throws IllegalArgumentException for a frame outside the video or a mask of another size
     */
    public Mask addMask(int frame, int objectId, Mask mask) {
        checkNoText();
        Mask m = session.addMask(frame, objectId, mask);
        clicked = true;
        return m;
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
        checkNoText();
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
        if (text != null) text.propagate(listener);
        else session.propagate(listener);
    }

    /**
     * Tracks every prompted object from the first prompted frame in one direction (backward: down to frame 0).
     *
     * @param listener receives each frame's result, in processing order
     */
    public void propagate(PropagationDirection direction, Consumer<VideoFrameResult> listener) {
        propagate(direction, null, null, listener);
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
        if (text != null) {
            if (direction != PropagationDirection.FORWARD || start != null || maxFrames != null) {
                throw new UnsupportedOperationException("a text-prompted session tracks forward from its prompted frame only");
            }
            text.propagate(listener);
            return;
        }
        session.propagate(direction, start, maxFrames, listener);
    }

    /** Memory entries (frames) the clicked objects' tracker keeps (bounded, see the class comment). */
    public int retainedEntries() {
        return session.retainedEntries();
    }

    /** Bytes of memory features, masks and object pointers the session keeps (bounded, see the class comment). */
    public long retainedMemoryBytes() {
        return text != null ? text.retainedMemoryBytes() : session.retainedMemoryBytes();
    }

    /** Frees the cached frame's features and the tracker state. Idempotent. */
    @Override
    public void close() {
        session.close();
        if (text != null) text.close();
    }
}
