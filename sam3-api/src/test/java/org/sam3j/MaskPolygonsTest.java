package org.sam3j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sam3j.Mask.Connectivity;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.testing.PolygonRaster;

/**
 * {@link Mask#toPolygons}: exact outlines (checked by filling pixel centres with an independent scanline
 * rasteriser, both fill rules), topology (one polygon per connected component, one hole per enclosed
 * background component, for both connectivities), orientation, and Douglas–Peucker simplification.
 */
class MaskPolygonsTest {

    // ------------------------------------------------------------------ helpers

    private static Mask mask(int w, int h, String... rows) {
        boolean[] v = new boolean[w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) v[y * w + x] = rows[y].charAt(x) == '#';
        return Mask.of(v, w, h);
    }

    private static Mask rasterise(List<Polygon> polygons, int w, int h, boolean nonZero) {
        return PolygonRaster.fill(polygons, w, h, nonZero);
    }

    /** Connected components of pixels equal to {@code value}; returns {count, count touching the border}. */
    private static int[] components(Mask m, boolean value, boolean eight) {
        int w = m.width(), h = m.height();
        boolean[] px = m.toBooleanArray();
        boolean[] seen = new boolean[w * h];
        int count = 0, border = 0;
        for (int s = 0; s < px.length; s++) {
            if (px[s] != value || seen[s]) continue;
            count++;
            boolean touches = false;
            ArrayDeque<Integer> q = new ArrayDeque<>();
            q.add(s);
            seen[s] = true;
            while (!q.isEmpty()) {
                int p = q.poll();
                int x = p % w, y = p / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) touches = true;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        if ((dx == 0 && dy == 0) || (!eight && dx != 0 && dy != 0)) continue;
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int qi = ny * w + nx;
                        if (px[qi] == value && !seen[qi]) {
                            seen[qi] = true;
                            q.add(qi);
                        }
                    }
                }
            }
            if (touches) border++;
        }
        return new int[] {count, border};
    }

    /** Total length of the rings. */
    private static double perimeter(List<Polygon> ps) {
        double len = 0;
        for (Polygon p : ps) {
            List<int[]> rings = new ArrayList<>(p.holes());
            rings.add(p.exterior());
            for (int[] r : rings) {
                int n = r.length / 2;
                for (int i = 0; i < n; i++) {
                    int j = (i + 1) % n;
                    len += Math.hypot(r[2 * j] - r[2 * i], r[2 * j + 1] - r[2 * i + 1]);
                }
            }
        }
        return len;
    }

    private static int vertices(List<Polygon> ps) {
        return ps.stream().mapToInt(Polygon::vertexCount).sum();
    }

    /** Checks the exact form of unsimplified outlines and that both fill rules give back the mask. */
    private static void assertExact(Mask m, Connectivity c) {
        List<Polygon> ps = m.toPolygons(0, c);
        assertEquals(m, rasterise(ps, m.width(), m.height(), false), "even-odd fill, " + c);
        assertEquals(m, rasterise(ps, m.width(), m.height(), true), "non-zero fill, " + c);
        int[] fg = components(m, true, c == Connectivity.EIGHT);
        int[] bg = components(m, false, c != Connectivity.EIGHT);
        assertEquals(fg[0], ps.size(), "one polygon per connected component");
        assertEquals(bg[0] - bg[1], ps.stream().mapToInt(Polygon::holeCount).sum(),
                "one hole per background component inside the mask");
        double area = 0;
        for (Polygon p : ps) {
            area += p.area();
            assertTrue(Polygon.signedArea(p.exterior()) > 0, "exterior positive");
            for (int[] hole : p.holes()) assertTrue(Polygon.signedArea(hole) < 0, "hole negative");
            List<int[]> rings = new ArrayList<>(p.holes());
            rings.add(p.exterior());
            for (int[] r : rings) {
                int n = r.length / 2;
                assertTrue(n >= 4 && n % 2 == 0, "rectilinear ring has an even number >= 4 of corners");
                for (int i = 0; i < n; i++) {
                    int j = (i + 1) % n, k = (i + 2) % n;
                    boolean horizontal = r[2 * i + 1] == r[2 * j + 1];
                    assertTrue(horizontal || r[2 * i] == r[2 * j], "axis-aligned edge");
                    assertFalse(r[2 * i] == r[2 * j] && r[2 * i + 1] == r[2 * j + 1], "no repeated vertex");
                    boolean nextHorizontal = r[2 * j + 1] == r[2 * k + 1];
                    assertNotEquals(horizontal, nextHorizontal, "only corners are kept");
                    assertTrue(r[2 * i] >= 0 && r[2 * i] <= m.width() && r[2 * i + 1] >= 0 && r[2 * i + 1] <= m.height());
                }
            }
        }
        assertEquals(m.area(), area, 1e-9, "areas add up to the pixel count");
    }

    /** Random discs and rings (holes with islands), a fixed seed. */
    private static Mask blobs(long seed, int w, int h) {
        Random rnd = new Random(seed);
        boolean[] v = new boolean[w * h];
        for (int b = 0; b < 14; b++) {
            double cx = rnd.nextDouble() * w, cy = rnd.nextDouble() * h, r = 5 + rnd.nextDouble() * 30;
            double hole = rnd.nextBoolean() ? r * (0.3 + 0.4 * rnd.nextDouble()) : 0;
            double island = hole > 6 ? hole * 0.4 : 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double d = Math.hypot(x + 0.5 - cx, (y + 0.5 - cy) * 1.3);
                    if (d < r && (d >= hole || d < island)) v[y * w + x] = true;
                }
            }
        }
        return Mask.of(v, w, h);
    }

    /** A mask made the way the post-processing makes one: smooth low-resolution logits upsampled and thresholded. */
    private static Mask libraryMask(long seed) {
        Random rnd = new Random(seed);
        int lo = 24;
        float[] logits = new float[lo * lo];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) rnd.nextGaussian();
        return Mask.fromLogits(BilinearResize.resize(logits, lo, lo, 240, 360), 360, 240);
    }

    // ------------------------------------------------------------------ hand-made masks

    @Test
    void emptyMaskHasNoPolygons() {
        assertEquals(List.of(), Mask.empty(5, 4).toPolygons(0));
        assertEquals(List.of(), Mask.empty(5, 4).toPolygons(2.5, Connectivity.FOUR));
    }

    @Test
    void onePixelIsAUnitSquareInPixelCornerCoordinates() {
        boolean[] v = new boolean[8 * 7];
        v[5 * 8 + 3] = true; // x = 3, y = 5
        List<Polygon> ps = Mask.of(v, 8, 7).toPolygons(0);
        assertEquals(1, ps.size());
        Polygon p = ps.get(0);
        assertEquals(0, p.holeCount());
        assertEquals(1.0, p.area());
        assertEquals(1.0, Polygon.signedArea(p.exterior()));
        // the corners in shoelace-positive order, whatever the starting vertex
        assertEquals(rotations(new int[] {3, 5, 4, 5, 4, 6, 3, 6}).stream().anyMatch(r -> Arrays.equals(r, p.exterior())),
                true, Arrays.toString(p.exterior()));
        assertTrue(p.contains(3.5, 5.5));
        assertFalse(p.contains(2.5, 5.5));
        // a 1x1 mask
        List<Polygon> single = Mask.of(new boolean[] {true}, 1, 1).toPolygons(0);
        assertEquals(1, single.size());
        assertEquals(1.0, single.get(0).area());
    }

    private static List<int[]> rotations(int[] ring) {
        List<int[]> out = new ArrayList<>();
        int n = ring.length / 2;
        for (int s = 0; s < n; s++) {
            int[] r = new int[ring.length];
            for (int i = 0; i < n; i++) {
                r[2 * i] = ring[2 * ((i + s) % n)];
                r[2 * i + 1] = ring[2 * ((i + s) % n) + 1];
            }
            out.add(r);
        }
        return out;
    }

    @Test
    void fullMaskIsClosedAlongTheImageBorder() {
        boolean[] v = new boolean[4 * 3];
        Arrays.fill(v, true);
        List<Polygon> ps = Mask.of(v, 4, 3).toPolygons(0);
        assertEquals(1, ps.size());
        assertEquals(4, ps.get(0).vertexCount());
        assertEquals(12.0, ps.get(0).area());
        for (int[] corner : new int[][] {{0, 0}, {4, 0}, {4, 3}, {0, 3}}) {
            boolean found = false;
            int[] r = ps.get(0).exterior();
            for (int i = 0; i < r.length; i += 2) found |= r[i] == corner[0] && r[i + 1] == corner[1];
            assertTrue(found, Arrays.toString(corner));
        }
    }

    @Test
    void diagonalNeighboursFollowTheConnectivity() {
        Mask m = mask(3, 3,
                "#..",
                ".#.",
                "..#");
        List<Polygon> eight = m.toPolygons(0, Connectivity.EIGHT);
        assertEquals(1, eight.size(), "one object when corners connect");
        assertEquals(12, eight.get(0).vertexCount(), "outline passes the two touching corners twice");
        assertEquals(3.0, eight.get(0).area());
        assertEquals(eight, m.toPolygons(0), "EIGHT is the default");
        List<Polygon> four = m.toPolygons(0, Connectivity.FOUR);
        assertEquals(3, four.size(), "three squares sharing vertices");
        for (Polygon p : four) assertEquals(1.0, p.area());
        assertExact(m, Connectivity.EIGHT);
        assertExact(m, Connectivity.FOUR);
    }

    @Test
    void holeOpeningDiagonallyIsAHoleOnlyForEightConnectedObjects() {
        Mask m = mask(3, 3,
                ".##",
                "#.#",
                "###");
        List<Polygon> eight = m.toPolygons(0, Connectivity.EIGHT);
        assertEquals(1, eight.size());
        assertEquals(1, eight.get(0).holeCount(), "the centre is enclosed by an 8-connected object");
        assertEquals(7.0, eight.get(0).area());
        List<Polygon> four = m.toPolygons(0, Connectivity.FOUR);
        assertEquals(1, four.size());
        assertEquals(0, four.get(0).holeCount(), "the centre leaks out through the corner");
        assertEquals(7.0, four.get(0).area());
        assertExact(m, Connectivity.EIGHT);
        assertExact(m, Connectivity.FOUR);
    }

    @Test
    void nestedHolesAndIslands() {
        Mask m = mask(11, 11,
                "###########",
                "#.........#",
                "#.#######.#",
                "#.#.....#.#",
                "#.#.###.#.#",
                "#.#.#.#.#.#",
                "#.#.###.#.#",
                "#.#.....#.#",
                "#.#######.#",
                "#.........#",
                "###########");
        for (Connectivity c : Connectivity.values()) {
            List<Polygon> ps = m.toPolygons(0, c);
            assertEquals(3, ps.size(), "three nested rings of pixels");
            assertEquals(List.of(1, 1, 1), ps.stream().map(Polygon::holeCount).toList());
            assertEquals(List.of(40.0, 24.0, 8.0), ps.stream().map(Polygon::area).toList(), "outermost first");
            assertExact(m, c);
        }
    }

    @ParameterizedTest
    @EnumSource(Connectivity.class)
    void randomNoiseIsTracedExactly(Connectivity c) {
        Random rnd = new Random(42);
        for (int t = 0; t < 25; t++) {
            int w = 1 + rnd.nextInt(40), h = 1 + rnd.nextInt(30);
            double density = 0.2 + 0.6 * rnd.nextDouble();
            boolean[] v = new boolean[w * h];
            for (int i = 0; i < v.length; i++) v[i] = rnd.nextDouble() < density;
            assertExact(Mask.of(v, w, h), c);
        }
    }

    // ------------------------------------------------------------------ realistic masks, simplification

    @Test
    void blobsAndALibraryMaskAreExactAndSimplifyWell() {
        List<Mask> masks = List.of(blobs(7, 320, 200), blobs(11, 200, 320), libraryMask(3), libraryMask(5));
        for (Mask m : masks) {
            assertExact(m, Connectivity.EIGHT);
            assertExact(m, Connectivity.FOUR);
            List<Polygon> exact = m.toPolygons(0);
            assertTrue(exact.stream().anyMatch(p -> p.holeCount() > 0), "test masks have holes");
            int previous = vertices(exact);
            for (double tol : new double[] {0.5, 1, 2}) {
                List<Polygon> simple = m.toPolygons(tol);
                int n = vertices(simple);
                assertTrue(n < previous, "tolerance " + tol + ": " + n + " vertices, not fewer than " + previous);
                previous = n;
                Mask filled = rasterise(simple, m.width(), m.height(), false);
                double iou = m.iou(filled);
                long changed = 0;
                for (int y = 0; y < m.height(); y++) for (int x = 0; x < m.width(); x++) if (m.get(x, y) != filled.get(x, y)) changed++;
                // each boundary point moves by at most about the tolerance: the pixels that change fill a band along the outline
                assertTrue(changed <= tol * perimeter(exact) / 2, "tolerance " + tol + ": " + changed + " pixels changed");
                assertTrue(iou > 0.92, "tolerance " + tol + ": IoU " + iou);
                for (Polygon p : simple) {
                    assertTrue(Polygon.signedArea(p.exterior()) > 0);
                    for (int[] hole : p.holes()) assertTrue(Polygon.signedArea(hole) < 0);
                }
                assertWithinTolerance(exact, simple, tol);
            }
            assertTrue(vertices(m.toPolygons(1)) < vertices(exact) / 2, "tolerance 1 removes most staircase corners");
        }
    }

    /** Every traced vertex lies within {@code tol} of its simplified ring (rings matched by order). */
    private static void assertWithinTolerance(List<Polygon> exact, List<Polygon> simple, double tol) {
        if (exact.size() != simple.size()) return; // a small component collapsed: rings no longer line up
        for (int i = 0; i < exact.size(); i++) {
            int[] e = exact.get(i).exterior();
            int[] s = simple.get(i).exterior();
            for (int k = 0; k < e.length; k += 2) {
                double best = Double.MAX_VALUE;
                int n = s.length / 2;
                for (int j = 0; j < n; j++) {
                    int j2 = (j + 1) % n;
                    best = Math.min(best, distance(e[k], e[k + 1], s[2 * j], s[2 * j + 1], s[2 * j2], s[2 * j2 + 1]));
                }
                assertTrue(best <= tol + 1e-9, "vertex (" + e[k] + ", " + e[k + 1] + ") is " + best + " away");
            }
        }
    }

    private static double distance(double px, double py, double ax, double ay, double bx, double by) {
        double vx = bx - ax, vy = by - ay, len2 = vx * vx + vy * vy;
        double t = len2 == 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len2));
        return Math.hypot(px - ax - t * vx, py - ay - t * vy);
    }

    @Test
    void largeToleranceDropsCollapsedRings() {
        Mask m = mask(6, 4,
                "#.....",
                "......",
                "..####",
                "..####");
        List<Polygon> ps = m.toPolygons(5);
        for (Polygon p : ps) assertTrue(p.vertexCount() >= 3 && p.area() > 0);
        assertTrue(ps.size() <= 2);
    }

    @Test
    void badToleranceIsRejected() {
        Mask m = mask(2, 1, "#.");
        for (double t : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.toPolygons(t));
            assertTrue(e.getMessage().contains("tolerance"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the value type

    @Test
    void polygonValueTypeFormsAndChecks() {
        // clockwise-in-coordinates exterior and counter-clockwise hole are reoriented
        Polygon p = Polygon.of(new int[] {0, 0, 0, 4, 4, 4, 4, 0}, new int[] {1, 1, 3, 1, 3, 3, 1, 3});
        assertTrue(Polygon.signedArea(p.exterior()) > 0);
        assertTrue(Polygon.signedArea(p.hole(0)) < 0);
        assertEquals(12.0, p.area());
        assertEquals(8, p.vertexCount());
        assertTrue(p.contains(0.5, 0.5));
        assertFalse(p.contains(2, 2));
        assertEquals(p, Polygon.of(p.exterior(), p.hole(0)));
        assertEquals(p.hashCode(), Polygon.of(p.exterior(), p.hole(0)).hashCode());

        List<List<Integer>> coco = p.toCoco();
        assertEquals(2, coco.size());
        assertEquals(8, coco.get(0).size(), "flat, not closed explicitly");
        assertArrayEquals(p.exterior(), coco.get(0).stream().mapToInt(Integer::intValue).toArray());

        Map<String, Object> geo = p.toGeoJson();
        assertEquals("Polygon", geo.get("type"));
        List<?> rings = (List<?>) geo.get("coordinates");
        List<?> outer = (List<?>) rings.get(0);
        assertEquals(5, outer.size(), "closed: the first vertex is repeated");
        assertEquals(outer.get(0), outer.get(4));

        int[] copy = p.exterior();
        copy[0] = 99;
        assertNotEquals(99, p.exterior()[0], "copies out");
        assertThrows(UnsupportedOperationException.class, () -> coco.add(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Polygon.of(new int[] {0, 0, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Polygon.of(new int[] {0, 0, 1, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Polygon.of(new int[] {0, 0, 1, 1, 2, 2}), "zero area");
    }
}
