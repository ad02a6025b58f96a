package org.sam3j.testing;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Mask;
import org.sam3j.Polygon;

/**
 * Fills polygons into a mask by pixel centres, scanline by scanline, independently of the outline code
 * under test: pixel {@code (x, y)} is set when {@code (x + 0.5, y + 0.5)} is inside by the even-odd rule or,
 * optionally, the non-zero winding rule.
 */
public final class PolygonRaster {
    private PolygonRaster() {}

    /** Rasterises flat rings {@code [x0, y0, x1, y1, ...]} (implicitly closed) into a {@code w × h} mask. */
    public static Mask fillRings(List<int[]> rings, int w, int h, boolean nonZero) {
        boolean[] out = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            double yc = y + 0.5;
            List<double[]> cross = new ArrayList<>(); // {x, direction}
            for (int[] r : rings) {
                int n = r.length / 2;
                for (int i = 0; i < n; i++) {
                    int j = (i + 1) % n;
                    double x1 = r[2 * i], y1 = r[2 * i + 1], x2 = r[2 * j], y2 = r[2 * j + 1];
                    if ((y1 <= yc && yc < y2) || (y2 <= yc && yc < y1)) {
                        cross.add(new double[] {x1 + (yc - y1) * (x2 - x1) / (y2 - y1), y2 > y1 ? 1 : -1});
                    }
                }
            }
            cross.sort((a, b) -> Double.compare(a[0], b[0]));
            int k = 0;
            int winding = 0;
            int count = 0;
            for (int x = 0; x < w; x++) {
                double xc = x + 0.5;
                while (k < cross.size() && cross.get(k)[0] < xc) {
                    winding += (int) cross.get(k)[1];
                    count++;
                    k++;
                }
                out[y * w + x] = nonZero ? winding != 0 : (count & 1) == 1;
            }
        }
        return Mask.of(out, w, h);
    }

    /** Rasterises every ring (exteriors and holes) of {@code polygons}. */
    public static Mask fill(List<Polygon> polygons, int w, int h, boolean nonZero) {
        List<int[]> rings = new ArrayList<>();
        for (Polygon p : polygons) {
            rings.add(p.exterior());
            rings.addAll(p.holes());
        }
        return fillRings(rings, w, h, nonZero);
    }
}
