package org.sam3j.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
            MemoryBank bank = new MemoryBank(S);
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
}
