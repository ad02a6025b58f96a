package org.sam3j;

import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.sam3j.video.TextTrackingSession;
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
 * <p>Alternatively a session is prompted by a text ({@link #addText}): SAM 3's detector finds the phrase's
 * objects on every frame and its tracker follows them (the official {@code Sam3VideoInference} path); a session
 * holds either clicked objects or one text prompt.
 *
 * <p>Not thread-safe. Close it to free the prompted frame's features if it is not propagated.
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
     * @param frame    the prompted frame (all prompts of a session are on one frame)
     * @param objectId the caller's id for the object
     * @param xy       click coordinates in the frame's pixels, {@code [x0, y0, x1, y1, …]}
     * @param labels   per click 1 (positive) or 0 (negative)
     * @return the object's mask on the prompted frame
     * @throws IllegalArgumentException for a frame outside the video, a frame other than the one already prompted,
     *                                  no click, mismatched lengths, a label other than 0/1, or a point outside the frame
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
     * Tracks every prompted object from the prompted frame to the last frame.
     *
     * @param listener receives each frame's result, in frame order
     * @throws IllegalStateException if no object was prompted, or the session was already propagated
     * @throws UncheckedIOException  if a frame cannot be read
     */
    public void propagate(Consumer<VideoFrameResult> listener) {
        if (text != null) text.propagate(listener);
        else session.propagate(listener);
    }

    /** Bytes of memory features and object pointers the session keeps (bounded, see the class comment). */
    public long retainedMemoryBytes() {
        return text != null ? text.retainedMemoryBytes() : session.retainedMemoryBytes();
    }

    /** Frees the prompted frame's features and the tracker state. Idempotent. */
    @Override
    public void close() {
        session.close();
        if (text != null) text.close();
    }
}
