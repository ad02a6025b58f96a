package org.sam3j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sam3j.BackendOptions;
import org.sam3j.FrameSource;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.backend.openblas.OpenBlasBackend;
import org.sam3j.io.SafetensorsWriter;
import org.sam3j.io.StoredTensor;
import org.sam3j.weights.ConstantOverrides;
import org.sam3j.weights.SyntheticWeights;
import org.sam3j.weights.WeightStore;

/** What the benchmarks share: configurations, backends, inputs, and the side-channel of measurements for {@link Report}. */
public final class BenchSupport {
    /** System property: a file to which each benchmark trial appends one JSON line of extra measurements. */
    public static final String STATS_PROPERTY = "sam3j.bench.stats";

    /** System property: the suite step a fork runs for (recorded with its stats, so tables match them by step). */
    public static final String STEP_PROPERTY = "sam3j.bench.step";

    private BenchSupport() {}

    /** {@code tiny} (the reference test configuration) or {@code full} (the released architecture). */
    public static Sam3Config config(String name) {
        switch (name) {
            case "tiny":
                return Sam3Config.tiny();
            case "full":
                return Sam3Config.released();
            default:
                throw new IllegalArgumentException("config must be tiny or full, got " + name);
        }
    }

    /**
     * System property: a cache directory for the backends ({@link BackendOptions#cacheDirectory()}; the {@code cpu}
     * backend keeps its packed weights there). Unset: none.
     */
    public static final String CACHE_PROPERTY = "sam3j.bench.cacheDirectory";
    /** System property: the backends' precision ({@code fp32}, the default, {@code fp16} or {@code bf16}). */
    public static final String PRECISION_PROPERTY = "sam3j.bench.precision";
    /** System property: {@code false} builds the models without the checkpoint's readahead ({@code Builder#readahead}). */
    public static final String READAHEAD_PROPERTY = "sam3j.bench.readahead";

    /** The readahead the benchmarks' models use ({@value #READAHEAD_PROPERTY}; default on, as for users). */
    public static boolean readahead() {
        return !"false".equalsIgnoreCase(System.getProperty(READAHEAD_PROPERTY, "true").trim());
    }

    /**
     * Backend options with {@code threads} (0 = every processor), the cache directory of {@link #CACHE_PROPERTY} and
     * the precision of {@link #PRECISION_PROPERTY}.
     */
    public static BackendOptions options(int threads) {
        String cache = System.getProperty(CACHE_PROPERTY, "").trim();
        return BackendOptions.builder().threads(threads).cacheDirectory(cache.isEmpty() ? null : Path.of(cache))
                .precision(org.sam3j.Precision.parse(System.getProperty(PRECISION_PROPERTY, "fp32"))).build();
    }

    /** A backend by name ({@code cpu}, {@code openblas}, {@code auto}); threads 0 = every processor. */
    public static Backend backend(String name, int threads) {
        return Backends.create(name, threads);
    }

    /**
     * A backend by name, with the OpenBLAS backend's threading of products ({@code workers}: Java workers over row
     * blocks, one OpenBLAS thread each; {@code openblas}: OpenBLAS's own threads). Benchmarks run in their own
     * JVM, so setting the process-wide property here affects only the fork.
     */
    public static Backend backend(String name, int threads, String threading) {
        if (threading != null && !threading.isBlank()) {
            System.setProperty(OpenBlasBackend.THREADING_PROPERTY, threading);
        }
        return Backends.create(name, threads);
    }

    /** A deterministic 1800×1200 test image. */
    public static RgbImage image() {
        byte[] rgb = new byte[1800 * 1200 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 31 % 251);
        return RgbImage.of(1800, 1200, rgb);
    }

    /** The shared reference data: {@code $SAM3_SHARED} or {@code ../shared}. */
    public static Path shared() {
        String env = System.getenv("SAM3_SHARED");
        return env != null && !env.isBlank() ? Paths.get(env) : Paths.get("..", "shared");
    }

    /** The CLIP vocabulary from {@code $SAM3_SHARED/tokenizer} or {@code ../shared/tokenizer}. */
    public static Path tokenizer() {
        Path bpe = shared().resolve("tokenizer").resolve("bpe_simple_vocab_16e6.txt.gz");
        if (!Files.isRegularFile(bpe)) {
            throw new IllegalStateException("no CLIP vocabulary at " + bpe.toAbsolutePath() + " (set SAM3_SHARED)");
        }
        return bpe;
    }

    /** The video fixture set ({@code fixtures/sam3/video-tiny}: 8 frames of 1280×720 and {@code index.json}). */
    public static Path videoFixture() {
        Path dir = shared().resolve("fixtures").resolve("sam3").resolve("video-tiny");
        if (!Files.isRegularFile(dir.resolve("index.json"))) {
            throw new IllegalStateException("no video fixture at " + dir.toAbsolutePath() + " (set SAM3_SHARED)");
        }
        return dir;
    }

    /**
     * A video of {@code count} frames that loops over the fixture's frames ({@code 0.jpg … 7.jpg}), each decoded
     * from its file when read, as a frame folder is.
     */
    public static FrameSource loopedFrames(int count) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; ; i++) {
            Path f = videoFixture().resolve(i + ".jpg");
            if (!Files.isRegularFile(f)) break;
            files.add(f);
        }
        if (files.isEmpty()) throw new IllegalStateException("no frame in " + videoFixture());
        List<Path> looped = new ArrayList<>(count);
        for (int i = 0; i < count; i++) looped.add(files.get(i % files.size()));
        return FrameSource.files(looped);
    }

    /**
     * Synthetic weights of {@code config} with the video fixture's weight overrides ({@code index.json → config →
     * weight_overrides}: the tracker's object-score bias, so that tracked objects persist with synthetic weights
     * and every frame is a valid memory, as in the fixture).
     */
    public static WeightStore videoWeights(Sam3Config config) throws IOException {
        JsonNode index = new ObjectMapper().readTree(videoFixture().resolve("index.json").toFile());
        Map<String, Float> overrides = new LinkedHashMap<>();
        index.path("config").path("weight_overrides").fields()
                .forEachRemaining(e -> overrides.put(e.getKey(), (float) e.getValue().asDouble()));
        return ConstantOverrides.of(SyntheticWeights.of(Sam3Model.parameterShapes(config)), overrides);
    }

    /** The video fixture's {@code index.json → video_settings} (detection thresholds chosen for synthetic weights). */
    public static JsonNode videoSettings() throws IOException {
        return new ObjectMapper().readTree(videoFixture().resolve("index.json").toFile()).path("video_settings");
    }

    /**
     * Writes a checkpoint with every parameter of {@code config} under its official name (synthetic values) as
     * {@code sam3.safetensors} in {@code dir}, and returns its path and size.
     */
    public static Path writeSyntheticCheckpoint(Sam3Config config, Path dir) throws IOException {
        List<StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> e : Sam3Model.parameterShapes(config).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) n *= d;
            float[] v = new float[Math.toIntExact(n)];
            SyntheticWeights.fill(e.getKey(), e.getValue(), v);
            tensors.add(StoredTensor.ofFloats(e.getKey(), e.getValue(), v));
        }
        Path file = dir.resolve("sam3.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        return file;
    }

    /**
     * Like {@link #writeSyntheticCheckpoint} but in a child JVM ({@link StartupProfile} on this class path), so that
     * the caller's process does not keep the memory the writing took (the values on the heap, the I/O buffers):
     * for benchmarks that measure a process's peak RSS after it.
     */
    public static Path writeSyntheticCheckpointInChild(String config, Path dir) throws IOException {
        Path file = dir.resolve("sam3.safetensors");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx12g", "-cp", System.getProperty("java.class.path"),
                StartupProfile.class.getName(), config, "cpu", file.toString()).inheritIO().start();
        try {
            int rc = p.waitFor();
            if (rc != 0 || !Files.isRegularFile(file)) throw new IOException("writing the checkpoint failed (exit " + rc + ")");
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the checkpoint", e);
        }
        return file;
    }

    /** Deletes a directory tree, quietly. */
    public static void deleteTree(Path dir) {
        if (dir == null) return;
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** Sum of the peak usage of every heap memory pool since the JVM started, in bytes. */
    public static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** Peak resident set size of this process (VmHWM), in bytes; -1 where /proc is not there. */
    public static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /**
     * Resets this process's peak resident set size (VmHWM) to its current size ({@code /proc/self/clear_refs},
     * Linux 4.0 and later), so that a later {@link #peakRssBytes()} covers only what runs after it (not, say, a
     * checkpoint the benchmark wrote during its setup). Returns whether the reset happened.
     */
    public static boolean resetPeakRss() {
        try {
            Files.write(Paths.get("/proc/self/clear_refs"), "5".getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // not Linux, or not allowed
        }
    }

    /** CPU time of this whole process (every thread, JIT and GC included), in nanoseconds; -1 if unknown. */
    public static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
    }

    /** The machine's load average over the last minute as the OS reports it (-1 if unknown). */
    public static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * The environment variables that change how the native libraries compute ({@code OPENBLAS_*}, {@code OMP_*},
     * {@code MKL_*}, {@code GOTO_*}), sorted: a run's record carries them, because one of them can halve a result
     * (a machine's {@code OPENBLAS_CORETYPE=Haswell} ran OpenBLAS's AVX2 kernels on an AVX-512 CPU,
     * {@code results/zen5-openblas-kernels-2026-12-07}).
     */
    public static Map<String, String> nativeEnvironment() {
        Map<String, String> env = new java.util.TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("OPENBLAS_") || k.startsWith("OMP_") || k.startsWith("MKL_") || k.startsWith("GOTO_")) {
                env.put(k, v);
            }
        });
        return env;
    }

    /**
     * Appends one JSON line to the file named by {@value #STATS_PROPERTY} (if set): the benchmark, its parameters,
     * the fork's peak heap and RSS, the native libraries' environment ({@link #nativeEnvironment()}) and
     * {@code extra}. Called at the end of a trial.
     */
    public static void record(String benchmark, Map<String, ?> params, Map<String, ?> extra) {
        String file = System.getProperty(STATS_PROPERTY);
        if (file == null || file.isBlank()) return;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("benchmark", benchmark);
        String step = System.getProperty(STEP_PROPERTY);
        if (step != null && !step.isBlank()) line.put("step", step);
        line.put("params", params);
        line.put("peakHeapBytes", peakHeapBytes());
        line.put("peakRssBytes", peakRssBytes());
        line.put("environment", nativeEnvironment());
        line.putAll(extra);
        try {
            String json = new ObjectMapper().writeValueAsString(line) + "\n";
            Files.write(Paths.get(file), json.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot record benchmark stats in " + file + ": " + e);
        }
    }
}
