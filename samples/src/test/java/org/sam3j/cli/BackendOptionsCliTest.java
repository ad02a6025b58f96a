package org.sam3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Sam3Model;
import org.sam3j.backend.BackendProvider;
import org.sam3j.backend.BackendStatus;
import org.sam3j.backend.Backends;
import org.sam3j.testing.SharedData;

/**
 * {@code --backend NAME[:DEVICE]}, {@code --precision} and {@code --threads} on {@code segment}, {@code serve},
 * {@code verify} and {@code info}: a backend that cannot run here, or cannot run so, is one line and exit 2 before
 * any model work; {@code info} and {@code result.json} name the backend that runs.
 */
class BackendOptionsCliTest {
    @TempDir
    Path dir;

    private String[] segment(String... more) {
        List<String> a = new ArrayList<>(List.of("segment", "--weights", "synthetic", "--config", "tiny", "--image",
                SharedData.resolve("images/truck.jpg").toString(), "--point", "10,10", "--out", dir.resolve("out").toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private String[] serve(String... more) {
        List<String> a = new ArrayList<>(List.of("serve", "--weights", "synthetic", "--config", "tiny", "--port", "0"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static String[] verify(String... more) {
        List<String> a = new ArrayList<>(List.of("verify", "--fixtures", SharedData.resolve("fixtures/sam3/tiny").toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static String[] info(String... more) {
        List<String> a = new ArrayList<>(List.of("info"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Runs {@code args}: exit 2, nothing on stdout, one line on stderr containing {@code phrase}, no stack trace. */
    private void expectOneLine(String phrase, String... args) {
        CliRun r = CliRun.of(args);
        String what = String.join(" ", args) + "\n-> " + r.out() + r.err();
        assertEquals(2, r.status(), what);
        assertEquals("", r.out(), "nothing done: " + what);
        assertTrue(r.err().startsWith("sam3: "), what);
        assertEquals(1, r.err().strip().lines().count(), "one line: " + what);
        assertTrue(r.err().contains(phrase), "'" + phrase + "' in: " + what);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + what);
        assertFalse(Files.exists(dir.resolve("out")), "no output: " + what);
    }

    @Test
    void cudaWithoutAGpuIsOneLineNamingWhatIsMissing() {
        BackendProvider cuda = Backends.provider("cuda");
        assumeFalse(cuda.isAvailable(), "a GPU is usable here");
        String why = "backend 'cuda' cannot run here: " + cuda.unavailableReason();
        // kernels not built, or no driver: either way the reason says which
        assertTrue(why.contains("CUDA kernels not loadable") || why.contains("no CUDA device"), why);
        for (String spec : new String[] {"cuda", "cuda:1"}) {
            expectOneLine(why, segment("--backend", spec));
            expectOneLine(why, serve("--backend", spec, "--precision", "bf16"));
            expectOneLine(why, verify("--backend", spec));
            expectOneLine(why, info("--backend", spec));
            expectOneLine(why, info("--model", dir.resolve("missing.pt").toString(), "--backend", spec));
        }
    }

    @Test
    void badBackendOptionsAreOneLine() {
        for (String[] args : List.of(segment("--backend", "tpu"), serve("--backend", "tpu"), verify("--backend", "tpu"),
                info("--backend", "tpu"))) {
            expectOneLine("unknown backend 'tpu': this build has " + Backends.names(), args);
        }
        expectOneLine("bad backend 'cuda:x': expected NAME or NAME:DEVICE", segment("--backend", "cuda:x"));
        expectOneLine("bad backend 'cpu:': expected NAME or NAME:DEVICE", verify("--backend", "cpu:"));
        expectOneLine("--precision: unknown precision 'fp8': use fp32, fp16 or bf16", segment("--precision", "fp8"));
        expectOneLine("backend 'cpu' has no device 3 (one device, 0)", segment("--backend", "cpu:3", "--precision", "bf16"));
        expectOneLine("backend 'openblas' has no device 2 (one device, 0)", verify("--backend", "openblas:2", "--precision", "FP16"));
        expectOneLine("backend 'cpu' has no device 1 (one device, 0)", info("--backend", "cpu:1"));
        expectOneLine("--threads must be at least 1, got 0", info("--threads", "0"));
    }

    @Test
    void infoNamesTheBackendThatWouldRun() {
        CliRun named = CliRun.of("info", "--backend", "cpu", "--threads", "1");
        assertEquals(0, named.status(), named.out() + named.err());
        assertTrue(named.out().startsWith("backend       cpu: device 0, fp32, 1 thread (named by --backend)\n"), named.out());
        for (BackendStatus s : Backends.statuses()) {
            String line = s.name() + ": " + s.description() + " (" + (s.available() ? "available: fp32" : "unavailable: " + s.unavailableReason());
            assertTrue(named.out().contains(line), line + " in\n" + named.out());
        }

        CliRun blas = CliRun.of("info", "--backend", "openblas:0", "--threads", "2", "--precision", "fp32");
        assertEquals(0, blas.status(), blas.out() + blas.err());
        assertTrue(blas.out().startsWith("backend       openblas: device 0, fp32, 2 threads (named by --backend)\n"), blas.out());

        if (System.getProperty(Backends.PROPERTY) == null && System.getenv(Backends.ENV) == null) {
            CliRun best = CliRun.of("info", "--threads", "3");
            assertEquals(0, best.status(), best.out() + best.err());
            assertTrue(best.out().startsWith("backend       " + Backends.best().name() + ": device 0, fp32, 3 threads"
                    + " (the best available here)\n"), best.out());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void resultJsonReportsTheBackendThatRan() throws Exception {
        ModelOptions o = new ModelOptions();
        o.weights = "synthetic";
        o.config = "tiny";
        o.backendArgs.backend = "openblas";
        o.backendArgs.threads = 2;
        ModelOptions.Plan plan = o.plan(false);
        try (Sam3Model m = o.load(plan, false, false)) {
            Map<String, Object> json = ModelOptions.json(m, plan);
            assertEquals(Map.of("name", "openblas", "device", 0, "precision", "fp32", "threads", 2), json.get("backend"));
            assertEquals(m.backendOptions().threads(), ((Map<String, Object>) json.get("backend")).get("threads"));
        }
        o.backendArgs.backend = "cpu";
        o.backendArgs.threads = null; // every processor, resolved by the backend
        o.backendArgs.backendCache = dir.resolve("backend-cache");
        try (Sam3Model m = o.load(o.plan(false), false, false)) {
            assertEquals(java.util.Optional.of(dir.resolve("backend-cache")), m.backendOptions().cacheDirectory(),
                    "--backend-cache reaches the backend");
        }
        o.backendArgs.backendCache = null;
        try (Sam3Model m = o.load(o.plan(false), false, false)) {
            assertEquals(Map.of("name", "cpu", "device", 0, "precision", "fp32", "threads", Runtime.getRuntime().availableProcessors()),
                    ModelOptions.json(m, plan).get("backend"));
        }
    }
}
