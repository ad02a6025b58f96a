package org.sam3j.video;

/**
 * {@code fill_holes_in_mask_scores} of the detector+tracker path, for one mask of logits: background components
 * ({@code logit ≤ 0}) of at most {@code maxArea} pixels become 0.1 (holes filled), then foreground components
 * ({@code > 0}, after the filling) of at most {@code min(maxArea, ⌊foreground area / 2⌋)} pixels become −0.1
 * (sprinkles removed). Components are 8-connected ({@code skimage.measure.label}'s default for 2-D). The
 * reference pads H and W to even sizes with zeros first; padded pixels belong to neither mask, so the padding
 * changes no component and is not needed here.
 */
final class HoleFilling {
    private HoleFilling() {}

    /** The filled copy of {@code mask} ({@code [h·w]}); {@code maxArea ≤ 0} returns an unchanged copy. */
    static float[] fill(float[] mask, int h, int w, int maxArea) {
        if (mask.length != h * w) throw new IllegalArgumentException(mask.length + " values for a " + h + "x" + w + " mask");
        float[] out = mask.clone();
        if (maxArea <= 0) return out;
        boolean[] bg = new boolean[out.length];
        for (int i = 0; i < out.length; i++) bg[i] = out[i] <= 0f;
        int[] area = componentAreas(bg, h, w);
        for (int i = 0; i < out.length; i++) if (bg[i] && area[i] <= maxArea) out[i] = 0.1f;
        boolean[] fg = new boolean[out.length];
        int fgArea = 0;
        for (int i = 0; i < out.length; i++) {
            fg[i] = out[i] > 0f;
            if (fg[i]) fgArea++;
        }
        int fgThresh = Math.min(fgArea / 2, maxArea);
        area = componentAreas(fg, h, w);
        for (int i = 0; i < out.length; i++) if (fg[i] && area[i] <= fgThresh) out[i] = -0.1f;
        return out;
    }

    /** Per pixel of {@code on}: the area of its 8-connected component (0 for pixels that are off). */
    static int[] componentAreas(boolean[] on, int h, int w) {
        int n = on.length;
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                if (!on[p]) continue;
                // the already visited neighbours: left, and the three above
                if (x > 0 && on[p - 1]) union(parent, p, p - 1);
                if (y > 0) {
                    int up = p - w;
                    if (on[up]) union(parent, p, up);
                    if (x > 0 && on[up - 1]) union(parent, p, up - 1);
                    if (x < w - 1 && on[up + 1]) union(parent, p, up + 1);
                }
            }
        }
        int[] count = new int[n];
        for (int p = 0; p < n; p++) if (on[p]) count[find(parent, p)]++;
        int[] area = new int[n];
        for (int p = 0; p < n; p++) if (on[p]) area[p] = count[find(parent, p)];
        return area;
    }

    private static int find(int[] parent, int p) {
        while (parent[p] != p) {
            parent[p] = parent[parent[p]];   // path halving
            p = parent[p];
        }
        return p;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
}
