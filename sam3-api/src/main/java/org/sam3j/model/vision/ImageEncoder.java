package org.sam3j.model.vision;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.RunMonitor;
import org.sam3j.graph.Graph;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.image.RgbImage;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.model.Sam3Config;
import org.sam3j.weights.WeightStore;

/**
 * Runs the {@link VisionBackbone} on a backend: preprocessing, one compiled graph (the input shape is
 * fixed), and the levels copied out as an {@link ImageEmbedding}. Thread-safe (runs are serialised);
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
        int s = config.imageSize();
        Graph g = new Graph();
        VisionBackbone.Features f = new VisionBackbone(g, config, trackerNeck).forward(g.input("image", 1, 3, s, s));
        for (int i = 0; i < 3; i++) {
            g.output("fpn." + i, f.fpn().get(i));
            if (trackerNeck) g.output("sam2_fpn." + i, f.sam2Fpn().get(i));
        }
        this.graph = backend.compile(g, weights);
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

    /** Preprocesses and encodes {@code image}. */
    public ImageEmbedding encode(RgbImage image) {
        return encode(image, RunMonitor.NONE);
    }

    /**
     * Preprocesses and encodes {@code image}, reporting the graph run's progress to {@code monitor}, which
     * may stop it by throwing (see {@link RunMonitor}); the exception then propagates and nothing is kept.
     */
    public ImageEmbedding encode(RgbImage image, RunMonitor monitor) {
        float[] input = ImagePreprocessor.toModelInput(image, config.imageSize());
        Map<String, HostTensor> out;
        synchronized (graph) {
            out = graph.run(Map.of("image", input), monitor);
        }
        List<HostTensor> fpn = new ArrayList<>();
        List<HostTensor> sam2 = trackerNeck ? new ArrayList<>() : null;
        for (int i = 0; i < 3; i++) {
            fpn.add(out.get("fpn." + i));
            if (trackerNeck) sam2.add(out.get("sam2_fpn." + i));
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
