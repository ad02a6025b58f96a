package org.sam3j.video;

import java.util.List;
import java.util.Objects;
import org.sam3j.FrameSource;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.graph.Graph;
import org.sam3j.model.tracker.MemoryAttention;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.weights.WeightStore;

/**
 * The SAM 2-style video tracker of a model (compiled graphs and constants, shared by the sessions it opens).
 * Sessions run one at a time per instance (the compiled graphs' caches are not synchronised).
 * {@link org.sam3j.Sam3Model#newVideoPredictor()} wraps one on the model's backend and weights; build one
 * directly for other weights (e.g. a fixture's synthetic weights with overrides).
 */
public final class VideoTracking implements AutoCloseable {
    private final TrackerEngine engine;
    private final Backend backend;
    private final WeightStore weights;
    private final Sam3Config config;
    private VideoDetector detector;   // compiled on the first text session
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
        this.backend = backend;
        this.weights = weights;
        this.config = config;
    }

    /**
     * Graphs declaring every parameter the video tracker reads beyond the image model's (memory encoder, memory
     * attention, object pointers and their temporal encodings, the mask-prompt downsampler of the text family), for {@link org.sam3j.Sam3Model#parameterShapes}.
     */
    public static List<Graph> parameterGraphs(Sam3Config config) {
        int dim = config.dModel();
        int memDim = MemoryEncoder.MEM_DIM;
        Graph direct = new Graph(); // read as plain arrays by TrackerEngine
        direct.weight("tracker.maskmem_tpos_enc", TrackerSettings.released().numMaskmem(), 1, 1, memDim);
        direct.weight("tracker.no_obj_embed_spatial", 1, memDim);
        direct.weight("tracker.no_obj_ptr", 1, dim);
        direct.weight("tracker.no_mem_embed", 1, 1, dim);
        for (int i = 0; i < 3; i++) {
            direct.weight("tracker.obj_ptr_proj.layers." + i + ".weight", dim, dim);
            direct.weight("tracker.obj_ptr_proj.layers." + i + ".bias", dim);
        }
        direct.weight("tracker.obj_ptr_tpos_proj.weight", memDim, dim);
        direct.weight("tracker.obj_ptr_tpos_proj.bias", memDim);
        direct.weight("tracker.mask_downsample.weight", 1, 1, 4, 4);   // mask prompts of detector-born objects
        direct.weight("tracker.mask_downsample.bias", 1);
        return List.of(direct, MemoryEncoder.graph(config, 1), MemoryAttention.graph(config, 1, 1, 4));
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

    /**
     * Opens a detector+tracker session on a video for a text prompt (the official {@code Sam3VideoInference}
     * path), sharing this instance's tracker graphs; the detector is compiled on first use.
     *
     * @param text       the encoded phrase
     * @param settings   detection and association thresholds ({@link TextTrackingSettings#released()})
     * @param heuristics masklet heuristics ({@link TextTrackingHeuristics#released()})
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized TextTrackingSession openText(FrameSource frames, org.sam3j.runner.ConceptModel.TextFeatures text,
                                                     TextTrackingSettings settings, TextTrackingHeuristics heuristics) {
        if (closed) throw new IllegalStateException("video tracking is closed");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(heuristics, "heuristics");
        if (detector == null || !detector.settings().equals(settings)) {
            if (detector != null) detector.close();
            detector = new VideoDetector(backend, weights, config, settings);
        }
        return new TextTrackingSession(engine, detector, frames, text, settings, heuristics);
    }

    /** Frees the compiled graphs (not the backend). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        engine.close();
        if (detector != null) detector.close();
    }
}
