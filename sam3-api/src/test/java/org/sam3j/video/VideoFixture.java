package org.sam3j.video;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.sam3j.Sam3Config;
import org.sam3j.io.SafetensorsFile;
import org.sam3j.io.StoredTensor;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.TensorStats;
import org.sam3j.verify.Verifier;
import org.sam3j.weights.ConstantOverrides;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;

/** The {@code video-tiny} fixture set (format video-v1): configuration, weights, the clip's case. */
final class VideoFixture implements AutoCloseable {
    static final String DIR = "fixtures/sam3/video-tiny";

    final Path dir;
    final Sam3Config config;
    final WeightStore weights;
    final JsonNode json;
    final Map<String, TensorStats> stats = new LinkedHashMap<>();
    final SafetensorsFile tensors;
    final int width;
    final int height;

    private VideoFixture(Path dir) throws IOException {
        this.dir = dir;
        FixtureSet set = FixtureSet.open(dir);
        this.config = Verifier.configOf(set);
        Map<String, Float> overrides = new LinkedHashMap<>();
        set.config().path("weight_overrides").fields()
                .forEachRemaining(e -> overrides.put(e.getKey(), (float) e.getValue().asDouble()));
        this.weights = ConstantOverrides.of(SyntheticWeights.of(set.paramShapes()), overrides);
        String name = set.caseNames().get(0);
        this.json = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        json.get("stats").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asLong();
            stats.put(e.getKey(), new TensorStats(shape, v.get("numel").asLong(), v.get("sum").asDouble(),
                    v.get("sumsq").asDouble(), v.get("absmax").asDouble()));
        });
        this.tensors = SafetensorsFile.open(dir.resolve(name + ".safetensors"));
        this.width = json.get("size").get(0).asInt();
        this.height = json.get("size").get(1).asInt();
    }

    static VideoFixture open() throws IOException {
        return new VideoFixture(SharedData.resolve(DIR));
    }

    Path frame(int t) {
        return dir.resolve(json.get("frames").get(t).asText());
    }

    int numFrames() {
        return json.get("num_frames").asInt();
    }

    JsonNode meta(String key) {
        return json.get("meta").get(key);
    }

    float[] probe(String key) throws IOException {
        return tensors.tensor(key + ".probe").toFloats();
    }

    Optional<StoredTensor> whole(String key) throws IOException {
        return tensors.contains(key) ? Optional.of(tensors.tensor(key)) : Optional.empty();
    }

    @Override
    public void close() throws IOException {
        tensors.close();
    }
}
