package org.sam3j;

import java.io.IOException;
import java.nio.file.Path;
import org.sam3j.backend.RunSession;
import org.sam3j.video.TextTrackingHeuristics;
import org.sam3j.video.TextTrackingSession;
import org.sam3j.video.TextTrackingSettings;
import org.sam3j.video.TrackerSettings;
import org.sam3j.video.VideoTracking;

/**
 * Tracks objects prompted by clicks, boxes or masks through a video with SAM 3's SAM 2-style tracker (the
 * official {@code Sam3TrackerPredictor} path), or the objects a text names with its detector and tracker
 * ({@link VideoSession#addText}, the official {@code Sam3VideoInference} path). Obtained from
 * {@link Sam3Model#newVideoPredictor()}; it holds the tracker's compiled graphs, each {@link VideoSession} one
 * video's bounded state. Videos come from a folder of frames, a video file ({@code FFmpegVideoSource} of the
 * artifact {@code org.sam3j:sam3-ffmpeg} for MP4 and the other formats FFmpeg reads, {@link VideoFileSource} for
 * Motion-JPEG AVI through the optional OpenCV) or a stream of pushed frames ({@link PushFrameSource}).
 *
 * <pre>{@code
 * try (Sam3VideoPredictor p = model.newVideoPredictor();
 *      VideoSession s = p.open(Path.of("frames/"))) {
 *     s.addPoints(0, 1, new float[] {770, 500}, new int[] {1});
 *     s.addBox(0, 2, 995, 95, 1275, 668);
 *     s.propagate(r -> System.out.println(r.frame() + ": " + r.objects()));
 *     s.propagate(PropagationDirection.BACKWARD, r -> { });
 * }
 * }</pre>
 *
 * Sessions of one predictor run one at a time; use one predictor per thread.
 */
public final class Sam3VideoPredictor implements AutoCloseable {
    private final VideoTracking tracking;
    private final Sam3Model model;

    Sam3VideoPredictor(Sam3Model model, TrackerSettings settings) {
        this.model = model;
        this.tracking = new VideoTracking(model.backend(), model.weightStore(), model.config(), settings);
    }

    /**
     * Opens a session on the image files of a folder ({@link FrameSource#folder(Path)}).
     *
     * @throws IllegalArgumentException if the folder holds no frame
     */
    public VideoSession open(Path folder) throws IOException {
        return open(FrameSource.folder(folder));
    }

    /** Opens a session on a frame source. */
    public VideoSession open(FrameSource frames) {
        return new VideoSession(tracking.open(frames), phrase -> openText(frames, phrase));
    }

    /** A text session on the video with the released detection thresholds and heuristics. */
    private TextTrackingSession openText(FrameSource frames, String phrase) {
        try (RunSession s = new RunSession()) {
            return tracking.openText(frames, model.textFeatures(s, phrase), TextTrackingSettings.released(),
                    TextTrackingHeuristics.released());
        }
    }

    /** Frees the tracker's compiled graphs (not the model). */
    @Override
    public void close() {
        tracking.close();
    }
}
