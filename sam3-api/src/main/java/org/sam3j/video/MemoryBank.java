package org.sam3j.video;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memories of one tracker state (all its objects share the memory selection), bounded by what the
 * reference's memory read can still reach when tracking forward (spec {@code video-fixtures.md} §8):
 * <ul>
 *   <li>every conditioning frame (prompted frames; few);</li>
 *   <li>of the non-conditioning frames: the latest one, and the {@code max_obj_ptrs_in_encoder − 1} most recent
 *       ones whose {@code eff_iou_score} exceeds {@code mf_threshold} — {@code frame_filter} stops after that many
 *       valid frames and skips invalid ones, so older entries are unreachable; memory features are kept only for
 *       the latest and the {@code num_maskmem − 1} most recent valid frames (the spatial memories read), the
 *       256-float object pointers for all kept entries.</li>
 * </ul>
 * Dropping is by count of valid frames, not by frame distance: a kept frame can be arbitrarily old.
 */
final class MemoryBank {
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
        final float[][] pointers;
        final float effIouScore;

        Entry(int frame, float[][] features, float[][] pointers, float effIouScore) {
            this.frame = frame;
            this.features = features;
            this.pointers = pointers;
            this.effIouScore = effIouScore;
        }

        long bytes() {
            long b = 0;
            if (features != null) for (float[] f : features) b += 4L * f.length;
            for (float[] p : pointers) b += 4L * p.length;
            return b;
        }
    }

    private final TrackerSettings settings;
    private final LinkedHashMap<Integer, Entry> cond = new LinkedHashMap<>();
    private final ArrayDeque<Entry> nonCond = new ArrayDeque<>();   // ascending frame order

    MemoryBank(TrackerSettings settings) {
        this.settings = settings;
    }

    void putConditioning(Entry e) {
        cond.put(e.frame, e);
    }

    /** Adds a tracked frame's memory (frames in increasing order) and drops what no later read can reach. */
    void addTracked(Entry e) {
        if (!nonCond.isEmpty() && nonCond.peekLast().frame >= e.frame) {
            throw new IllegalStateException("frame " + e.frame + " after " + nonCond.peekLast().frame);
        }
        nonCond.addLast(e);
        trim();
    }

    private void trim() {
        int valid = 0;
        boolean latest = true;
        for (Iterator<Entry> it = nonCond.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            boolean isValid = e.effIouScore > settings.mfThreshold();
            if (isValid) valid++;
            boolean keep = latest || (isValid && valid <= settings.maxObjPtrsInEncoder() - 1);
            if (!keep) {
                it.remove();
            } else if (!latest && !(isValid && valid <= settings.numMaskmem() - 1)) {
                e.features = null;
            }
            latest = false;
        }
    }

    /** {@code frame_filter} for forward tracking at frame {@code t}: valid frames oldest first, plus {@code t − 1}. */
    List<Integer> frameFilter(int t, int numFrames) {
        List<Integer> v = new ArrayList<>();
        if (t == 0) return v;
        int maxNum = Math.min(numFrames, settings.maxObjPtrsInEncoder());
        for (Iterator<Entry> it = nonCond.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.frame >= t || e.frame < 1) continue;
            if (e.effIouScore > settings.mfThreshold()) v.add(0, e.frame);
            if (v.size() >= maxNum - 1) break;
        }
        if (!v.contains(t - 1)) v.add(t - 1);
        return v;
    }

    /**
     * {@code select_closest_cond_frames}: all conditioning frames if at most {@code max_cond_frames_in_attn},
     * else the closest before {@code t}, the closest at or after it, then the temporally closest others.
     */
    Map<Integer, Entry> selectedConditioning(int t) {
        int max = settings.maxCondFramesInAttn();
        if (cond.size() <= max) return new LinkedHashMap<>(cond);
        Map<Integer, Entry> sel = new LinkedHashMap<>();
        Integer before = null;
        Integer after = null;
        for (int f : cond.keySet()) {
            if (f < t && (before == null || f > before)) before = f;
            if (f >= t && (after == null || f < after)) after = f;
        }
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
        for (Entry e : nonCond) if (e.frame == frame) return e;
        return null;
    }

    /** Stored {@code eff_iou_score} of every kept tracked frame. */
    Map<Integer, Float> effIouScores() {
        Map<Integer, Float> m = new LinkedHashMap<>();
        for (Entry e : nonCond) m.put(e.frame, e.effIouScore);
        return m;
    }

    /** Number of kept entries (conditioning and tracked). */
    int entries() {
        return cond.size() + nonCond.size();
    }

    /** Number of kept entries with memory features. */
    int entriesWithFeatures() {
        int n = 0;
        for (Entry e : cond.values()) if (e.features != null) n++;
        for (Entry e : nonCond) if (e.features != null) n++;
        return n;
    }

    /** Bytes of the kept memory features and pointers. */
    long bytes() {
        long b = 0;
        for (Entry e : cond.values()) b += e.bytes();
        for (Entry e : nonCond) b += e.bytes();
        return b;
    }
}
