package org.sam3j.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sam3j.Box;
import org.sam3j.Prompt;

/**
 * The JSON body of {@code POST /v1/images/{id}/segment} turned into a {@link Prompt}:
 * <pre>
 * {"text": "truck", "threshold": 0.4, "boxes": [[x0, y0, x1, y1], [x0, y0, x1, y1, 0]]}   concept
 * {"points": [[x, y, 1], [x, y, 0]], "box": [x0, y0, x1, y1], "multimask": false}          interactive
 * </pre>
 * Exemplar boxes take an optional fifth element, the label (1 or true: an example, 0 or false: a
 * counter-example); points a third (1: "this object", 0: "not this"; default 1). The shape of the body is
 * checked here; what makes a valid prompt (not text and points together, a non-empty text, finite
 * coordinates, a threshold in [0, 1]) is left to the library, whose one-line message is the answer.
 * Coordinates are pixels of the uploaded image (EXIF orientation applied).
 */
final class PromptJson {
    private static final Set<String> FIELDS = Set.of("text", "threshold", "boxes", "points", "box", "multimask");
    /** NaN and Infinity are read as numbers so that the library names the problem with the prompt. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .build();

    private PromptJson() {}

    /**
     * Parses and checks a request body.
     *
     * @throws ApiException 400 naming the problem
     */
    static Prompt parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object such as {\"text\": \"truck\"} or"
                    + " {\"points\": [[x, y, 1]]}");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw ApiException.badRequest("unknown field '" + f + "' (known: text, threshold, boxes, points, box,"
                        + " multimask)");
            }
        }
        try {
            Prompt.Builder b = Prompt.builder();
            JsonNode text = root.get("text");
            if (text != null && !text.isNull()) {
                if (!text.isTextual()) throw ApiException.badRequest("'text' must be a string");
                b.text(text.asText());
            }
            JsonNode threshold = root.get("threshold");
            if (threshold != null && !threshold.isNull()) b.threshold(number(threshold, "'threshold'"));
            for (JsonNode e : array(root.get("boxes"), "'boxes'")) {
                float[] v = numbers(e, 4, 5, "each of 'boxes'", "[x0, y0, x1, y1] or [x0, y0, x1, y1, label]");
                b.exemplar(new Box(v[0], v[1], v[2], v[3]), v.length < 5 || label(e.get(4), "an exemplar box"));
            }
            for (JsonNode e : array(root.get("points"), "'points'")) {
                float[] v = numbers(e, 2, 3, "each of 'points'", "[x, y] or [x, y, label]");
                b.point(v[0], v[1], v.length < 3 || label(e.get(2), "a point"));
            }
            JsonNode box = root.get("box");
            if (box != null && !box.isNull()) {
                float[] v = numbers(box, 4, 4, "'box'", "[x0, y0, x1, y1]");
                b.box(new Box(v[0], v[1], v[2], v[3]));
            }
            JsonNode multimask = root.get("multimask");
            if (multimask != null && !multimask.isNull()) {
                if (!multimask.isBoolean()) throw ApiException.badRequest("'multimask' must be true or false");
                b.multimask(multimask.booleanValue());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(firstLine(e.getMessage()));
        }
    }

    /** The prompt as understood, for the answer (the shape of {@code result.json}'s {@code prompt}). */
    static Map<String, Object> toJson(Prompt p) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean concept = p.kind() == Prompt.Kind.CONCEPT;
        m.put("kind", concept ? "concept" : "interactive");
        if (concept) {
            m.put("text", p.text());
            List<Object> ex = new ArrayList<>();
            for (Prompt.Exemplar e : p.exemplars()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("box", ResultJson.box(e.box()));
                x.put("positive", e.positive());
                ex.add(x);
            }
            m.put("exemplars", ex);
        } else {
            List<Object> pts = new ArrayList<>();
            for (Prompt.Point q : p.points()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("x", q.x());
                x.put("y", q.y());
                x.put("positive", q.positive());
                pts.add(x);
            }
            m.put("points", pts);
            m.put("box", p.boxOrNull() == null ? null : ResultJson.box(p.boxOrNull()));
            m.put("multimask", p.multimask());
        }
        return m;
    }

    static String firstLine(String message) {
        if (message == null || message.isBlank()) return "invalid prompt";
        return message.lines().findFirst().orElse(message);
    }

    private static Iterable<JsonNode> array(JsonNode node, String what) {
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw ApiException.badRequest(what + " must be an array");
        return node;
    }

    private static float number(JsonNode n, String what) {
        if (!n.isNumber()) throw ApiException.badRequest(what + " must be a number, got " + n);
        return n.floatValue();
    }

    private static float[] numbers(JsonNode n, int min, int max, String what, String form) {
        if (!n.isArray() || n.size() < min || n.size() > max) {
            throw ApiException.badRequest(what + " must be " + form + ", got " + n);
        }
        float[] v = new float[Math.min(n.size(), max)];
        for (int i = 0; i < v.length; i++) {
            JsonNode x = n.get(i);
            // the label may be a boolean; the coordinates must be numbers
            if (i >= min && x.isBoolean()) continue;
            if (!x.isNumber()) throw ApiException.badRequest(what + " must be " + form + ", got " + n);
            v[i] = x.floatValue();
        }
        return v;
    }

    private static boolean label(JsonNode n, String what) {
        if (n.isBoolean()) return n.booleanValue();
        if (n.isNumber() && (n.doubleValue() == 1 || n.doubleValue() == 0)) return n.doubleValue() == 1;
        throw ApiException.badRequest("the label of " + what + " must be 1 (positive) or 0 (negative), got " + n);
    }
}
