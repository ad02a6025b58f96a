package org.sam3j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.RunSession;
import org.sam3j.io.StoredTensor;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.runner.ConceptModel;
import org.sam3j.postprocess.ConceptPostprocessor;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.weights.WeightStore;

/**
 * The {@code text<i>} keys: concept prompts (a noun phrase, exemplar boxes, or both). Runs the text
 * encoder and the detector with every intermediate state exported and compares them with the
 * reference's hooks and outputs.
 */
final class ConceptStage implements StageVerifier {
    /** The text the reference encodes for prompts without one. */
    static final String VISUAL = "visual";
    /** Mask-area difference allowed per instance, in pixels (or {@code tol} of the area if larger). */
    static final long AREA_SLACK_PIXELS = 16;

    @Override
    public boolean handles(String bareKey) {
        return bareKey.startsWith("text");
    }

    @Override
    public boolean needsTrackerFeatures() {
        return false;
    }

    @Override
    public void verify(FixtureCase c, Sam3Config config, Backend backend, WeightStore weights, RunSession session,
                       ImageEmbedding embedding,
                       double tol, List<String> wanted, Map<String, ProbeResult> done, List<String> timings)
            throws IOException {
        double scoreTol = config.isReleasedArchitecture() ? 1e-3 : 1e-4;
        ClipTokenizer tokenizer = tokenizerFor(c);
        // which module paths each of the runner's graphs records (see Scope.returns)
        Set<String> textModules = ConceptModel.textGraph(config).moduleOutputs().keySet();
        Set<String> detectorModules = ConceptModel.detectorGraph(config, ConceptModel.MAX_BOXES).moduleOutputs()
                .keySet();
        try (ConceptModel model = new ConceptModel(backend, weights, config)) {
            for (JsonNode p : c.prompts()) {
                if (!"concept".equals(p.path("kind").asText())) continue;
                String key = p.path("key").asText();
                String prefix = key + ".";
                String hookPrefix = "hook." + key + ".";
                if (wanted.stream().noneMatch(k -> k.startsWith(prefix) || k.startsWith(hookPrefix))) continue;

                // the hook keys of this prompt by the module path they name
                Map<String, String> hookPaths = new LinkedHashMap<>();
                for (String k : wanted) {
                    if (k.startsWith(hookPrefix)) HookKeys.modulePath(k).ifPresent(path -> hookPaths.put(k, path));
                }
                Set<String> textPaths = new HashSet<>(hookPaths.values());
                textPaths.retainAll(textModules);
                Set<String> detectorPaths = new HashSet<>(hookPaths.values());
                detectorPaths.retainAll(detectorModules);

                long t0 = System.nanoTime();
                int[] ids;
                if (tokenizer != null) {
                    String phrase = p.hasNonNull("text") ? p.get("text").asText() : VISUAL;
                    ids = tokenizer.tokenize(phrase).ids();
                    if (wanted.contains(prefix + "token_ids")) {
                        float[] f = new float[ids.length];
                        for (int i = 0; i < ids.length; i++) f[i] = ids[i];
                        done.put(prefix + "token_ids", compareWhole(c, prefix + "token_ids", f, 0));
                    }
                } else {
                    ids = tokenIds(c, key);
                    timings.add(c.name() + ": " + key + " uses the fixture's token ids (no tokenizer file beside the fixtures)");
                }
                ConceptModel.TextFeatures text = model.encodeText(session, ids, textPaths);
                long t1 = System.nanoTime();
                List<Float> boxList = new ArrayList<>();
                List<Boolean> labelList = new ArrayList<>();
                JsonNode boxes = p.path("boxes");
                for (int i = 0; i < boxes.size(); i++) {
                    for (JsonNode v : boxes.get(i)) boxList.add((float) v.asDouble());
                    labelList.add(p.path("labels").get(i).asBoolean());
                }
                float[] b = new float[boxList.size()];
                for (int i = 0; i < b.length; i++) b[i] = boxList.get(i);
                boolean[] l = new boolean[labelList.size()];
                for (int i = 0; i < l.length; i++) l[i] = labelList.get(i);
                ConceptModel.Detection det = model.detect(session, null, embedding, text, b, l, detectorPaths);
                long t2 = System.nanoTime();
                timings.add(String.format("%s: %s text encoder %.2f s, detector %.2f s", c.name(), key, (t1 - t0) / 1e9,
                        (t2 - t1) / 1e9));

                Map<String, float[]> byPath = new LinkedHashMap<>();
                text.hooks().forEach((path, t) -> byPath.put(path, t.data()));
                det.hooks().forEach((path, t) -> byPath.put(path, t.data()));
                float[] mask = new float[ids.length];
                for (int i = 0; i < ids.length; i++) mask[i] = text.padding()[i] ? 1f : 0f;
                byPath.put(HookKeys.TEXT_MASK, mask);
                byPath.put(HookKeys.GEOMETRY_MASK, new float[l.length + 1]);
                byPath.put(HookKeys.VALID_RATIOS, new float[] {1f, 1f});

                Map<String, float[]> ours = new LinkedHashMap<>();
                hookPaths.forEach((k, path) -> {
                    if (byPath.containsKey(path)) ours.put(k, byPath.get(path));
                });
                // the prompt's final outputs, as the reference returns them
                ours.put(prefix + "language_features", text.features());
                ours.put(prefix + "language_mask", mask);
                ours.put(prefix + "pred_logits", det.predLogits());
                ours.put(prefix + "pred_boxes", det.predBoxes());
                ours.put(prefix + "presence_logit", new float[] {det.presenceLogit()});
                ours.put(prefix + "pred_masks", det.masks());

                for (Map.Entry<String, float[]> e : ours.entrySet()) {
                    String k = e.getKey();
                    if (!wanted.contains(k)) continue;
                    done.put(k, compareFlat(c, k, e.getValue(), tol));
                }
                float[] scores = ConceptPostprocessor.scores(det.predLogits(), det.presenceLogit());
                if (wanted.contains(prefix + "scores")) {
                    done.put(prefix + "scores", compareWhole(c, prefix + "scores", scores, scoreTol));
                }
                if (wanted.contains(prefix + "top3_index") || wanted.contains(prefix + "top3_masks")) {
                    compareTop3(c, prefix, det, scores, tol, wanted, done);
                }
                float threshold = (float) p.path("threshold").asDouble(ConceptPostprocessor.DEFAULT_THRESHOLD);
                comparePostprocessed(c, prefix, det, scores, threshold, tol, scoreTol, wanted, done);
            }
        }
    }

    /** The CLIP vocabulary of the shared data the fixtures belong to ({@code shared/tokenizer/}), if present. */
    private static ClipTokenizer tokenizerFor(FixtureCase c) throws IOException {
        Path shared = c.image().toAbsolutePath().getParent().resolve("../../..").normalize();
        Path bpe = shared.resolve("tokenizer").resolve(ClipTokenizer.BPE_FILE_NAME);
        return Files.isRegularFile(bpe) ? ClipTokenizer.fromBpeFile(bpe) : null;
    }

    private static int[] tokenIds(FixtureCase c, String key) throws IOException {
        StoredTensor t = c.whole(key + ".token_ids")
                .orElseThrow(() -> new IOException("fixture lacks " + key + ".token_ids"));
        long[] v = t.toLongs();
        int[] ids = new int[v.length];
        for (int i = 0; i < v.length; i++) ids[i] = (int) v[i];
        return ids;
    }

    /** Compares values laid out as the reference tensor (same element order, any shape of that size). */
    private static ProbeResult compareFlat(FixtureCase c, String key, float[] ours, double tol) throws IOException {
        TensorStats stats = c.stats().get(key);
        if (stats == null) return compareWholeRelative(c, key, ours, tol);
        if (stats.numel() != ours.length) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, tol,
                    ours.length + " values but reference has " + stats.numel());
        }
        int[] shape = new int[stats.shape().length];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) stats.shape()[i];
        return ProbeComparison.compare(key, shape, ours, stats, c.probe(key), tol);
    }

    /** Maximum absolute difference / rms of the reference, against a tensor stored whole. */
    private static ProbeResult compareWholeRelative(FixtureCase c, String key, float[] ours, double tol)
            throws IOException {
        StoredTensor ref = c.whole(key).orElse(null);
        if (ref == null) return new ProbeResult(key, ProbeResult.Status.SKIP, Double.NaN, tol, "not recorded");
        float[] r = ref.toFloats();
        if (r.length != ours.length) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, tol, ours.length + " values, reference " + r.length);
        }
        double max = 0;
        double sumsq = 0;
        for (int i = 0; i < r.length; i++) {
            double d = Math.abs((double) ours[i] - r[i]);
            if (!(d <= max)) max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            sumsq += (double) r[i] * r[i];
        }
        double rms = r.length > 0 ? Math.sqrt(sumsq / r.length) : 0;
        double rel = rms > 0 ? max / rms : max;
        return new ProbeResult(key, rel <= tol ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, rel, tol, "whole");
    }

    /** Maximum absolute difference against a tensor stored whole. */
    private static ProbeResult compareWhole(FixtureCase c, String key, float[] ours, double tol) throws IOException {
        StoredTensor ref = c.whole(key).orElse(null);
        if (ref == null) return new ProbeResult(key, ProbeResult.Status.SKIP, Double.NaN, tol, "not stored whole");
        float[] r = ref.toFloats();
        if (r.length != ours.length) {
            return new ProbeResult(key, ProbeResult.Status.FAIL, Double.NaN, tol, ours.length + " values, reference " + r.length);
        }
        double max = 0;
        for (int i = 0; i < r.length; i++) {
            double d = Math.abs((double) ours[i] - r[i]);
            if (!(d <= max)) max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        }
        return new ProbeResult(key, max <= tol ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, max, tol, "absolute");
    }

    /** The {@code final_*} keys: instances above the threshold, in query order, as {@link ConceptPostprocessor}. */
    private static void comparePostprocessed(FixtureCase c, String prefix, ConceptModel.Detection det, float[] scores,
                                             float threshold, double tol, double scoreTol, List<String> wanted,
                                             Map<String, ProbeResult> done) throws IOException {
        int[] kept = ConceptPostprocessor.withThreshold(threshold).keptQueries(scores);
        int w = c.width();
        int h = c.height();
        if (wanted.contains(prefix + "final_scores")) {
            float[] s = new float[kept.length];
            for (int i = 0; i < kept.length; i++) s[i] = scores[kept[i]];
            done.put(prefix + "final_scores", compareWhole(c, prefix + "final_scores", s, scoreTol));
        }
        if (wanted.contains(prefix + "final_boxes_xyxy")) {
            float[] b = new float[4 * kept.length];
            for (int i = 0; i < kept.length; i++) {
                System.arraycopy(ConceptPostprocessor.box(det.predBoxes(), kept[i], w, h).toArray(), 0, b, 4 * i, 4);
            }
            done.put(prefix + "final_boxes_xyxy", compareWholeRelative(c, prefix + "final_boxes_xyxy", b, tol));
        }
        String probsKey = prefix + "final_mask_probs";
        String areaKey = prefix + "final_mask_area";
        if (!wanted.contains(probsKey) && !wanted.contains(areaKey)) return;
        // upsample one instance at a time: all of them at once would take n·H·W floats
        long plane = (long) w * h;
        TensorStats stats = c.stats().get(probsKey);
        long[] idx = stats != null ? Probe.indices(stats.numel()) : new long[0];
        float[] atProbes = new float[idx.length];
        long[] areas = new long[kept.length];
        double sum = 0;
        double sumsq = 0;
        int hw = det.maskSize() * det.maskSize();
        for (int i = 0; i < kept.length; i++) {
            float[] low = java.util.Arrays.copyOfRange(det.masks(), kept[i] * hw, (kept[i] + 1) * hw);
            float[] up = ConceptPostprocessor.upsampleLogits(low, det.maskSize(), det.maskSize(), w, h);
            long area = 0;
            for (int j = 0; j < up.length; j++) {
                float prob = ConceptPostprocessor.sigmoid(up[j]);
                up[j] = prob;
                sum += prob;
                sumsq += (double) prob * prob;
                if (prob > 0.5f) area++;
            }
            areas[i] = area;
            for (int k = 0; k < idx.length; k++) {
                if (idx[k] / plane == i) atProbes[k] = up[(int) (idx[k] % plane)];
            }
        }
        if (wanted.contains(probsKey) && stats != null) {
            if (stats.numel() != kept.length * plane) {
                done.put(probsKey, new ProbeResult(probsKey, ProbeResult.Status.FAIL, Double.NaN, tol,
                        kept.length + " instances kept, reference " + stats.numel() / plane));
            } else {
                done.put(probsKey, ProbeComparison.compareProbed(probsKey, stats, c.probe(probsKey), atProbes, sum, sumsq,
                        tol));
            }
        }
        if (wanted.contains(areaKey)) {
            long[] ref = c.whole(areaKey).orElseThrow(() -> new IOException("no " + areaKey)).toLongs();
            // pixels whose upsampled logit lies within float noise of 0 may flip: allow a few per instance
            boolean ok = ref.length == areas.length;
            long worst = 0;
            for (int i = 0; i < Math.min(ref.length, areas.length); i++) {
                long diff = Math.abs(ref[i] - areas[i]);
                worst = Math.max(worst, diff);
                ok &= diff <= Math.max(AREA_SLACK_PIXELS, tol * ref[i]);
            }
            done.put(areaKey, new ProbeResult(areaKey, ok ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, worst,
                    AREA_SLACK_PIXELS, ref.length == areas.length ? "pixels, worst instance"
                            : areas.length + " instances, reference " + ref.length));
        }
    }

    private static void compareTop3(FixtureCase c, String prefix, ConceptModel.Detection det, float[] scores, double tol,
                                    List<String> wanted, Map<String, ProbeResult> done) throws IOException {
        long[] refIdx = c.whole(prefix + "top3_index").orElseThrow(() -> new IOException("no " + prefix + "top3_index"))
                .toLongs();
        int[] ours = topK(scores, refIdx.length);
        boolean same = true;
        for (int i = 0; i < refIdx.length; i++) same &= ours[i] == refIdx[i];
        if (wanted.contains(prefix + "top3_index")) {
            done.put(prefix + "top3_index", new ProbeResult(prefix + "top3_index",
                    same ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, same ? 0 : 1, 0,
                    "ours " + java.util.Arrays.toString(ours) + ", reference " + java.util.Arrays.toString(refIdx)));
        }
        if (wanted.contains(prefix + "top3_masks")) {
            int hw = det.maskSize() * det.maskSize();
            float[] m = new float[refIdx.length * hw];
            for (int i = 0; i < refIdx.length; i++) System.arraycopy(det.masks(), (int) refIdx[i] * hw, m, i * hw, hw);
            done.put(prefix + "top3_masks", compareFlat(c, prefix + "top3_masks", m, tol));
        }
    }

    private static int[] topK(float[] s, int k) {
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < s.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Float.compare(s[b], s[a]));
        int[] r = new int[k];
        for (int i = 0; i < k; i++) r[i] = order[i];
        return r;
    }
}
