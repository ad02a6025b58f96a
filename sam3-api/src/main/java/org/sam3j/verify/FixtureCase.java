package org.sam3j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.StoredTensor;

/**
 * One case of a reference fixture set: an image, the prompts asked about it, and the recorded
 * tensors (statistics for all, probes for all, whole values for some).
 */
public final class FixtureCase implements AutoCloseable {
    private final String name;
    private final Path image;
    private final int width;
    private final int height;
    private final JsonNode prompts;
    private final Map<String, TensorStats> stats;
    private final SafetensorsFile tensors;

    FixtureCase(Path dir, JsonNode json) throws IOException {
        this.name = json.get("name").asText();
        this.image = dir.resolve(json.get("image").asText());
        this.width = json.get("size").get(0).asInt();
        this.height = json.get("size").get(1).asInt();
        this.prompts = json.get("prompts");
        Map<String, TensorStats> s = new LinkedHashMap<>();
        json.get("stats").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asLong();
            s.put(e.getKey(), new TensorStats(shape, v.get("numel").asLong(), v.get("sum").asDouble(),
                    v.get("sumsq").asDouble(), v.get("absmax").asDouble()));
        });
        this.stats = Collections.unmodifiableMap(s);
        this.tensors = SafetensorsFile.open(dir.resolve(name + ".safetensors"));
    }

    /** Case name. */
    public String name() {
        return name;
    }

    /** The case's image file. */
    public Path image() {
        return image;
    }

    /** Original image width in pixels. */
    public int width() {
        return width;
    }

    /** Original image height in pixels. */
    public int height() {
        return height;
    }

    /** The prompts asked, in order, as recorded ({@code kind}, {@code key}, ...). */
    public JsonNode prompts() {
        return prompts;
    }

    /** Every recorded tensor key with its statistics, in recording order. */
    public Map<String, TensorStats> stats() {
        return stats;
    }

    /**
     * Every key to verify: the recorded tensors with statistics, then those stored only whole (token
     * ids, scores, indices, post-processed outputs).
     */
    public java.util.List<String> keys() {
        java.util.List<String> keys = new java.util.ArrayList<>(stats.keySet());
        for (String n : tensors.names()) {
            if (!n.endsWith(".probe") && !stats.containsKey(n)) keys.add(n);
        }
        return keys;
    }

    /** The 2048 probe values of a recorded tensor. */
    public float[] probe(String key) throws IOException {
        return tensors.tensor(key + ".probe").toFloats();
    }

    /** The whole recorded tensor, where the fixture stores it. */
    public Optional<StoredTensor> whole(String key) throws IOException {
        return tensors.contains(key) ? Optional.of(tensors.tensor(key)) : Optional.empty();
    }

    @Override
    public void close() throws IOException {
        tensors.close();
    }
}
