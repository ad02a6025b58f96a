package org.sam3j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A directory of reference fixtures ({@code index.json} plus one {@code <case>.json} and
 * {@code <case>.safetensors} per case), in the format of {@code shared/spec/fixtures.md}.
 */
public final class FixtureSet {
    private final Path dir;
    private final JsonNode config;
    private final Map<String, long[]> paramShapes;
    private final List<String> caseNames;
    private final String format;

    private FixtureSet(Path dir, JsonNode config, Map<String, long[]> paramShapes, List<String> caseNames, String format) {
        this.dir = dir;
        this.format = format;
        this.config = config;
        this.paramShapes = paramShapes;
        this.caseNames = caseNames;
    }

    /**
     * Reads a fixture directory's index.
     *
     * @throws NoSuchFileException if the directory has no {@code index.json}
     */
    public static FixtureSet open(Path dir) throws IOException {
        Path index = dir.resolve("index.json");
        if (!Files.isRegularFile(index)) {
            throw new NoSuchFileException(index.toString(), null, "not a fixture directory (no index.json)");
        }
        JsonNode root = new ObjectMapper().readTree(index.toFile());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        root.get("param_shapes").fields().forEachRemaining(e -> {
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) s[i] = e.getValue().get(i).asLong();
            shapes.put(e.getKey(), s);
        });
        List<String> cases = new ArrayList<>();
        root.get("cases").forEach(c -> cases.add(c.get("name").asText()));
        return new FixtureSet(dir, root.get("config"), Collections.unmodifiableMap(shapes),
                Collections.unmodifiableList(cases), root.path("format").asText(""));
    }

    /** The index's {@code format} (e.g. {@code video-v1}), empty for the image sets that do not name one. */
    public String format() {
        return format;
    }

    /** The fixture directory. */
    public Path dir() {
        return dir;
    }

    /** The configuration overrides ({@code vit_depth}, {@code vit_global_blocks}, ...). */
    public JsonNode config() {
        return config;
    }

    /** Every synthetic parameter of the configuration: checkpoint name to shape. */
    public Map<String, long[]> paramShapes() {
        return paramShapes;
    }

    /** Case names, in order. */
    public List<String> caseNames() {
        return caseNames;
    }

    /** Opens one case (close it when done). */
    public FixtureCase openCase(String name) throws IOException {
        JsonNode json = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        return new FixtureCase(dir, json);
    }
}
