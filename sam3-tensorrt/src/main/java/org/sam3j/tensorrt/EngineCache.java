package org.sam3j.tensorrt;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.sam3j.BackendOptions;
import org.sam3j.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorRT engines on disk, one per {@link EngineKey#slot() slot}, each with a JSON sidecar holding its full
 * {@link EngineKey}, size and SHA-256:
 * <pre>
 * DIR/engines/SLOT.engine      the serialized engine
 * DIR/engines/SLOT.json        {"format":1, "key":{...}, "engineBytes":N, "engineSha256":"...", "builtAt":..., "buildSeconds":...}
 * DIR/timing/GPU-smCC.trtVERSION.timing   TensorRT's timing cache, shared by every build on that GPU model and version
 * </pre>
 * An entry is loaded only when its sidecar's key equals the wanted key and the engine's size and SHA-256 match the
 * sidecar. A stale or foreign entry (another TensorRT version, export, typing...) is rebuilt and replaced, never
 * loaded; a corrupt one (unreadable sidecar, engine missing, truncated or altered) is rebuilt with a WARN. Files are
 * written atomically ({@link AtomicFiles}), the engine before its sidecar, so an interrupted write leaves an entry
 * that reads as corrupt, never a wrong engine. Thread-safe within one JVM; processes sharing a directory may each
 * build the same engine (the last write wins, every write complete).
 */
public final class EngineCache {
    private static final Logger LOG = LoggerFactory.getLogger(EngineCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;

    /** How an entry was obtained. */
    public enum Outcome {
        /** Loaded from the cache. */
        CACHED,
        /** Built: there was no entry. */
        BUILT,
        /** Built: the entry was for another key (stale or foreign). */
        REBUILT_STALE,
        /** Built: the entry was corrupt. */
        REBUILT_CORRUPT
    }

    /** Builds an engine when the cache has none; receives the stored timing cache (empty for none). */
    @FunctionalInterface
    public interface Build {
        /** Builds the engine for the wanted key. */
        EngineBuilder.Result build(byte[] timingCache);
    }

    /**
     * An engine from {@link #getOrBuild(EngineKey, Build)}.
     *
     * @param engineFile where it is stored
     * @param engine     its bytes
     * @param outcome    whether it was loaded or built, and why
     * @param buildTime  how long the build took (zero when loaded)
     */
    public record Entry(Path engineFile, byte[] engine, Outcome outcome, Duration buildTime) {}

    private enum State { MISSING, VALID, STALE, CORRUPT }

    private record Check(State state, byte[] engine, String detail) {}

    private final Path directory;

    /** A cache in {@code directory} (created when first written). */
    public EngineCache(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
    }

    /** {@code ~/.cache/sam3j/tensorrt}. */
    public static Path defaultDirectory() {
        return Path.of(System.getProperty("user.home"), ".cache", "sam3j", "tensorrt");
    }

    /** The cache in {@link BackendOptions#cacheDirectory()}, or in the {@link #defaultDirectory()}. */
    public static EngineCache of(BackendOptions options) {
        return new EngineCache(options.cacheDirectory().orElseGet(EngineCache::defaultDirectory));
    }

    /** The cache's root directory. */
    public Path directory() {
        return directory;
    }

    /** Where the key's engine is stored. */
    public Path engineFile(EngineKey key) {
        return directory.resolve("engines").resolve(key.slot() + ".engine");
    }

    /** Where the key's sidecar is stored. */
    public Path sidecarFile(EngineKey key) {
        return directory.resolve("engines").resolve(key.slot() + ".json");
    }

    /** The timing cache for the key's GPU model, compute capability and TensorRT version. */
    public Path timingCacheFile(EngineKey key) {
        return directory.resolve("timing").resolve(EngineKey.gpuSlot(key.gpuName(), key.computeCapability())
                + ".trt" + EngineKey.slug(key.tensorRtVersion()) + ".timing");
    }

    /**
     * The engine for {@code key}, when a valid entry exists (a corrupt one is reported with a WARN).
     *
     * @throws IOException if the directory cannot be read
     */
    public synchronized Optional<byte[]> lookup(EngineKey key) throws IOException {
        Check c = check(key);
        if (c.state() == State.CORRUPT) LOG.warn("TensorRT engine cache: {} is corrupt ({})", engineFile(key), c.detail());
        return c.state() == State.VALID ? Optional.of(c.engine()) : Optional.empty();
    }

    /**
     * The engine for {@code key}: loaded when valid, else built with {@code build} (given the stored timing cache),
     * stored with its sidecar, and the timing cache it returns saved.
     *
     * @throws IOException if the cache cannot be read or written
     */
    public synchronized Entry getOrBuild(EngineKey key, Build build) throws IOException {
        Check c = check(key);
        Outcome outcome;
        switch (c.state()) {
            case VALID -> {
                LOG.debug("TensorRT engine cache: {} loaded", engineFile(key));
                return new Entry(engineFile(key), c.engine(), Outcome.CACHED, Duration.ZERO);
            }
            case STALE -> {
                LOG.info("TensorRT engine cache: {} is for another key ({}); rebuilding", engineFile(key), c.detail());
                outcome = Outcome.REBUILT_STALE;
            }
            case CORRUPT -> {
                LOG.warn("TensorRT engine cache: {} is corrupt ({}); rebuilding", engineFile(key), c.detail());
                outcome = Outcome.REBUILT_CORRUPT;
            }
            default -> outcome = Outcome.BUILT;
        }
        Path timing = timingCacheFile(key);
        byte[] timingIn = Files.isRegularFile(timing) ? Files.readAllBytes(timing) : new byte[0];
        long t0 = System.nanoTime();
        EngineBuilder.Result r = Objects.requireNonNull(build.build(timingIn), "build returned null");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (r.engine().length == 0) throw new IllegalStateException("build of " + key.stage() + " returned an empty engine");
        store(key, r.engine(), took);
        if (r.timingCache().length > 0) {
            Files.createDirectories(timing.getParent());
            AtomicFiles.write(timing, r.timingCache());
        }
        return new Entry(engineFile(key), r.engine(), outcome, took);
    }

    /**
     * Stores {@code engine} for {@code key}, replacing what its slot held: the engine, then its sidecar.
     *
     * @throws IOException if it cannot be written
     */
    public synchronized void store(EngineKey key, byte[] engine, Duration buildTime) throws IOException {
        Path file = engineFile(key);
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, engine);
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("format", FORMAT);
        side.put("key", key.toMap());
        side.put("engineFile", file.getFileName().toString());
        side.put("engineBytes", engine.length);
        side.put("engineSha256", sha256(engine));
        side.put("builtAt", Instant.now().toString());
        side.put("buildSeconds", buildTime.toMillis() / 1000.0);
        AtomicFiles.write(sidecarFile(key), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(side));
    }

    private Check check(EngineKey key) throws IOException {
        Path engine = engineFile(key);
        Path sidecar = sidecarFile(key);
        boolean hasEngine = Files.exists(engine);
        boolean hasSidecar = Files.exists(sidecar);
        if (!hasEngine && !hasSidecar) return new Check(State.MISSING, null, null);
        if (!hasSidecar) return new Check(State.CORRUPT, null, "no sidecar " + sidecar.getFileName());
        JsonNode side;
        Map<String, String> storedKey;
        try {
            side = JSON.readTree(Files.readAllBytes(sidecar));
            if (side == null || !side.isObject() || side.path("format").asInt() != FORMAT || !side.path("key").isObject()
                    || !side.path("engineBytes").canConvertToLong() || !side.path("engineSha256").isTextual()) {
                return new Check(State.CORRUPT, null, "sidecar without format " + FORMAT + ", key, engineBytes, engineSha256");
            }
            storedKey = JSON.convertValue(side.get("key"), new TypeReference<Map<String, String>>() {});
        } catch (IOException | IllegalArgumentException e) {
            return new Check(State.CORRUPT, null, "unreadable sidecar: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Map<String, String> wanted = key.toMap();
        if (!wanted.equals(storedKey)) return new Check(State.STALE, null, differences(wanted, storedKey));
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(engine);
        } catch (NoSuchFileException e) {
            return new Check(State.CORRUPT, null, "engine file missing");
        }
        long expected = side.get("engineBytes").asLong();
        if (bytes.length != expected) {
            return new Check(State.CORRUPT, null, "engine has " + bytes.length + " bytes, the sidecar says " + expected
                    + (bytes.length < expected ? " (truncated)" : ""));
        }
        if (!sha256(bytes).equals(side.get("engineSha256").asText())) {
            return new Check(State.CORRUPT, null, "engine SHA-256 differs from the sidecar's");
        }
        return new Check(State.VALID, bytes, null);
    }

    /** E.g. {@code tensorRtVersion 10.14.0 → 10.15.1}. */
    private static String differences(Map<String, String> wanted, Map<String, String> stored) {
        List<String> d = new ArrayList<>();
        wanted.forEach((k, v) -> {
            String s = stored.get(k);
            if (!v.equals(s)) d.add(k + " " + (s == null ? "(none)" : s) + " → " + v);
        });
        for (String k : stored.keySet()) if (!wanted.containsKey(k)) d.add("unknown field " + k);
        return String.join(", ", d);
    }

    /** SHA-256 of {@code bytes}, lower-case hex. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }
}
