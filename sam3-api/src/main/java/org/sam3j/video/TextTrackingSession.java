package org.sam3j.video;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.sam3j.FrameSource;
import org.sam3j.Mask;
import org.sam3j.RgbImage;
import org.sam3j.VideoFrameResult;
import org.sam3j.backend.ResidentScope;
import org.sam3j.runner.ConceptModel;

/**
 * The state of one video tracked by a text prompt behind {@link org.sam3j.VideoSession#addText} (see there and
 * {@link TextTracker}). Not thread-safe.
 */
public final class TextTrackingSession implements AutoCloseable {
    private final TrackerEngine engine;
    private final FrameSource frames;
    private final TextTracker tracker;
    private final int count;
    private int promptFrame = -1;
    private int width = -1;
    private int height = -1;

    TextTrackingSession(TrackerEngine engine, VideoDetector detector,
                        FrameSource frames, ConceptModel.TextFeatures text, TextTrackingSettings settings,
                        TextTrackingHeuristics heuristics) {
        this.engine = engine;
        this.frames = Objects.requireNonNull(frames, "frames");
        this.count = frames.frameCount();
        if (count < 1) throw new IllegalArgumentException("the video has no frame");
        this.tracker = new TextTracker(engine, detector, settings, heuristics, text, new Provider(), count,
                TrackerHooks.NONE);
    }

    /** Number of frames. */
    public int frameCount() {
        return count;
    }

    /**
     * Detects the text's objects on {@code frame} and returns them (the reference's {@code add_prompt}).
     *
     * @throws IllegalArgumentException for a frame outside the video
     * @throws IllegalStateException    if the prompt was already given
     */
    public VideoFrameResult prompt(int frame) {
        if (frame < 0 || frame >= count) {
            throw new IllegalArgumentException("frame " + frame + " is outside the video's " + count + " frames");
        }
        VideoFrameResult r = toResult(tracker.addPrompt(frame));
        promptFrame = frame;
        return r;
    }

    /**
     * Tracks from the prompted frame to the last frame; results come in frame order, up to the hotstart delay
     * (15 frames) after their frame was processed.
     *
     * @throws IllegalStateException if no prompt was given, or the session was already propagated
     */
    public void propagate(Consumer<VideoFrameResult> listener) {
        Objects.requireNonNull(listener, "listener");
        if (promptFrame < 0) throw new IllegalStateException("no text prompt was given");
        tracker.propagate(promptFrame, count - 1, f -> listener.accept(toResult(f)));
    }

    /** Bytes of memory features and object pointers the tracker states keep. */
    public long retainedMemoryBytes() {
        return tracker.retainedBytes();
    }

    /** Results use the detection score of the object's birth as a logit ({@code log(p / (1 − p))}). */
    private static VideoFrameResult toResult(TextTracker.FrameOutput f) {
        List<VideoFrameResult.TrackedObject> objects = new ArrayList<>();
        for (int i = 0; i < f.objectIds().length; i++) {
            float p = f.probs()[i];
            float logit = (float) Math.log(p / (1.0 - p));
            Mask m = Mask.of(f.masks()[i], f.width(), f.height());
            objects.add(new VideoFrameResult.TrackedObject(Math.toIntExact(f.objectIds()[i]), logit, m, f.boxes()[i]));
        }
        return new VideoFrameResult(f.frame(), objects);
    }

    @Override
    public void close() {
        tracker.close();
    }

    /** Decodes, preprocesses (the text family's bilinear loader) and encodes one frame; freed on release. */
    private final class Provider implements VideoTracker.FrameProvider {
        private final Map<TrackerEngine.Frame, ResidentScope> scopes = new IdentityHashMap<>();

        @Override
        public TrackerEngine.Frame acquire(int index) {
            RgbImage img;
            try {
                img = frames.read(index);
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
            TrackerEngine.Frame f = engine.encode(index, VideoFrames.detectorInput(img, engine.imageSize()), width, height, scope);
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
