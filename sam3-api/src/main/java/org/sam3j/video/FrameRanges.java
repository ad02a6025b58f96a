package org.sam3j.video;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of frame indices kept as disjoint closed intervals, so that a contiguous run of frames costs one entry
 * whatever its length (the tracker records which frames it has produced without a per-frame record).
 */
final class FrameRanges {
    private final TreeMap<Integer, Integer> starts = new TreeMap<>();   // start -> end, inclusive, disjoint, not adjacent

    boolean contains(int f) {
        Map.Entry<Integer, Integer> e = starts.floorEntry(f);
        return e != null && e.getValue() >= f;
    }

    /** The interval {@code [start, end]} holding {@code f}, or null. */
    int[] intervalOf(int f) {
        Map.Entry<Integer, Integer> e = starts.floorEntry(f);
        return e != null && e.getValue() >= f ? new int[] {e.getKey(), e.getValue()} : null;
    }

    /** The largest frame of the set that is at most {@code f}, or {@code Integer.MIN_VALUE}. */
    int floor(int f) {
        Map.Entry<Integer, Integer> e = starts.floorEntry(f);
        return e == null ? Integer.MIN_VALUE : Math.min(f, e.getValue());
    }

    /** The smallest frame of the set that is at least {@code f}, or {@code Integer.MAX_VALUE}. */
    int ceiling(int f) {
        if (contains(f)) return f;
        Integer k = starts.ceilingKey(f);
        return k == null ? Integer.MAX_VALUE : k;
    }

    void add(int f) {
        add(f, f);
    }

    /** Adds {@code [a, b]}, merging with overlapping or adjacent intervals. */
    void add(int a, int b) {
        if (a > b) return;
        Map.Entry<Integer, Integer> lower = starts.floorEntry(a);
        if (lower != null && lower.getValue() >= a - 1) {
            a = lower.getKey();
            b = Math.max(b, lower.getValue());
        }
        Map.Entry<Integer, Integer> next;
        while ((next = starts.ceilingEntry(a)) != null && next.getKey() <= b + 1) {
            b = Math.max(b, next.getValue());
            starts.remove(next.getKey());
        }
        starts.put(a, b);
    }

    void remove(int f) {
        removeRange(f, f);
    }

    /** Removes {@code [a, b]}, splitting intervals that extend beyond it. */
    void removeRange(int a, int b) {
        if (a > b) return;
        Map.Entry<Integer, Integer> lower = starts.lowerEntry(a);
        if (lower != null && lower.getValue() >= a) {
            starts.put(lower.getKey(), a - 1);
            if (lower.getValue() > b) starts.put(b + 1, lower.getValue());
        }
        Map.Entry<Integer, Integer> e;
        while ((e = starts.ceilingEntry(a)) != null && e.getKey() <= b) {
            starts.remove(e.getKey());
            if (e.getValue() > b) starts.put(b + 1, e.getValue());
        }
    }

    /** Keeps only the frames inside one of the closed spans {@code [lo, hi]}. */
    void retainWithin(List<int[]> spans) {
        FrameRanges kept = new FrameRanges();
        for (int[] s : spans) {
            for (Map.Entry<Integer, Integer> e : starts.subMap(Integer.MIN_VALUE, true, s[1], true).entrySet()) {
                kept.add(Math.max(e.getKey(), s[0]), Math.min(e.getValue(), s[1]));
            }
        }
        starts.clear();
        starts.putAll(kept.starts);
    }

    /** The intervals intersecting {@code [a, b]}, clipped to it, in increasing order. */
    List<int[]> within(int a, int b) {
        List<int[]> out = new ArrayList<>();
        Map.Entry<Integer, Integer> lower = starts.floorEntry(a);
        Integer from = lower != null && lower.getValue() >= a ? lower.getKey() : Integer.valueOf(a);
        for (Map.Entry<Integer, Integer> e : starts.subMap(from, true, b, true).entrySet()) {
            out.add(new int[] {Math.max(a, e.getKey()), Math.min(b, e.getValue())});
        }
        return out;
    }

    void clear() {
        starts.clear();
    }

    boolean isEmpty() {
        return starts.isEmpty();
    }

    /** Number of intervals (the structure's size). */
    int intervals() {
        return starts.size();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        starts.forEach((s, e) -> b.append(b.length() > 1 ? ", " : "").append(s).append(s.equals(e) ? "" : ".." + e));
        return b.append(']').toString();
    }
}
