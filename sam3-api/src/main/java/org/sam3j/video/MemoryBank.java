package org.sam3j.video;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The memories of one tracker state (all its objects share the memory selection), bounded by what the
 * reference's memory read can still reach (spec {@code video-fixtures.md} §8). The reference keeps an output for
 * every frame it has tracked; this bank keeps:
 * <ul>
 *   <li>every conditioning frame (prompted frames; few);</li>
 *   <li>a window behind the current propagation head (the latest frame, then the frames {@code frame_filter}
 *       can still select: the {@code max_obj_ptrs_in_encoder − 1} nearest ones whose {@code eff_iou_score}
 *       exceeds {@code mf_threshold}; skipped frames do not count, so a kept frame can be arbitrarily old);</li>
 *   <li>the same window on both sides of every conditioning frame, for later passes that start there (the
 *       default start of a pass is the first conditioning frame, forward and backward).</li>
 * </ul>
 * Memory features and low-resolution masks are kept only for the neighbour frame and the
 * {@code num_maskmem − 1} nearest valid frames of each window; pointers for every kept entry.
 *
 * <p>Which frames have an output in the reference is kept as intervals ({@link FrameRanges}), as are the dropped
 * frames known to be below the threshold (they are skipped by the selection, so dropping them changes nothing).
 * A read that would need a dropped valid frame (a pass started elsewhere than a conditioning frame or the head,
 * after the frames around its start were dropped) is refused with {@link IncompleteMemoryException} instead of
 * silently differing from the reference.
 */
final class MemoryBank {
    /** A read needs a memory the bounded bank has dropped. */
    static final class IncompleteMemoryException extends IllegalStateException {
        IncompleteMemoryException(String message) {
            super(message);
        }
    }

    /**
     * One frame's memory for every object of the state.
     *
     * @param frame    frame index
     * @param features per object the memory features {@code [n, 64]} channels-last, or null once trimmed
     * @param pointers per object the object pointer {@code [C]}
     * @param effIouScore the frame's {@code eff_iou_score} (conditioning frames: unused)
     */
    static final class Entry {
        final int frame;
        float[][] features;
        float[][] pointers;
        /** Per object the object-score logit and the best predicted IoU ({@code iou_score}); may be null (tests). */
        float[] scores;
        float[] ious;
        float effIouScore;
        /** Per object the 288² logits (the frame's output), or null once trimmed. */
        float[][] lowRes;
        /** The direction the frame was tracked in, or null if no pass has yielded it ({@code frames_already_tracked}). */
        Boolean reverse;

        Entry(int frame, float[][] features, float[][] pointers, float effIouScore) {
            this.frame = frame;
            this.features = features;
            this.pointers = pointers;
            this.effIouScore = effIouScore;
        }

        Entry(int frame, float[][] features, float[][] pointers, float[] scores, float[] ious, float[][] lowRes,
              float effIouScore) {
            this(frame, features, pointers, effIouScore);
            this.scores = scores;
            this.ious = ious;
            this.lowRes = lowRes;
        }

        long bytes() {
            long b = 0;
            if (features != null) for (float[] f : features) b += 4L * f.length;
            if (lowRes != null) for (float[] f : lowRes) b += f == null ? 0 : 4L * f.length;
            for (float[] p : pointers) b += 4L * p.length;
            return b;
        }

        /** Removes object {@code o} from every per-object array. */
        void removeObject(int o) {
            features = without(features, o);
            pointers = without(pointers, o);
            lowRes = without(lowRes, o);
            if (scores != null) scores = without(scores, o);
            if (ious != null) ious = without(ious, o);
        }

        private static float[][] without(float[][] a, int o) {
            if (a == null) return null;
            float[][] r = new float[a.length - 1][];
            for (int i = 0, j = 0; i < a.length; i++) if (i != o) r[j++] = a[i];
            return r;
        }

        private static float[] without(float[] a, int o) {
            float[] r = new float[a.length - 1];
            for (int i = 0, j = 0; i < a.length; i++) if (i != o) r[j++] = a[i];
            return r;
        }
    }

    private final TrackerSettings settings;
    private final int numFrames;
    private final TreeMap<Integer, Entry> cond = new TreeMap<>();
    private final TreeMap<Integer, Entry> nonCond = new TreeMap<>();
    /** Frames with a non-conditioning output in the reference (held or dropped). */
    private final FrameRanges produced = new FrameRanges();
    /** Dropped frames whose {@code eff_iou_score} was not above the threshold (the selection skips them). */
    private final FrameRanges invalid = new FrameRanges();
    private int head = -1;
    private boolean headReverse;

    /**
     * @param numFrames the clip length ({@code Integer.MAX_VALUE} for an open stream): the selection's scan bound
     *                  and {@code min(num_frames, max_obj_ptrs_in_encoder)}
     */
    MemoryBank(TrackerSettings settings, int numFrames) {
        this.settings = settings;
        this.numFrames = numFrames;
    }

    MemoryBank(TrackerSettings settings) {
        this(settings, Integer.MAX_VALUE);
    }

    /** Adds (or replaces) a conditioning frame; the frame stops being a non-conditioning output. */
    void putConditioning(Entry e) {
        cond.put(e.frame, e);
        nonCond.remove(e.frame);
        produced.remove(e.frame);
        invalid.remove(e.frame);
        trim();
    }

    /** A conditioning frame that lost its last prompt becomes a non-conditioning output (as the reference). */
    void downgrade(int frame) {
        Entry e = cond.remove(frame);
        if (e == null) return;
        e.reverse = null;
        nonCond.put(frame, e);
        produced.add(frame);
        trim();
    }

    Entry conditioning(int frame) {
        return cond.get(frame);
    }

    /** Conditioning frames, ascending. */
    List<Integer> conditioningFrames() {
        return new ArrayList<>(cond.keySet());
    }

    /** Adds a tracked frame's memory (forward: increasing frames; backward: decreasing) and trims. */
    void addTracked(Entry e) {
        addTracked(e, false);
    }

    void addTracked(Entry e, boolean reverse) {
        if (cond.containsKey(e.frame)) throw new IllegalStateException("frame " + e.frame + " is a conditioning frame");
        e.reverse = reverse;
        nonCond.put(e.frame, e);
        produced.add(e.frame);
        invalid.remove(e.frame);
        head = e.frame;
        headReverse = reverse;
        trim();
    }

    private boolean valid(Entry e) {
        return e.effIouScore > settings.mfThreshold();
    }

    private int maxNum() {
        return Math.min(numFrames, settings.maxObjPtrsInEncoder());
    }

    /** Whether some frame of {@code [lo, hi]} has a reference output this bank no longer holds and cannot skip. */
    private int lostIn(int lo, int hi) {
        for (int[] r : produced.within(lo, hi)) {
            for (int f = r[0]; f <= r[1]; f++) {
                int[] iv = invalid.intervalOf(f);
                if (iv != null) {
                    f = iv[1];
                    continue;
                }
                if (!nonCond.containsKey(f) && !cond.containsKey(f)) return f;
            }
        }
        return -1;
    }

    /**
     * Drops what no read from the head or from a conditioning frame can reach: keeps the three kinds of window
     * of the class comment and records the dropped invalid frames.
     */
    private void trim() {
        Set<Integer> keep = new HashSet<>();
        Set<Integer> keepFeatures = new HashSet<>();
        List<int[]> spans = new ArrayList<>();
        if (head >= 0 && nonCond.containsKey(head)) window(head, headReverse ? 1 : -1, true, keep, keepFeatures, spans);
        for (int c : cond.keySet()) {
            // a forward pass from c reads below it, a backward pass above it (none leaves the clip's ends)
            if (c < numFrames - 1) window(c, -1, false, keep, keepFeatures, spans);
            if (c > 0) window(c, 1, false, keep, keepFeatures, spans);
        }
        for (var it = nonCond.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (!keep.contains(e.frame)) {
                it.remove();
                if (!valid(e)) invalid.add(e.frame);
            } else if (!keepFeatures.contains(e.frame)) {
                e.features = null;
                e.lowRes = null;
            }
        }
        invalid.retainWithin(spans);
    }

    /** One window: scanning from {@code anchor} (inclusive or not) in direction {@code dir} (±1). */
    private void window(int anchor, int dir, boolean inclusive, Set<Integer> keep, Set<Integer> keepFeatures,
                        List<int[]> spans) {
        int first = inclusive ? anchor : anchor + dir;
        NavigableMap<Integer, Entry> side = dir < 0 ? nonCond.headMap(first, true).descendingMap()
                : nonCond.tailMap(first, true);
        int validCount = 0;
        int last = first;
        for (Entry e : side.values()) {
            int gapLo = dir < 0 ? e.frame + 1 : last;
            int gapHi = dir < 0 ? last : e.frame - 1;
            if (e.frame != first && lostIn(Math.min(gapLo, gapHi), Math.max(gapLo, gapHi)) >= 0) break;
            if (e.frame == first) {   // the neighbour a read includes whatever its score
                keep.add(e.frame);
                keepFeatures.add(e.frame);
            }
            if (valid(e)) {   // invalid ones are dropped and remembered as skippable
                keep.add(e.frame);
                validCount++;
                if (validCount <= settings.numMaskmem() - 1) keepFeatures.add(e.frame);
            }
            last = e.frame;
            if (validCount >= maxNum() - 1) break;
        }
        spans.add(new int[] {Math.min(first, last), Math.max(first, last)});
    }

    /**
     * {@code frame_filter} at frame {@code t}: the valid frames behind {@code t} in the direction of tracking
     * (forward: {@code t−1 … 1}; backward: {@code t+1 … last}), oldest first in that direction, plus the neighbour.
     *
     * @throws IncompleteMemoryException if the scan reaches a frame whose memory was dropped
     */
    List<Integer> frameFilter(int t, boolean reverse) {
        List<Integer> v = new ArrayList<>();
        if ((!reverse && t == 0) || (reverse && t == numFrames - 1)) return v;
        int step = reverse ? 1 : -1;
        int f = t + step;
        while (reverse ? f < numFrames : f > 0) {
            Entry e = nonCond.get(f);
            if (e != null) {
                if (valid(e)) v.add(0, f);
                if (v.size() >= maxNum() - 1) break;
                f += step;
                continue;
            }
            int[] iv = invalid.intervalOf(f);
            if (iv != null) {
                f = (reverse ? iv[1] : iv[0]) + step;
            } else if (produced.contains(f) && !cond.containsKey(f)) {
                throw incomplete(f, t);
            } else {
                int next = reverse ? produced.ceiling(f + 1) : produced.floor(f - 1);
                if (next == Integer.MAX_VALUE || next == Integer.MIN_VALUE) break;
                f = next;
            }
        }
        if (!v.contains(t + step)) v.add(t + step);
        return v;
    }

    /** {@code frame_filter} for forward tracking (tests). */
    List<Integer> frameFilter(int t, int clipFrames) {
        if (clipFrames != numFrames && numFrames != Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bank made for " + numFrames + " frames");
        }
        return frameFilter(t, false);
    }

    private IncompleteMemoryException incomplete(int frame, int t) {
        return new IncompleteMemoryException("the memory of frame " + frame + ", which the reference would read at frame "
                + t + ", is no longer held (the session keeps the frames around its prompted frames and behind the "
                + "latest tracked frame); start the pass at a prompted frame or continue from the last tracked one");
    }

    /**
     * The non-conditioning memory of frame {@code f} a read at {@code t} uses, else the unselected conditioning
     * one, else null if the reference has none either.
     *
     * @throws IncompleteMemoryException if the reference has it but this bank dropped it (or its features, when
     *                                   {@code needFeatures})
     */
    Entry read(int f, int t, Map<Integer, Entry> unselected, boolean needFeatures) {
        Entry e = nonCond.get(f);
        if (e == null) e = unselected.get(f);
        if (e == null) {
            if (produced.contains(f)) throw incomplete(f, t);   // dropped (a neighbour is read whatever its score)
            return null;
        }
        if (needFeatures && e.features == null) throw incomplete(f, t);
        return e;
    }

    /**
     * {@code select_closest_cond_frames}: all conditioning frames if at most {@code max_cond_frames_in_attn},
     * else the closest before {@code t}, the closest at or after it, then the temporally closest others.
     */
    Map<Integer, Entry> selectedConditioning(int t) {
        int max = settings.maxCondFramesInAttn();
        if (cond.size() <= max) return new LinkedHashMap<>(cond);
        Map<Integer, Entry> sel = new LinkedHashMap<>();
        Integer before = cond.lowerKey(t);
        Integer after = cond.ceilingKey(t);
        if (before != null) sel.put(before, cond.get(before));
        if (after != null) sel.put(after, cond.get(after));
        List<Integer> rest = new ArrayList<>();
        for (int f : cond.keySet()) if (!sel.containsKey(f)) rest.add(f);
        rest.sort((a, b) -> Integer.compare(Math.abs(a - t), Math.abs(b - t)));   // stable, as Python's sorted
        for (int i = 0; i < rest.size() && sel.size() < max; i++) sel.put(rest.get(i), cond.get(rest.get(i)));
        return sel;
    }

    Map<Integer, Entry> unselectedConditioning(Map<Integer, Entry> selected) {
        Map<Integer, Entry> u = new LinkedHashMap<>();
        cond.forEach((f, e) -> {
            if (!selected.containsKey(f)) u.put(f, e);
        });
        return u;
    }

    /** The tracked frame's entry, or null if none is kept. */
    Entry tracked(int frame) {
        return nonCond.get(frame);
    }

    /** Whether the reference would hold a non-conditioning output of {@code frame} (held here or dropped). */
    boolean produced(int frame) {
        return produced.contains(frame);
    }

    /** Stored {@code eff_iou_score} of every kept tracked frame. */
    Map<Integer, Float> effIouScores() {
        Map<Integer, Float> m = new LinkedHashMap<>();
        for (Entry e : nonCond.values()) m.put(e.frame, e.effIouScore);
        return m;
    }

    /**
     * Removes object {@code o} from every entry and recomputes each frame's {@code eff_iou_score} over the
     * remaining objects (as {@code remove_object}). Dropped frames' scores cannot be recomputed, so they stop
     * counting as known-invalid.
     */
    void removeObject(int o) {
        for (Entry e : cond.values()) e.removeObject(o);
        for (Entry e : nonCond.values()) {
            e.removeObject(o);
            if (e.scores != null && e.ious != null) e.effIouScore = VideoTracker.memoryScore(e.scores, e.ious);
        }
        invalid.clear();
        trim();
    }

    /** Forgets everything ({@code _reset_tracking_results}). */
    void clear() {
        cond.clear();
        nonCond.clear();
        produced.clear();
        invalid.clear();
        head = -1;
    }

    /** Number of kept entries (conditioning and tracked). */
    int entries() {
        return cond.size() + nonCond.size();
    }

    /** Number of kept entries with memory features. */
    int entriesWithFeatures() {
        int n = 0;
        for (Entry e : cond.values()) if (e.features != null) n++;
        for (Entry e : nonCond.values()) if (e.features != null) n++;
        return n;
    }

    /** Intervals of the bookkeeping sets (bounded too: a contiguous pass is one interval). */
    int bookkeepingIntervals() {
        return produced.intervals() + invalid.intervals();
    }

    /** Bytes of the kept memory features, masks and pointers. */
    long bytes() {
        long b = 0;
        for (Entry e : cond.values()) b += e.bytes();
        for (Entry e : nonCond.values()) b += e.bytes();
        return b;
    }
}
