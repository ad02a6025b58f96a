package org.sam3j.video;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.sam3j.LowResMask;
import org.sam3j.Prompt;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.RunSession;
import org.sam3j.model.tracker.MemoryEncoder;

/**
 * One video's SAM 2-style tracking state, as {@code Sam3TrackerPredictor} runs it for clicked / boxed objects
 * ({@code add_new_points_or_box} calls on one frame, then {@code propagate_in_video} forward with the preflight):
 * <ol>
 *   <li>each prompt call runs the SAM heads on the prompted frame for its object alone, without memory
 *       ({@code no_mem_embed}); a second call on an object also feeds its previous low-resolution logits (clamped
 *       to ±32) as mask prompt; multimask output for at most one point (a box counts two);</li>
 *   <li>propagation first encodes the prompted frame's memory for all objects at once (1008² upsampling, the
 *       pixel-wise non-overlap constraint, binarised masks) as a conditioning frame, yields it, then tracks every
 *       later frame for all objects in one batch: memory selection, memory attention, SAM heads with multimask
 *       output, memory encoding of sigmoid masks.</li>
 * </ol>
 * The memory lives in a {@link MemoryBank} whose size does not grow with the number of frames; results go to the
 * caller's consumer and are not kept. Frames are obtained from a {@link FrameProvider} one at a time.
 */
final class VideoTracker implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.sam3j.internal.Log.get(VideoTracker.class);
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

    private final TrackerEngine engine;
    private final FrameProvider frames;
    private final int numFrames;
    private final TrackerHooks hooks;
    private final RunSession session = new RunSession();
    private final MemoryBank bank;
    private final List<Integer> objectIds = new ArrayList<>();
    private final List<float[]> promptLowRes = new ArrayList<>();
    private final List<float[]> promptPointers = new ArrayList<>();
    private final List<Float> promptScores = new ArrayList<>();
    private int promptFrame = -1;
    private int calls;
    private boolean propagated;
    private TrackerEngine.Frame cachedPromptFrame;

    VideoTracker(TrackerEngine engine, FrameProvider frames, int numFrames, TrackerHooks hooks) {
        if (numFrames < 1) throw new IllegalArgumentException("a video needs at least one frame, got " + numFrames);
        this.engine = engine;
        this.frames = frames;
        this.numFrames = numFrames;
        this.hooks = hooks == null ? TrackerHooks.NONE : hooks;
        this.bank = new MemoryBank(engine.settings());
    }

    int numFrames() {
        return numFrames;
    }

    List<Integer> objectIds() {
        return List.copyOf(objectIds);
    }

    /** Entries the memory bank keeps (for bounded-state checks). */
    int retainedEntries() {
        return bank.entries();
    }

    /** Entries with memory features the bank keeps. */
    int retainedFeatureEntries() {
        return bank.entriesWithFeatures();
    }

    /** Bytes of memory features and pointers the bank keeps. */
    long retainedBytes() {
        return bank.bytes();
    }

    /**
     * Adds clicks and/or a box for an object on the prompted frame and runs its SAM heads
     * ({@code add_new_points_or_box} with {@code clear_old_points=True}).
     *
     * @param prompt points / box in video pixels (no mask)
     * @return the object's new low-resolution logits {@code [288²]}
     */
    float[] addPrompt(int frame, int objectId, Prompt prompt) {
        if (propagated) throw new IllegalStateException("prompts after propagation are not supported");
        if (frame < 0 || frame >= numFrames) {
            throw new IllegalArgumentException("frame " + frame + " is outside the video's " + numFrames + " frames");
        }
        if (promptFrame >= 0 && frame != promptFrame) {
            throw new IllegalArgumentException("all prompts must be on one frame (frame " + promptFrame
                    + " has prompts, frame " + frame + " was given)");
        }
        if (prompt.points().isEmpty() && prompt.boxOrNull() == null) throw new IllegalArgumentException("a prompt needs clicks or a box");
        promptFrame = frame;
        if (cachedPromptFrame == null) cachedPromptFrame = frames.acquire(frame);
        TrackerEngine.Frame f = cachedPromptFrame;
        int obj = objectIds.indexOf(objectId);
        float[] previous = obj >= 0 ? promptLowRes.get(obj) : null;
        Prompt p = prompt;
        float[] maskInput = null;
        if (previous != null) {
            maskInput = new float[previous.length];
            for (int i = 0; i < previous.length; i++) maskInput[i] = Math.max(-32f, Math.min(32f, previous[i]));
            p = withMask(prompt, maskInput, engine.lowResSize());
        }
        int points = prompt.points().size() + (prompt.boxOrNull() != null ? 2 : 0);
        boolean multimask = points <= 1;
        TrackerEngine.Heads h = engine.heads(session, f, null, p, multimask);
        float[] low = h.lowResSelected(engine.lowResSize());
        if (obj < 0) {
            objectIds.add(objectId);
            promptLowRes.add(low);
            promptPointers.add(h.objPtr());
            promptScores.add(h.objScore());
        } else {
            promptLowRes.set(obj, low);
            promptPointers.set(obj, h.objPtr());
            promptScores.set(obj, h.objScore());
        }
        if (hooks.enabled()) {
            String pre = "p" + calls + ".";
            hooks.meta(pre + "sam.multimask_output", multimask);
            emitHeads(engine, hooks, pre, new TrackerEngine.Heads[] {h}, new float[][] {low});
            float eff = effIouScore(new TrackerEngine.Heads[] {h});
            hooks.accept(pre + "eff_iou_score", new HostTensor(new int[] {1}, new float[] {eff}));
            hooks.accept(pre + "pix_feat_with_mem", engine.withoutMemory(f));
            if (maskInput != null) {
                hooks.accept(pre + "sam.mask_inputs", new HostTensor(new int[] {1, 1, engine.lowResSize(), engine.lowResSize()}, maskInput));
            }
        }
        calls++;
        return low.clone();
    }

    private static Prompt withMask(Prompt prompt, float[] mask, int side) {
        Prompt.Builder b = Prompt.builder();
        if (prompt.boxOrNull() != null) b.box(prompt.boxOrNull());
        for (Prompt.Point pt : prompt.points()) b.point(pt.x(), pt.y(), pt.positive());
        return b.mask(LowResMask.of(mask, side, side)).build();
    }

    /**
     * Propagates forward from the prompted frame to the last frame, handing each frame's output to
     * {@code consumer} as soon as it is computed.
     */
    void propagate(Consumer<TrackedFrame> consumer) {
        propagate(consumer, numFrames - 1);
    }

    /**
     * As {@link #propagate(Consumer)}, stopping after frame {@code lastFrame} (the reference's
     * {@code max_frame_num_to_track}; the clip length still sets the pointer encodings' scale).
     */
    void propagate(Consumer<TrackedFrame> consumer, int lastFrame) {
        if (lastFrame < 0 || lastFrame >= numFrames) {
            throw new IllegalArgumentException("last frame " + lastFrame + " is outside the video's " + numFrames + " frames");
        }
        if (objectIds.isEmpty()) throw new IllegalStateException("no object has a prompt");
        if (propagated) throw new IllegalStateException("already propagated");
        propagated = true;
        int b = objectIds.size();
        int[] ids = objectIds.stream().mapToInt(Integer::intValue).toArray();
        // preflight: the prompted frame's memory for all objects, from binarised, non-overlapping masks
        TrackerEngine.Frame f0 = cachedPromptFrame;
        float[][] high = new float[b][];
        float[] scores = new float[b];
        for (int o = 0; o < b; o++) {
            high[o] = engine.highRes(promptLowRes.get(o));
            scores[o] = promptScores.get(o);
        }
        TrackerEngine.nonOverlap(high);
        TrackerEngine.Memory mem = engine.encodeMemory(session, f0, high, scores, true, hooks.enabled());
        emit("f" + promptFrame + ".", mem.hooks());
        bank.putConditioning(new MemoryBank.Entry(promptFrame, mem.features(), promptPointers.toArray(new float[0][]), 0f));
        float[][] low0 = promptLowRes.toArray(new float[0][]);
        emitOutputs("f" + promptFrame + ".", low0, scores);
        cachedPromptFrame = null;
        frames.release(f0);
        consumer.accept(new TrackedFrame(promptFrame, ids, low0, scores.clone()));

        for (int t = promptFrame + 1; t <= lastFrame; t++) {
            TrackerEngine.Frame f = frames.acquire(t);
            try {
                consumer.accept(track(f, ids));
            } finally {
                frames.release(f);
            }
        }
    }

    private TrackedFrame track(TrackerEngine.Frame f, int[] ids) {
        int t = f.index();
        int b = ids.length;
        int n = engine.grid() * engine.grid();
        int c = engine.dim();
        int memDim = MemoryEncoder.MEM_DIM;
        String pre = "f" + t + ".";
        TrackerSettings s = engine.settings();
        Map<Integer, MemoryBank.Entry> selected = bank.selectedConditioning(t);
        Map<Integer, MemoryBank.Entry> unselected = bank.unselectedConditioning(selected);
        List<Integer> valid = bank.frameFilter(t, numFrames);
        if (hooks.enabled()) {
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
            MemoryBank.Entry e = bank.tracked(frame);
            if (e == null) e = unselected.get(frame);
            if (e == null) continue;   // e.g. the conditioning frame itself
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
        int maxPtrs = Math.min(numFrames, s.maxObjPtrsInEncoder());
        for (int d = 1; d < maxPtrs; d++) {
            if (d >= valid.size()) break;
            int frame = valid.get(valid.size() - d);
            MemoryBank.Entry e = bank.tracked(frame);
            if (e == null) e = unselected.get(frame);
            if (e != null) {
                ptrs.add(e.pointers);
                rel.add(d);
            }
        }
        int[] relPos = rel.stream().mapToInt(Integer::intValue).toArray();
        float[][] ptrPos = engine.pointerTpos(relPos, maxPtrs);
        int split = c / memDim;
        int ptrTokens = ptrs.size() * split;
        int len = spatial.size() * n + ptrTokens;
        float[] memory = new float[b * len * memDim];
        float[] memoryPos = new float[b * len * memDim];
        float[] pos = engine.memoryPosition();
        for (int o = 0; o < b; o++) {
            int base = o * len * memDim;
            for (int k = 0; k < spatial.size(); k++) {
                int off = base + k * n * memDim;
                System.arraycopy(spatial.get(k).features[o], 0, memory, off, n * memDim);
                float[] tp = engine.maskmemTpos(s.numMaskmem() - tpos.get(k) - 1);
                for (int p = 0; p < n; p++) {
                    for (int ch = 0; ch < memDim; ch++) memoryPos[off + p * memDim + ch] = pos[p * memDim + ch] + tp[ch];
                }
            }
            int off = base + spatial.size() * n * memDim;
            for (int k = 0; k < ptrs.size(); k++) {
                for (int j = 0; j < split; j++) {
                    System.arraycopy(ptrs.get(k)[o], j * memDim, memory, off, memDim);
                    System.arraycopy(ptrPos[k], 0, memoryPos, off, memDim);
                    off += memDim;
                }
            }
        }
        long t0 = System.nanoTime();
        float[][] attn = engine.attend(f, b, memory, memoryPos, spatial.size(), ptrTokens);
        long t1 = System.nanoTime();
        if (hooks.enabled()) {
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
        // SAM heads per object on its conditioned features (the reference batches them; the same per object)
        TrackerEngine.Heads[] heads = new TrackerEngine.Heads[b];
        float[][] low = new float[b][];
        float[][] high = new float[b][];
        float[] scores = new float[b];
        float[][] pointers = new float[b][];
        for (int o = 0; o < b; o++) {
            float[] cond = Arrays.copyOfRange(attn[1], o * n * c, (o + 1) * n * c);
            heads[o] = engine.heads(session, f, cond, null, true);
            low[o] = heads[o].lowResSelected(engine.lowResSize());
            high[o] = engine.highRes(low[o]);
            scores[o] = heads[o].objScore();
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
        LOG.debug("frame {}: memory attention over {} frames + {} pointer tokens {} ms, heads {} ms, memory encoder {} ms",
                t, spatial.size(), ptrTokens, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
        emit(pre, mem.hooks());
        bank.addTracked(new MemoryBank.Entry(t, mem.features(), pointers, eff));
        emitOutputs(pre, low, scores);
        return new TrackedFrame(t, ids, low, scores);
    }

    /**
     * {@code cal_mem_score}: the reference multiplies a {@code [B, 1]} tensor by a {@code [B]} one, which broadcasts
     * to {@code [B, B]}; its mean is the mean of the normalised object scores times the mean of the best IoUs.
     */
    static float effIouScore(TrackerEngine.Heads[] heads) {
        double norm = 0;
        double iou = 0;
        for (TrackerEngine.Heads h : heads) {
            float s = h.objScore();
            norm += s > 0 ? TrackerEngine.sigmoid(s) * 2f - 1f : 0f;
            iou += h.maxIou();
        }
        return (float) ((norm / heads.length) * (iou / heads.length));
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
        if (cachedPromptFrame != null) {
            frames.release(cachedPromptFrame);
            cachedPromptFrame = null;
        }
        session.close();
    }
}
