package org.sam3j.video;

import java.util.Objects;
import org.sam3j.FrameSource;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.weights.WeightStore;

/**
 * The SAM 2-style video tracker of a model (compiled graphs and constants, shared by the sessions it opens).
 * Sessions run one at a time per instance (the compiled graphs' caches are not synchronised).
 * {@link org.sam3j.Sam3Model#newVideoPredictor()} wraps one on the model's backend and weights; build one
 * directly for other weights (e.g. a fixture's synthetic weights with overrides).
 */
public final class VideoTracking implements AutoCloseable {
    private final TrackerEngine engine;
    private boolean closed;

    /**
     * @param backend  runs the graphs (owned by the caller)
     * @param weights  the checkpoint ({@code detector.backbone.*} and {@code tracker.*})
     * @param config   the architecture
     * @param settings the tracker settings ({@link TrackerSettings#released()})
     */
    public VideoTracking(Backend backend, WeightStore weights, Sam3Config config, TrackerSettings settings) {
        this.engine = new TrackerEngine(Objects.requireNonNull(backend, "backend"), Objects.requireNonNull(weights, "weights"),
                Objects.requireNonNull(config, "config"), Objects.requireNonNull(settings, "settings"));
    }

    /**
     * Opens a session on a video.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized TrackingSession open(FrameSource frames) {
        if (closed) throw new IllegalStateException("video tracking is closed");
        return new TrackingSession(engine, frames);
    }

    /** Frees the compiled graphs (not the backend). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        engine.close();
    }
}
