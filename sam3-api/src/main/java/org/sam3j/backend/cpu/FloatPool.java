package org.sam3j.backend.cpu;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The large float arrays of a backend's execution contexts (arenas, packed windows, convolution buffers), handed
 * back when a context closes (an arena after each run) and taken by the next one.
 *
 * <p>Why: the image encoder's context lives for one image (its arena is the largest of all graphs, about 235 MB at
 * 1008²), and so does the preparation of the detector's image side. Without reuse every image leaves its arenas as
 * garbage, G1 places the next ones in fresh heap regions before it collects, and the resident set of a process
 * that segments image after image grows by hundreds of MB per image until a collection. With the pool the next
 * image's context gets the same arrays back and the heap stays where the first image left it. Arenas come back after
 * every run, also from the contexts a session keeps: the detector's (about 200 MB) held its own between prompts, took
 * the first image's encoder arena, and so each later image's encode made another (about 250 MB more resident).
 *
 * <p>The arrays are held by soft references, so a heap under pressure clears them before it fails, and at most
 * {@link #capacityBytes()} of them are held at once (the oldest go first). A taken array holds whatever its last
 * user wrote: callers must write before they read, as they do with an arena reused from one run to the next.
 * Thread-safe.
 */
final class FloatPool {
    /** {@link #take} reuses an array for a request of at least this fraction of its length (at most 2× waste). */
    private static final int MAX_WASTE = 2;

    private final long capacityBytes;
    private final TreeMap<Integer, Deque<SoftReference<float[]>>> free = new TreeMap<>();
    /** Returned arrays in the order they came back, for evicting the oldest. */
    private final Deque<SoftReference<float[]>> order = new ArrayDeque<>();
    private long heldBytes;

    /**
     * @param capacityBytes the most this pool holds at once; 0 disables pooling
     * @throws IllegalArgumentException if negative
     */
    FloatPool(long capacityBytes) {
        if (capacityBytes < 0) throw new IllegalArgumentException("pool capacity must be >= 0: " + capacityBytes);
        this.capacityBytes = capacityBytes;
    }

    /** The most bytes held at once. */
    long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes held now (arrays the garbage collector cleared are counted until the next call notices them). */
    synchronized long heldBytes() {
        return heldBytes;
    }

    /**
     * An array of at least {@code length} floats and at most twice that: a returned one where there is one, else a
     * new (zeroed) one. Its contents are undefined.
     */
    float[] take(int length) {
        return take(length, MAX_WASTE);
    }

    /**
     * An array of exactly {@code length} floats (a tensor's storage, whose length is its shape's): a returned one
     * where there is one, else a new (zeroed) one. Its contents are undefined.
     */
    float[] takeExact(int length) {
        return take(length, 1);
    }

    private float[] take(int length, int waste) {
        if (length < 0) throw new IllegalArgumentException("negative length " + length);
        synchronized (this) {
            for (Map.Entry<Integer, Deque<SoftReference<float[]>>> e = free.ceilingEntry(length);
                 e != null && e.getKey() / waste <= length; e = free.higherEntry(e.getKey())) {
                Deque<SoftReference<float[]>> q = e.getValue();
                while (!q.isEmpty()) {
                    SoftReference<float[]> ref = q.pollLast();
                    order.remove(ref);
                    heldBytes -= 4L * e.getKey();
                    float[] a = ref.get();
                    if (a != null) {
                        if (q.isEmpty()) free.remove(e.getKey());
                        return a;
                    }
                }
                free.remove(e.getKey());
            }
        }
        return new float[length];
    }

    /**
     * A buffer grown past {@code old}: hands {@code old} back (null is ignored) and {@link #take takes} one of at
     * least {@code length} floats. Its contents are undefined.
     */
    float[] replace(float[] old, int length) {
        give(old);
        return take(length);
    }

    /**
     * Hands {@code a} back (null is ignored). Arrays of under 1 MiB are not kept: they cost the collector little, and
     * the pool is for the arrays that fill regions.
     *
     * @return whether the pool took {@code a}: then the caller must not touch it afterwards (where not, the caller
     *         may keep using it)
     */
    boolean give(float[] a) {
        if (a == null || a.length < (1 << 18) || 4L * a.length > capacityBytes) return false;
        SoftReference<float[]> ref = new SoftReference<>(a);
        synchronized (this) {
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(ref);
            order.addLast(ref);
            heldBytes += 4L * a.length;
            Iterator<SoftReference<float[]>> oldest = order.iterator();
            while (heldBytes > capacityBytes && oldest.hasNext()) {
                SoftReference<float[]> victim = oldest.next();
                oldest.remove();
                evict(victim);
            }
        }
        return true;
    }

    /** Drops every held array. */
    synchronized void clear() {
        free.clear();
        order.clear();
        heldBytes = 0;
    }

    private void evict(SoftReference<float[]> ref) {
        for (Iterator<Map.Entry<Integer, Deque<SoftReference<float[]>>>> it = free.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Deque<SoftReference<float[]>>> e = it.next();
            if (e.getValue().remove(ref)) {
                heldBytes -= 4L * e.getKey();
                if (e.getValue().isEmpty()) it.remove();
                return;
            }
        }
    }
}
