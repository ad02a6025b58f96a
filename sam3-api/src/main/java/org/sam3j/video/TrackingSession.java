package org.sam3j.video;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.sam3j.Box;
import org.sam3j.FrameSource;
import org.sam3j.Mask;
import org.sam3j.Prompt;
import org.sam3j.PropagationDirection;
import org.sam3j.RgbImage;
import org.sam3j.VideoFrameResult;
import org.sam3j.backend.ResidentScope;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.runner.InteractiveDecoder;

/** The state of one tracked video behind {@link org.sam3j.VideoSession} (see there). Not thread-safe. */
public final class TrackingSession implements AutoCloseable {
    private final TrackerEngine engine;
    private final FrameSource frames;
    private final int count;
    private final VideoTracker tracker;
    private int width = -1;
    private int height = -1;

    TrackingSession(TrackerEngine engine, FrameSource frames) {
        this.engine = engine;
        this.frames = Objects.requireNonNull(frames, "frames");
        this.count = frames.frameCount();
        if (count < 1) throw new IllegalArgumentException("the video has no frame");
        this.tracker = new VideoTracker(engine, new Provider(), count, TrackerHooks.NONE);
    }

    /** Number of frames. */
    public int frameCount() {
        return count;
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
     * @throws IllegalStateException    for a new object id after tracking has started
     */
    public Mask addPoints(int frame, int objectId, float[] xy, int[] labels) {
        Objects.requireNonNull(xy, "xy");
        Objects.requireNonNull(labels, "labels");
        if (xy.length != 2 * labels.length || labels.length == 0) {
            throw new IllegalArgumentException("expected one (x, y) pair per label, got " + xy.length + " coordinates for "
                    + labels.length + " labels");
        }
        Prompt.Builder b = Prompt.builder();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new IllegalArgumentException("point label " + labels[i] + " is neither 1 (positive) nor 0 (negative)");
            }
            b.point(xy[2 * i], xy[2 * i + 1], labels[i] == 1);
        }
        return add(frame, objectId, b.build());
    }

    /**
     * A box around an object ({@code x0 < x1}, {@code y0 < y1}, in the frame's pixels).
     *
     * @return the object's mask on the prompted frame
     * @throws IllegalArgumentException as {@link #addPoints}, or for an empty or inverted box
     */
    public Mask addBox(int frame, int objectId, float x0, float y0, float x1, float y1) {
        return add(frame, objectId, Prompt.box(new Box(x0, y0, x1, y1)));
    }

    private Mask add(int frame, int objectId, Prompt prompt) {
        checkFrameAndSize(frame);
        InteractiveDecoder.checkInside(prompt, width, height);
        float[] low = tracker.addPrompt(frame, objectId, prompt);
        return toMask(low);
    }

    /**
     * A mask of an object on a frame: it becomes the object's output there (the frame a conditioning frame), and
     * other objects' masks given on that frame lose the pixels it covers.
     *
     * @param mask at the video's size
     * @return the object's mask on the frame (the given mask)
     * @throws IllegalArgumentException for a frame outside the video or a mask of another size
     */
    public Mask addMask(int frame, int objectId, Mask mask) {
        Objects.requireNonNull(mask, "mask");
        checkFrameAndSize(frame);
        if (mask.width() != width || mask.height() != height) {
            throw new IllegalArgumentException("mask is " + mask.width() + "x" + mask.height() + ", the video is "
                    + width + "x" + height);
        }
        tracker.addMask(frame, objectId, mask.toBooleanArray(), width, height);
        return mask;
    }

    /**
     * Removes an object: its prompts, its memories and its results; the other objects' memory selection is
     * recomputed without it. Removing the last object resets the session.
     *
     * @throws IllegalArgumentException for an id that is not tracked
     */
    public void removeObject(int objectId) {
        tracker.removeObject(objectId);
    }

    /** The ids of the tracked objects, in the order of their first prompt. */
    public List<Integer> objectIds() {
        return tracker.objectIds();
    }

    /** The conditioning (prompted) frames consolidated so far, ascending. */
    public List<Integer> conditioningFrames() {
        return tracker.conditioningFrames();
    }

    /** Checks the frame index, then learns the video's size from it (before any backbone runs). */
    private void checkFrameAndSize(int frame) {
        if (frame < 0 || frame >= count) {
            throw new IllegalArgumentException("frame " + frame + " is outside the video's " + count + " frames");
        }
        if (width < 0) {
            try {
                RgbImage img = frames.read(frame);
                width = img.width();
                height = img.height();
            } catch (IOException e) {
                throw new UncheckedIOException("frame " + frame + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Tracks every prompted object forward from the first prompted frame to the last frame.
     *
     * @param listener receives each frame's result, in frame order
     * @throws IllegalStateException if no object was prompted
     * @throws UncheckedIOException  if a frame cannot be read
     */
    public void propagate(Consumer<VideoFrameResult> listener) {
        propagate(PropagationDirection.FORWARD, null, null, listener);
    }

    /**
     * Tracks every prompted object from a start frame in one direction ({@code propagate_in_video}). Prompts given
     * since the last call are consolidated first; prompted frames met on the way are yielded as stored.
     *
     * @param start     the first frame, or null for the first prompted frame (in both directions, as the reference)
     * @param maxFrames frames to track after the start, or null for all up to the video's end (or frame 0)
     * @param listener  receives each frame's result, in processing order
     * @throws IllegalArgumentException for a start outside the video or a negative count
     * @throws IllegalStateException    if no object was prompted, or the pass would read memories the bounded
     *                                  session no longer holds (a pass started away from a prompted frame and from
     *                                  the last tracked frame)
     */
    public void propagate(PropagationDirection direction, Integer start, Integer maxFrames,
                          Consumer<VideoFrameResult> listener) {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(listener, "listener");
        try {
            propagateUntilEnd(direction, start, maxFrames, listener);
        } catch (EndOfStream e) {
            // an open-ended source (a pushed stream) has ended: the pass is complete
        }
    }

    private void propagateUntilEnd(PropagationDirection direction, Integer start, Integer maxFrames,
                                   Consumer<VideoFrameResult> listener) {
        tracker.propagate(f -> {
            List<VideoFrameResult.TrackedObject> objects = new ArrayList<>();
            for (int o = 0; o < f.objectIds().length; o++) {
                Mask m = toMask(f.lowRes()[o]);
                objects.add(new VideoFrameResult.TrackedObject(f.objectIds()[o], f.scores()[o], m,
                        m.boundingBox().orElse(null)));
            }
            listener.accept(new VideoFrameResult(f.frame(), objects));
        }, direction == PropagationDirection.BACKWARD, start, maxFrames);
    }

    /** Memory entries (frames) the session keeps (bounded). */
    public int retainedEntries() {
        return tracker.retainedEntries();
    }

    /** Bytes of memory features, masks and object pointers the session keeps (bounded, see the class comment). */
    public long retainedMemoryBytes() {
        return tracker.retainedBytes();
    }

    private Mask toMask(float[] low) {
        int side = engine.lowResSize();
        float[] video = new float[width * height];
        BilinearResize.resize(low, 0, side, side, video, 0, height, width);
        return Mask.fromLogits(video, width, height);
    }

    @Override
    public void close() {
        tracker.close();
    }

    /** The end of an open-ended source, ending a pass. */
    private static final class EndOfStream extends RuntimeException {
        EndOfStream() {
            super("end of stream", null, false, false);
        }
    }

    /** Decodes, preprocesses and encodes one frame; its backbone features are freed on release. */
    private final class Provider implements VideoTracker.FrameProvider {
        private final java.util.Map<TrackerEngine.Frame, ResidentScope> scopes = new java.util.IdentityHashMap<>();

        @Override
        public TrackerEngine.Frame acquire(int index) {
            RgbImage img;
            try {
                img = frames.read(index);
            } catch (java.io.EOFException e) {
                if (count == Integer.MAX_VALUE) throw new EndOfStream();
                throw new UncheckedIOException("frame " + index + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("frame " + index + ": " + e.getMessage(), e);
            }
            if (width < 0) {
                width = img.width();
                height = img.height();
            } else if (img.width() != width || img.height() != height) {
                throw new IllegalArgumentException("frame " + index + " is " + img.width() + "x" + img.height()
                        + ", the video is " + width + "x" + height);
            }
            ResidentScope scope = new ResidentScope(engine.backend());
            TrackerEngine.Frame f = engine.encode(index, VideoFrames.interactiveInput(img, engine.imageSize()), width, height, scope);
            scopes.put(f, scope);
            return f;
        }

        @Override
        public void release(TrackerEngine.Frame frame) {
            ResidentScope s = scopes.remove(frame);
            if (s != null) s.close();
        }
    }
}
