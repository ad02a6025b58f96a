package org.sam3j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Traces the outlines of a binary mask along pixel edges and simplifies them: the implementation of
 * {@link Mask#toPolygons(double, Mask.Connectivity)}.
 *
 * <p>Every edge between a set pixel and an unset one (or the image border) is a directed boundary edge
 * with the set pixel on its right as seen on screen (y down), which gives exteriors a positive shoelace
 * area and holes a negative one. Edges are linked vertex to vertex; only at a saddle vertex (two set
 * pixels touching diagonally, the other two unset) is there a choice: turning left joins the diagonal
 * pixels into one outline (8-connected objects), turning right keeps them apart (4-connected). Each ring
 * then borders exactly one connected component of set pixels, labelled with the same connectivity, so a
 * hole is attached to its polygon by that label, with no point-in-polygon search.
 */
final class MaskOutlines {
    private static final int E = 0;
    private static final int S = 1;
    private static final int W = 2;
    private static final int N = 3;
    private static final int[] DX = {1, 0, -1, 0};
    private static final int[] DY = {0, 1, 0, -1};

    private final boolean[] px;
    private final int w;
    private final int h;
    private final boolean eight;
    /** Visited horizontal edges: index {@code y·w + x} for the edge (x, y)–(x+1, y), {@code 0 <= y <= h}. */
    private final long[] hSeen;
    /** Visited vertical edges: index {@code y·(w+1) + x} for the edge (x, y)–(x, y+1), {@code 0 <= x <= w}. */
    private final long[] vSeen;

    private MaskOutlines(boolean[] px, int w, int h, boolean eight) {
        this.px = px;
        this.w = w;
        this.h = h;
        this.eight = eight;
        this.hSeen = new long[(int) (((long) (h + 1) * w + 63) >>> 6)];
        this.vSeen = new long[(int) (((long) h * (w + 1) + 63) >>> 6)];
    }

    /** The outlines of {@code px} (row-major, {@code w × h}), one polygon per connected component. */
    static List<Polygon> polygons(boolean[] px, int w, int h, double tolerance, Mask.Connectivity connectivity) {
        return new MaskOutlines(px, w, h, connectivity == Mask.Connectivity.EIGHT).trace(tolerance);
    }

    private boolean at(int x, int y) {
        return x >= 0 && y >= 0 && x < w && y < h && px[y * w + x];
    }

    private static boolean test(long[] bits, long i) {
        return (bits[(int) (i >>> 6)] >>> i & 1L) != 0;
    }

    private static void set(long[] bits, long i) {
        bits[(int) (i >>> 6)] |= 1L << i;
    }

    private List<Polygon> trace(double tolerance) {
        int components = label();
        if (components == 0) return List.of();
        int[][] exteriors = new int[components][];
        @SuppressWarnings("unchecked")
        List<int[]>[] holes = new List[components];
        // Every ring has a horizontal edge; scanning them in raster order meets each ring once.
        for (int y = 0; y <= h; y++) {
            for (int x = 0; x < w; x++) {
                boolean above = at(x, y - 1);
                boolean below = at(x, y);
                if (above == below || test(hSeen, (long) y * w + x)) continue;
                int[] ring = below ? ring(x, y, E) : ring(x + 1, y, W);
                int comp = labelOf(below ? y * w + x : (y - 1) * w + x) - 1;
                long twice = Polygon.twiceSignedArea(ring);
                if (twice > 0) {
                    if (exteriors[comp] != null) throw new IllegalStateException("two outer rings for one component");
                    exteriors[comp] = ring;
                } else {
                    if (holes[comp] == null) holes[comp] = new ArrayList<>(2);
                    holes[comp].add(ring);
                }
            }
        }
        List<Polygon> out = new ArrayList<>(components);
        for (int c = 0; c < components; c++) {
            int[] ext = simplify(exteriors[c], tolerance, true);
            if (ext == null) continue; // collapsed by simplification: the whole component goes
            List<int[]> hs = new ArrayList<>();
            if (holes[c] != null) {
                for (int[] hole : holes[c]) {
                    int[] s = simplify(hole, tolerance, false);
                    if (s != null) hs.add(s);
                }
            }
            out.add(Polygon.wrap(ext, hs));
        }
        return out;
    }

    // ------------------------------------------------------------------ components

    /** Component of each pixel (0: unset), filled by {@link #label()}. */
    private int[] labels;

    private int labelOf(int pixel) {
        return labels[pixel];
    }

    /** Labels the set pixels 1, 2, ... by component, in raster order of each component's first pixel. */
    private int label() {
        labels = new int[w * h];
        int[] stack = new int[64];
        int next = 0;
        for (int start = 0; start < px.length; start++) {
            if (!px[start] || labels[start] != 0) continue;
            int id = ++next;
            labels[start] = id;
            int sp = 0;
            stack[sp++] = start;
            while (sp > 0) {
                int p = stack[--sp];
                int x = p % w;
                int y = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        if (dx == 0 && dy == 0 || !eight && dx != 0 && dy != 0) continue;
                        int nx = x + dx;
                        int ny = y + dy;
                        if (!at(nx, ny)) continue;
                        int q = ny * w + nx;
                        if (labels[q] != 0) continue;
                        labels[q] = id;
                        if (sp == stack.length) stack = Arrays.copyOf(stack, sp * 2);
                        stack[sp++] = q;
                    }
                }
            }
        }
        return next;
    }

    // ------------------------------------------------------------------ tracing

    /** Follows the ring whose edge leaves vertex (x, y) heading {@code dir}; returns its corners, flat. */
    private int[] ring(int x, int y, int dir) {
        int[] pts = new int[16];
        int n = 0;
        int vx = x;
        int vy = y;
        int d = dir;
        do {
            markSeen(vx, vy, d);
            vx += DX[d];
            vy += DY[d];
            int nd = leave(vx, vy, d);
            if (nd != d) {
                if (n + 2 > pts.length) pts = Arrays.copyOf(pts, pts.length * 2);
                pts[n++] = vx;
                pts[n++] = vy;
            }
            d = nd;
        } while (vx != x || vy != y || d != dir);
        return Arrays.copyOf(pts, n);
    }

    private void markSeen(int vx, int vy, int d) {
        switch (d) {
            case E -> set(hSeen, (long) vy * w + vx);
            case W -> set(hSeen, (long) vy * w + vx - 1);
            case S -> set(vSeen, (long) vy * (w + 1) + vx);
            default -> set(vSeen, (long) (vy - 1) * (w + 1) + vx);
        }
    }

    /** The boundary edge leaving vertex (vx, vy) after arriving heading {@code d}. */
    private int leave(int vx, int vy, int d) {
        boolean tl = at(vx - 1, vy - 1);
        boolean tr = at(vx, vy - 1);
        boolean bl = at(vx - 1, vy);
        boolean br = at(vx, vy);
        if (tl == br && tr == bl && tl != tr) {
            // saddle: left (y down: d + 3) joins the diagonal pixels, right (d + 1) separates them
            return eight ? (d + 3) & 3 : (d + 1) & 3;
        }
        if (br && !tr) return E;
        if (bl && !br) return S;
        if (tl && !bl) return W;
        if (tr && !tl) return N;
        throw new IllegalStateException("outline broken at vertex (" + vx + ", " + vy + ")");
    }

    // ------------------------------------------------------------------ simplification

    /**
     * Douglas–Peucker on a closed ring, split at vertex 0 and the vertex farthest from it; null when the
     * ring collapses (fewer than three vertices, or no area of the expected orientation).
     */
    static int[] simplify(int[] ring, double tolerance, boolean exterior) {
        int n = ring.length / 2;
        if (tolerance == 0 || n <= 3) return ring;
        int far = 0;
        long best = -1;
        for (int i = 1; i < n; i++) {
            long dx = ring[2 * i] - ring[0];
            long dy = ring[2 * i + 1] - ring[1];
            long d2 = dx * dx + dy * dy;
            if (d2 > best) {
                best = d2;
                far = i;
            }
        }
        boolean[] keep = new boolean[n];
        keep[0] = true;
        keep[far] = true;
        double tol2 = tolerance * tolerance;
        int[] stack = new int[64];
        int sp = 0;
        stack[sp++] = 0;
        stack[sp++] = far;
        stack[sp++] = far;
        stack[sp++] = n; // index n is vertex 0 again
        while (sp > 0) {
            int j = stack[--sp];
            int i = stack[--sp];
            if (j - i < 2) continue;
            int ax = ring[2 * i];
            int ay = ring[2 * i + 1];
            int bx = ring[2 * (j % n)];
            int by = ring[2 * (j % n) + 1];
            double worst = -1;
            int k = -1;
            for (int m = i + 1; m < j; m++) {
                double d2 = segmentDistance2(ring[2 * m], ring[2 * m + 1], ax, ay, bx, by);
                if (d2 > worst) {
                    worst = d2;
                    k = m;
                }
            }
            if (worst > tol2) {
                keep[k] = true;
                if (sp + 4 > stack.length) stack = Arrays.copyOf(stack, stack.length * 2);
                stack[sp++] = i;
                stack[sp++] = k;
                stack[sp++] = k;
                stack[sp++] = j;
            }
        }
        int kept = 0;
        for (boolean b : keep) if (b) kept++;
        if (kept < 3) return null;
        int[] out = new int[2 * kept];
        int o = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                out[o++] = ring[2 * i];
                out[o++] = ring[2 * i + 1];
            }
        }
        long twice = Polygon.twiceSignedArea(out);
        return (exterior ? twice > 0 : twice < 0) ? out : null;
    }

    /** Squared distance from (px, py) to the segment a–b (to a when the segment is a point). */
    private static double segmentDistance2(int px, int py, int ax, int ay, int bx, int by) {
        double vx = bx - ax;
        double vy = by - ay;
        double wx = px - ax;
        double wy = py - ay;
        double len2 = vx * vx + vy * vy;
        double t = len2 == 0 ? 0 : Math.max(0, Math.min(1, (wx * vx + wy * vy) / len2));
        double dx = wx - t * vx;
        double dy = wy - t * vy;
        return dx * dx + dy * dy;
    }
}
