package org.sam3j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sam3j.Box;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.RunSession;
import org.sam3j.io.StoredTensor;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.runner.InteractiveDecoder;
import org.sam3j.runner.MaskDecoding;
import org.sam3j.weights.WeightStore;

/**
 * The {@code inter<i>} keys: interactive prompts (points, boxes, masks) run through
 * {@link InteractiveDecoder} on the case's embedding and compared in the reference layout.
 *
 * <ul>
 *   <li>{@code hook.inter<i>…sam_prompt_encoder.{0,1}}: what our prompt encoder module returns (the module output
 *       at its path, {@link HookKeys});</li>
 *   <li>{@code hook.inter<i>…sam_mask_decoder.{0,1,2,3}}: what the reference decoder returns after the selection it
 *       makes inside the module, which ours makes on the host ({@link MaskDecoding#tokens}), so these are built here
 *       from all four: masks {@code [1, m, 288, 288]}, IoU {@code [1, m]}, mask tokens {@code [1, m, C]} (the
 *       multimask tokens, or token 0 for a single mask whichever mask was chosen), object-score logit;</li>
 *   <li>{@code inter<i>.mask_logits}: logits at the original size {@code [m, H, W]};</li>
 *   <li>{@code inter<i>.iou} and {@code inter<i>.low_res_logits}, stored whole (without statistics): the
 *       selected IoU predictions and the clamped low-resolution logits, against every element.</li>
 * </ul>
 * IoU predictions are held to an <em>absolute</em> bound of {@code tol / 10} (1e-4 for {@code tiny}, 1e-3
 * for {@code full}, as the fixture notes ask), every other tensor to the relative bound {@code tol}.
 */
final class InteractiveStage implements StageVerifier {
    private static final String MASK_DECODER = "sam_mask_decoder.";

    @Override
    public boolean handles(String bareKey) {
        return bareKey.startsWith("inter");
    }

    @Override
    public boolean needsTrackerFeatures() {
        return true;
    }

    @Override
    public void verify(FixtureCase c, Sam3Config config, Backend backend, WeightStore weights, RunSession session,
                       ImageEmbedding embedding,
                       double tol, List<String> wanted, Map<String, ProbeResult> done, List<String> timings)
            throws IOException {
        if (embedding == null || !embedding.hasTrackerFeatures()) return;
        double absTol = tol / 10;
        // the module paths the decoder graph records (see Scope.returns)
        Set<String> recorded = InteractiveDecoder.decoderGraph(config).moduleOutputs().keySet();
        try (InteractiveDecoder decoder = new InteractiveDecoder(backend, weights, config)) {
            for (JsonNode p : c.prompts()) {
                if (!"interactive".equals(p.path("kind").asText())) continue;
                String name = p.get("key").asText();
                List<String> keys = new ArrayList<>();
                for (String key : wanted) {
                    if (Verifier.bare(key).startsWith(name + ".")) keys.add(key);
                }
                if (keys.isEmpty()) continue;
                boolean multimask = p.path("multimask").asBoolean(true);
                Prompt prompt = prompt(p, multimask);
                long t0 = System.nanoTime();
                Set<String> paths = new HashSet<>();
                for (String key : keys) HookKeys.modulePath(key).filter(recorded::contains).ifPresent(paths::add);
                MaskDecoding out = decoder.predict(session, embedding, prompt, paths);
                int[] tokens = new int[out.count()];
                for (int i = 0; i < tokens.length; i++) tokens[i] = out.token(i);
                timings.add(String.format("%s: %s (%s, %s, mask tokens %s) on %s %.3f s", c.name(), name, prompt,
                        multimask ? "multimask" : "single mask", Arrays.toString(tokens), backend.name(),
                        (System.nanoTime() - t0) / 1e9));
                Map<String, HostTensor> ours = referenceLayout(out, multimask);
                for (String key : keys) {
                    String rest = Verifier.bare(key).substring(name.length() + 1);
                    TensorStats stats = c.stats().get(key);
                    if (stats == null) continue;   // stored whole only: see wholeTensors
                    HostTensor t = HookKeys.modulePath(key).map(out.moduleOutputs()::get).orElseGet(() -> ours(rest, ours, out));
                    if (t == null) continue;
                    ProbeResult r = isIou(rest)
                            ? absolute(key, t, stats.shape(), c.probe(key), stats.numel(), c.whole(name + ".iou"), absTol)
                            : ProbeComparison.compare(key, t.shape(), t.data(), stats, c.probe(key), tol);
                    done.put(key, r);
                }
                wholeTensors(c, name, out, tol, absTol, wanted, done);
            }
        }
    }

    /** The prompt as recorded: {@code points} [[x, y], …] with {@code labels} (1 positive, 0 negative), and/or {@code box}. */
    static Prompt prompt(JsonNode p, boolean multimask) {
        Prompt.Builder b = Prompt.builder().multimask(multimask);
        JsonNode points = p.path("points");
        JsonNode labels = p.path("labels");
        for (int i = 0; i < points.size(); i++) {
            b.point((float) points.get(i).get(0).asDouble(), (float) points.get(i).get(1).asDouble(), labels.get(i).asInt() == 1);
        }
        JsonNode box = p.path("box");
        if (box.isArray()) {
            b.box(new Box((float) box.get(0).asDouble(), (float) box.get(1).asDouble(), (float) box.get(2).asDouble(),
                    (float) box.get(3).asDouble()));
        }
        return b.build();
    }

    private static boolean isIou(String rest) {
        return rest.endsWith(MASK_DECODER + "1");
    }

    /** Our tensor for a key (the part after {@code inter<i>.}), or null if this build does not produce it. */
    private static HostTensor ours(String rest, Map<String, HostTensor> ours, MaskDecoding out) {
        if (rest.equals("mask_logits")) {
            int n = out.width() * out.height();
            float[] all = new float[out.count() * n];
            for (int i = 0; i < out.count(); i++) System.arraycopy(out.logitsAtOriginalSize(i), 0, all, i * n, n);
            return new HostTensor(new int[] {out.count(), out.height(), out.width()}, all);
        }
        for (Map.Entry<String, HostTensor> e : ours.entrySet()) {
            if (rest.endsWith(e.getKey())) return e.getValue();
        }
        return null;
    }

    /** What the reference mask decoder returns, from all four of our masks and the host's selection. */
    private static Map<String, HostTensor> referenceLayout(MaskDecoding out, boolean multimask) {
        Map<String, HostTensor> ref = new LinkedHashMap<>();
        HostTensor masks = out.lowResMasks();
        int side = masks.shape()[2];
        int ch = out.maskTokens().shape()[2];

        int m = out.count();
        int n = side * side;
        float[] sel = new float[m * n];
        float[] iou = new float[m];
        float[] allIou = out.iouPredictions().data();
        for (int i = 0; i < m; i++) {
            System.arraycopy(masks.data(), out.token(i) * n, sel, i * n, n);
            iou[i] = allIou[out.token(i)];
        }
        ref.put(MASK_DECODER + "0", new HostTensor(new int[] {1, m, side, side}, sel));
        ref.put(MASK_DECODER + "1", new HostTensor(new int[] {1, m}, iou));
        // the reference returns the multimask tokens, or always token 0 for a single mask
        float[] tokens = out.maskTokens().data();
        int first = multimask ? 1 : 0;
        ref.put(MASK_DECODER + "2", new HostTensor(new int[] {1, m, ch},
                Arrays.copyOfRange(tokens, first * ch, (first + m) * ch)));
        ref.put(MASK_DECODER + "3", new HostTensor(new int[] {1, 1}, new float[] {out.objectScoreLogit()}));
        return ref;
    }

    /**
     * Max absolute difference over the probes and, where given, the whole reference tensor (which may have
     * a different but equally sized shape, e.g. {@code [m]} for {@code [1, m]}).
     */
    private static ProbeResult absolute(String key, HostTensor ours, long[] refShape, float[] probe, long numel,
                                        Optional<StoredTensor> whole, double absTol) {
        if (!sameShape(refShape, ours.shape())) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, absTol,
                    "shape " + Arrays.toString(ours.shape()) + " but reference " + Arrays.toString(refShape));
        }
        long[] idx = Probe.indices(numel);
        double maxAbs = 0;
        for (int k = 0; k < idx.length; k++) maxAbs = maxDiff(maxAbs, ours.data()[(int) idx[k]], probe[k]);
        String note = "absolute";
        if (whole.isPresent() && whole.get().numel() == ours.numel()) {
            float[] w = whole.get().toFloats();
            for (int k = 0; k < w.length; k++) maxAbs = maxDiff(maxAbs, ours.data()[k], w[k]);
            note = "absolute, whole tensor";
        }
        boolean ok = maxAbs <= absTol;
        return new ProbeResult(key, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, maxAbs, absTol, note);
    }

    /**
     * {@code inter<i>.iou} (absolute) and {@code inter<i>.low_res_logits} (relative to the reference RMS),
     * stored whole without statistics, when wanted.
     */
    private static void wholeTensors(FixtureCase c, String name, MaskDecoding out, double tol, double absTol,
                                     List<String> wanted, Map<String, ProbeResult> done) throws IOException {
        String iouKey = name + ".iou";
        Optional<StoredTensor> iou = c.whole(iouKey);
        if (wanted.contains(iouKey) && iou.isPresent()) {
            ProbeResult r;
            if (iou.get().numel() != out.count()) {
                r = new ProbeResult(iouKey, ProbeResult.Status.FAIL, Double.NaN, absTol,
                        out.count() + " values but reference " + Arrays.toString(iou.get().shape()));
            } else {
                float[] ref = iou.get().toFloats();
                double maxAbs = 0;
                for (int i = 0; i < ref.length; i++) maxAbs = maxDiff(maxAbs, out.iou(i), ref[i]);
                r = new ProbeResult(iouKey, maxAbs <= absTol ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, maxAbs,
                        absTol, "absolute");
            }
            done.put(iouKey, r);
        }
        String lowKey = name + ".low_res_logits";
        Optional<StoredTensor> low = c.whole(lowKey);
        if (wanted.contains(lowKey) && low.isPresent()) {
            int side = out.side();
            float[] lowRes = new float[out.count() * side * side];
            for (int i = 0; i < out.count(); i++) System.arraycopy(out.lowResLogits(i), 0, lowRes, i * side * side, side * side);
            HostTensor ours = new HostTensor(new int[] {out.count(), side, side}, lowRes);
            ProbeResult r;
            if (!sameShape(low.get().shape(), ours.shape())) {
                r = new ProbeResult(lowKey, ProbeResult.Status.FAIL, Double.NaN, tol,
                        "shape " + Arrays.toString(ours.shape()) + " but reference " + Arrays.toString(low.get().shape()));
            } else {
                float[] ref = low.get().toFloats();
                double maxAbs = 0;
                double sumsq = 0;
                for (int i = 0; i < ref.length; i++) {
                    maxAbs = maxDiff(maxAbs, ours.data()[i], ref[i]);
                    sumsq += (double) ref[i] * ref[i];
                }
                double rms = Math.sqrt(sumsq / ref.length);
                double rel = rms > 0 ? maxAbs / rms : maxAbs;
                r = new ProbeResult(lowKey, rel <= tol ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, rel, tol, "");
            }
            done.put(lowKey, r);
        }
    }

    private static double maxDiff(double maxAbs, float ours, float ref) {
        double d = Math.abs((double) ours - ref);
        if (Double.isNaN(d)) return Double.POSITIVE_INFINITY;
        return Math.max(maxAbs, d);
    }

    private static boolean sameShape(long[] ref, int[] ours) {
        if (ref.length != ours.length) return false;
        for (int i = 0; i < ref.length; i++) if (ref[i] != ours[i]) return false;
        return true;
    }
}
