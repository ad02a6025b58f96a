package org.sam3j.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sam3j.Box;
import org.sam3j.Instance;

/**
 * The JSON form of segmentation results shared by {@code sam3 segment}'s {@code result.json} and the
 * server's answers: per instance {@code index}, {@code score}, {@code box} {@code [x0, y0, x1, y1]},
 * {@code area} and {@code rle} (COCO RLE, {@code {"size": [h, w], "counts": "..."}}).
 */
public final class ResultJson {
    private ResultJson() {}

    /** One instance as an insertion-ordered map ready for a JSON serialiser. */
    public static Map<String, Object> instance(Instance i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", i.index());
        m.put("score", i.score());
        m.put("box", box(i.box()));
        m.put("area", i.area());
        m.put("rle", i.mask().toRle().toMap());
        return m;
    }

    /** A box as {@code [x0, y0, x1, y1]}. */
    public static List<Float> box(Box b) {
        return List.of(b.x0(), b.y0(), b.x1(), b.y1());
    }
}
