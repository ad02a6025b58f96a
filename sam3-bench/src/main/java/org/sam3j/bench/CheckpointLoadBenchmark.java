package org.sam3j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sam3j.weights.CheckpointWeights;

/**
 * Checkpoint loading: a synthetic checkpoint of the given configuration (every parameter under its official
 * name, float32 safetensors, written to a temporary directory during setup) is opened, memory-mapped, checked,
 * and every tensor read into a float array, as compiling the model's graphs does. The file stays in the page
 * cache, so this measures the reader, not the disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx8g"})
public class CheckpointLoadBenchmark {
    /** {@code tiny} or {@code full}. */
    @Param({"tiny"})
    public String config;

    private Path dir;
    private Path file;
    private long bytes;

    /** Writes the checkpoint. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("sam3j-bench-ckpt");
        file = BenchSupport.writeSyntheticCheckpoint(BenchSupport.config(config), dir);
        bytes = Files.size(file);
    }

    /** Opens the checkpoint and reads every tensor; returns the number of values read. */
    @Benchmark
    public long openAndReadAll() throws IOException {
        long values = 0;
        try (CheckpointWeights w = CheckpointWeights.open(file)) {
            for (String name : w.fileKeys()) values += w.floats(name).length;
        }
        return values;
    }

    /** Removes the checkpoint. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchSupport.record("CheckpointLoadBenchmark.openAndReadAll", Map.of("config", config), Map.of("fileBytes", bytes));
        BenchSupport.deleteTree(dir);
    }
}
