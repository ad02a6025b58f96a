package org.sam3j.video;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.sam3j.LowResMask;
import org.sam3j.Prompt;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.RunSession;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.model.tracker.MemoryEncoder;

/**
 * One video's SAM 2-style tracking state, as {@code Sam3TrackerPredictor} runs it for clicked / boxed / masked
 * objects with the released settings ({@code add_all_frames_to_correct_as_cond}, {@code iter_use_prev_mask_pred},
 * {@code clear_non_cond_mem_around_input} for a single object, memory selection):
 * <ol>
 *   <li>a prompt ({@code add_new_points_or_box} with {@code clear_old_points=True}, or {@code add_new_mask}) on a
 *       frame no pass has tracked runs the SAM heads for its object alone without memory ({@code no_mem_embed});
 *       on a frame already tracked (a refinement) it runs them on the frame's features conditioned on that
 *       object's memory (the conditioning frames and the neighbour frame in the direction it was tracked: the
 *       per-object outputs carry no {@code eff_iou_score}, so the selection keeps only that neighbour). A
 *       further call on an object and frame feeds its previous low-resolution logits (clamped to ±32) as mask
 *       prompt. Either way the frame becomes a conditioning frame;</li>
 *   <li>a mask prompt is taken as the output ({@code _use_mask_as_output}), with an object pointer from the heads;</li>
 *   <li>each propagation first consolidates the frames prompted since the last one (all objects, 1008²
 *       upsampling, the pixel-wise non-overlap constraint, memory of binarised masks; objects without output on
 *       the frame get {@code NO_OBJ_SCORE} masks and {@code no_obj_ptr}), then runs from the start frame (by
 *       default the first conditioning frame) forward or backward: conditioning frames are yielded from storage,
 *       every other frame is tracked for all objects in one batch (memory selection, memory attention, SAM heads
 *       with multimask output, memory encoding of sigmoid masks). Backward, temporal positions are mirrored
 *       (the selection scans later frames).</li>
 * </ol>
 * As the reference, new object ids are refused once tracking has started (until every object is removed).
 * The memory lives in a {@link MemoryBank} whose size does not grow with the number of frames; results go to the
 * caller's consumer and are not kept. Frames are obtained from a {@link FrameProvider} one at a time (the last one
 * is kept for repeated prompts on it, as the reference's feature cache).
 */
final class VideoTracker implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.sam3j.internal.Log.get(VideoTracker.class);
    /** Frames around a prompted frame whose per-object memories a single-object state clears ({@code r · num_maskmem}). */
    private static final int CLEAR_RADIUS_FRAMES = 7;

    /** Supplies a frame's features when the tracker needs them and takes them back after. */
    interface FrameProvider {
        TrackerEngine.Frame acquire(int index);

        void release(TrackerEngine.Frame frame);
    }

    /**
     * One frame's tracker output for every object.
     *
     * @param frame     frame index
     * @param objectIds object ids, in the order of their first prompt
     * @param lowRes    per object the 288² mask logits (what the reference stores and yields)
     * @param scores    per object the object-score logit
     */
    record TrackedFrame(int frame, int[] objectIds, float[][] lowRes, float[] scores) {}

    /** A prompt's output waiting for the next consolidation ({@code temp_output_dict_per_obj}). */
    private record Pending(float[] lowRes, boolean[] videoMask, float[] pointer, float score, float iou) {}

    private final TrackerEngine engine;
    private final FrameProvider frames;
    private final int numFrames;
    private final TrackerHooks hooks;
    private final RunSession session = new RunSession();
    private final MemoryBank bank;
    private final List<Integer> objectIds = new ArrayList<>();
    /** Per object the frames holding its prompts ({@code point_inputs_per_obj} ∪ {@code mask_inputs_per_obj}). */
    private final List<Set<Integer>> inputFrames = new ArrayList<>();
    /** Frame → object index → output of a prompt not yet consolidated. */
    private final TreeMap<Integer, TreeMap<Integer, Pending>> pending = new TreeMap<>();
    /** Frames whose per-object non-conditioning memories a single-object state has cleared. */
    private final FrameRanges perObjectCleared = new FrameRanges();
    private boolean trackingStarted;
    private int calls;
    private TrackerEngine.Frame cached;
    private int videoWidth = -1;
    private int videoHeight = -1;

    VideoTracker(TrackerEngine engine, FrameProvider frames, int numFrames, TrackerHooks hooks) {
        if (numFrames < 1) throw new IllegalArgumentException("a video needs at least one frame, got " + numFrames);
        this.engine = engine;
        this.frames = frames;
        this.numFrames = numFrames;
        this.hooks = hooks == null ? TrackerHooks.NONE : hooks;
        this.bank = new MemoryBank(engine.settings(), numFrames);
    }

    int numFrames() {
        return numFrames;
    }

    List<Integer> objectIds() {
        return List.copyOf(objectIds);
    }

    /** The conditioning frames, ascending (after the last consolidation). */
    List<Integer> conditioningFrames() {
        return bank.conditioningFrames();
    }

    /** Frames with prompts waiting for the next propagation's consolidation. */
    List<Integer> pendingFrames() {
        return List.copyOf(pending.keySet());
    }

    /** Entries the memory bank keeps (for bounded-state checks). */
    int retainedEntries() {
        return bank.entries();
    }

    /** Entries with memory features the bank keeps. */
    int retainedFeatureEntries() {
        return bank.entriesWithFeatures();
    }

    /** Bytes of memory features, masks and pointers the bank keeps. */
    long retainedBytes() {
        return bank.bytes();
    }

    /** The bank's bookkeeping intervals (bounded-state checks). */
    int retainedIntervals() {
        return bank.bookkeepingIntervals() + perObjectCleared.intervals();
    }

    private void checkFrame(int frame) {
        if (frame < 0 || frame >= numFrames) {
            throw new IllegalArgumentException("frame " + frame + " is outside the video's " + numFrames + " frames");
        }
    }

    /** The object's index, adding it if new ({@code _obj_id_to_idx}). */
    private int objectIndex(int objectId) {
        int obj = objectIds.indexOf(objectId);
        if (obj >= 0) return obj;
        if (trackingStarted) {
            throw new IllegalStateException("cannot add object " + objectId + " after tracking has started (objects "
                    + objectIds + "); remove every object to start over");
        }
        objectIds.add(objectId);
        inputFrames.add(new LinkedHashSet<>());
        return objectIds.size() - 1;
    }

    /** The features of frame {@code t}, from the one-frame cache or the provider. */
    private TrackerEngine.Frame frame(int t) {
        if (cached != null && cached.index() == t) return cached;
        if (cached != null) frames.release(cached);
        cached = null;
        cached = frames.acquire(t);
        return cached;
    }

    /** The direction frame {@code t} was tracked in, or null if no pass has yielded it. */
    private Boolean trackedDirection(int t) {
        MemoryBank.Entry e = bank.conditioning(t);
        if (e == null) e = bank.tracked(t);
        if (e != null) return e.reverse;
        if (bank.produced(t)) {
            throw new MemoryBank.IncompleteMemoryException("frame " + t + " was tracked but its output is no longer held "
                    + "(the session keeps the frames around its prompted frames and behind the latest tracked frame); "
                    + "prompt it again after a pass that reaches it");
        }
        return null;
    }

    /**
     * Adds clicks and/or a box for an object on a frame and runs its SAM heads ({@code add_new_points_or_box} with
     * {@code clear_old_points=True}).
     *
     * @param prompt points / box in video pixels (no mask)
     * @return the object's new low-resolution logits {@code [288²]}
     */
    float[] addPrompt(int frame, int objectId, Prompt prompt) {
        checkFrame(frame);
        if (prompt.points().isEmpty() && prompt.boxOrNull() == null) throw new IllegalArgumentException("a prompt needs clicks or a box");
        Boolean reverse = trackedDirection(frame);
        int obj = objectIndex(objectId);
        TrackerEngine.Frame f = frame(frame);
        noteSize(f);
        float[] previous = previousLowRes(frame, obj);
        Prompt p = prompt;
        float[] maskInput = null;
        if (previous != null) {
            maskInput = new float[previous.length];
            for (int i = 0; i < previous.length; i++) maskInput[i] = Math.max(-32f, Math.min(32f, previous[i]));
            p = withMask(prompt, maskInput, engine.lowResSize());
        }
        int points = prompt.points().size() + (prompt.boxOrNull() != null ? 2 : 0);
        boolean multimask = points <= 1;
        float[] conditioned = null;
        if (reverse != null) {   // a refinement: the frame's features conditioned on this object's memory
            conditioned = attend(f, new int[] {obj}, reverse, true)[1];
        }
        TrackerEngine.Heads h = engine.heads(session, f, conditioned, p, multimask);
        float[] low = h.lowResSelected(engine.lowResSize());
        inputFrames.get(obj).add(frame);
        pending.computeIfAbsent(frame, k -> new TreeMap<>()).put(obj, new Pending(low, null, h.objPtr(), h.objScore(), h.maxIou()));
        if (hooks.enabled()) {
            String pre = "p" + calls + ".";
            hooks.meta(pre + "sam.multimask_output", multimask);
            emitHeads(engine, hooks, pre, new TrackerEngine.Heads[] {h}, new float[][] {low});
            float eff = effIouScore(new TrackerEngine.Heads[] {h});
            hooks.accept(pre + "eff_iou_score", new HostTensor(new int[] {1}, new float[] {eff}));
            if (conditioned == null) hooks.accept(pre + "pix_feat_with_mem", engine.withoutMemory(f));
            if (maskInput != null) {
                hooks.accept(pre + "sam.mask_inputs", new HostTensor(new int[] {1, 1, engine.lowResSize(), engine.lowResSize()}, maskInput));
            }
        }
        calls++;
        return low.clone();
    }

    /**
     * A mask for an object on a frame ({@code add_new_mask}): the mask becomes the object's output there and the
     * frame a conditioning frame; other objects' mask prompts on the frame lose the pixels it covers.
     *
     * @param mask the mask at the video's size, row-major
     */
    void addMask(int frame, int objectId, boolean[] mask, int width, int height) {
        checkFrame(frame);
        if (mask.length != width * height) {
            throw new IllegalArgumentException("mask has " + mask.length + " pixels, expected " + width + " x " + height);
        }
        trackedDirection(frame);
        TrackerEngine.Frame f = frame(frame);
        noteSize(f);
        if (width != videoWidth || height != videoHeight) {
            throw new IllegalArgumentException("mask is " + width + "x" + height + ", the video is " + videoWidth + "x" + videoHeight);
        }
        int obj = objectIndex(objectId);
        int s = engine.inputMaskSize();
        float[] m = new float[mask.length];
        for (int i = 0; i < m.length; i++) m[i] = mask[i] ? 1f : 0f;
        float[] input = width == s && height == s ? m : ImagePreprocessor.resizeMapBilinearAntialias(m, width, height, s, s);
        TrackerEngine.MaskOutput out = engine.maskAsOutput(session, f, input);
        boolean[] video = mask.clone();
        inputFrames.get(obj).add(frame);
        TreeMap<Integer, Pending> onFrame = pending.computeIfAbsent(frame, k -> new TreeMap<>());
        onFrame.put(obj, new Pending(null, video, out.pointer(), out.score(), 1f));
        for (Map.Entry<Integer, Pending> e : onFrame.entrySet()) {   // other mask prompts lose the overlap
            Pending other = e.getValue();
            if (e.getKey() == obj || other.videoMask() == null) continue;
            for (int i = 0; i < video.length; i++) if (video[i]) other.videoMask()[i] = false;
        }
        calls++;
    }

    private void noteSize(TrackerEngine.Frame f) {
        videoWidth = f.embedding().originalWidth();
        videoHeight = f.embedding().originalHeight();
    }

    /**
     * The object's previous logits on the frame ({@code iter_use_prev_mask_pred}): its pending output, else its
     * per-object conditioning or non-conditioning output; null for none or a mask prompt.
     */
    private float[] previousLowRes(int frame, int obj) {
        TreeMap<Integer, Pending> onFrame = pending.get(frame);
        if (onFrame != null && onFrame.containsKey(obj)) return onFrame.get(obj).lowRes();
        MemoryBank.Entry e = bank.conditioning(frame);
        if (e == null && !perObjectCleared.contains(frame)) e = bank.tracked(frame);
        if (e == null) return null;
        if (e.lowRes == null) throw new MemoryBank.IncompleteMemoryException("the output of frame " + frame + " is no longer held");
        return e.lowRes[obj];
    }

    private static Prompt withMask(Prompt prompt, float[] mask, int side) {
        Prompt.Builder b = Prompt.builder();
        if (prompt.boxOrNull() != null) b.box(prompt.boxOrNull());
        for (Prompt.Point pt : prompt.points()) b.point(pt.x(), pt.y(), pt.positive());
        return b.mask(LowResMask.of(mask, side, side)).build();
    }

    /**
     * Removes an object ({@code remove_object}): its prompts are cleared (a frame left without prompts stops being a
     * conditioning frame and keeps its output as a tracked frame; with no conditioning frame left every result is
     * reset), its slice is removed from every memory and each frame's {@code eff_iou_score} is recomputed over the
     * remaining objects. Removing the last object resets the state.
     *
     * @throws IllegalArgumentException for an unknown id
     */
    void removeObject(int objectId) {
        int obj = objectIds.indexOf(objectId);
        if (obj < 0) throw new IllegalArgumentException("object " + objectId + " is not tracked (objects " + objectIds + ")");
        if (objectIds.size() == 1) {
            objectIds.clear();
            inputFrames.clear();
            resetResults();
            return;
        }
        for (int frame : List.copyOf(inputFrames.get(obj))) {
            inputFrames.get(obj).remove(frame);
            TreeMap<Integer, Pending> onFrame = pending.get(frame);
            if (onFrame != null) {
                onFrame.remove(obj);
                if (onFrame.isEmpty()) pending.remove(frame);
            }
            boolean stillPrompted = false;
            for (Set<Integer> s : inputFrames) stillPrompted |= s.contains(frame);
            if (!stillPrompted) {
                bank.downgrade(frame);
                if (bank.conditioningFrames().isEmpty()) {
                    resetResults();
                    for (Set<Integer> s : inputFrames) s.clear();
                    break;
                }
            }
        }
        objectIds.remove(obj);
        inputFrames.remove(obj);
        for (TreeMap<Integer, Pending> onFrame : pending.values()) {
            TreeMap<Integer, Pending> shifted = new TreeMap<>();
            onFrame.forEach((o, p) -> shifted.put(o > obj ? o - 1 : o, p));
            onFrame.clear();
            onFrame.putAll(shifted);
        }
        bank.removeObject(obj);
    }

    /** {@code _reset_tracking_results}: every prompt, output and memory is dropped. */
    private void resetResults() {
        pending.clear();
        bank.clear();
        perObjectCleared.clear();
        trackingStarted = false;
    }

    /**
     * Propagates forward from the first conditioning frame to the last frame, handing each frame's output to
     * {@code consumer} as soon as it is computed.
     */
    void propagate(Consumer<TrackedFrame> consumer) {
        propagate(consumer, false, null, null);
    }

    /**
     * As {@link #propagate(Consumer)}, stopping after frame {@code lastFrame} (the clip length still sets the
     * pointer encodings' scale).
     */
    void propagate(Consumer<TrackedFrame> consumer, int lastFrame) {
        checkFrame(lastFrame);
        consolidate();
        int start = bank.conditioningFrames().isEmpty() ? 0 : bank.conditioningFrames().get(0);
        if (lastFrame < start) throw new IllegalArgumentException("last frame " + lastFrame + " is before the first prompted frame " + start);
        propagate(consumer, false, start, lastFrame - start);
    }

    /**
     * {@code propagate_in_video} with the preflight.
     *
     * @param reverse   track backward (towards frame 0)
     * @param start     first frame, or null for the first conditioning frame (both directions, as the reference)
     * @param maxFrames frames to track after the start, or null for all
     * @throws IllegalStateException if no object has a prompt
     */
    void propagate(Consumer<TrackedFrame> consumer, boolean reverse, Integer start, Integer maxFrames) {
        if (start != null) checkFrame(start);
        if (maxFrames != null && maxFrames < 0) throw new IllegalArgumentException("max frames " + maxFrames + " < 0");
        consolidate();
        List<Integer> condFrames = bank.conditioningFrames();
        if (condFrames.isEmpty()) throw new IllegalStateException("no object has a prompt");
        int s = start != null ? start : condFrames.get(0);
        int max = maxFrames != null ? maxFrames : numFrames;
        int end = reverse ? Math.max(s - max, 0) : (int) Math.min((long) s + max, numFrames - 1L);
        int[] ids = objectIds.stream().mapToInt(Integer::intValue).toArray();
        boolean singleObject = ids.length <= 1;
        for (int t = s; reverse ? t >= end : t <= end; t += reverse ? -1 : 1) {
            MemoryBank.Entry c = bank.conditioning(t);
            TrackedFrame out;
            if (c != null) {
                if (singleObject) perObjectCleared.add(t - CLEAR_RADIUS_FRAMES, t + CLEAR_RADIUS_FRAMES);
                c.reverse = reverse;
                out = new TrackedFrame(t, ids, copy(c.lowRes), c.scores.clone());
                emitOutputs("f" + t + ".", c.lowRes, c.scores);
            } else {
                out = track(frame(t), ids, reverse);
                perObjectCleared.remove(t);
            }
            consumer.accept(out);
            if (reverse && s == 0) break;
        }
    }

    private static float[][] copy(float[][] a) {
        float[][] r = new float[a.length][];
        for (int i = 0; i < a.length; i++) r[i] = a[i].clone();
        return r;
    }

    /**
     * {@code propagate_in_video_preflight}: every frame prompted since the last call becomes a conditioning frame
     * holding all objects' outputs and a memory encoded from their binarised, non-overlapping masks.
     */
    private void consolidate() {
        trackingStarted = true;
        int b = objectIds.size();
        int side = engine.lowResSize();
        for (Map.Entry<Integer, TreeMap<Integer, Pending>> pf : pending.entrySet()) {
            int frame = pf.getKey();
            MemoryBank.Entry before = bank.conditioning(frame);
            MemoryBank.Entry tracked = before == null && !perObjectCleared.contains(frame) ? bank.tracked(frame) : null;
            Boolean direction = before != null ? before.reverse : bank.tracked(frame) != null ? bank.tracked(frame).reverse : null;
            float[][] low = new float[b][];
            float[][] ptrs = new float[b][];
            float[] scores = new float[b];
            float[] ious = new float[b];
            for (int o = 0; o < b; o++) {
                Pending p = pf.getValue().get(o);
                MemoryBank.Entry e = before != null ? before : tracked;
                if (p != null) {
                    low[o] = p.lowRes() != null ? p.lowRes()
                            : NewObjectMasks.storedLowRes(p.videoMask(), videoHeight, videoWidth, side);
                    ptrs[o] = p.pointer();
                    scores[o] = p.score();
                    ious[o] = p.iou();
                } else if (e != null && e.scores != null) {
                    if (e.lowRes == null) throw new MemoryBank.IncompleteMemoryException("the output of frame " + frame + " is no longer held");
                    low[o] = e.lowRes[o];
                    ptrs[o] = e.pointers[o];
                    scores[o] = e.scores[o];
                    ious[o] = e.ious[o];
                } else {   // no output of this object on the frame
                    low[o] = new float[side * side];
                    Arrays.fill(low[o], TrackerEngine.NO_OBJ_SCORE);
                    ptrs[o] = engine.noObjectPointer();
                    scores[o] = 10f;
                    ious[o] = 0f;
                }
            }
            float[][] high = new float[b][];
            for (int o = 0; o < b; o++) high[o] = engine.highRes(low[o]);
            TrackerEngine.nonOverlap(high);
            high = hooks.binarisationLogits("f" + frame + ".mem_enc.mask_in", high);
            TrackerEngine.Memory mem = engine.encodeMemory(session, frame(frame), high, scores, true, hooks.enabled());
            emit("f" + frame + ".", mem.hooks());
            MemoryBank.Entry entry = new MemoryBank.Entry(frame, mem.features(), ptrs, scores, ious, low, memoryScore(scores, ious));
            entry.reverse = direction;
            bank.putConditioning(entry);
            if (b <= 1) perObjectCleared.add(frame - CLEAR_RADIUS_FRAMES, frame + CLEAR_RADIUS_FRAMES);
        }
        pending.clear();
    }

    /**
     * The memory-conditioned features of the objects {@code objs} on frame {@code f}
     * ({@code _prepare_memory_conditioned_features}): {@code [layer0, out]}, each {@code [B, n, C]}.
     *
     * @param perObject read as a prompt on a tracked frame does: the per-object outputs, without
     *                  {@code eff_iou_score} (only the neighbour frame), cleared around prompted frames for a
     *                  single object
     */
    private float[][] attend(TrackerEngine.Frame f, int[] objs, boolean reverse, boolean perObject) {
        int t = f.index();
        int b = objs.length;
        int n = engine.grid() * engine.grid();
        int c = engine.dim();
        int memDim = MemoryEncoder.MEM_DIM;
        String pre = "f" + t + ".";
        TrackerSettings s = engine.settings();
        Map<Integer, MemoryBank.Entry> selected = bank.selectedConditioning(t);
        Map<Integer, MemoryBank.Entry> unselected = bank.unselectedConditioning(selected);
        List<Integer> valid;
        if (perObject) {
            valid = new ArrayList<>();
            if (!((!reverse && t == 0) || (reverse && t == numFrames - 1))) valid.add(reverse ? t + 1 : t - 1);
        } else {
            valid = bank.frameFilter(t, reverse);
        }
        boolean hook = hooks.enabled() && !perObject;
        if (hook) {
            hooks.meta(pre + "mem_sel.cond_frames", List.copyOf(selected.keySet()));
            hooks.meta(pre + "mem_sel.unselected_cond_frames", List.copyOf(unselected.keySet()));
            hooks.meta(pre + "mem_sel.valid_indices", List.copyOf(valid));
            hooks.meta(pre + "mem_sel.eff_iou_scores_seen", bank.effIouScores());
        }
        // spatial memories: conditioning frames (t_pos 0), then the last num_maskmem − 1 entries of the filter
        List<MemoryBank.Entry> spatial = new ArrayList<>();
        List<Integer> tpos = new ArrayList<>();
        for (MemoryBank.Entry e : selected.values()) {
            spatial.add(e);
            tpos.add(0);
        }
        for (int tp = 1; tp < s.numMaskmem(); tp++) {
            int rel = s.numMaskmem() - tp;
            if (rel > valid.size()) continue;
            int frame = valid.get(valid.size() - rel);
            MemoryBank.Entry e = read(frame, t, unselected, true, perObject);
            if (e == null) continue;   // e.g. a conditioning frame, or a frame never tracked
            spatial.add(e);
            tpos.add(tp);
        }
        // object pointers: selected conditioning frames not beyond t, then the filter's frames by rank
        List<float[][]> ptrs = new ArrayList<>();
        List<Integer> rel = new ArrayList<>();
        for (MemoryBank.Entry e : selected.values()) {
            if (reverse ? e.frame >= t : e.frame <= t) {
                ptrs.add(e.pointers);
                rel.add(reverse ? e.frame - t : t - e.frame);
            }
        }
        int maxPtrs = Math.min(numFrames, s.maxObjPtrsInEncoder());
        for (int d = 1; d < maxPtrs; d++) {
            if (d >= valid.size()) break;
            int frame = valid.get(valid.size() - d);
            MemoryBank.Entry e = read(frame, t, unselected, false, perObject);
            if (e != null) {
                ptrs.add(e.pointers);
                rel.add(d);
            }
        }
        int[] relPos = rel.stream().mapToInt(Integer::intValue).toArray();
        float[][] ptrPos = engine.pointerTpos(relPos, maxPtrs);
        TrackerEngine.MemoryPrompt prompt = engine.memoryPrompt(spatial, tpos, ptrs, ptrPos, objs);
        int ptrTokens = prompt.pointerTokens();
        float[] memory = prompt.memory();
        float[] memoryPos = prompt.position();
        int len = spatial.size() * n + ptrTokens;
        long t0 = System.nanoTime();
        float[][] attn = engine.attend(f, b, memory, memoryPos, spatial.size(), ptrTokens);
        LOG.debug("frame {}: memory attention over {} frames + {} pointer tokens {} ms", t, spatial.size(), ptrTokens,
                (System.nanoTime() - t0) / 1_000_000);
        if (hook) {
            hooks.meta(pre + "obj_ptr_tpos.rel_pos", Arrays.stream(relPos).boxed().toList());
            hooks.meta(pre + "obj_ptr_tpos.max_abs_pos", maxPtrs);
            hooks.meta(pre + "mem_attn.num_obj_ptr_tokens", ptrTokens);
            float[] tposAll = new float[ptrPos.length * memDim];
            for (int k = 0; k < ptrPos.length; k++) System.arraycopy(ptrPos[k], 0, tposAll, k * memDim, memDim);
            hooks.accept(pre + "obj_ptr_tpos", new HostTensor(new int[] {ptrPos.length, memDim}, tposAll));
            float[] src = new float[b * n * c];
            float[] srcPos = new float[b * n * c];
            for (int o = 0; o < b; o++) {
                System.arraycopy(f.pixFeat(), 0, src, o * n * c, n * c);
                System.arraycopy(engine.sourcePosition(), 0, srcPos, o * n * c, n * c);
            }
            hooks.accept(pre + "mem_attn.src", Layouts.batchToSequenceFirst(src, b, n, c));
            hooks.accept(pre + "mem_attn.src_pos", Layouts.batchToSequenceFirst(srcPos, b, n, c));
            hooks.accept(pre + "mem_attn.prompt", Layouts.batchToSequenceFirst(memory, b, len, memDim));
            hooks.accept(pre + "mem_attn.prompt_pos", Layouts.batchToSequenceFirst(memoryPos, b, len, memDim));
            hooks.accept(pre + "mem_attn.layer0", new HostTensor(new int[] {b, n, c}, attn[0]));
            hooks.accept(pre + "mem_attn.out", Layouts.batchToSequenceFirst(attn[1], b, n, c));
            hooks.accept(pre + "pix_feat_with_mem", Layouts.nhwcToNchw(attn[1], b, engine.grid(), engine.grid(), c));
        }
        return attn;
    }

    /** A past frame's memory as the read sees it (see {@link MemoryBank#read}); per object: the cleared frames are absent. */
    private MemoryBank.Entry read(int frame, int t, Map<Integer, MemoryBank.Entry> unselected, boolean features,
                                 boolean perObject) {
        if (perObject && perObjectCleared.contains(frame) && bank.conditioning(frame) == null) {
            return unselected.get(frame);
        }
        return bank.read(frame, t, unselected, features);
    }

    private TrackedFrame track(TrackerEngine.Frame f, int[] ids, boolean reverse) {
        int t = f.index();
        int b = ids.length;
        int n = engine.grid() * engine.grid();
        int c = engine.dim();
        String pre = "f" + t + ".";
        int[] all = new int[b];
        for (int o = 0; o < b; o++) all[o] = o;
        long t1 = System.nanoTime();
        float[][] attn = attend(f, all, reverse, false);
        // SAM heads per object on its conditioned features (the reference batches them; the same per object)
        TrackerEngine.Heads[] heads = new TrackerEngine.Heads[b];
        float[][] low = new float[b][];
        float[][] high = new float[b][];
        float[] scores = new float[b];
        float[] ious = new float[b];
        float[][] pointers = new float[b][];
        for (int o = 0; o < b; o++) {
            float[] cond = Arrays.copyOfRange(attn[1], o * n * c, (o + 1) * n * c);
            heads[o] = engine.heads(session, f, cond, null, true);
            low[o] = heads[o].lowResSelected(engine.lowResSize());
            high[o] = engine.highRes(low[o]);
            scores[o] = heads[o].objScore();
            ious[o] = heads[o].maxIou();
            pointers[o] = heads[o].objPtr();
        }
        float eff = effIouScore(heads);
        long t2 = System.nanoTime();
        if (hooks.enabled()) {
            hooks.meta(pre + "sam.multimask_output", true);
            emitHeads(engine, hooks, pre, heads, high);
            hooks.accept(pre + "eff_iou_score", new HostTensor(new int[] {1}, new float[] {eff}));
        }
        long t3 = System.nanoTime();
        TrackerEngine.Memory mem = engine.encodeMemory(session, f, high, scores, false, hooks.enabled());
        LOG.debug("frame {}: attention + heads {} ms, memory encoder {} ms", t, (t2 - t1) / 1_000_000,
                (System.nanoTime() - t3) / 1_000_000);
        emit(pre, mem.hooks());
        float[][] kept = new float[b][];
        for (int o = 0; o < b; o++) kept[o] = low[o].clone();
        bank.addTracked(new MemoryBank.Entry(t, mem.features(), pointers, scores.clone(), ious, kept, eff), reverse);
        emitOutputs(pre, low, scores);
        return new TrackedFrame(t, ids, low, scores);
    }

    /**
     * {@code cal_mem_score}: the reference multiplies a {@code [B, 1]} tensor by a {@code [B]} one, which broadcasts
     * to {@code [B, B]}; its mean is the mean of the normalised object scores times the mean of the best IoUs.
     */
    static float effIouScore(TrackerEngine.Heads[] heads) {
        float[] s = new float[heads.length];
        float[] iou = new float[heads.length];
        for (int o = 0; o < heads.length; o++) {
            s[o] = heads[o].objScore();
            iou[o] = heads[o].maxIou();
        }
        return memoryScore(s, iou);
    }

    /** {@code cal_mem_score} of per-object scores and best IoUs (see {@link #effIouScore}). */
    static float memoryScore(float[] scores, float[] ious) {
        if (scores.length == 0) return 0f;
        double norm = 0;
        double iou = 0;
        for (int o = 0; o < scores.length; o++) {
            float s = scores[o];
            norm += s > 0 ? TrackerEngine.sigmoid(s) * 2f - 1f : 0f;
            iou += ious[o];
        }
        return (float) ((norm / scores.length) * (iou / scores.length));
    }

    private void emit(String pre, Map<String, HostTensor> tensors) {
        if (!hooks.enabled()) return;
        tensors.forEach((k, v) -> hooks.accept(pre + k, v));
    }

    private void emitOutputs(String pre, float[][] low, float[] scores) {
        if (!hooks.enabled()) return;
        int side = engine.lowResSize();
        hooks.accept(pre + "out.low_res_masks", new HostTensor(new int[] {low.length, 1, side, side}, cat(low)));
        float[] s = scores.clone();
        hooks.accept(pre + "out.obj_scores", new HostTensor(new int[] {s.length, 1}, s));
    }

    /** Hands the SAM heads' outputs of a batch to {@code hooks} under the reference's names ({@code pre + "sam."}). */
    static void emitHeads(TrackerEngine engine, TrackerHooks hooks, String pre, TrackerEngine.Heads[] heads,
                          float[][] highSelected) {
        int b = heads.length;
        int c = engine.dim();
        int side = engine.lowResSize();
        int m = heads[0].count();
        int n = side * side;
        float[] dec = new float[b * m * n];
        float[] gated = new float[b * m * n];
        float[] ious = new float[b * m];
        float[] lowSel = new float[b * n];
        float[] ptr = new float[b * c];
        float[] score = new float[b];
        int tokenCount = heads[0].tokens().length / c;
        float[] tokens = new float[b * tokenCount * c];
        float[] stability = new float[b];
        for (int o = 0; o < b; o++) {
            TrackerEngine.Heads h = heads[o];
            System.arraycopy(h.decoderMasks(), 0, dec, o * m * n, m * n);
            System.arraycopy(h.lowResMulti(), 0, gated, o * m * n, m * n);
            System.arraycopy(h.ious(), 0, ious, o * m, m);
            System.arraycopy(h.lowResSelected(side), 0, lowSel, o * n, n);
            System.arraycopy(h.objPtr(), 0, ptr, o * c, c);
            System.arraycopy(h.tokens(), 0, tokens, o * tokenCount * c, tokenCount * c);
            score[o] = h.objScore();
            stability[o] = h.stability();
        }
        hooks.accept(pre + "sam.mask_dec.0", new HostTensor(new int[] {b, m, side, side}, dec));
        hooks.accept(pre + "sam.mask_dec.1", new HostTensor(new int[] {b, m}, ious.clone()));
        hooks.accept(pre + "sam.mask_dec.2", new HostTensor(new int[] {b, tokenCount, c}, tokens));
        hooks.accept(pre + "sam.mask_dec.3", new HostTensor(new int[] {b, 1}, score.clone()));
        hooks.accept(pre + "sam.low_res_multimasks", new HostTensor(new int[] {b, m, side, side}, gated));
        hooks.accept(pre + "sam.ious", new HostTensor(new int[] {b, m}, ious));
        hooks.accept(pre + "sam.low_res_masks", new HostTensor(new int[] {b, 1, side, side}, lowSel));
        int hs = engine.imageSize();
        float[] high = new float[b * hs * hs];
        float[] highMulti = new float[b * m * hs * hs];
        for (int o = 0; o < b; o++) {
            float[] hr = highSelected[o].length == hs * hs ? highSelected[o] : engine.highRes(highSelected[o]);
            System.arraycopy(hr, 0, high, o * hs * hs, hs * hs);
            for (int i = 0; i < m; i++) {
                float[] one = engine.highRes(Arrays.copyOfRange(heads[o].lowResMulti(), i * n, (i + 1) * n));
                System.arraycopy(one, 0, highMulti, (o * m + i) * hs * hs, hs * hs);
            }
        }
        hooks.accept(pre + "sam.high_res_masks", new HostTensor(new int[] {b, 1, hs, hs}, high));
        hooks.accept(pre + "sam.high_res_multimasks", new HostTensor(new int[] {b, m, hs, hs}, highMulti));
        hooks.accept(pre + "sam.obj_ptr", new HostTensor(new int[] {b, c}, ptr));
        hooks.accept(pre + "sam.object_score_logits", new HostTensor(new int[] {b, 1}, score));
        if (!Float.isNaN(stability[0])) hooks.accept(pre + "sam.stability_scores", new HostTensor(new int[] {b, 1}, stability));
        HostTensor sparse0 = heads[0].sparse().get("sparse");
        if (sparse0 != null) {
            int tok = sparse0.shape()[1];
            float[] sp = new float[b * tok * c];
            for (int o = 0; o < b; o++) System.arraycopy(heads[o].sparse().get("sparse").data(), 0, sp, o * tok * c, tok * c);
            hooks.accept(pre + "sam.prompt_enc.0", new HostTensor(new int[] {b, tok, c}, sp));
        }
        int g = engine.grid();
        float[] dense = new float[b * g * g * c];
        for (int o = 0; o < b; o++) {
            HostTensor d = heads[o].sparse().get("dense");
            boolean broadcast = d.shape()[1] == 1;
            for (int p = 0; p < g * g; p++) {
                System.arraycopy(d.data(), broadcast ? 0 : p * c, dense, (o * g * g + p) * c, c);
            }
        }
        hooks.accept(pre + "sam.prompt_enc.1", Layouts.nhwcToNchw(dense, b, g, g, c));
        HostTensor[] points = referencePoints(heads, engine.imageSize());
        if (points != null) {
            hooks.accept(pre + "sam.point_coords", points[0]);
            hooks.accept(pre + "sam.point_labels", points[1]);
        }
    }

    /**
     * The points a batch's prompt encoder received, as the reference records them: coordinates {@code [B, P, 2]} in
     * model-input pixels before the encoder's {@code + 0.5} (ours are fed normalised, {@code (v + 0.5) / S}, and are
     * mapped back) and labels {@code [B, P]}, without the padding point the reference's encoder appends itself (our
     * last valid slot); null when the heads carry no points or the objects' point counts differ.
     */
    static HostTensor[] referencePoints(TrackerEngine.Heads[] heads, int imageSize) {
        HostTensor first = heads[0].sparse().get(TrackerEngine.POINT_LABELS);
        if (first == null) return null;
        int p = first.shape()[1] - 1;
        float[] coords = new float[heads.length * p * 2];
        float[] labels = new float[heads.length * p];
        for (int o = 0; o < heads.length; o++) {
            HostTensor c = heads[o].sparse().get(TrackerEngine.POINT_COORDS);
            HostTensor l = heads[o].sparse().get(TrackerEngine.POINT_LABELS);
            if (l == null || l.shape()[1] != p + 1) return null;
            if (l.data()[p] != -1f) {
                throw new IllegalStateException("the last point slot is not the padding point: " + Arrays.toString(l.data()));
            }
            for (int i = 0; i < 2 * p; i++) coords[o * 2 * p + i] = c.data()[i] * imageSize - 0.5f;
            System.arraycopy(l.data(), 0, labels, o * p, p);
        }
        return new HostTensor[] {new HostTensor(new int[] {heads.length, p, 2}, coords),
                new HostTensor(new int[] {heads.length, p}, labels)};
    }

    private static float[] cat(float[][] parts) {
        int total = 0;
        for (float[] p : parts) total += p.length;
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
        if (cached != null) {
            frames.release(cached);
            cached = null;
        }
        session.close();
    }
}
