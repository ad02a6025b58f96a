package org.sam3j.model.vision;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunMonitor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.backend.RunSession;
import org.sam3j.graph.Graph;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.weights.WeightStore;

/**
 * Runs the {@link VisionBackbone} on a backend: preprocessing, one compiled graph (the input shape is
 * fixed, the graph is shared), and the levels kept in the backend as an {@link ImageEmbedding}. Thread-safe:
 * each caller runs in the execution context of its own {@link RunSession}, so callers run in parallel;
 * closing releases the compiled graph.
 */
public final class ImageEncoder implements AutoCloseable {
    private final CompiledGraph graph;
    private final Sam3Config config;
    private final boolean trackerNeck;

    /**
     * Compiles the encoder.
     *
     * @param trackerNeck also compute the tracker levels needed by point, box and mask prompts
     */
    public ImageEncoder(Backend backend, WeightStore weights, Sam3Config config, boolean trackerNeck) {
        this.config = config;
        this.trackerNeck = trackerNeck;
        this.graph = backend.compileModel(graph(config, trackerNeck), weights);
    }

    /**
     * The encoder's graph as this class compiles it: input {@code image [1, 3, S, S]}, outputs {@code fpn.0..2}
     * and, with the tracker neck, {@code sam2_fpn.0..2} (for exporters and tools that run it elsewhere).
     */
    public static Graph graph(Sam3Config config, boolean trackerNeck) {
        int s = config.imageSize();
        Graph g = new Graph();
        VisionBackbone.Features f = new VisionBackbone(g, config, trackerNeck).forward(g.input("image", 1, 3, s, s));
        for (int i = 0; i < 3; i++) {
            g.output("fpn." + i, f.fpn().get(i));
            if (trackerNeck) g.output("sam2_fpn." + i, f.sam2Fpn().get(i));
        }
        return g;
    }

    /** Declares the encoder's parameters in {@code g} (for listing shapes). */
    public static void declare(Graph g, Sam3Config config, boolean trackerNeck) {
        int s = config.imageSize();
        new VisionBackbone(g, config, trackerNeck).forward(g.input("image", 1, 3, s, s));
    }

    /** Whether the tracker levels are computed. */
    public boolean hasTrackerNeck() {
        return trackerNeck;
    }

    /**
     * Preprocesses and encodes {@code image} in {@code session}'s context, reporting the graph run's progress
     * to {@code monitor}, which may stop it by throwing (see {@link RunMonitor}); the exception then
     * propagates and nothing is kept. Uploads the image and nothing else: every level stays resident, owned
     * by {@code scope} (a scope of this encoder's backend). The encoder runs once per image and needs the
     * most activation memory of all graphs (about 235 MB at 1008²), so its context is freed after the run
     * rather than kept in the session: an idle predictor holds its embedding, not the encoder's arena.
     */
    public ImageEmbedding encode(RunSession session, ResidentScope scope, RgbImage image, RunMonitor monitor) {
        float[] input = ImagePreprocessor.toModelInput(image, config.imageSize());
        RunRequest request = RunRequest.create().withHost("image", input).withMonitor(monitor)
                .keepResident(scope, graph.plan().graph().outputs().keySet().toArray(new String[0]));
        RunResult out;
        try {
            out = session.context(graph).run(request);
        } finally {
            session.release(graph);
        }
        List<ResidentTensor> fpn = new ArrayList<>();
        List<ResidentTensor> sam2 = trackerNeck ? new ArrayList<>() : null;
        for (int i = 0; i < 3; i++) {
            fpn.add(out.resident("fpn." + i));
            if (trackerNeck) sam2.add(out.resident("sam2_fpn." + i));
        }
        return new ImageEmbedding(fpn, sam2, image.width(), image.height());
    }

    /** Planned activation memory of the encoder graph, for reports. */
    public String memoryPlan() {
        return graph.plan().toString();
    }

    @Override
    public void close() {
        graph.close();
    }
}
