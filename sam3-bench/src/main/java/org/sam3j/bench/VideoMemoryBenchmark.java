package org.sam3j.bench;

import java.util.LinkedHashMap;
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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sam3j.video.VideoBenchHarness;

/**
 * The tracker's retained memory over streams too long to track for real on a CPU: the library's memory bank
 * (the structure a tracker state keeps its memories in) fed, for {@code frames} processed frames, a conditioning
 * entry for the prompted frame and one tracked entry per later frame, each with per object exactly what the
 * tracker stores (memory features {@code 72² × 64} floats, object pointer {@code 256} floats), every frame valid
 * (the most the bank keeps). The time is that of feeding (allocation included); what matters is the recorded
 * {@code retainedBytes} after the last frame, per object.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"}, jvmArgsAppend = {"-Xmx2g"})
public class VideoMemoryBenchmark {
    /** Frames processed (the prompted frame included). */
    @Param({"10", "100", "1000"})
    public int frames;

    /** Objects in the tracker state. */
    @Param({"1", "3"})
    public int objects;

    /** {@code tiny} or {@code full}: the tracker (and so the entry sizes) is the released one in both. */
    @Param({"tiny"})
    public String config;

    private long[] last;

    /** Feeds a fresh bank {@code frames} frames. */
    @Benchmark
    public long[] feed() {
        last = VideoBenchHarness.feedMemoryBank(BenchSupport.config(config), objects, frames - 1);
        return last;
    }

    /** Records the bytes retained after the last frame, in all and per object, and the kept entries. */
    @TearDown(Level.Trial)
    public void tearDown() {
        Map<String, Object> extra = new LinkedHashMap<>();
        int tracked = frames - 1;
        extra.put("framesProcessed", frames);
        extra.put("retainedBytes", last[tracked - 1]);
        extra.put("retainedBytesPerObject", last[tracked - 1] / objects);
        extra.put("retainedEntries", last[tracked]);
        extra.put("retainedEntriesWithFeatures", last[tracked + 1]);
        long max = 0;
        for (int i = 0; i < tracked; i++) max = Math.max(max, last[i]);
        extra.put("maxRetainedBytes", max);
        BenchSupport.record("VideoMemoryBenchmark.feed", Map.of("frames", frames, "objects", objects, "config", config), extra);
    }
}
