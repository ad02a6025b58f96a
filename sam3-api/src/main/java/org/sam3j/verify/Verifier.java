package org.sam3j.verify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.backend.RunSession;
import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.image.ImageLoader;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.model.Sam3Tree;
import org.sam3j.model.vision.PositionEmbeddingSine;
import org.sam3j.model.vision.VisionBackbone;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;

/**
 * Checks a backend against reference fixtures: builds the model with the fixture's configuration and
 * synthetic weights, runs every case, and compares every recorded tensor it can produce. Keys it
 * cannot produce yet are reported as skipped, never as passed.
 *
 * <p>A hook key ({@code hook.<root>.<module path>}) names what the module at that path returned: {@code HookKeys} maps
 * the root to ours and the graph's module-output table ({@link Graph#moduleOutputs()}) gives the node, in the
 * reference's layout as the module declared it. The other keys (the input, the image embedding's levels, a prompt's
 * final and post-processed outputs, and the parts of a module's return value that our graphs leave to the caller)
 * are named explicitly, here and in the stages.
 */
public final class Verifier {
    private static final String EMB = "embedding.";

    private final Backend backend;
    private final Consumer<ProbeResult> listener;
    private final List<StageVerifier> stages = List.of(new ConceptStage(), new InteractiveStage());

    /**
     * @param backend  the backend under test
     * @param listener receives each verdict as soon as it is known
     */
    public Verifier(Backend backend, Consumer<ProbeResult> listener) {
        this.backend = backend;
        this.listener = listener;
    }

    /** The model configuration a fixture set was recorded with. */
    public static Sam3Config configOf(FixtureSet set) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        set.config().fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) return;   // video sets: model kwargs and weight overrides, not architecture
            if (e.getValue().isArray()) {
                List<Integer> l = new ArrayList<>();
                e.getValue().forEach(v -> l.add(v.asInt()));
                overrides.put(e.getKey(), l);
            } else {
                overrides.put(e.getKey(), e.getValue().asInt());
            }
        });
        return Sam3Config.released().withOverrides(overrides);
    }

    /** The fixture key without a leading {@code hook.}, as {@code --only} prefixes match it. */
    static String bare(String key) {
        return key.startsWith("hook.") ? key.substring(5) : key;
    }

    /**
     * Verifies every case of {@code set}.
     *
     * @param only key prefixes to check (after a leading {@code hook.} is set aside); empty for all
     * @throws IllegalArgumentException if no recorded tensor matches the prefixes
     */
    public VerifySummary verify(FixtureSet set, List<String> only) throws IOException {
        List<String> prefixes = only.stream().map(Verifier::bare).toList();
        Sam3Config config = configOf(set);
        double tol = config.isReleasedArchitecture() ? 1e-2 : 1e-3;
        WeightStore weights = SyntheticWeights.of(set.paramShapes());
        List<ProbeResult> results = new ArrayList<>();
        List<String> timings = new ArrayList<>();
        Consumer<ProbeResult> emit = r -> {
            results.add(r);
            listener.accept(r);
        };
        for (String caseName : set.caseNames()) {
            // the scope holding the case's embedding in the backend
            try (FixtureCase c = set.openCase(caseName); ResidentScope scope = new ResidentScope(backend)) {
                List<String> wanted = new ArrayList<>();
                for (String key : c.keys()) {
                    if (prefixes.isEmpty() || prefixes.stream().anyMatch(p -> bare(key).startsWith(p))) wanted.add(key);
                }
                if (wanted.isEmpty()) {
                    throw new IllegalArgumentException("no recorded tensor of case '" + caseName + "' matches --only "
                            + String.join(",", only) + " (prefixes: input, image, backbone, text, inter, ...)");
                }
                Map<String, ProbeResult> done = new LinkedHashMap<>();
                Map<StageVerifier, List<String>> stageKeys = new LinkedHashMap<>();
                for (String key : wanted) {
                    for (StageVerifier st : stages) {
                        if (st.handles(bare(key))) stageKeys.computeIfAbsent(st, x -> new ArrayList<>()).add(key);
                    }
                }
                boolean tracker = stageKeys.keySet().stream().anyMatch(StageVerifier::needsTrackerFeatures);
                ImageEmbedding embedding = verifyImage(c, config, weights, scope, tol, wanted,
                        !stageKeys.isEmpty(), tracker, done, timings);
                for (Map.Entry<StageVerifier, List<String>> e : stageKeys.entrySet()) {
                    // each stage's execution contexts are freed when it is done
                    try (RunSession session = new RunSession()) {
                        e.getKey().verify(c, config, backend, weights, session, embedding, tol, e.getValue(), done, timings);
                    }
                }
                for (String key : wanted) {
                    ProbeResult r = done.get(key);
                    if (r == null) {
                        r = new ProbeResult(key, ProbeResult.Status.SKIP, Double.NaN, Double.NaN, "not produced by this build yet");
                    }
                    emit.accept(r);
                }
            }
        }
        return new VerifySummary(results, timings);
    }

    /**
     * Runs the image encoder for the wanted encoder keys and, when {@code embed} is set, returns the
     * embedding that prompt stages use (else null), its levels resident in {@code scope}.
     */
    private ImageEmbedding verifyImage(FixtureCase c, Sam3Config config, WeightStore weights, ResidentScope scope,
                                       double tol,
                                       List<String> wanted, boolean embed, boolean tracker,
                                       Map<String, ProbeResult> done, List<String> timings) throws IOException {
        boolean wantInput = wanted.contains("input.normalized");
        List<String> encoderKeys = new ArrayList<>();
        for (String key : wanted) {
            String b = bare(key);
            if (b.startsWith("image.") || b.startsWith("backbone.")) encoderKeys.add(key);
        }
        if (!wantInput && encoderKeys.isEmpty() && !embed) return null;

        long t0 = System.nanoTime();
        RgbImage img = ImageLoader.read(c.image());
        float[] input = ImagePreprocessor.toModelInput(img, config.imageSize());
        timings.add(String.format("%s: preprocessing %.2f s", c.name(), (System.nanoTime() - t0) / 1e9));
        int s = config.imageSize();
        if (wantInput) {
            done.put("input.normalized", ProbeComparison.compare("input.normalized", new int[] {1, 3, s, s}, input,
                    c.stats().get("input.normalized"), c.probe("input.normalized"), tol));
        }
        if (encoderKeys.isEmpty() && !embed) return null;

        boolean sam2 = tracker || encoderKeys.stream().anyMatch(k -> k.startsWith("backbone.sam2_fpn"));
        Graph g = new Graph();
        Tensor image = g.input("image", 1, 3, s, s);
        VisionBackbone backbone = Sam3Tree.of(g, config).visionBackbone(sam2);
        VisionBackbone.Features f = backbone.forward(image);
        for (String key : encoderKeys) {
            Tensor out = HookKeys.modulePath(key).map(path -> g.moduleOutputs().get(path)).map(ModuleOutput::tensor)
                    .orElseGet(() -> embeddingOutput(g, f, key));
            if (out != null) g.output(key, out);
        }
        if (embed) {
            for (int i = 0; i < 3; i++) {
                g.output(EMB + "fpn." + i, f.fpn().get(i));
                if (sam2) g.output(EMB + "sam2_fpn." + i, f.sam2Fpn().get(i));
            }
        }
        long t1 = System.nanoTime();
        try (CompiledGraph cg = backend.compileModel(g, weights); ExecutionContext ctx = cg.newContext()) {
            RunRequest request = RunRequest.create().withHost("image", input);
            if (embed) {
                for (String name : g.outputs().keySet()) if (name.startsWith(EMB)) request = request.keepResident(scope, name);
            }
            RunResult run = ctx.run(request);
            StringBuilder ops = new StringBuilder();
            ctx.lastRunNanosByOp().forEach((op, ns) -> ops.append(String.format(" %s %.1fs", op, ns / 1e9)));
            timings.add(String.format("%s: image encoder on %s %.2f s (%s;%s)", c.name(), backend.name(),
                    (System.nanoTime() - t1) / 1e9, cg.plan(), ops));
            for (Map.Entry<String, HostTensor> e : run.host().entrySet()) {
                String key = e.getKey();
                done.put(key, ProbeComparison.compare(key, e.getValue().shape(), e.getValue().data(), c.stats().get(key),
                        c.probe(key), tol));
            }
            if (!embed) return null;
            List<ResidentTensor> fpn = new ArrayList<>();
            List<ResidentTensor> sam2Fpn = sam2 ? new ArrayList<>() : null;
            for (int i = 0; i < 3; i++) {
                fpn.add(run.resident(EMB + "fpn." + i));
                if (sam2) sam2Fpn.add(run.resident(EMB + "sam2_fpn." + i));
            }
            return new ImageEmbedding(fpn, sam2Fpn, c.width(), c.height());
        }
    }

    /**
     * The node (channels-first, as the reference) of a {@code backbone.*} key, or null if not produced: the image
     * embedding's levels and their position encodings, outputs of the image pass rather than of one module.
     */
    private static Tensor embeddingOutput(Graph g, VisionBackbone.Features f, String key) {
        if (key.startsWith("backbone.fpn.")) {
            int i = Integer.parseInt(key.substring("backbone.fpn.".length()));
            return i < f.fpn().size() ? g.permute(f.fpn().get(i), 0, 3, 1, 2) : null;
        }
        if (key.startsWith("backbone.sam2_fpn.") && f.sam2Fpn() != null) {
            int i = Integer.parseInt(key.substring("backbone.sam2_fpn.".length()));
            return i < f.sam2Fpn().size() ? g.permute(f.sam2Fpn().get(i), 0, 3, 1, 2) : null;
        }
        if (key.startsWith("backbone.pos.")) {
            int i = Integer.parseInt(key.substring("backbone.pos.".length()));
            if (i >= f.fpn().size()) return null;
            Tensor level = f.fpn().get(i);
            int h = level.dim(1);
            int w = level.dim(2);
            int ch = level.dim(3);
            Tensor pos = g.constant("pos." + i, PositionEmbeddingSine.encode(h, w, ch), 1, h, w, ch);
            return g.permute(pos, 0, 3, 1, 2);
        }
        return null;
    }
}
