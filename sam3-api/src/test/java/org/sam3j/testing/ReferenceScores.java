package org.sam3j.testing;

import java.util.Arrays;
import org.sam3j.MaskResult;
import org.sam3j.verify.FixtureCase;

/** Instance scores for comparing a {@link MaskResult} with a fixture's post-processed reference. */
public final class ReferenceScores {
    private ReferenceScores() {}

    /** The reference's scores ({@code KEY.final_scores}) of the instances with a mask ({@code KEY.final_mask_area}), best first. */
    public static float[] ofInstances(FixtureCase c, String key) throws Exception {
        float[] all = c.whole(key + ".final_scores").orElseThrow().toFloats();
        float[] area = c.whole(key + ".final_mask_area").orElseThrow().toFloats();
        float[] s = new float[all.length];
        int n = 0;
        for (int i = 0; i < all.length; i++) if (area[i] > 0) s[n++] = all[i];
        return descending(Arrays.copyOf(s, n));
    }

    /** A result's instance scores in its order (best first). */
    public static float[] of(MaskResult r) {
        float[] s = new float[r.size()];
        for (int i = 0; i < s.length; i++) s[i] = r.instances().get(i).score();
        return s;
    }

    /** {@code v} sorted from the largest value to the smallest (a copy). */
    public static float[] descending(float[] v) {
        float[] s = v.clone();
        Arrays.sort(s);
        float[] r = new float[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        return r;
    }
}
