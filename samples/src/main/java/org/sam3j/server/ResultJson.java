package org.sam3j.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.MaskResult;

/**
 * The JSON form of segmentation results shared by {@code sam3 segment}'s {@code result.json} and the
 * server's answers: instances best first, each with {@code rank} (0 = best, its place in the list),
 * {@code query} (concept prompts: the detector query that found it) or {@code candidate} (interactive
 * prompts: the mask decoder output), {@code score}, {@code box} {@code [x0, y0, x1, y1]} (pixels, within the
 * image), {@code area} and, unless left out, {@code rle} (COCO RLE, {@code {"size": [h, w], "counts": "..."}}).
 */
public final class ResultJson {
    private ResultJson() {}

    /** The instances of a result, best first, as insertion-ordered maps ready for a JSON serialiser. */
    public static List<Map<String, Object>> instances(MaskResult result, boolean rle) {
        boolean concept = result.presenceScore().isPresent();
        List<Map<String, Object>> out = new ArrayList<>();
        List<Instance> inst = result.instances();
        for (int k = 0; k < inst.size(); k++) {
            Instance i = inst.get(k);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rank", k);
            m.put(concept ? "query" : "candidate", i.index());
            m.put("score", i.score());
            m.put("box", box(i.box()));
            m.put("area", i.area());
            if (rle) m.put("rle", i.mask().toRle().toMap());
            out.add(m);
        }
        return out;
    }

    /**
     * The bytes each stage moved across the backend's boundary ({@link MaskResult#transferBytes()}), keyed as
     * {@code timings_ms} is ({@code image_encoder}, {@code text_encoder}, {@code detector}, {@code mask_decoder},
     * {@code post_processing}), each {@code {"uploaded": n, "downloaded": n}}.
     */
    public static Map<String, Object> transferBytes(MaskResult result) {
        Map<String, Object> out = new LinkedHashMap<>();
        result.transferBytes().forEach((stage, b) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("uploaded", b.uploaded());
            m.put("downloaded", b.downloaded());
            out.put(stageKey(stage), m);
        });
        return out;
    }

    /** A stage name as a JSON key: lower case, runs of other characters as one underscore. */
    public static String stageKey(String stage) {
        return stage.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    /** A box as {@code [x0, y0, x1, y1]}. */
    public static List<Float> box(Box b) {
        return List.of(b.x0(), b.y0(), b.x1(), b.y1());
    }
}
