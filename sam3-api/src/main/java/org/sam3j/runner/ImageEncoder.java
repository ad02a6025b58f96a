package org.sam3j.runner;

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
import org.sam3j.graph.Tensor;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.vision.VisionBackbone;
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

    /** Graph input: the preprocessed image {@code [1, 3, S, S]}. */
    private static final String IMAGE = "image";

    /**
     * The encoder graph's outputs, typed: the detector levels and, with the tracker neck, the tracker levels. The
     * graph names them {@code fpn.<i>} and {@code sam2_fpn.<i>} (here only).
     *
     * @param <T>     {@link Tensor} while building, {@link ResidentTensor} after a run
     * @param fpn     detector levels 288², 144², 72²
     * @param sam2Fpn tracker levels, or null without the tracker neck
     */
    record Levels<T>(List<T> fpn, List<T> sam2Fpn) {
        private static String fpnName(int i) {
            return "fpn." + i;
        }

        private static String sam2Name(int i) {
            return "sam2_fpn." + i;
        }

        /** Marks these nodes as the graph's outputs. */
        static void mark(Graph g, Levels<Tensor> levels) {
            for (int i = 0; i < levels.fpn().size(); i++) {
                g.output(fpnName(i), levels.fpn().get(i));
                if (levels.sam2Fpn() != null) g.output(sam2Name(i), levels.sam2Fpn().get(i));
            }
        }

        /** The resident outputs of a run. */
        static Levels<ResidentTensor> read(RunResult out, boolean trackerNeck) {
            List<ResidentTensor> fpn = new ArrayList<>();
            List<ResidentTensor> sam2 = trackerNeck ? new ArrayList<>() : null;
            for (int i = 0; i < 3; i++) {
                fpn.add(out.resident(fpnName(i)));
                if (trackerNeck) sam2.add(out.resident(sam2Name(i)));
            }
            return new Levels<>(fpn, sam2);
        }
    }

    /**
     * The encoder's graph as this class compiles it: input {@code image [1, 3, S, S]}, outputs {@code fpn.0..2}
     * and, with the tracker neck, {@code sam2_fpn.0..2} (for exporters and tools that run it elsewhere).
     */
    public static Graph graph(Sam3Config config, boolean trackerNeck) {
        Graph g = new Graph();
        VisionBackbone.Features f = forward(g, config, trackerNeck);
        Levels.mark(g, new Levels<>(f.fpn(), f.sam2Fpn()));
        return g;
    }

    /** Declares the encoder's input and builds the backbone in {@code g} (also for listing parameter shapes). */
    public static VisionBackbone.Features forward(Graph g, Sam3Config config, boolean trackerNeck) {
        int s = config.imageSize();
        return Sam3Tree.of(g, config).visionBackbone(trackerNeck).forward(g.input(IMAGE, 1, 3, s, s));
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
     * rather than kept in the session: an idle predictor holds its embedding, not the encoder's arena (the CPU
     * backends keep the freed arena softly in a pool, for the next image's encode).
     */
    public ImageEmbedding encode(RunSession session, ResidentScope scope, RgbImage image, RunMonitor monitor) {
        float[] input = ImagePreprocessor.toModelInput(image, config.imageSize());
        RunRequest request = RunRequest.create().withHost(IMAGE, input).withMonitor(monitor)
                .keepResident(scope, graph.plan().graph().outputs().keySet().toArray(new String[0]));
        RunResult out;
        try {
            out = session.context(graph).run(request);
        } finally {
            session.release(graph);
        }
        Levels<ResidentTensor> levels = Levels.read(out, trackerNeck);
        return new ImageEmbedding(levels.fpn(), levels.sam2Fpn(), image.width(), image.height());
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
