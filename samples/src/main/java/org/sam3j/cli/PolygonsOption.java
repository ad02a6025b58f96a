package org.sam3j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sam3j.MaskResult;
import org.sam3j.Polygon;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code sam3 segment --polygons[=TOLERANCE]}: adds each instance's outline to {@code result.json} as
 * {@code "polygons"}, one entry per connected component (8-connected), each a list of rings in COCO's flat
 * form {@code [x0, y0, x1, y1, ...]} (pixel-corner coordinates, not closed explicitly): the exterior first,
 * then its holes. The exterior lists of all entries are what a COCO {@code "segmentation"} field takes (COCO
 * polygons cannot express holes; the {@code "rle"} stays exact). With tolerance 0 (the default when no value
 * is given) the outlines enclose exactly the mask's pixels; otherwise they are simplified by Douglas–Peucker
 * within that many pixels ({@link org.sam3j.Mask#toPolygons(double)}).
 */
final class PolygonsOption {
    /** The form shown in the usage. */
    static final String FORM = "TOLERANCE";

    private PolygonsOption() {}

    /** Adds {@code "polygons"} to every instance of {@code json} (built by SegmentOutput.instancesJson). */
    @SuppressWarnings("unchecked")
    static void addTo(Map<String, Object> json, MaskResult result, double tolerance) {
        List<Object> instances = (List<Object>) json.get("instances");
        for (int k = 0; k < instances.size(); k++) {
            List<Object> polygons = new ArrayList<>();
            for (Polygon p : result.instances().get(k).mask().toPolygons(tolerance)) polygons.add(p.toCoco());
            ((Map<String, Object>) instances.get(k)).put("polygons", polygons);
        }
        json.put("polygon_tolerance", tolerance);
    }

    /** Parses the tolerance: a finite number of pixels, at least 0. */
    static final class Converter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double t;
            try {
                t = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a polygon tolerance (a number of pixels >= 0)");
            }
            if (!(t >= 0) || Double.isInfinite(t)) {
                throw new TypeConversionException("polygon tolerance must be a finite number of pixels >= 0, got " + value);
            }
            return t;
        }
    }
}
