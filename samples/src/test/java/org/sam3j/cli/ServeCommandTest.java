package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.testing.SharedData;

/** {@code sam3 serve}: user errors are one line and exit status 2; a real process serves and stops on SIGTERM. */
class ServeCommandTest {

    private static void assertOneLineError(CliRun r, String expected) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("sam3: ") && r.err().contains(expected), r.err());
    }

    @Test
    void portInUseIsOneLineBeforeTheModelLoads() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            long t0 = System.nanoTime();
            CliRun r = CliRun.of("serve", "--weights", "synthetic", "--config", "full", "--port", String.valueOf(port));
            assertOneLineError(r, "--port " + port + ": cannot listen on 127.0.0.1:" + port);
            // the full-size model would take many seconds to build: the port is checked first
            assertTrue((System.nanoTime() - t0) / 1e9 < 5, "checked before loading the model");
        }
    }

    @Test
    void badOptionsAreOneLine() {
        assertOneLineError(CliRun.of("serve", "--weights", "synthetic", "--max-concurrent", "0"),
                "--max-concurrent must be at least 1, got 0");
        assertOneLineError(CliRun.of("serve", "--weights", "synthetic", "--port", "70000"), "--port must be in [0, 65535]");
        assertOneLineError(CliRun.of("serve", "--weights", "synthetic", "--host", "no-such-host.invalid"),
                "--host no-such-host.invalid: unknown host");
        assertOneLineError(CliRun.of("serve", "--weights", "real"), "--weights accepts only 'synthetic'");
        assertOneLineError(CliRun.of("serve", "--port", "x"), "'x'");
        CliRun help = CliRun.of("serve", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("--max-upload-mb") && help.out().contains("--weights"), help.out());
    }

    /**
     * {@code sam3 serve --port 0} as a process: it prints its address, answers /v1/health, and on SIGTERM stops
     * the server and closes the model (the shutdown is logged) without a stack trace.
     */
    @Test
    void serverProcessAnswersAndStopsOnSigterm(@TempDir Path work) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseParallelGC", "-Xmx2g", "-cp", cp, Sam3Cli.class.getName(),
                "serve", "--weights", "synthetic", "--config", "tiny", "--port", "0")
                .directory(work.toFile())
                .redirectOutput(work.resolve("stdout.txt").toFile()) // destroy() would close a pipe before it is read
                .redirectError(work.resolve("stderr.txt").toFile());
        pb.environment().put("SAM3_SHARED", SharedData.dir().toString());
        pb.environment().remove("CLASSPATH");
        Process p = pb.start();
        try {
            String line = null;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (line == null && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                String sofar = Files.readString(work.resolve("stdout.txt"), StandardCharsets.UTF_8);
                if (sofar.contains("\n")) line = sofar.substring(0, sofar.indexOf('\n'));
            }
            assertNotNull(line, Files.readString(work.resolve("stderr.txt")));
            Matcher m = Pattern.compile("sam3 serve: listening on (http://127\\.0\\.0\\.1:\\d+/) \\(Ctrl-C stops\\)").matcher(line);
            assertTrue(m.matches(), line);
            URI base = URI.create(m.group(1));
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(base.resolve("v1/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            @SuppressWarnings("unchecked")
            Map<String, Object> h = new ObjectMapper().readValue(health.body(), Map.class);
            assertEquals("synthetic", ((Map<?, ?>) h.get("model")).get("source"));
            assertEquals(true, h.get("text_prompts"), "the tokenizer is found through $SAM3_SHARED");

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "stopped");
            String rest = Files.readString(work.resolve("stdout.txt"), StandardCharsets.UTF_8);
            String err = Files.readString(work.resolve("stderr.txt"), StandardCharsets.UTF_8);
            assertTrue(rest.contains("sam3 serve: stopping"), rest);
            assertTrue(err.contains("org.sam3j.server.Sam3Server - stopped"), err);
            assertFalse(err.contains("\tat "), err);
        } finally {
            p.destroyForcibly();
        }
    }
}
