package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bounded memory bank selects exactly what the reference's unbounded {@code output_dict} selects, over a long
 * stream with invalid (low-score) stretches, while the number of kept entries, of entries with features and the
 * bytes held stop growing.
 */
class MemoryBankTest {
    private static final TrackerSettings S = TrackerSettings.released();

    /** {@code frame_filter} over every frame ever tracked (the reference keeps them all). */
    private static List<Integer> referenceFilter(Map<Integer, Float> all, int t, int numFrames) {
        List<Integer> v = new ArrayList<>();
        int maxNum = Math.min(numFrames, S.maxObjPtrsInEncoder());
        for (int i = t - 1; i >= 1; i--) {
            Float score = all.get(i);
            if (score == null) continue;
            if (score > S.mfThreshold()) v.add(0, i);
            if (v.size() >= maxNum - 1) break;
        }
        if (!v.contains(t - 1)) v.add(t - 1);
        return v;
    }

    @Test
    void selectionEqualsTheUnboundedReferenceAndStateStaysBounded() {
        int frames = 3000;
        for (int numFrames : new int[] {8, frames}) {
            MemoryBank bank = new MemoryBank(S, numFrames);
            bank.putConditioning(new MemoryBank.Entry(0, new float[][] {new float[64]}, new float[][] {new float[256]}, 0f));
            Map<Integer, Float> all = new LinkedHashMap<>();
            Random rnd = new Random(7);
            int maxEntries = 0;
            int maxFeatures = 0;
            long maxBytes = 0;
            long bytesAt100 = 0;
            for (int t = 1; t < frames; t++) {
                List<Integer> expected = referenceFilter(all, t, numFrames);
                assertEquals(expected, bank.frameFilter(t, numFrames), "frame_filter at " + t);
                // what the read uses must still be there: features of the last num_maskmem − 1 entries, all pointers
                for (int k = 0; k < expected.size(); k++) {
                    int f = expected.get(k);
                    if (f == 0) continue;
                    MemoryBank.Entry e = bank.tracked(f);
                    assertNotNull(e, "entry of frame " + f + " read at " + t);
                    if (expected.size() - k <= S.numMaskmem() - 1) assertNotNull(e.features, "features of " + f + " at " + t);
                }
                // long occlusions (every score invalid) alternate with tracked stretches
                boolean occluded = (t / 200) % 3 == 1;
                float score = occluded ? 0f : (rnd.nextInt(4) == 0 ? 0.005f : 0.1f + rnd.nextFloat() * 0.05f);
                all.put(t, score);
                bank.addTracked(new MemoryBank.Entry(t, new float[][] {new float[64]}, new float[][] {new float[256]}, score));
                maxEntries = Math.max(maxEntries, bank.entries());
                maxFeatures = Math.max(maxFeatures, bank.entriesWithFeatures());
                maxBytes = Math.max(maxBytes, bank.bytes());
                if (t == 100) bytesAt100 = maxBytes;
            }
            // one conditioning frame + the latest + max_obj_ptrs_in_encoder − 1 valid frames
            assertTrue(maxEntries <= 1 + 1 + S.maxObjPtrsInEncoder() - 1, "entries " + maxEntries);
            // one conditioning frame + the latest + num_maskmem − 1 valid frames
            assertTrue(maxFeatures <= 1 + 1 + S.numMaskmem() - 1, "entries with features " + maxFeatures);
            assertEquals(bytesAt100, maxBytes, "bytes after 100 frames vs after " + frames);
            System.out.printf("numFrames %d: at most %d entries, %d with features, %d bytes over %d frames%n",
                    numFrames, maxEntries, maxFeatures, maxBytes, frames);
        }
    }

    /** {@code frame_filter} over every output ever produced, either direction (the reference). */
    private static List<Integer> referenceFilter(Map<Integer, Float> all, int t, int numFrames, boolean reverse) {
        if (!reverse) return t == 0 ? new ArrayList<>() : referenceFilter(all, t, numFrames);
        List<Integer> v = new ArrayList<>();
        if (t == numFrames - 1) return v;
        int maxNum = Math.min(numFrames, S.maxObjPtrsInEncoder());
        for (int i = t + 1; i < numFrames; i++) {
            Float score = all.get(i);
            if (score == null) continue;
            if (score > S.mfThreshold()) v.add(0, i);
            if (v.size() >= maxNum - 1) break;
        }
        if (!v.contains(t + 1)) v.add(t + 1);
        return v;
    }

    /**
     * Passes in both directions from two conditioning frames, repeated (forward from the first, backward from it,
     * forward again, backward from the second): every read equals the unbounded reference's, the reads a pass
     * makes never hit a dropped memory, the state stays bounded, and a pass started on an arbitrary old frame is
     * refused rather than answered differently.
     */
    @Test
    void passesInBothDirectionsFromConditioningFramesReadWhatTheReferenceReads() {
        int n = 1200;
        MemoryBank bank = new MemoryBank(S, n);
        Map<Integer, Float> all = new LinkedHashMap<>();
        Random rnd = new Random(11);
        int c0 = 300;
        int c1 = 800;
        for (int c : new int[] {c0, c1}) {
            bank.putConditioning(new MemoryBank.Entry(c, new float[][] {new float[64]}, new float[][] {new float[256]}, 0f));
        }
        int[][] passes = {{c0, 1}, {c0, -1}, {c0, 1}, {c1, -1}};
        int maxEntries = 0;
        for (int[] pass : passes) {
            boolean reverse = pass[1] < 0;
            for (int t = pass[0]; reverse ? t >= 0 : t < n; t += pass[1]) {
                if (t == c0 || t == c1) continue;   // yielded from storage
                assertEquals(referenceFilter(all, t, n, reverse), bank.frameFilter(t, reverse),
                        "frame_filter at " + t + (reverse ? " backward" : " forward"));
                boolean occluded = (t / 100) % 4 == 2;
                float score = occluded ? 0f : (rnd.nextInt(5) == 0 ? 0.004f : 0.2f);
                all.put(t, score);
                bank.addTracked(new MemoryBank.Entry(t, new float[][] {new float[64]}, new float[][] {new float[256]}, score), reverse);
                maxEntries = Math.max(maxEntries, bank.entries());
            }
        }
        // two conditioning frames, a window on each side of each, the head's window
        int window = 1 + S.maxObjPtrsInEncoder() - 1;
        assertTrue(maxEntries <= 2 + 5 * window, "entries " + maxEntries);
        assertTrue(bank.bookkeepingIntervals() < 60, "intervals " + bank.bookkeepingIntervals());
        // forward from an old non-conditioning frame far from the head and the prompts: refused
        assertThrows(MemoryBank.IncompleteMemoryException.class, () -> bank.frameFilter(551, false));
        System.out.printf("both directions: at most %d entries, %d bookkeeping intervals%n", maxEntries,
                bank.bookkeepingIntervals());
    }
}
