package org.sam3j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A polygon with holes in pixel-corner coordinates: one exterior ring and zero or more hole rings, as
 * produced by {@link Mask#toPolygons(double)}. The pixel at column {@code x} and row {@code y} is the
 * unit square {@code [x, x+1] × [y, y+1]}, so a one-pixel mask at (3, 5) is the ring
 * {@code (3,5) (4,5) (4,6) (3,6)}; vertices are integers because mask outlines run along pixel edges and
 * simplification only drops vertices.
 *
 * <h2>Rings</h2>
 * A ring is a flat array {@code [x0, y0, x1, y1, ...]} of at least three vertices, <b>implicitly closed</b>:
 * the last vertex connects back to the first, which is not repeated (the COCO convention;
 * {@link #toGeoJson()} repeats it, as GeoJSON requires).
 *
 * <h2>Orientation</h2>
 * The exterior ring has a <b>positive</b> signed (shoelace) area
 * {@code ½ Σ (x_i·y_{i+1} − x_{i+1}·y_i)} and every hole a negative one. In the coordinates' own frame that
 * is counter-clockwise for the exterior and clockwise for holes (GeoJSON's right-hand rule, shapely's
 * {@code is_ccw}); drawn on screen, where y points down, the exterior appears clockwise. With this
 * orientation both the even-odd and the non-zero fill rule give the same region.
 *
 * <p>Immutable (arrays are copied in and out); equal when the rings are equal vertex for vertex.
 */
public final class Polygon {
    private final int[] exterior;
    private final List<int[]> holes;

    private Polygon(int[] exterior, List<int[]> holes) {
        this.exterior = exterior;
        this.holes = holes;
    }

    /**
     * A polygon from its rings (copied). Rings of the other orientation are reversed into the documented
     * one (exterior positive, holes negative signed area).
     *
     * @param exterior the outer ring, {@code [x0, y0, x1, y1, ...]}, not closed explicitly
     * @param holes    the hole rings, same form
     * @throws IllegalArgumentException if a ring has an odd number of coordinates, fewer than three
     *                                  vertices, or zero area
     */
    public static Polygon of(int[] exterior, int[]... holes) {
        Objects.requireNonNull(exterior, "exterior");
        Objects.requireNonNull(holes, "holes");
        int[] ext = oriented(exterior.clone(), true, "exterior");
        List<int[]> hs = new ArrayList<>(holes.length);
        for (int i = 0; i < holes.length; i++) {
            hs.add(oriented(Objects.requireNonNull(holes[i], "hole").clone(), false, "hole " + i));
        }
        return new Polygon(ext, Collections.unmodifiableList(hs));
    }

    /** Wraps rings built (and oriented) by this package, no copies. */
    static Polygon wrap(int[] exterior, List<int[]> holes) {
        return new Polygon(exterior, Collections.unmodifiableList(new ArrayList<>(holes)));
    }

    private static int[] oriented(int[] ring, boolean positive, String what) {
        if (ring.length % 2 != 0) {
            throw new IllegalArgumentException(what + " ring has an odd number of coordinates: " + ring.length);
        }
        if (ring.length < 6) {
            throw new IllegalArgumentException(what + " ring needs at least 3 vertices, got " + ring.length / 2);
        }
        long twice = twiceSignedArea(ring);
        if (twice == 0) throw new IllegalArgumentException(what + " ring has zero area");
        if (twice > 0 != positive) reverse(ring);
        return ring;
    }

    private static void reverse(int[] ring) {
        int n = ring.length / 2;
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            int x = ring[2 * i];
            int y = ring[2 * i + 1];
            ring[2 * i] = ring[2 * j];
            ring[2 * i + 1] = ring[2 * j + 1];
            ring[2 * j] = x;
            ring[2 * j + 1] = y;
        }
    }

    /** Twice the shoelace signed area of a flat ring, exact. */
    static long twiceSignedArea(int[] ring) {
        int n = ring.length / 2;
        long s = 0;
        for (int i = 0; i < n; i++) {
            int j = i + 1 == n ? 0 : i + 1;
            s += (long) ring[2 * i] * ring[2 * j + 1] - (long) ring[2 * j] * ring[2 * i + 1];
        }
        return s;
    }

    /**
     * The shoelace signed area of a flat ring {@code [x0, y0, x1, y1, ...]} (implicitly closed): positive
     * for an exterior ring of this class, negative for a hole.
     *
     * @throws IllegalArgumentException if the array has an odd length
     */
    public static double signedArea(int[] ring) {
        if (ring.length % 2 != 0) throw new IllegalArgumentException("odd number of coordinates: " + ring.length);
        return twiceSignedArea(ring) / 2.0;
    }

    /** A copy of the exterior ring, {@code [x0, y0, x1, y1, ...]}, not closed explicitly. */
    public int[] exterior() {
        return exterior.clone();
    }

    /** Number of holes. */
    public int holeCount() {
        return holes.size();
    }

    /**
     * A copy of hole ring {@code i}.
     *
     * @throws IndexOutOfBoundsException if there is no such hole
     */
    public int[] hole(int i) {
        return holes.get(i).clone();
    }

    /** Copies of the hole rings, in the order the outline tracing met them (top to bottom). */
    public List<int[]> holes() {
        List<int[]> out = new ArrayList<>(holes.size());
        for (int[] h : holes) out.add(h.clone());
        return out;
    }

    /** Vertices over all rings. */
    public int vertexCount() {
        int n = exterior.length / 2;
        for (int[] h : holes) n += h.length / 2;
        return n;
    }

    /**
     * The enclosed area in square pixels: the exterior's area minus the holes'. For an unsimplified outline
     * of a {@link Mask} this is the number of pixels of that connected component.
     */
    public double area() {
        long twice = twiceSignedArea(exterior);
        for (int[] h : holes) twice += twiceSignedArea(h);
        return twice / 2.0;
    }

    /**
     * Whether the point lies inside by the even-odd rule over all rings (points exactly on an edge may go
     * either way). Pixel {@code (x, y)} of the source mask is inside an unsimplified outline if and only if
     * {@code contains(x + 0.5, y + 0.5)}.
     */
    public boolean contains(double x, double y) {
        boolean in = crossesOdd(exterior, x, y);
        for (int[] h : holes) in ^= crossesOdd(h, x, y);
        return in;
    }

    private static boolean crossesOdd(int[] r, double x, double y) {
        boolean odd = false;
        int n = r.length / 2;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double xi = r[2 * i];
            double yi = r[2 * i + 1];
            double xj = r[2 * j];
            double yj = r[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) odd = !odd;
        }
        return odd;
    }

    /**
     * The rings as COCO flat lists: {@code [[x0, y0, x1, y1, ...], [hole...], ...]}, exterior first. Note
     * that a COCO {@code "segmentation"} field fills every listed polygon, so it cannot express holes: use
     * {@code toCoco().get(0)} of each polygon there (holes are then lost; the RLE stays exact).
     */
    public List<List<Integer>> toCoco() {
        List<List<Integer>> out = new ArrayList<>(1 + holes.size());
        out.add(flat(exterior));
        for (int[] h : holes) out.add(flat(h));
        return Collections.unmodifiableList(out);
    }

    private static List<Integer> flat(int[] ring) {
        Integer[] boxed = new Integer[ring.length];
        for (int i = 0; i < ring.length; i++) boxed[i] = ring[i];
        return List.of(boxed);
    }

    /**
     * A GeoJSON {@code Polygon} geometry as an unmodifiable map, ready for a JSON serialiser:
     * {@code {"type": "Polygon", "coordinates": [[[x0, y0], ..., [x0, y0]], ...]}}, rings closed by repeating
     * the first vertex, exterior first, orientation as documented above (RFC 7946's right-hand rule when the
     * pixel coordinates are read as a y-up plane).
     */
    public Map<String, Object> toGeoJson() {
        List<Object> rings = new ArrayList<>(1 + holes.size());
        rings.add(closedPairs(exterior));
        for (int[] h : holes) rings.add(closedPairs(h));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "Polygon");
        m.put("coordinates", Collections.unmodifiableList(rings));
        return Collections.unmodifiableMap(m);
    }

    private static List<List<Integer>> closedPairs(int[] ring) {
        List<List<Integer>> out = new ArrayList<>(ring.length / 2 + 1);
        for (int i = 0; i < ring.length; i += 2) out.add(List.of(ring[i], ring[i + 1]));
        out.add(List.of(ring[0], ring[1]));
        return Collections.unmodifiableList(out);
    }

    /** Equal when the exterior and the holes are equal, vertex for vertex and in order. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Polygon p) || !Arrays.equals(p.exterior, exterior) || p.holes.size() != holes.size()) {
            return false;
        }
        for (int i = 0; i < holes.size(); i++) {
            if (!Arrays.equals(p.holes.get(i), holes.get(i))) return false;
        }
        return true;
    }

    /** A hash of the rings, consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        int h = Arrays.hashCode(exterior);
        for (int[] r : holes) h = 31 * h + Arrays.hashCode(r);
        return h;
    }

    /** Vertex and hole counts and the area, e.g. {@code Polygon[vertices=12, holes=1, area=31.0]}. */
    @Override
    public String toString() {
        return "Polygon[vertices=" + vertexCount() + ", holes=" + holes.size() + ", area=" + area() + "]";
    }
}
