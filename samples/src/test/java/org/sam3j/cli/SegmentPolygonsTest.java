package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Mask;
import org.sam3j.Polygon;
import org.sam3j.Rle;
import org.sam3j.testing.PolygonRaster;
import org.sam3j.testing.SharedData;
import picocli.CommandLine;

/**
 * {@code sam3 segment --polygons[=TOLERANCE]}: every instance in {@code result.json} gets {@code polygons}
 * (COCO flat rings, exterior then holes) that, unsimplified, fill exactly the instance's RLE mask; bad
 * tolerances are refused before the model loads. One tiny-model run (a click, no text encoder).
 */
@Tag("slow") // CLI runs with model loads; Mask/Polygon tests in sam3-api cover the outlines in the default run
class SegmentPolygonsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int[] ring(Object flat) {
        List<?> l = (List<?>) flat;
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) r[i] = ((Number) l.get(i)).intValue();
        return r;
    }

    @Test
    @SuppressWarnings("unchecked")
    void polygonsInResultJsonEncloseExactlyTheMasks(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("segment", "--weights", "synthetic", "--config", "tiny",
                "--image", SharedData.resolve("images/truck.jpg").toString(), "--point", "500,375", "--polygons",
                "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        Map<String, Object> json = JSON.readValue(Files.readAllBytes(out.resolve("result.json")), Map.class);
        assertEquals(0.0, ((Number) json.get("polygon_tolerance")).doubleValue());
        List<Map<String, Object>> instances = (List<Map<String, Object>>) json.get("instances");
        assertFalse(instances.isEmpty());
        int outlined = 0;
        for (Map<String, Object> inst : instances) {
            Mask mask = Mask.fromRle(Rle.fromMap((Map<String, ?>) inst.get("rle")));
            List<List<Object>> polygons = (List<List<Object>>) inst.get("polygons");
            List<int[]> rings = new ArrayList<>();
            for (List<Object> polygon : polygons) {
                assertTrue(Polygon.signedArea(ring(polygon.get(0))) > 0, "exterior first, positive area");
                for (int i = 0; i < polygon.size(); i++) {
                    int[] ring = ring(polygon.get(i));
                    if (i > 0) assertTrue(Polygon.signedArea(ring) < 0, "holes after it, negative area");
                    rings.add(ring);
                }
            }
            if (!polygons.isEmpty()) outlined++;
            int w = mask.width();
            int h = mask.height();
            assertEquals(mask, PolygonRaster.fillRings(rings, w, h, false), "even-odd fill gives the mask back");
            assertEquals(mask, PolygonRaster.fillRings(rings, w, h, true), "non-zero fill gives the mask back");
            assertEquals(mask.isEmpty(), polygons.isEmpty());
        }
        assertTrue(outlined > 0, "at least one instance has an outline");
    }

    @Test
    void toleranceIsParsedAndBadValuesAreRefusedBeforeTheModelRuns() {
        SegmentCommand none = new SegmentCommand();
        new CommandLine(none).parseArgs("--image", "x.jpg");
        assertNull(none.polygons, "no polygons unless asked");
        SegmentCommand exact = new SegmentCommand();
        new CommandLine(exact).parseArgs("--polygons", "--image", "x.jpg");
        assertEquals(0.0, exact.polygons);
        SegmentCommand simplified = new SegmentCommand();
        new CommandLine(simplified).parseArgs("--polygons=1.5", "--image", "x.jpg");
        assertEquals(1.5, simplified.polygons);

        for (String bad : new String[] {"--polygons=-1", "--polygons=abc", "--polygons=NaN"}) {
            CliRun r = CliRun.of("segment", "--weights", "synthetic", "--config", "tiny", "--image", "missing.jpg",
                    "--point", "1,1", bad);
            assertEquals(2, r.status(), bad + ": " + r.err());
            assertTrue(r.err().startsWith("sam3: ") && r.err().contains("tolerance"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
    }
}
