package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;

/**
 * The README's command as a separate process: {@code sam3 segment --weights synthetic --config tiny --image
 * truck.jpg --text truck}, with the tokenizer found through {@code $SAM3_SHARED} and the outputs in the
 * default {@code ./sam3-out/truck/} of the working directory. The process runs the CLI's main class (the
 * executable jar's entry point) on this test's class path, so it needs no packaged jar.
 */
class SegmentProcessTest {

    @Test
    @Tag("slow") // a second JVM with its own model (about 25 s); SegmentCommandTest runs the same command in process by default
    void readmeCommandRunsAsAProcess(@TempDir Path work) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path image = SharedData.resolve("images/truck.jpg");
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseParallelGC", "-cp", cp, Sam3Cli.class.getName(), "segment",
                "--weights", "synthetic", "--config", "tiny", "--image", image.toString(), "--text", "truck")
                .directory(work.toFile())
                .redirectOutput(work.resolve("stdout.txt").toFile())
                .redirectError(work.resolve("stderr.txt").toFile());
        pb.environment().put("SAM3_SHARED", SharedData.dir().toString());
        pb.environment().remove("CLASSPATH");
        long t0 = System.nanoTime();
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "finished");
        double seconds = (System.nanoTime() - t0) / 1e9;
        String out = Files.readString(work.resolve("stdout.txt"), StandardCharsets.UTF_8);
        String err = Files.readString(work.resolve("stderr.txt"), StandardCharsets.UTF_8);
        System.out.printf("sam3 segment as a process: %.1f s wall%n%s", seconds, out);
        assertEquals(0, p.exitValue(), out + err);
        assertFalse(err.contains("\tat "), err);

        Path dir = work.resolve("sam3-out").resolve("truck");
        @SuppressWarnings("unchecked")
        Map<String, Object> result = new ObjectMapper().readValue(dir.resolve("result.json").toFile(), Map.class);
        List<?> instances = (List<?>) result.get("instances");
        // the default threshold is 0.5; the fixture's scores say how many instances pass it
        long expected;
        try (FixtureCase c = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny")).openCase("truck")) {
            float[] scores = c.whole("text0.scores").orElseThrow().toFloats();
            expected = 0;
            for (float s : scores) if (s > 0.5f) expected++;
        }
        assertEquals(expected, instances.size());
        assertTrue(out.contains("truck.jpg: " + expected + " instance"), out);
        assertTrue(Files.size(dir.resolve("overlay.png")) > 0);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(instances.size() + 2, s.count());
        }
    }
}
