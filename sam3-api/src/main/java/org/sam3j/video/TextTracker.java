package org.sam3j.video;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.RunSession;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.model.tracker.MemoryEncoder;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.runner.ConceptModel;

/**
 * The detector+tracker ("text") path of SAM 3 on one video ({@code Sam3VideoInference}: {@code add_prompt} with a
 * text, then {@code propagate_in_video}), one frame at a time ({@code _det_track_one_frame}):
 * <ol>
 *   <li>the detector on the frame, its mask NMS and the kept detections ({@link VideoDetector});</li>
 *   <li>every tracker state (one per birth frame, never merged) tracks the frame without encoding its memory;
 *       the low-resolution logits of all objects are hole-filled ({@link HoleFilling});</li>
 *   <li>detections are associated with the tracks ({@link Association}); new ones get the next ids;</li>
 *   <li>hotstart bookkeeping removes objects that were unmatched or duplicated too often soon after birth;
 *       periodic reconditioning re-prompts objects with their high-confidence detection; occlusion-based
 *       suppression empties the more recently occluded of two overlapping objects; the propagated masks are
 *       encoded into memory at 1152² (area-shrinkage suppression under a pixel-wise non-overlap, object score
 *       ±10 from "mask non-empty", sigmoid masks);</li>
 *   <li>the new objects form one new state: each is added as a mask prompt ({@code add_new_mask}: the mask is the
 *       output, the SAM heads only give its object pointer), then the state's conditioning memory is encoded from
 *       the binarised masks;</li>
 *   <li>outputs: tracked objects from their propagated logits, new ones from their hole-filled detection, at the
 *       video's size; empty, suppressed and removed objects are dropped; boxes from the masks; then an object-wise
 *       non-overlap by tracker score.</li>
 * </ol>
 * Propagation holds outputs back {@code hotstart_delay} frames (all at the last frame), so that objects removed
 * in their hotstart window are never shown, as the reference does.
 *
 * <p>State is bounded: per tracker state a {@link MemoryBank} (what the memory selection can still read) and the
 * stored outputs of conditioning frames not yet passed; per object a few counters (hotstart counts instead of
 * frame lists, the last occlusion frame, the keep-alive counter) — removed objects are forgotten; per frame only
 * the current frame's features and detections; the output buffer holds at most {@code hotstart_delay} frames of
 * video-size masks. Not thread-safe.
 */
final class TextTracker implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.sam3j.internal.Log.get(TextTracker.class);
    /** Mask logit of an object present / absent in a prompt mask at video resolution ({@code NO_OBJ_SCORE}). */
    private static final float NO_OBJ = 1024f;
    /** {@code last_occluded} of an object never occluded, and of one removed before it had a record. */
    private static final int NEVER_OCCLUDED = -1;
    private static final int ALWAYS_OCCLUDED = 100_000;
    /** {@code _use_mask_as_output}: mask → logits scale and bias. */
    private static final float MASK_OUT_SCALE = 20f;
    private static final float MASK_OUT_BIAS = -10f;
    /** Area ratio under the pixel-wise non-overlap below which a mask is suppressed before memory encoding. */
    private static final float SHRINK_THRESHOLD = 0.3f;
    /** Object-score logit above which a tracked object may be reconditioned. */
    private static final float RECONDITION_SCORE = 0.8f;

    /**
     * One frame's result.
     *
     * @param frame        frame index
     * @param objectIds    object ids, ascending
     * @param probs        per object its detection score at birth ({@code out_probs})
     * @param boxesXywh    per object the normalised box of its mask before the object-wise non-overlap
     * @param boxes        the same boxes in pixel-edge coordinates
     * @param masks        per object the mask at video size ({@code H·W}, row-major), after the non-overlap
     * @param width        video width
     * @param height       video height
     */
    record FrameOutput(int frame, long[] objectIds, float[] probs, float[][] boxesXywh, org.sam3j.Box[] boxes,
                       boolean[][] masks, int width, int height) {}

    /** What a step leaves for its (possibly delayed) output. */
    private record RawOutput(int frame, Map<Long, boolean[]> masks, Map<Long, Float> scores,
                             Map<Long, Float> trackerScores, Set<Long> suppressed) {}

    /** A conditioning frame's stored outputs (returned when the state "tracks" that frame again). */
    private record Stored(float[][] lowRes, float[] scores) {}

    /** A frame tracked but not yet encoded into memory. */
    private record Pending(int frame, float[][] lowRes, float[][] pointers, float[] scores, float[] maxIous, float eff) {}

    /** One tracker inference state: the objects born on one frame. */
    private final class State {
        final List<Long> ids;
        final int birth;
        MemoryBank bank = new MemoryBank(engine.settings());
        final Map<Integer, Stored> stored = new HashMap<>();
        /** Per kept tracked frame the objects' score logits and best IoUs (to recompute eff_iou_score on removal). */
        final Map<Integer, float[][]> effInputs = new HashMap<>();
        Pending pending;

        State(List<Long> ids, int birth) {
            this.ids = new ArrayList<>(ids);
            this.birth = birth;
        }

        String key() {
            StringBuilder b = new StringBuilder("s");
            for (int i = 0; i < ids.size(); i++) b.append(i == 0 ? "" : "_").append(ids.get(i));
            return b.toString();
        }
    }

    private final TrackerEngine engine;
    private final VideoDetector detector;
    private final TextTrackingSettings settings;
    private final TextTrackingHeuristics heuristics;
    private final ConceptModel.TextFeatures text;
    private final VideoTracker.FrameProvider frames;
    private final int numFrames;
    private final TrackerHooks hooks;
    private final RunSession session = new RunSession();

    private TrackerEngine.Frame current;
    private VideoDetector.FrameDetections currentDetections;
    private int width = -1;
    private int height = -1;

    private final List<State> states = new ArrayList<>();
    private final List<Long> objectIds = new ArrayList<>();
    private long maxObjectId = -1;
    private final Map<Long, Float> birthScores = new HashMap<>();
    private final Map<Long, Integer> firstFrame = new HashMap<>();
    private final Map<Long, Integer> keepAlive = new HashMap<>();
    /** Hotstart: per object the number of unmatched frames (the reference keeps the frame lists; only counts matter). */
    private final Map<Long, Integer> unmatchedCount = new LinkedHashMap<>();
    /** Hotstart: per (earlier object, later object) the number of frames both matched one detection. */
    private final Map<List<Long>, Integer> overlapCount = new LinkedHashMap<>();
    private final Set<Long> removed = new LinkedHashSet<>();
    private Map<Long, Integer> lastOccluded = new LinkedHashMap<>();
    /** The per-frame maps of the reference, kept for the current frame only (a frame may be processed twice). */
    private int metaFrame = -1;
    private Map<Long, Float> trackerScores = new LinkedHashMap<>();
    private Set<Long> suppressed = new LinkedHashSet<>();

    private boolean prompted;
    private boolean propagated;

    TextTracker(TrackerEngine engine, VideoDetector detector, TextTrackingSettings settings,
                TextTrackingHeuristics heuristics, ConceptModel.TextFeatures text, VideoTracker.FrameProvider frames,
                int numFrames, TrackerHooks hooks) {
        if (numFrames < 1) throw new IllegalArgumentException("a video needs at least one frame, got " + numFrames);
        this.engine = Objects.requireNonNull(engine, "engine");
        this.detector = Objects.requireNonNull(detector, "detector");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.heuristics = Objects.requireNonNull(heuristics, "heuristics");
        this.text = Objects.requireNonNull(text, "text");
        this.frames = Objects.requireNonNull(frames, "frames");
        this.numFrames = numFrames;
        this.hooks = hooks == null ? TrackerHooks.NONE : hooks;
    }

    int numFrames() {
        return numFrames;
    }

    /** Tracker states alive (objects born on one frame share one). */
    int stateCount() {
        return states.size();
    }

    /** Bytes of memory features and pointers all states keep. */
    long retainedBytes() {
        long b = 0;
        for (State s : states) b += s.bank.bytes();
        return b;
    }

    /**
     * The text prompt on {@code frame} ({@code add_prompt}): runs the whole step on that frame and returns its
     * output at once (nothing hidden but empty masks).
     */
    FrameOutput addPrompt(int frame) {
        checkFrame(frame);
        if (prompted) throw new IllegalStateException("the text prompt was already given");
        prompted = true;
        RawOutput raw = step(frame, "a" + frame + ".");
        return postprocess(raw, Set.of(), Set.of(), "a" + frame + ".");
    }

    /**
     * Propagates from {@code start} to {@code last} (inclusive; {@code start} is processed again when it was the
     * prompted frame, as the reference does), handing each frame's output to {@code consumer} in frame order, up to
     * {@code hotstart_delay} frames late.
     */
    void propagate(int start, int last, Consumer<FrameOutput> consumer) {
        checkFrame(start);
        checkFrame(last);
        if (last < start) throw new IllegalArgumentException("last frame " + last + " before start " + start);
        if (!prompted) throw new IllegalStateException("no text prompt was given");
        if (propagated) throw new IllegalStateException("already propagated");
        propagated = true;
        Deque<RawOutput> buffer = new ArrayDeque<>();
        Set<Long> hidden = new LinkedHashSet<>();
        for (int t = start; t <= last; t++) {
            RawOutput raw = step(t, "f" + t + ".");
            hidden.addAll(removed);
            if (heuristics.hotstartDelay() <= 0) {
                consumer.accept(postprocess(raw, hidden, raw.suppressed(), "f" + t + "."));
                continue;
            }
            buffer.addLast(raw);
            if (t == last) {
                while (!buffer.isEmpty()) {
                    RawOutput r = buffer.removeFirst();
                    consumer.accept(postprocess(r, hidden, r.suppressed(), "f" + r.frame() + "."));
                }
            } else if (buffer.size() >= heuristics.hotstartDelay()) {
                RawOutput r = buffer.removeFirst();
                consumer.accept(postprocess(r, hidden, r.suppressed(), "f" + r.frame() + "."));
            }
        }
    }

    private void checkFrame(int frame) {
        if (frame < 0 || frame >= numFrames) {
            throw new IllegalArgumentException("frame " + frame + " is outside the video's " + numFrames + " frames");
        }
    }

    /** The frame's features and detections; the previous frame's are released (a repeated frame reuses them). */
    private TrackerEngine.Frame frame(int t) {
        if (current != null && current.index() == t) return current;
        if (current != null) {
            frames.release(current);
            current = null;
            currentDetections = null;
        }
        current = frames.acquire(t);
        width = current.embedding().originalWidth();
        height = current.embedding().originalHeight();
        long t0 = System.nanoTime();
        currentDetections = hooks.enabled()
                ? detector.detect(session, current.embedding(), text, true, (k, v) -> hooks.accept("f" + t + ".det." + k, v))
                : detector.detect(session, current.embedding(), text, false);
        LOG.debug("frame {}: detector {} ms", t, (System.nanoTime() - t0) / 1_000_000);
        return current;
    }

    // ---------------------------------------------------------------------------------------------------------
    // the per-frame step

    private RawOutput step(int t, String pre) {
        TrackerEngine.Frame f = frame(t);
        VideoDetector.FrameDetections d = currentDetections;
        if (metaFrame != t) {
            metaFrame = t;
            trackerScores = new LinkedHashMap<>();
            suppressed = new LinkedHashSet<>();
        }
        int side = engine.lowResSize();
        int hw = side * side;
        // 1. detections
        int n = d.kept().length;
        float[] detScores = d.keptScores();
        float[] detMasks = d.keptMasks();
        boolean[][] detBin = new boolean[n][];
        for (int i = 0; i < n; i++) detBin[i] = MaskOps.binarize(detMasks, i * hw, hw);
        if (hooks.enabled()) {
            float[] xyxy = d.boxesXyxy();
            float[] kept = new float[4 * n];
            for (int i = 0; i < n; i++) System.arraycopy(xyxy, 4 * d.kept()[i], kept, 4 * i, 4);
            hooks.accept(pre + "det_out.scores", new HostTensor(new int[] {n}, detScores.clone()));
            hooks.accept(pre + "det_out.bbox_xyxy", new HostTensor(new int[] {n, 4}, kept));
            hooks.accept(pre + "det_out.mask", new HostTensor(new int[] {n, side, side}, detMasks.clone()));
        }
        // 2. propagation of every state, without memory encoding
        long[] prevIds = objectIds.stream().mapToLong(Long::longValue).toArray();
        int m = prevIds.length;
        float[][] trk = new float[m][];
        float[] trkScores = new float[m];
        int k = 0;
        for (State s : states) {
            Stored out = propagateState(s, f, pre);
            for (int o = 0; o < s.ids.size(); o++) {
                trk[k] = HoleFilling.fill(out.lowRes()[o], side, side, settings.fillHoleArea());
                trkScores[k] = out.scores()[o];
                k++;
            }
        }
        if (k != m) throw new IllegalStateException("states hold " + k + " objects, " + m + " expected");
        boolean[][] trkBin = new boolean[m][];
        for (int j = 0; j < m; j++) trkBin[j] = MaskOps.binarize(trk[j], 0, hw);
        if (hooks.enabled()) {
            hooks.meta(pre + "trk_prop.obj_ids", prevIds.clone());
            hooks.accept(pre + "trk_prop.masks", new HostTensor(new int[] {m, side, side}, cat(trk, m * hw)));
            hooks.accept(pre + "trk_prop.obj_scores", new HostTensor(new int[] {m}, trkScores.clone()));
        }
        // 3. association and new ids
        Association.Result a = Association.associate(detBin, detScores, trkBin, prevIds, settings);
        int[] newDet = limitNewDetections(a.newDetections(), detScores, m);
        long[] newIds = new long[newDet.length];
        for (int i = 0; i < newIds.length; i++) newIds[i] = maxObjectId + 1 + i;
        if (hooks.enabled()) emitAssociation(pre, a, n, m);
        // 4. hotstart, reconditioning, occlusion suppression, memory update
        Set<Long> newlyRemoved = hotstart(t, a, newIds);
        if (hooks.enabled()) hooks.meta(pre + "hotstart.newly_removed", List.copyOf(newlyRemoved));
        if (heuristics.reconditionEveryNthFrame() > 0 && t % heuristics.reconditionEveryNthFrame() == 0
                && !a.highConfDetOfTrack().isEmpty()) {
            recondition(f, a.highConfDetOfTrack(), detMasks, prevIds, trkScores);
        }
        if (m > 0) {
            if (heuristics.occlusionSuppressThreshold() > 0f) suppressOccluded(t, trk, prevIds, newlyRemoved, pre);
            else lastOccluded = new LinkedHashMap<>();
            updateMemories(f, trk, pre);
        } else {
            lastOccluded = new LinkedHashMap<>();
        }
        // metadata: new and removed objects
        for (int i = 0; i < newIds.length; i++) {
            objectIds.add(newIds[i]);
            birthScores.put(newIds[i], detScores[newDet[i]]);
            trackerScores.put(newIds[i], detScores[newDet[i]]);
            maxObjectId = Math.max(maxObjectId, newIds[i]);
        }
        for (long id : newlyRemoved) {
            objectIds.remove(id);
            trackerScores.put(id, -1e4f);
            lastOccluded.remove(id);
        }
        // 5. new objects, removals
        if (newIds.length > 0) {
            float[][] masks = new float[newDet.length][];
            for (int i = 0; i < newDet.length; i++) masks[i] = Arrays.copyOfRange(detMasks, newDet[i] * hw, (newDet[i] + 1) * hw);
            addNewObjects(f, newIds, masks, pre);
        }
        if (!newlyRemoved.isEmpty()) removeObjects(newlyRemoved);
        // 6. outputs
        Map<Long, boolean[]> masks = new LinkedHashMap<>();
        for (int j = 0; j < m; j++) masks.put(prevIds[j], videoMask(trk[j]));
        for (int i = 0; i < newIds.length; i++) {
            float[] det = Arrays.copyOfRange(detMasks, newDet[i] * hw, (newDet[i] + 1) * hw);
            masks.put(newIds[i], videoMask(HoleFilling.fill(det, side, side, settings.fillHoleArea())));
        }
        for (int j = 0; j < m; j++) trackerScores.put(prevIds[j], TrackerEngine.sigmoid(trkScores[j]));
        Map<Long, Float> scores = new LinkedHashMap<>();
        for (long id : masks.keySet()) scores.put(id, birthScores.getOrDefault(id, -1e4f));
        for (long id : newlyRemoved) scores.put(id, -1e4f);
        if (hooks.enabled()) emitMeta(pre, masks);
        RawOutput raw = new RawOutput(t, masks, scores, new LinkedHashMap<>(trackerScores), Set.copyOf(suppressed));
        forgetRemoved(t);
        return raw;
    }

    /** {@code max_num_objects}: keeps the highest-scoring new detections that fit. */
    private int[] limitNewDetections(int[] fresh, float[] scores, int tracked) {
        int room = heuristics.maxNumObjects() - tracked;
        if (fresh.length <= room) return fresh;
        int keep = Math.max(room, 0);
        LOG.warn("{} objects tracked, {} new detections: keeping {} (max_num_objects {})", tracked, fresh.length, keep,
                heuristics.maxNumObjects());
        Integer[] order = new Integer[fresh.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        // numpy's argsort reversed: descending score, ties by descending position
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> scores[fresh[i]]).thenComparingInt(i -> i).reversed());
        int[] out = new int[keep];
        for (int i = 0; i < keep; i++) out[i] = fresh[order[i]];
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // tracking of one state on one frame

    private Stored propagateState(State s, TrackerEngine.Frame f, String pre) {
        int t = f.index();
        Stored st = s.stored.get(t);
        if (st != null) return st;   // a conditioning frame: its stored outputs, no tracking
        int b = s.ids.size();
        int n = engine.grid() * engine.grid();
        int c = engine.dim();
        int memDim = MemoryEncoder.MEM_DIM;
        String p = pre + "trk." + s.key() + ".";
        TrackerSettings ts = engine.settings();
        MemoryBank bank = s.bank;
        Map<Integer, MemoryBank.Entry> selected = bank.selectedConditioning(t);
        Map<Integer, MemoryBank.Entry> unselected = bank.unselectedConditioning(selected);
        List<Integer> valid = bank.frameFilter(t, numFrames);
        if (hooks.enabled()) {
            hooks.meta(p + "is_init_cond_frame", false);
            hooks.meta(p + "mem_sel.cond_frames", List.copyOf(selected.keySet()));
            hooks.meta(p + "mem_sel.unselected_cond_frames", List.copyOf(unselected.keySet()));
            hooks.meta(p + "mem_sel.valid_indices", List.copyOf(valid));
            hooks.meta(p + "mem_sel.eff_iou_scores_seen", bank.effIouScores());
        }
        // spatial memories: conditioning frames (t_pos 0), then the last num_maskmem − 1 entries of the filter
        List<MemoryBank.Entry> spatial = new ArrayList<>();
        List<Integer> tpos = new ArrayList<>();
        for (MemoryBank.Entry e : selected.values()) {
            spatial.add(e);
            tpos.add(0);
        }
        for (int tp = 1; tp < ts.numMaskmem(); tp++) {
            int rel = ts.numMaskmem() - tp;
            if (rel > valid.size()) continue;
            int frame = valid.get(valid.size() - rel);
            MemoryBank.Entry e = bank.tracked(frame);
            if (e == null) e = unselected.get(frame);
            if (e == null) continue;   // a selected conditioning frame (already attended) or a frame never tracked
            if (e.features == null) throw new IllegalStateException("memory of frame " + frame + " was dropped but is read at " + t);
            spatial.add(e);
            tpos.add(tp);
        }
        // object pointers: selected conditioning frames not after t, then the filter's frames by rank
        List<float[][]> ptrs = new ArrayList<>();
        List<Integer> rel = new ArrayList<>();
        for (MemoryBank.Entry e : selected.values()) {
            if (e.frame <= t) {
                ptrs.add(e.pointers);
                rel.add(t - e.frame);
            }
        }
        int maxPtrs = Math.min(numFrames, ts.maxObjPtrsInEncoder());
        for (int dd = 1; dd < maxPtrs; dd++) {
            if (dd >= valid.size()) break;
            int frame = valid.get(valid.size() - dd);
            MemoryBank.Entry e = bank.tracked(frame);
            if (e == null) e = unselected.get(frame);
            if (e != null) {
                ptrs.add(e.pointers);
                rel.add(dd);
            }
        }
        int[] relPos = rel.stream().mapToInt(Integer::intValue).toArray();
        float[][] ptrPos = engine.pointerTpos(relPos, maxPtrs);
        TrackerEngine.MemoryPrompt prompt = engine.memoryPrompt(spatial, tpos, ptrs, ptrPos, java.util.stream.IntStream.range(0, b).toArray());
        int ptrTokens = prompt.pointerTokens();
        float[] memory = prompt.memory();
        float[] memoryPos = prompt.position();
        int len = spatial.size() * n + ptrTokens;
        long t0 = System.nanoTime();
        float[][] attn = engine.attend(f, b, memory, memoryPos, spatial.size(), ptrTokens);
        LOG.debug("frame {} state {}: memory attention over {} frames + {} pointer tokens {} ms", t, s.key(),
                spatial.size(), ptrTokens, (System.nanoTime() - t0) / 1_000_000);
        if (hooks.enabled()) {
            hooks.meta(p + "obj_ptr_tpos.rel_pos", Arrays.stream(relPos).boxed().toList());
            hooks.meta(p + "obj_ptr_tpos.max_abs_pos", maxPtrs);
            hooks.meta(p + "mem_attn.num_obj_ptr_tokens", ptrTokens);
            float[] tposAll = new float[ptrPos.length * memDim];
            for (int q = 0; q < ptrPos.length; q++) System.arraycopy(ptrPos[q], 0, tposAll, q * memDim, memDim);
            hooks.accept(p + "obj_ptr_tpos", new HostTensor(new int[] {ptrPos.length, memDim}, tposAll));
            float[] src = new float[b * n * c];
            float[] srcPos = new float[b * n * c];
            for (int o = 0; o < b; o++) {
                System.arraycopy(f.pixFeat(), 0, src, o * n * c, n * c);
                System.arraycopy(engine.sourcePosition(), 0, srcPos, o * n * c, n * c);
            }
            hooks.accept(p + "mem_attn.src", Layouts.batchToSequenceFirst(src, b, n, c));
            hooks.accept(p + "mem_attn.src_pos", Layouts.batchToSequenceFirst(srcPos, b, n, c));
            hooks.accept(p + "mem_attn.prompt", Layouts.batchToSequenceFirst(memory, b, len, memDim));
            hooks.accept(p + "mem_attn.prompt_pos", Layouts.batchToSequenceFirst(memoryPos, b, len, memDim));
            hooks.accept(p + "mem_attn.layer0", new HostTensor(new int[] {b, n, c}, attn[0]));
            hooks.accept(p + "mem_attn.out", Layouts.batchToSequenceFirst(attn[1], b, n, c));
            hooks.accept(p + "pix_feat_with_mem", Layouts.nhwcToNchw(attn[1], b, engine.grid(), engine.grid(), c));
        }
        TrackerEngine.Heads[] heads = new TrackerEngine.Heads[b];
        float[][] low = new float[b][];
        float[] scores = new float[b];
        float[][] pointers = new float[b][];
        float[] maxIous = new float[b];
        for (int o = 0; o < b; o++) {
            float[] cond = Arrays.copyOfRange(attn[1], o * n * c, (o + 1) * n * c);
            heads[o] = engine.heads(session, f, cond, null, true);
            low[o] = heads[o].lowResSelected(engine.lowResSize());
            scores[o] = heads[o].objScore();
            pointers[o] = heads[o].objPtr();
            maxIous[o] = heads[o].maxIou();
        }
        float eff = VideoTracker.effIouScore(heads);
        if (hooks.enabled()) {
            hooks.meta(p + "sam.multimask_output", true);
            VideoTracker.emitHeads(engine, hooks, p, heads, low);
            hooks.accept(p + "eff_iou_score", new HostTensor(new int[] {1}, new float[] {eff}));
        }
        s.pending = new Pending(t, low, pointers, scores, maxIous, eff);
        return new Stored(low, scores);
    }

    // ---------------------------------------------------------------------------------------------------------
    // heuristics

    /** {@code _process_hotstart}: counters, removal of unmatched or duplicated objects young enough. */
    private Set<Long> hotstart(int t, Association.Result a, long[] newIds) {
        Set<Long> newlyRemoved = new LinkedHashSet<>();
        int hotstartDiff = t - heuristics.hotstartDelay();
        for (long id : newIds) {
            firstFrame.putIfAbsent(id, t);
            keepAlive.put(id, heuristics.initTrkKeepAlive());
        }
        Set<Long> matched = new LinkedHashSet<>();
        for (long[] ids : a.detToMatchedTrackIds().values()) for (long id : ids) matched.add(id);
        for (long id : matched) keepAlive.put(id, Math.min(heuristics.maxTrkKeepAlive(), keepAlive.getOrDefault(id, 0) + 1));
        for (long id : a.unmatchedTrackIds()) {
            unmatchedCount.merge(id, 1, Integer::sum);
            keepAlive.put(id, Math.max(heuristics.minTrkKeepAlive(), keepAlive.getOrDefault(id, 0) - 1));
        }
        if (heuristics.decreaseKeepAliveForEmptyMasklets()) {
            for (long id : a.emptyTrackIds()) {
                keepAlive.put(id, Math.max(heuristics.minTrkKeepAlive(), keepAlive.getOrDefault(id, 0) - 1));
            }
        }
        for (Map.Entry<Long, Integer> e : unmatchedCount.entrySet()) {
            long id = e.getKey();
            if (removed.contains(id) || newlyRemoved.contains(id)) continue;
            if (e.getValue() >= heuristics.hotstartUnmatchThresh() && firstFrame.get(id) > hotstartDiff) {
                newlyRemoved.add(id);
                LOG.debug("frame {}: removing object {}, unmatched on {} frames", t, id, e.getValue());
            }
            if (keepAlive.getOrDefault(id, 0) <= 0 && !heuristics.suppressUnmatchedOnlyWithinHotstart()
                    && !newlyRemoved.contains(id)) {
                suppressed.add(id);
            }
        }
        for (long[] ids : a.detToMatchedTrackIds().values()) {
            if (ids.length < 2) continue;
            long first = ids[0];   // the earliest born (Python's min keeps the first of ties)
            for (long id : ids) if (firstFrame.get(id) < firstFrame.get(first)) first = id;
            for (long id : ids) if (id != first) overlapCount.merge(List.of(first, id), 1, Integer::sum);
        }
        for (Map.Entry<List<Long>, Integer> e : overlapCount.entrySet()) {
            long id = e.getKey().get(1);
            if (removed.contains(id) || newlyRemoved.contains(id)) continue;
            if (firstFrame.get(id) > hotstartDiff && e.getValue() >= heuristics.hotstartDupThresh()) {
                newlyRemoved.add(id);
                LOG.debug("frame {}: removing object {}, duplicate of {} on {} frames", t, id, e.getKey().get(0), e.getValue());
            }
        }
        removed.addAll(newlyRemoved);
        return newlyRemoved;
    }

    /**
     * {@code _suppress_overlapping_based_on_recent_occlusion}: of two objects whose masks overlap by at least the
     * threshold, the one occluded more recently (and occluded at all) is emptied (logits −10); occluded (empty) or
     * suppressed objects record this frame. In place.
     */
    private void suppressOccluded(int t, float[][] trk, long[] ids, Set<Long> newlyRemoved, String pre) {
        int m = ids.length;
        int hw = trk[0].length;
        boolean[][] bin = new boolean[m][];
        for (int j = 0; j < m; j++) bin[j] = MaskOps.binarize(trk[j], 0, hw);
        int[] last = new int[m];
        for (int j = 0; j < m; j++) {
            Integer v = lastOccluded.get(ids[j]);
            last[j] = v != null ? v : newlyRemoved.contains(ids[j]) ? ALWAYS_OCCLUDED : NEVER_OCCLUDED;
        }
        boolean[] suppress = new boolean[m];
        if (m > 1) {
            float[][] iou = MaskOps.ious(bin, bin);
            for (int i = 0; i < m; i++) {
                for (int j = i + 1; j < m; j++) {
                    if (!(iou[i][j] >= heuristics.occlusionSuppressThreshold())) continue;
                    if (last[i] > last[j] && last[j] > NEVER_OCCLUDED) suppress[i] = true;
                    if (last[j] > last[i] && last[i] > NEVER_OCCLUDED) suppress[j] = true;
                }
            }
            if (hooks.enabled()) {
                float[] flat = new float[m * m];
                for (int i = 0; i < m; i++) System.arraycopy(iou[i], 0, flat, i * m, m);
                hooks.accept(pre + "occlusion.ious", new HostTensor(new int[] {m, m}, flat));
            }
        }
        Map<Long, Integer> next = new LinkedHashMap<>();
        long[] lastNew = new long[m];
        long[] supp = new long[m];
        for (int j = 0; j < m; j++) {
            boolean occluded = !MaskOps.any(bin[j]);
            lastNew[j] = occluded || suppress[j] ? t : last[j];
            supp[j] = suppress[j] ? 1 : 0;
            next.put(ids[j], (int) lastNew[j]);
            if (suppress[j]) {
                Arrays.fill(trk[j], -10f);
                LOG.debug("frame {}: suppressing object {} (occluded more recently than an overlapping object)", t, ids[j]);
            }
        }
        lastOccluded = next;
        if (hooks.enabled()) {
            hooks.meta(pre + "occlusion.last_occluded", lastNew);
            hooks.meta(pre + "occlusion.to_suppress", supp);
        }
    }

    /**
     * {@code _tracker_update_memories}: the propagated logits (after suppression) at the mask encoder's size
     * (1152², bilinear); an object whose area under the pixel-wise non-overlap shrinks below 30 % is clamped to at
     * most −10; object score ±10 from "mask non-empty"; each state's memory of this frame from sigmoid masks.
     */
    private void updateMemories(TrackerEngine.Frame f, float[][] trk, String pre) {
        int t = f.index();
        int m = trk.length;
        int side = engine.lowResSize();
        int big = MemoryEncoder.MASK_SIZE;
        float[][] high = new float[m][];
        for (int j = 0; j < m; j++) high[j] = BilinearResize.resize(trk[j], side, side, big, big);
        float[] ratio = new float[m];
        if (m > 1) {
            float[][] exclusive = new float[m][];
            for (int j = 0; j < m; j++) exclusive[j] = high[j].clone();
            TrackerEngine.nonOverlap(exclusive);
            for (int j = 0; j < m; j++) {
                int before = 0;
                int after = 0;
                for (int px = 0; px < high[j].length; px++) {
                    if (high[j][px] > 0) before++;
                    if (exclusive[j][px] > 0) after++;
                }
                ratio[j] = (float) after / Math.max(before, 1);
            }
        } else {
            ratio[0] = MaskOps.any(MaskOps.binarize(high[0], 0, high[0].length)) ? 1f : 0f;
        }
        float[] scores = new float[m];
        for (int j = 0; j < m; j++) {
            if (!(ratio[j] >= SHRINK_THRESHOLD)) for (int px = 0; px < high[j].length; px++) high[j][px] = Math.min(high[j][px], -10f);
            boolean any = false;
            for (float v : high[j]) if (v > 0) {
                any = true;
                break;
            }
            scores[j] = any ? 10f : -10f;
        }
        if (hooks.enabled()) {
            hooks.accept(pre + "mem_update.low_res_masks_in", new HostTensor(new int[] {m, side, side}, cat(trk, m * side * side)));
            hooks.accept(pre + "mem_update.shrink_area_ratio", new HostTensor(new int[] {m}, ratio.clone()));
        }
        int k = 0;
        for (State s : states) {
            int b = s.ids.size();
            float[][] h = Arrays.copyOfRange(high, k, k + b);
            float[] sc = Arrays.copyOfRange(scores, k, k + b);
            k += b;
            TrackerEngine.Memory mem = engine.encodeMemory(session, f, h, big, sc, false, hooks.enabled());
            if (hooks.enabled()) {
                String p = pre + "mem_update." + s.key() + ".";
                hooks.meta(p + "mem_enc.is_mask_from_pts", false);
                mem.hooks().forEach((key, v) -> hooks.accept(p + key, v));
            }
            if (s.stored.containsKey(t)) {   // a conditioning frame: its memory is re-encoded, its pointers kept
                MemoryBank.Entry old = conditioning(s, t);
                s.bank.putConditioning(new MemoryBank.Entry(t, mem.features(), old.pointers, 0f));
                s.pending = null;   // a frame reconditioned after tracking is a conditioning frame only
            } else {
                Pending p = s.pending;
                if (p == null || p.frame() != t) throw new IllegalStateException("state " + s.key() + " did not track frame " + t);
                s.bank.addTracked(new MemoryBank.Entry(t, mem.features(), p.pointers(), p.eff()));
                s.effInputs.put(t, new float[][] {p.scores(), p.maxIous()});
                s.effInputs.keySet().removeIf(fr -> s.bank.tracked(fr) == null);
                s.pending = null;
            }
        }
    }

    private static MemoryBank.Entry conditioning(State s, int t) {
        MemoryBank.Entry e = s.bank.selectedConditioning(t).get(t);
        if (e == null) e = s.bank.unselectedConditioning(s.bank.selectedConditioning(t)).get(t);
        if (e == null) throw new IllegalStateException("state " + s.key() + " has no conditioning memory on frame " + t);
        return e;
    }

    /**
     * {@code _recondition_masklets}: each object with a high-confidence detection and an object score above 0.8
     * is prompted again with that detection's mask on this frame, which becomes a conditioning frame of its state
     * (the state's other objects keep this frame's propagated outputs).
     */
    private void recondition(TrackerEngine.Frame f, Map<Long, Integer> highConf, float[] detMasks, long[] ids,
                             float[] trkScores) {
        int t = f.index();
        int side = engine.lowResSize();
        int hw = side * side;
        for (Map.Entry<Long, Integer> e : highConf.entrySet()) {
            long id = e.getKey();
            int j = indexOf(ids, id);
            if (!(trkScores[j] > RECONDITION_SCORE)) continue;
            for (State s : states) {
                int o = s.ids.indexOf(id);
                if (o < 0) continue;
                LOG.debug("frame {}: reconditioning object {} with detection {}", t, id, e.getValue());
                float[] det = Arrays.copyOfRange(detMasks, e.getValue() * hw, (e.getValue() + 1) * hw);
                MaskPrompt mp = maskAsOutput(f, det, null);
                int b = s.ids.size();
                Stored prev = s.stored.get(t);
                float[][] low = new float[b][];
                float[] scores = new float[b];
                float[][] ptrs = new float[b][];
                for (int q = 0; q < b; q++) {
                    if (q == o) {
                        low[q] = NewObjectMasks.storedLowRes(mp.video(), height, width, side);
                        scores[q] = mp.score();
                        ptrs[q] = mp.pointer();
                    } else if (prev != null) {
                        low[q] = prev.lowRes()[q];
                        scores[q] = prev.scores()[q];
                        ptrs[q] = conditioning(s, t).pointers[q];
                    } else {
                        low[q] = s.pending.lowRes()[q];
                        scores[q] = s.pending.scores()[q];
                        ptrs[q] = s.pending.pointers()[q];
                    }
                }
                TrackerEngine.Memory mem = preflightMemory(f, low, scores, null);
                s.bank.putConditioning(new MemoryBank.Entry(t, mem.features(), ptrs, 0f));
                s.stored.put(t, new Stored(low, scores));
            }
        }
    }

    private static int indexOf(long[] ids, long id) {
        for (int j = 0; j < ids.length; j++) if (ids[j] == id) return j;
        throw new IllegalStateException("object " + id + " is not tracked");
    }

    // ---------------------------------------------------------------------------------------------------------
    // new objects

    /** An object prompted by a mask ({@code add_new_mask} → {@code _use_mask_as_output}). */
    private record MaskPrompt(boolean[] video, float score, float[] pointer) {}

    /**
     * The detection's logits upsampled to 1152² (bilinear), {@code > 0}, as a mask prompt: the mask itself is the
     * output (±10 logits), the SAM heads run on the raw frame features with the 4×4/4 convolution of the mask as
     * mask prompt only for the object pointer; object score ±10 from "mask non-empty".
     */
    private MaskPrompt maskAsOutput(TrackerEngine.Frame f, float[] detLogits, String pre) {
        int side = engine.lowResSize();
        int big = side * 4;   // input_mask_size
        float[] up = BilinearResize.resize(detLogits, side, side, big, big);
        float[] bin = new float[up.length];
        for (int i = 0; i < up.length; i++) bin[i] = up[i] > 0f ? 1f : 0f;
        TrackerEngine.MaskOutput out = engine.maskAsOutput(session, f, bin);
        TrackerEngine.Heads h = out.heads();
        float[] prompt = out.prompt();
        float score = out.score();
        float[] ptr = out.pointer();
        float[] videoF = ImagePreprocessor.resizeMapBilinearAntialias(bin, big, big, width, height);
        boolean[] video = new boolean[videoF.length];
        for (int i = 0; i < video.length; i++) video[i] = videoF[i] > 0.5f;
        if (pre != null && hooks.enabled()) {
            String p = pre + "mask_as_output.";
            float[] high = new float[bin.length];
            for (int i = 0; i < high.length; i++) high[i] = bin[i] * MASK_OUT_SCALE + MASK_OUT_BIAS;
            int lowSide = big / (engine.imageSize() / engine.grid()) * 4;   // size // backbone_stride * 4
            float[] low = ImagePreprocessor.resizeMapBilinearAntialias(high, big, big, lowSide, lowSide);
            hooks.accept(p + "high_res_masks", new HostTensor(new int[] {1, 1, big, big}, high));
            hooks.accept(p + "low_res_masks", new HostTensor(new int[] {1, 1, lowSide, lowSide}, low));
            hooks.accept(p + "ious", new HostTensor(new int[] {1, 1}, new float[] {1f}));
            hooks.accept(p + "obj_ptr", new HostTensor(new int[] {1, engine.dim()}, ptr.clone()));
            hooks.accept(p + "object_score_logits", new HostTensor(new int[] {1, 1}, new float[] {score}));
            hooks.meta(p + "sam.multimask_output", false);
            hooks.accept(p + "sam.mask_inputs", new HostTensor(new int[] {1, 1, side, side}, prompt));
            VideoTracker.emitHeads(engine, hooks, p, new TrackerEngine.Heads[] {h},
                    new float[][] {h.lowResSelected(side)});
            float eff = (score > 0 ? TrackerEngine.sigmoid(score) * 2f - 1f : 0f) * 1f;
            hooks.accept(pre + "eff_iou_score", new HostTensor(new int[] {1}, new float[] {eff}));
        }
        return new MaskPrompt(video, score, ptr);
    }

    /**
     * {@code _tracker_add_new_objects}: one new state for the objects born on this frame, each added by its mask
     * (a later object's mask overrides earlier ones where they overlap), then the preflight: the video-size masks
     * (±1024) resized to 288² (antialiased), upsampled to 1008², the pixel-wise non-overlap, the memory encoder on
     * the binarised masks.
     */
    private void addNewObjects(TrackerEngine.Frame f, long[] ids, float[][] detLogits, String pre) {
        int t = f.index();
        int side = engine.lowResSize();
        int b = ids.length;
        List<Long> idList = Arrays.stream(ids).boxed().toList();
        State s = new State(idList, t);
        if (hooks.enabled()) hooks.meta(pre + "add_new.obj_ids", ids.clone());
        boolean[][] video = new boolean[b][];
        float[] scores = new float[b];
        float[][] ptrs = new float[b][];
        for (int o = 0; o < b; o++) {
            MaskPrompt mp = maskAsOutput(f, detLogits[o], pre + "add_new.o" + ids[o] + ".");
            video[o] = mp.video();
            scores[o] = mp.score();
            ptrs[o] = mp.pointer();
        }
        float[][] low = new float[b][];
        for (int o = 0; o < b; o++) {
            boolean[] mine = video[o].clone();
            for (int later = o + 1; later < b; later++) {
                for (int px = 0; px < mine.length; px++) if (video[later][px]) mine[px] = false;
            }
            low[o] = NewObjectMasks.storedLowRes(mine, height, width, side);
        }
        TrackerEngine.Memory mem = preflightMemory(f, low, scores, pre + "add_new." + s.key() + ".");
        s.bank.putConditioning(new MemoryBank.Entry(t, mem.features(), ptrs, 0f));
        s.stored.put(t, new Stored(low, scores));
        states.add(s);
    }

    /** The conditioning memory of a prompted frame: 288² logits → 1008², pixel-wise non-overlap, binarised. */
    private TrackerEngine.Memory preflightMemory(TrackerEngine.Frame f, float[][] low, float[] scores, String pre) {
        float[][] high = new float[low.length][];
        for (int o = 0; o < low.length; o++) high[o] = engine.highRes(low[o]);
        if (high.length > 1) TrackerEngine.nonOverlap(high);
        boolean h = pre != null && hooks.enabled();
        if (pre != null) high = hooks.binarisationLogits(pre + "mem_enc.mask_in", high);
        TrackerEngine.Memory mem = engine.encodeMemory(session, f, high, scores, true, h);
        if (h) {
            hooks.meta(pre + "mem_enc.is_mask_from_pts", true);
            mem.hooks().forEach((key, v) -> hooks.accept(pre + key, v));
        }
        return mem;
    }

    /** {@code _tracker_remove_object}: drops the objects from their states (and empty states). */
    private void removeObjects(Set<Long> ids) {
        for (java.util.Iterator<State> it = states.iterator(); it.hasNext(); ) {
            State s = it.next();
            boolean[] keep = new boolean[s.ids.size()];
            int kept = 0;
            for (int o = 0; o < keep.length; o++) {
                keep[o] = !ids.contains(s.ids.get(o));
                if (keep[o]) kept++;
            }
            if (kept == keep.length) continue;
            if (kept == 0) {
                it.remove();
                continue;
            }
            MemoryBank bank = new MemoryBank(engine.settings());
            MemoryBank old = s.bank;
            Map<Integer, MemoryBank.Entry> cond = new TreeMap<>(old.selectedConditioning(Integer.MAX_VALUE));
            cond.putAll(old.unselectedConditioning(old.selectedConditioning(Integer.MAX_VALUE)));
            for (MemoryBank.Entry e : cond.values()) bank.putConditioning(slice(e, keep, 0f));
            for (int fr : new TreeMap<>(old.effIouScores()).keySet()) {
                MemoryBank.Entry e = old.tracked(fr);
                float[][] in = s.effInputs.get(fr);
                float eff = in == null ? e.effIouScore : effIouScore(in[0], in[1], keep);
                bank.addTracked(slice(e, keep, eff));
                if (in != null) s.effInputs.put(fr, new float[][] {sliceF(in[0], keep), sliceF(in[1], keep)});
            }
            s.bank = bank;
            for (Map.Entry<Integer, Stored> e : s.stored.entrySet()) {
                Stored st = e.getValue();
                e.setValue(new Stored(sliceRows(st.lowRes(), keep), sliceF(st.scores(), keep)));
            }
            List<Long> remaining = new ArrayList<>();
            for (int o = 0; o < keep.length; o++) if (keep[o]) remaining.add(s.ids.get(o));
            s.ids.clear();
            s.ids.addAll(remaining);
        }
    }

    private static float effIouScore(float[] scores, float[] ious, boolean[] keep) {
        double norm = 0;
        double iou = 0;
        int n = 0;
        for (int o = 0; o < scores.length; o++) {
            if (!keep[o]) continue;
            norm += scores[o] > 0 ? TrackerEngine.sigmoid(scores[o]) * 2f - 1f : 0f;
            iou += ious[o];
            n++;
        }
        return (float) ((norm / n) * (iou / n));
    }

    private static MemoryBank.Entry slice(MemoryBank.Entry e, boolean[] keep, float eff) {
        return new MemoryBank.Entry(e.frame, e.features == null ? null : sliceRows(e.features, keep),
                sliceRows(e.pointers, keep), eff == 0f ? e.effIouScore : eff);
    }

    private static float[][] sliceRows(float[][] rows, boolean[] keep) {
        List<float[]> out = new ArrayList<>();
        for (int o = 0; o < rows.length; o++) if (keep[o]) out.add(rows[o]);
        return out.toArray(new float[0][]);
    }

    private static float[] sliceF(float[] v, boolean[] keep) {
        int n = 0;
        for (boolean k : keep) if (k) n++;
        float[] out = new float[n];
        int i = 0;
        for (int o = 0; o < v.length; o++) if (keep[o]) out[i++] = v[o];
        return out;
    }

    /** After a step: stored outputs of passed frames and everything about removed objects are dropped. */
    private void forgetRemoved(int t) {
        for (State s : states) s.stored.keySet().removeIf(fr -> fr < t);
        for (long id : removed) {
            birthScores.remove(id);
            keepAlive.remove(id);
            unmatchedCount.remove(id);
            firstFrame.remove(id);
        }
        overlapCount.keySet().removeIf(k -> removed.contains(k.get(1)));
    }

    // ---------------------------------------------------------------------------------------------------------
    // outputs

    private boolean[] videoMask(float[] low) {
        int side = engine.lowResSize();
        float[] v = new float[width * height];
        BilinearResize.resize(low, 0, side, side, v, 0, height, width);
        return MaskOps.binarize(v, 0, v.length);
    }

    /**
     * {@code _postprocess_output}: ascending ids; empty, suppressed and removed objects dropped; boxes from the
     * masks; then the object-wise non-overlap (a pixel claimed by several objects goes to the highest tracker
     * score, the first on ties).
     */
    private FrameOutput postprocess(RawOutput raw, Set<Long> hiddenRemoved, Set<Long> hiddenSuppressed, String pre) {
        List<Long> ids = new ArrayList<>(new TreeMap<>(raw.masks()).keySet());
        List<Long> kept = new ArrayList<>();
        for (long id : ids) {
            if (!MaskOps.any(raw.masks().get(id))) continue;
            if (hiddenRemoved.contains(id) || hiddenSuppressed.contains(id)) continue;
            kept.add(id);
        }
        int n = kept.size();
        long[] out = new long[n];
        float[] probs = new float[n];
        float[] tprobs = new float[n];
        float[][] boxes = new float[n][];
        org.sam3j.Box[] pixelBoxes = new org.sam3j.Box[n];
        boolean[][] masks = new boolean[n][];
        for (int i = 0; i < n; i++) {
            long id = kept.get(i);
            out[i] = id;
            probs[i] = raw.scores().get(id);
            tprobs[i] = raw.trackerScores().getOrDefault(id, 0f);
            masks[i] = raw.masks().get(id).clone();
            boxes[i] = MaskOps.boxXywh(masks[i], height, width);
            pixelBoxes[i] = org.sam3j.Mask.of(masks[i], width, height).boundingBox().orElseThrow();
        }
        if (n > 1) {
            int px = masks[0].length;
            for (int p = 0; p < px; p++) {
                int arg = 0;
                float best = masks[0][p] ? tprobs[0] : 0f;
                for (int i = 1; i < n; i++) {
                    float v = masks[i][p] ? tprobs[i] : 0f;
                    if (v > best) {
                        best = v;
                        arg = i;
                    }
                }
                for (int i = 0; i < n; i++) if (masks[i][p] && (i != arg || !(best > 0f))) masks[i][p] = false;
            }
        }
        if (hooks.enabled()) {
            long[] area = new long[n];
            float[] flat = new float[4 * n];
            for (int i = 0; i < n; i++) {
                area[i] = MaskOps.area(masks[i]);
                System.arraycopy(boxes[i], 0, flat, 4 * i, 4);
            }
            hooks.meta(pre + "out.obj_ids", out.clone());
            hooks.accept(pre + "out.probs", new HostTensor(new int[] {n}, probs.clone()));
            hooks.accept(pre + "out.boxes_xywh", new HostTensor(new int[] {n, 4}, flat));
            hooks.meta(pre + "out.mask_area", area);
        }
        return new FrameOutput(raw.frame(), out, probs, boxes, pixelBoxes, masks, width, height);
    }

    private void emitAssociation(String pre, Association.Result a, int n, int m) {
        if (n > 0 && m > 0) {
            float[] flat = new float[n * m];
            for (int i = 0; i < n; i++) System.arraycopy(a.ious()[i], 0, flat, i * m, m);
            hooks.accept(pre + "assoc.ious", new HostTensor(new int[] {n, m}, flat));
        }
        hooks.meta(pre + "assoc.new_det_fa_inds", Arrays.stream(a.newDetections()).boxed().toList());
        hooks.meta(pre + "assoc.unmatched_trk_obj_ids", Arrays.stream(a.unmatchedTrackIds()).boxed().toList());
        hooks.meta(pre + "assoc.empty_trk_obj_ids", Arrays.stream(a.emptyTrackIds()).boxed().toList());
        Map<String, List<Long>> matched = new LinkedHashMap<>();
        a.detToMatchedTrackIds().forEach((k, v) -> matched.put(String.valueOf(k), Arrays.stream(v).boxed().toList()));
        hooks.meta(pre + "assoc.det_to_matched_trk_obj_ids", matched);
        Map<String, Integer> high = new LinkedHashMap<>();
        a.highConfDetOfTrack().forEach((k, v) -> high.put(String.valueOf(k), v));
        hooks.meta(pre + "assoc.trk_id_to_max_iou_high_conf_det", high);
    }

    private void emitMeta(String pre, Map<Long, boolean[]> masks) {
        long[] ids = masks.keySet().stream().mapToLong(Long::longValue).toArray();
        long[] area = new long[ids.length];
        for (int i = 0; i < ids.length; i++) area[i] = MaskOps.area(masks.get(ids[i]));
        hooks.meta(pre + "build_outputs.obj_ids", ids);
        hooks.meta(pre + "build_outputs.mask_area", area);
        String p = pre + "meta.";
        hooks.meta(p + "obj_ids_all", List.copyOf(objectIds));
        Map<String, Float> sc = new LinkedHashMap<>();
        for (long id : objectIds) sc.put(String.valueOf(id), birthScores.get(id));
        hooks.meta(p + "obj_id_to_score", sc);
        Map<String, Float> ts = new LinkedHashMap<>();
        trackerScores.forEach((k, v) -> ts.put(String.valueOf(k), v));
        hooks.meta(p + "obj_id_to_tracker_score", ts);
        hooks.meta(p + "removed_obj_ids", List.copyOf(removed));
        hooks.meta(p + "suppressed_obj_ids", List.copyOf(suppressed));
        Map<String, Integer> ka = new LinkedHashMap<>();
        new TreeMap<>(keepAlive).forEach((k, v) -> ka.put(String.valueOf(k), v));
        hooks.meta(p + "trk_keep_alive", ka);
        Map<String, Integer> um = new LinkedHashMap<>();
        unmatchedCount.forEach((k, v) -> um.put(String.valueOf(k), v));
        hooks.meta(p + "unmatched_frame_counts", um);
        Map<String, Integer> ov = new LinkedHashMap<>();
        overlapCount.forEach((k, v) -> ov.put(k.get(0) + "," + k.get(1), v));
        hooks.meta(p + "overlap_pair_frame_counts", ov);
        Map<String, Integer> lo = new LinkedHashMap<>();
        lastOccluded.forEach((k, v) -> lo.put(String.valueOf(k), v));
        hooks.meta(p + "obj_id_to_last_occluded", lo);
        List<List<Long>> st = new ArrayList<>();
        for (State s : states) st.add(List.copyOf(s.ids));
        hooks.meta(p + "tracker_states", st);
    }

    private static float[] cat(float[][] parts, int total) {
        float[] out = new float[total];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    @Override
    public void close() {
        if (current != null) {
            frames.release(current);
            current = null;
        }
        session.close();
    }
}
