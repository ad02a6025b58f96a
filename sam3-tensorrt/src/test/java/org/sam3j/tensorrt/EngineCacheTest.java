package org.sam3j.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;

/** {@link EngineCache}: hits, stale and foreign entries, corrupt ones, the timing cache, atomic writes. */
class EngineCacheTest {
    @TempDir
    Path dir;

    /** Counts builds; each build's engine differs (so a test sees which one it got) and records the timing cache given. */
    static final class FakeBuild implements EngineCache.Build {
        int builds;
        final List<String> timingGiven = new ArrayList<>();

        @Override
        public EngineBuilder.Result build(byte[] timingCache) {
            builds++;
            String t = new String(timingCache, StandardCharsets.UTF_8);
            timingGiven.add(t);
            return new EngineBuilder.Result(("engine #" + builds + " ").repeat(50).getBytes(StandardCharsets.UTF_8),
                    (t + "t" + builds + ";").getBytes(StandardCharsets.UTF_8));
        }
    }

    static EngineKey key(String stage, Precision p, String trtVersion) {
        return new EngineKey("model-3f2a9c0d11e4b7a2c0ffee", "ab12", stage, p, "strong", "NVIDIA H200", "9.0", trtVersion);
    }

    static final EngineKey KEY = key("image_encoder", Precision.FP16, "10.15.1");

    @Test
    void buildsOnceThenLoadsTheSameBytes() throws IOException {
        EngineCache cache = new EngineCache(dir);
        FakeBuild b = new FakeBuild();
        assertTrue(cache.lookup(KEY).isEmpty());
        EngineCache.Entry first = cache.getOrBuild(KEY, b);
        assertEquals(EngineCache.Outcome.BUILT, first.outcome());
        EngineCache.Entry second = new EngineCache(dir).getOrBuild(KEY, b); // a new instance: from disk
        assertEquals(EngineCache.Outcome.CACHED, second.outcome());
        assertEquals(1, b.builds);
        assertArrayEquals(first.engine(), second.engine());
        assertArrayEquals(first.engine(), cache.lookup(KEY).orElseThrow());
        assertEquals(dir.resolve("engines/image_encoder.fp16.model-3f2a9c0d11.nvidia-h200-sm90.engine"), first.engineFile());
        JsonNode side = new ObjectMapper().readTree(cache.sidecarFile(KEY).toFile());
        assertEquals("10.15.1", side.at("/key/tensorRtVersion").asText());
        assertEquals("NVIDIA H200", side.at("/key/gpuName").asText());
        assertEquals(first.engine().length, side.get("engineBytes").asInt());
        assertEquals(EngineCache.sha256(first.engine()), side.get("engineSha256").asText());
        try (Stream<Path> s = Files.list(dir.resolve("engines"))) {
            assertEquals(2, s.count(), "engine and sidecar, no temporary files");
        }
    }

    @Test
    void eachPartOfTheKeyMattersAndAStaleEntryIsRebuiltNotLoaded() throws IOException {
        EngineCache cache = new EngineCache(dir);
        FakeBuild b = new FakeBuild();
        byte[] old = cache.getOrBuild(KEY, b).engine();
        EngineKey[] others = {
            key("image_encoder", Precision.FP16, "10.16.0"),
            new EngineKey(KEY.modelHash(), "cd34", KEY.stage(), KEY.precision(), "strong", "NVIDIA H200", "9.0", "10.15.1"),
            new EngineKey(KEY.modelHash(), "ab12", KEY.stage(), KEY.precision(), "flags", "NVIDIA H200", "9.0", "10.15.1"),
        };
        for (EngineKey other : others) {
            assertEquals(KEY.slot(), other.slot(), "same slot: the entry there is stale for " + other);
            assertTrue(cache.lookup(other).isEmpty(), "never loaded for another key: " + other);
            EngineCache.Entry e = cache.getOrBuild(other, b);
            assertEquals(EngineCache.Outcome.REBUILT_STALE, e.outcome());
            assertFalse(java.util.Arrays.equals(old, e.engine()));
            old = e.engine();
        }
        assertEquals(1 + others.length, b.builds);
        // Slots of their own: stage, precision, model, GPU and compute capability.
        assertNotEquals(KEY.slot(), key("detector", Precision.FP16, "10.15.1").slot());
        assertNotEquals(KEY.slot(), key("image_encoder", Precision.BF16, "10.15.1").slot());
        assertNotEquals(KEY.slot(), new EngineKey("other-model", "ab12", "image_encoder", Precision.FP16, "strong",
                "NVIDIA H200", "9.0", "10.15.1").slot());
        assertNotEquals(KEY.slot(), new EngineKey(KEY.modelHash(), "ab12", "image_encoder", Precision.FP16, "strong",
                "NVIDIA H200", "8.9", "10.15.1").slot());
    }

    @Test
    void aForeignSidecarIsRebuiltNotLoaded() throws IOException {
        EngineCache cache = new EngineCache(dir);
        FakeBuild b = new FakeBuild();
        cache.getOrBuild(KEY, b);
        // An entry copied from another machine: same file names, its own key (another GPU).
        ObjectMapper m = new ObjectMapper();
        ObjectNode side = (ObjectNode) m.readTree(cache.sidecarFile(KEY).toFile());
        ((ObjectNode) side.get("key")).put("gpuName", "NVIDIA A100-SXM4-80GB");
        Files.write(cache.sidecarFile(KEY), m.writeValueAsBytes(side));
        assertTrue(cache.lookup(KEY).isEmpty());
        assertEquals(EngineCache.Outcome.REBUILT_STALE, cache.getOrBuild(KEY, b).outcome());
        // A sidecar with a field this version does not know is foreign as well.
        side = (ObjectNode) m.readTree(cache.sidecarFile(KEY).toFile());
        ((ObjectNode) side.get("key")).put("dlaCore", "0");
        Files.write(cache.sidecarFile(KEY), m.writeValueAsBytes(side));
        assertEquals(EngineCache.Outcome.REBUILT_STALE, cache.getOrBuild(KEY, b).outcome());
        assertEquals(3, b.builds);
        assertEquals(EngineCache.Outcome.CACHED, cache.getOrBuild(KEY, b).outcome());
    }

    /** Damages the stored entry and expects a rebuild with a WARN naming the damage. */
    private void expectCorrupt(String damage, String logged, IoAction damageIt) throws IOException {
        EngineCache cache = new EngineCache(dir.resolve(damage));
        FakeBuild b = new FakeBuild();
        cache.getOrBuild(KEY, b);
        damageIt.run(cache);
        String err = captureStderr(() -> assertTrue(cache.lookup(KEY).isEmpty(), damage));
        assertTrue(err.contains("WARN") && err.contains("corrupt") && err.contains(logged), damage + ": " + err);
        String err2 = captureStderr(() -> assertEquals(EngineCache.Outcome.REBUILT_CORRUPT, cache.getOrBuild(KEY, b).outcome(), damage));
        assertTrue(err2.contains("WARN") && err2.contains("rebuilding"), err2);
        assertEquals(2, b.builds, damage);
        assertEquals(EngineCache.Outcome.CACHED, cache.getOrBuild(KEY, b).outcome(), damage + ": repaired");
    }

    interface IoAction {
        void run(EngineCache c) throws IOException;
    }

    @Test
    void corruptEntriesAreRebuiltWithAWarning() throws IOException {
        expectCorrupt("truncated", "(truncated)", c -> {
            byte[] e = Files.readAllBytes(c.engineFile(KEY));
            Files.write(c.engineFile(KEY), java.util.Arrays.copyOf(e, e.length / 2));
        });
        expectCorrupt("altered", "SHA-256", c -> {
            byte[] e = Files.readAllBytes(c.engineFile(KEY));
            e[e.length / 3] ^= 1;
            Files.write(c.engineFile(KEY), e);
        });
        expectCorrupt("engine-missing", "engine file missing", c -> Files.delete(c.engineFile(KEY)));
        expectCorrupt("sidecar-missing", "no sidecar", c -> Files.delete(c.sidecarFile(KEY)));
        expectCorrupt("sidecar-garbage", "unreadable sidecar", c -> Files.writeString(c.sidecarFile(KEY), "{\"format\": 1, \"key\""));
        expectCorrupt("sidecar-incomplete", "sidecar without", c -> Files.writeString(c.sidecarFile(KEY), "{\"format\": 1}"));
    }

    @Test
    void theTimingCacheIsKeptPerGpuAndTensorRtVersionAndSharedByStages() throws IOException {
        EngineCache cache = new EngineCache(dir);
        FakeBuild b = new FakeBuild();
        cache.getOrBuild(KEY, b);
        cache.getOrBuild(key("detector", Precision.FP16, "10.15.1"), b);
        cache.getOrBuild(key("detector", Precision.FP16, "10.16.0"), b);
        assertEquals(List.of("", "t1;", ""), b.timingGiven);
        assertEquals("t1;t2;", Files.readString(cache.timingCacheFile(KEY)));
        assertEquals(dir.resolve("timing/nvidia-h200-sm90.trt10-15-1.timing"), cache.timingCacheFile(KEY));
    }

    @Test
    void aFailedBuildWritesNothingAndKeepsTheOldEntry() throws IOException {
        EngineCache cache = new EngineCache(dir);
        FakeBuild b = new FakeBuild();
        byte[] old = cache.getOrBuild(KEY, b).engine();
        EngineKey newer = key("image_encoder", Precision.FP16, "10.16.0");
        assertThrows(EngineBuildException.class, () -> cache.getOrBuild(newer, t -> {
            throw new EngineBuildException("stage image_encoder: boom");
        }));
        assertArrayEquals(old, cache.lookup(KEY).orElseThrow());
        assertFalse(Files.exists(cache.timingCacheFile(newer)));
    }

    @Test
    void theDirectoryComesFromTheOptionsElseTheUsersCache() {
        assertEquals(dir.toAbsolutePath(), EngineCache.of(BackendOptions.builder().cacheDirectory(dir).build()).directory());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "sam3j", "tensorrt"),
                EngineCache.of(BackendOptions.defaults()).directory());
    }

    @Test
    void keysRefuseBlankPartsAndOddStageNames() {
        assertThrows(IllegalArgumentException.class, () -> new EngineKey(" ", "a", "s", Precision.FP32, "strong", "g", "9.0", "10"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EngineKey("m", "a", "../x", Precision.FP32, "strong", "g", "9.0", "10"));
        assertTrue(e.getMessage().contains("stage"), e.getMessage());
    }

    interface Action {
        void run() throws IOException;
    }

    /** What {@code a} logs through slf4j-simple (which writes to the current System.err). */
    static String captureStderr(Action a) throws IOException {
        PrintStream old = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            a.run();
        } finally {
            System.setErr(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
