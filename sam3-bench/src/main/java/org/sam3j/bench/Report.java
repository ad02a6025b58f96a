package org.sam3j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.sam3j.backend.openblas.OpenBlas;

/**
 * Runs the benchmark suite (or reads the results of an earlier run) and writes {@code results.md} and
 * {@code results.json}: latency percentiles, throughput, peak heap and RSS per benchmark, the SGEMM rate of each
 * CPU backend's engine measured in the same run (before and after the suite, to show the drift that other load on
 * the machine causes), and for model work on CPU backends the <em>efficiency</em>: model flops ÷ median time ÷ the
 * machine's SGEMM rate (OpenBLAS's, measured here), plus the same against the backend's own engine.
 *
 * <pre>
 * java -cp sam3-bench/target/sam3-bench.jar org.sam3j.bench.Report [--out DIR] [--configs tiny,full]
 *      [--backends openblas,cpu] [--skip NAME,...] [--machine TEXT] [--from DIR]
 * </pre>
 * {@code --from DIR} only rebuilds the tables from {@code DIR/jmh-*.json} and {@code DIR/stats.jsonl}. Suite steps
 * (names for {@code --skip}): {@code sgemm}, {@code encode}, {@code prompt}, {@code startup}, {@code tokenizer},
 * {@code checkpoint}, {@code video}. Full-size steps run fewer iterations (and the pure-Java prompts only at tiny size and the
 * full-size start-up only on the best backend) to keep the suite near half an hour on two cores.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {}

    /** Command-line entry point. */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: Report [--out DIR] [--configs tiny,full] [--backends openblas,cpu] [--skip STEP,...]"
                        + " [--machine TEXT] [--from DIR]");
                System.exit(2);
            }
            opt.put(a.substring(2), args[++i]);
        }
        Path out = Paths.get(opt.getOrDefault("out", opt.getOrDefault("from", "sam3-bench/results")));
        Files.createDirectories(out);
        ObjectNode run;
        Path runInfo = out.resolve("run.json");
        if (!opt.containsKey("from")) {
            List<String> configs = List.of(opt.getOrDefault("configs", "tiny,full").split(","));
            List<String> backends = List.of(opt.getOrDefault("backends", "openblas,cpu").split(","));
            List<String> skip = List.of(opt.getOrDefault("skip", "").split(","));
            try (Stream<Path> old = Files.list(out)) {
                for (Path p : old.collect(Collectors.toList())) {
                    String n = p.getFileName().toString();
                    if (n.startsWith("jmh-") || n.equals("stats.jsonl")) Files.delete(p);
                }
            }
            run = JSON.createObjectNode();
            run.put("started", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            run.put("loadAverageAtStart", loadAverage());
            runSuite(out, configs, backends, skip);
            run.put("finished", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            run.put("loadAverageAtEnd", loadAverage());
            run.set("machine", machine(opt.get("machine")));
            Files.writeString(runInfo, JSON.writeValueAsString(run));
        } else {
            run = Files.isRegularFile(runInfo) ? (ObjectNode) JSON.readTree(runInfo.toFile()) : JSON.createObjectNode();
            if (opt.containsKey("machine")) run.set("machine", machine(opt.get("machine")));
        }
        ObjectNode results = tabulate(out, run);
        Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(results));
        Files.writeString(out.resolve("results.md"), markdown(results));
        System.out.println("wrote " + out.resolve("results.md") + " and " + out.resolve("results.json"));
    }

    // ---------------------------------------------------------------------------------------------
    // Running
    // ---------------------------------------------------------------------------------------------

    private static void runSuite(Path out, List<String> configs, List<String> backends, List<String> skip)
            throws RunnerException {
        String stats = "-D" + BenchSupport.STATS_PROPERTY + "=" + out.resolve("stats.jsonl").toAbsolutePath();
        String best = backends.get(0);
        int step = 0;
        if (!skip.contains("sgemm")) {
            jmh(out, ++step + "-sgemm-before", stats, "SgemmBenchmark", Map.of("backend", backends), null, null);
            if (backends.contains("openblas")) {
                // the other threading of the OpenBLAS backend, for comparison
                jmh(out, ++step + "-sgemm-openblas-threads", stats, "SgemmBenchmark",
                        Map.of("backend", List.of("openblas"), "threading", List.of("openblas")), null, null);
            }
        }
        if (!skip.contains("encode")) {
            for (String c : configs) {
                boolean full = c.equals("full");
                jmh(out, ++step + "-encode-" + c, stats, "ImageEncoderBenchmark",
                        Map.of("config", List.of(c), "backend", backends), full ? 1 : null, full ? 3 : null);
            }
        }
        if (!skip.contains("encode") && backends.contains("openblas") && configs.contains("tiny")) {
            jmh(out, ++step + "-encode-tiny-openblas-threads", stats, "ImageEncoderBenchmark",
                    Map.of("config", List.of("tiny"), "backend", List.of("openblas"), "threading", List.of("openblas")), null, null);
        }
        if (!skip.contains("prompt")) {
            for (String c : configs) {
                boolean full = c.equals("full");
                jmh(out, ++step + "-prompt-" + c, stats, "PromptBenchmark",
                        Map.of("config", List.of(c), "backend", full ? List.of(best) : backends), full ? 1 : null, full ? 5 : null);
            }
        }
        if (!skip.contains("startup")) {
            for (String c : configs) {
                boolean full = c.equals("full");
                jmh(out, ++step + "-startup-" + c, stats, "StartupBenchmark",
                        Map.of("config", List.of(c), "backend", full ? List.of(best) : backends), null, null, full ? 1 : 3);
            }
        }
        if (!skip.contains("tokenizer")) {
            jmh(out, ++step + "-tokenizer", stats, "TokenizerBenchmark", Map.of(), null, null);
        }
        if (!skip.contains("checkpoint")) {
            jmh(out, ++step + "-checkpoint", stats, "CheckpointLoadBenchmark", Map.of("config", configs), null, null);
        }
        if (!skip.contains("video")) {
            // retained memory over long streams (memory bank fed the tracker's entry sizes): fast
            jmh(out, ++step + "-video-memory", stats, "VideoMemoryBenchmark", Map.of(), null, null);
            for (String c : configs) {
                boolean full = c.equals("full");
                for (String b : full ? List.of(best) : backends) {
                    for (String family : full ? List.of("clicked") : List.of("clicked", "text")) {
                        // the clicked session on the best backend runs longest: its retained bytes per frame are
                        // the real-session points of the memory table (16 frames: past num_maskmem and the
                        // 16-pointer budget)
                        boolean longRun = !full && b.equals(best) && family.equals("clicked");
                        jmh(out, ++step + "-video-" + family + "-" + c + "-" + b, stats, "VideoBenchmark",
                                Map.of("config", List.of(c), "backend", List.of(b), "family", List.of(family)), 1,
                                longRun ? 14 : full ? 1 : 2);
                    }
                }
            }
        }
        if (!skip.contains("sgemm")) {
            jmh(out, ++step + "-sgemm-after", stats, "SgemmBenchmark", Map.of("backend", backends), null, null);
            if (backends.contains("openblas")) jmh(out, ++step + "-sgemm-native", stats, "NativeSgemmBenchmark", Map.of(), null, null);
        }
    }

    private static void jmh(Path out, String name, String stats, String benchmark, Map<String, List<String>> params,
                            Integer warmups, Integer measurements) throws RunnerException {
        jmh(out, name, stats, benchmark, params, warmups, measurements, null);
    }

    private static void jmh(Path out, String name, String stats, String benchmark, Map<String, List<String>> params,
                            Integer warmups, Integer measurements, Integer forks) throws RunnerException {
        System.out.println("== " + name + ": " + benchmark + " " + params);
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("org\\.sam3j\\.bench\\." + benchmark + "\\.")
                .jvmArgsAppend(stats, "-D" + BenchSupport.STEP_PROPERTY + "=" + name)
                .result(out.resolve(String.format(Locale.ROOT, "jmh-%s.json", name)).toString())
                .resultFormat(ResultFormatType.JSON);
        params.forEach((k, v) -> o.param(k, v.toArray(new String[0])));
        if (warmups != null) o.warmupIterations(warmups);
        if (measurements != null) o.measurementIterations(measurements);
        if (forks != null) o.forks(forks);
        new Runner(o.build()).run();
    }

    // ---------------------------------------------------------------------------------------------
    // Machine
    // ---------------------------------------------------------------------------------------------

    private static String loadAverage() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static ObjectNode machine(String text) {
        ObjectNode m = JSON.createObjectNode();
        if (text != null) m.put("description", text);
        m.put("processors", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memoryGiB", Math.round(totalMemoryKiB() / 1048576.0));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("openblas", OpenBlas.isAvailable() ? OpenBlas.version() + " (JavaCPP presets 1.5.13, linux-x86_64)"
                : "unavailable: " + OpenBlas.failure());
        return m;
    }

    private static String cpuModel() {
        try {
            String model = null;
            String flags = "";
            for (String l : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (model == null && l.startsWith("model name")) model = l.substring(l.indexOf(':') + 1).trim();
                if (flags.isEmpty() && l.startsWith("flags")) flags = l;
            }
            String simd = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "no AVX2";
            return (model != null ? model : "unknown") + ", " + simd;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long totalMemoryKiB() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------
    // Tabulating
    // ---------------------------------------------------------------------------------------------

    /** Milliseconds per unit of a JMH score unit such as {@code s/op}. */
    private static double msPer(String unit) {
        String u = unit.substring(0, unit.indexOf('/'));
        switch (u) {
            case "s":
                return 1000;
            case "ms":
                return 1;
            case "us":
                return 1e-3;
            case "ns":
                return 1e-6;
            default:
                throw new IllegalArgumentException("unit " + unit);
        }
    }

    static ObjectNode tabulate(Path dir, ObjectNode run) throws IOException {
        List<JsonNode> stats = new ArrayList<>();
        Path statsFile = dir.resolve("stats.jsonl");
        if (Files.isRegularFile(statsFile)) {
            for (String l : Files.readAllLines(statsFile, StandardCharsets.UTF_8)) if (!l.isBlank()) stats.add(JSON.readTree(l));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().matches("jmh-.*\\.json"))
                    .sorted((a, b) -> stepOf(a) - stepOf(b)).collect(Collectors.toList());
        }
        ArrayNode rows = JSON.createArrayNode();
        // SGEMM rates first: GFLOP/s per backend (before / after the suite)
        Map<String, List<Double>> sgemm = new LinkedHashMap<>();
        for (Path f : files) {
            for (JsonNode r : JSON.readTree(f.toFile())) {
                ObjectNode row = row(r, stats, f.getFileName().toString());
                rows.add(row);
                if (row.path("benchmark").asText().endsWith("SgemmBenchmark.sgemm")) {
                    sgemm.computeIfAbsent(engineKey(row.path("params")), k -> new ArrayList<>())
                            .add(row.path("gflopsPerSecond").asDouble());
                }
            }
        }
        ObjectNode rates = JSON.createObjectNode();
        Map<String, Double> rate = new LinkedHashMap<>();
        sgemm.forEach((b, list) -> {
            ObjectNode n = rates.putObject(b);
            ArrayNode a = n.putArray("runs");
            list.forEach(a::add);
            // the best run: other load on the machine only ever slows a run down
            double best = list.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            n.put("gflopsPerSecond", best);
            rate.put(b, best);
        });
        // the machine's rate: the best OpenBLAS rate measured in any form (engine, own threads, raw native operands)
        Double machineRate = rate.entrySet().stream().filter(e -> e.getKey().startsWith("openblas"))
                .map(Map.Entry::getValue).max(Double::compare)
                .orElse(rate.values().stream().findFirst().orElse(null));
        for (JsonNode n : rows) {
            ObjectNode row = (ObjectNode) n;
            if (!row.has("flops") || row.path("benchmark").asText().contains("Sgemm")) continue;
            double sec = row.path("p50Ms").asDouble() / 1000;
            double gfs = row.path("flops").asDouble() / sec / 1e9;
            row.put("gflopsPerSecond", gfs);
            if (machineRate != null) row.put("efficiency", gfs / machineRate);
            Double own = rate.get(engineKey(row.path("params")));
            if (own != null) row.put("efficiencyVsOwnGemm", gfs / own);
        }
        ObjectNode res = JSON.createObjectNode();
        res.setAll(run);
        res.set("sgemm", rates);
        if (machineRate != null) res.put("machineSgemmGflopsPerSecond", machineRate);
        res.set("results", rows);
        return res;
    }

    /** The engine key of {@link NativeSgemmBenchmark}. */
    static final String NATIVE = "openblas raw (native operands, OpenBLAS threads)";

    /** {@code cpu}, {@code openblas}, or {@code openblas (own threads)} for the other threading. */
    static String engineKey(JsonNode params) {
        if (!params.has("backend")) return NATIVE;
        String b = params.path("backend").asText();
        return b.equals("openblas") && params.path("threading").asText("workers").equals("openblas") ? b + " (own threads)" : b;
    }

    private static int stepOf(Path p) {
        String n = p.getFileName().toString().substring(4);
        int dash = n.indexOf('-');
        try {
            return Integer.parseInt(n.substring(0, dash));
        } catch (RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static ObjectNode row(JsonNode r, List<JsonNode> stats, String file) {
        ObjectNode row = JSON.createObjectNode();
        String bench = r.path("benchmark").asText().replace("org.sam3j.bench.", "");
        row.put("benchmark", bench);
        row.put("mode", r.path("mode").asText());
        row.put("file", file);
        ObjectNode params = row.putObject("params");
        r.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        JsonNode pm = r.path("primaryMetric");
        double ms = msPer(pm.path("scoreUnit").asText());
        JsonNode pct = pm.path("scorePercentiles");
        int samples = 0;
        for (JsonNode fork : pm.path("rawData")) samples += fork.size();
        if (pm.has("rawDataHistogram")) {
            samples = 0;
            for (JsonNode fork : pm.path("rawDataHistogram")) {
                for (JsonNode iter : fork) for (JsonNode bin : iter) samples += bin.get(1).asInt();
            }
        }
        row.put("samples", samples);
        row.put("meanMs", pm.path("score").asDouble() * ms);
        row.put("errorMs", pm.path("scoreError").isNumber() ? pm.path("scoreError").asDouble() * ms : Double.NaN);
        row.put("p50Ms", pct.path("50.0").asDouble() * ms);
        row.put("p90Ms", pct.path("90.0").asDouble() * ms);
        row.put("p99Ms", pct.path("99.0").asDouble() * ms);
        row.put("maxMs", pct.path("100.0").asDouble() * ms);
        row.put("minMs", pct.path("0.0").asDouble() * ms);
        row.put("throughputPerSecond", 1000.0 / (pm.path("score").asDouble() * ms));
        // the matching trial's measurements (the last one recorded with these parameters)
        String key = bench.contains(".") ? bench : bench;
        for (JsonNode s : stats) {
            String sb = s.path("benchmark").asText();
            if (!(sb.equals(bench) || (!sb.contains(".") && bench.startsWith(sb + ".")))) continue;
            // stats recorded by a suite step belong to that step's file only (the same parameters may run twice)
            if (s.has("step") && !file.equals("jmh-" + s.path("step").asText() + ".json")) continue;
            boolean same = true;
            var it = s.path("params").fields();
            while (it.hasNext()) {
                var e = it.next();
                if (params.has(e.getKey()) && !params.path(e.getKey()).asText().equals(e.getValue().asText())) same = false;
            }
            if (!same) continue;
            row.put("peakHeapMiB", s.path("peakHeapBytes").asDouble() / 1048576);
            row.put("peakRssMiB", s.path("peakRssBytes").asDouble() / 1048576);
            s.fields().forEachRemaining(e -> {
                if (!List.of("benchmark", "params", "peakHeapBytes", "peakRssBytes").contains(e.getKey())) row.set(e.getKey(), e.getValue());
            });
        }
        if (bench.endsWith("SgemmBenchmark.sgemm") && row.has("flops")) {
            row.put("gflopsPerSecond", row.path("flops").asDouble() / (row.path("meanMs").asDouble() / 1000) / 1e9);
        }
        assert key != null;
        return row;
    }

    // ---------------------------------------------------------------------------------------------
    // Markdown
    // ---------------------------------------------------------------------------------------------

    static String f(double v, int digits) {
        if (Double.isNaN(v)) return "–";
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    /** A duration in a readable unit. */
    static String t(double ms) {
        if (Double.isNaN(ms)) return "–";
        if (ms >= 10000) return f(ms / 1000, 1) + " s";
        if (ms >= 1000) return f(ms / 1000, 2) + " s";
        if (ms >= 10) return f(ms, 0) + " ms";
        if (ms >= 0.1) return f(ms, 2) + " ms";
        return f(ms * 1000, 1) + " µs";
    }

    private static String markdown(JsonNode res) {
        StringBuilder md = new StringBuilder();
        JsonNode m = res.path("machine");
        md.append("# sam3j benchmarks\n\n");
        md.append("Generated by `org.sam3j.bench.Report` (JMH ").append("1.37").append(").\n\n");
        md.append("- Run: ").append(res.path("started").asText("?")).append(" → ").append(res.path("finished").asText("?")).append('\n');
        if (m.has("description")) md.append("- Machine: ").append(m.path("description").asText()).append('\n');
        md.append("- CPU: ").append(m.path("processors").asInt()).append(" processors, ").append(m.path("cpu").asText())
                .append("; ").append(m.path("memoryGiB").asInt()).append(" GiB\n");
        md.append("- ").append(m.path("os").asText()).append("; ").append(m.path("java").asText()).append('\n');
        md.append("- OpenBLAS: ").append(m.path("openblas").asText()).append('\n');
        if (res.has("notes")) md.append("- Notes: ").append(res.path("notes").asText()).append('\n');
        md.append("- Load average (1/5/15 min, runnable/total, last pid) at start: `").append(res.path("loadAverageAtStart").asText("?"))
                .append("`, at end: `").append(res.path("loadAverageAtEnd").asText("?")).append("`\n\n");
        md.append("Times are JMH single-shot or sampled times (p50 is the median); throughput is 1 / mean. Peak heap and\n"
                + "RSS are the forked JVM's (heap pools' peak usage; `VmHWM`, which includes OpenBLAS's native weights).\n"
                + "Efficiency = model flops (the graph's products, 2·m·n·k) ÷ median time ÷ the machine's SGEMM rate\n"
                + "(the best OpenBLAS rate measured in this run, below); \"vs own GEMM\" divides by the backend's own engine's rate.\n\n");

        md.append("## SGEMM rate (5184 × 4736 × 1024)\n\n");
        md.append("`cpu` and `openblas`: the backends' engines as the backends use them (weight prepared once, activations\n"
                + "on the Java heap, Java workers); `own threads`: the OpenBLAS engine with OpenBLAS's threads instead; `raw`:\n"
                + "one `cblas_sgemm` on native operands with OpenBLAS's threads. A rate is the best of its runs (other load only\n"
                + "slows runs down); the machine's rate, the efficiency's denominator, is the best OpenBLAS rate of any form.\n\n");
        md.append("| engine | runs (GFLOP/s) | best GFLOP/s |\n|---|---|---|\n");
        res.path("sgemm").fields().forEachRemaining(e -> {
            List<String> runs = new ArrayList<>();
            e.getValue().path("runs").forEach(x -> runs.add(f(x.asDouble(), 1)));
            md.append("| ").append(e.getKey()).append(" | ").append(String.join(", ", runs)).append(" | ")
                    .append(f(e.getValue().path("gflopsPerSecond").asDouble(), 1)).append(" |\n");
        });
        md.append('\n');

        section(md, res, "Image encoding (1008×1008, ViT + both necks, synthetic weights)", "ImageEncoderBenchmark.encode", true);
        section(md, res, "One prompt after setImage (cached embedding)", "PromptBenchmark.", false);
        section(md, res, "Start-up: Sam3Model.build() on a checkpoint → first mask (fresh JVM per sample)", "StartupBenchmark.", false);
        section(md, res, "Tokenizer", "TokenizerBenchmark.", false);
        section(md, res, "Checkpoint loading (synthetic float32 safetensors, page cache warm; open + read every tensor)",
                "CheckpointLoadBenchmark.", false);
        section(md, res, "Video: time per frame (tracker step; detector + tracker)",
                "One JMH single shot per frame: the propagation is released for exactly one more frame (read + decode of the\n"
                + "fixture's 1280×720 JPEG, preprocessing, the backbone at 1008², then the step), on the fixture's 8 frames\n"
                + "looped into a 1000-frame video, with synthetic weights plus the fixture's weight override and thresholds\n"
                + "(objects persist, every frame is a valid memory). `clicked`: two objects (a click and a box on frame 0, the\n"
                + "fixture's `inter0`), the path of `VideoSession.addPoints/addBox` + `propagate`; `text`: the phrase \"person\" on\n"
                + "frame 0, the path of `VideoSession.addText` + `propagate`. Frame 1 is the warm-up (graph compilation). The\n"
                + "memory grows over the first frames (one more spatial memory per frame up to 7, one more object pointer up\n"
                + "to 16), so frames 2–3 attend to fewer memories than the steady state; the longest run shows the later frames.\n"
                + "The backbone is timed apart from the step (`VideoBenchHarness`); the text family's outputs are held back\n"
                + "15 frames (hotstart), so their post-processing is not in these short runs.",
                "VideoBenchmark.", false);
        videoMemory(md, res);
        return md.toString();
    }

    private static void section(StringBuilder md, JsonNode res, String title, String prefix, boolean flops) {
        section(md, res, title, null, prefix, flops);
    }

    private static void section(StringBuilder md, JsonNode res, String title, String intro, String prefix, boolean flops) {
        List<JsonNode> rows = new ArrayList<>();
        res.path("results").forEach(r -> {
            if (r.path("benchmark").asText().startsWith(prefix)) rows.add(r);
        });
        if (rows.isEmpty()) return;
        md.append("## ").append(title).append("\n\n");
        if (intro != null) md.append(intro).append("\n\n");
        md.append("| benchmark | params | samples | p50 | p90 | max | mean ± err | throughput/s | peak heap MiB | peak RSS MiB |");
        if (flops) md.append(" GFLOP | GFLOP/s | efficiency | vs own GEMM |");
        md.append('\n');
        md.append("|---|---|---|---|---|---|---|---|---|---|");
        if (flops) md.append("---|---|---|---|");
        md.append('\n');
        for (JsonNode r : rows) {
            List<String> ps = new ArrayList<>();
            r.path("params").fields().forEachRemaining(e -> {
                boolean dflt = (e.getKey().equals("threads") && e.getValue().asText().equals("0"))
                        || (e.getKey().equals("threading") && (e.getValue().asText().equals("workers")
                        || !r.path("params").path("backend").asText().equals("openblas")));
                if (!dflt) ps.add(e.getKey() + "=" + e.getValue().asText());
            });
            String name = r.path("benchmark").asText();
            md.append("| ").append(name.substring(name.indexOf('.') + 1)).append(" | ").append(String.join(" ", ps)).append(" | ")
                    .append(r.path("samples").asInt()).append(" | ")
                    .append(t(r.path("p50Ms").asDouble())).append(" | ")
                    .append(t(r.path("p90Ms").asDouble())).append(" | ")
                    .append(t(r.path("maxMs").asDouble())).append(" | ")
                    .append(t(r.path("meanMs").asDouble())).append(" ± ").append(t(r.path("errorMs").asDouble(Double.NaN))).append(" | ")
                    .append(f(r.path("throughputPerSecond").asDouble(), r.path("throughputPerSecond").asDouble() < 10 ? 3 : 0)).append(" | ")
                    .append(r.has("peakHeapMiB") ? f(r.path("peakHeapMiB").asDouble(), 0) : "–").append(" | ")
                    .append(r.has("peakRssMiB") ? f(r.path("peakRssMiB").asDouble(), 0) : "–").append(" |");
            if (flops) {
                md.append(' ').append(r.has("flops") ? f(r.path("flops").asDouble() / 1e9, 0) : "–").append(" | ")
                        .append(r.has("gflopsPerSecond") ? f(r.path("gflopsPerSecond").asDouble(), 1) : "–").append(" | ")
                        .append(r.has("efficiency") ? f(100 * r.path("efficiency").asDouble(), 0) + " %" : "–").append(" | ")
                        .append(r.has("efficiencyVsOwnGemm") ? f(100 * r.path("efficiencyVsOwnGemm").asDouble(), 0) + " %" : "–").append(" |");
            }
            md.append('\n');
        }
        // extra lines: per-op profile of encodes, start-up split, set-image times
        for (JsonNode r : rows) {
            if (r.has("lastRunNanosByOp")) {
                md.append("\n").append(r.path("params").path("config").asText()).append(" on ")
                        .append(engineKey(r.path("params"))).append(", last run by operation: ")
                        .append(profile(r)).append('\n');
            }
            if (r.has("toFirstMaskNanos")) {
                md.append("\n").append(r.path("params").path("config").asText()).append(" on ").append(r.path("params").path("backend").asText())
                        .append(" (last fork): build ").append(t(r.path("buildNanos").asDouble() / 1e6))
                        .append(", first setImage ").append(t(r.path("firstSetImageNanos").asDouble() / 1e6))
                        .append(", first prompt ").append(t(r.path("firstPromptNanos").asDouble() / 1e6))
                        .append(", total ").append(t(r.path("toFirstMaskNanos").asDouble() / 1e6));
                if (r.has("steadySetImageNanos")) {
                    double first = r.path("firstSetImageNanos").asDouble() + r.path("firstPromptNanos").asDouble();
                    double steady = r.path("steadySetImageNanos").asDouble() + r.path("steadyPromptNanos").asDouble();
                    md.append("; then in the same process setImage ").append(t(r.path("steadySetImageNanos").asDouble() / 1e6))
                            .append(", prompt ").append(t(r.path("steadyPromptNanos").asDouble() / 1e6))
                            .append(": first mask = ").append(f(r.path("toFirstMaskNanos").asDouble() / steady, 2))
                            .append(" × (setImage + prompt)");
                    if (r.has("steadySetImageCpuNanos")) {
                        double steadyCpu = r.path("steadySetImageCpuNanos").asDouble() + r.path("steadyPromptCpuNanos").asDouble();
                        md.append(", in process CPU time ").append(f(r.path("toFirstMaskCpuNanos").asDouble() / steadyCpu, 2)).append(" ×");
                    }
                    md.append(" (first setImage + prompt alone ").append(f(first / steady, 2)).append(" ×)");
                }
                md.append('\n');
            }
            if (r.has("setImageNanos") && r.path("benchmark").asText().endsWith("textPrompt")) {
                double enc = r.path("setImageNanos").asDouble() / 1e6;
                md.append("\n").append(r.path("params").path("config").asText()).append(" on ").append(r.path("params").path("backend").asText())
                        .append(": a steady-state setImage took ").append(t(enc)).append("; the median text prompt is ")
                        .append(f(100 * r.path("p50Ms").asDouble() / enc, 1)).append(" % of it\n");
            }
            if (r.has("medianStepNanos")) {
                boolean text = r.path("params").path("family").asText().equals("text");
                JsonNode fr = r.path("frames");
                int warm = fr.size() - r.path("samples").asInt();
                md.append("\n").append(r.path("params").path("config").asText()).append(" on ").append(r.path("params").path("backend").asText())
                        .append(", ").append(text ? "text \"person\" (" + r.path("objects").asInt() + " object(s) found on frame 0, "
                                + r.path("trackerStates").asInt() + " tracker state(s) at the end)" : "clicked (" + r.path("objects").asInt() + " objects)")
                        .append(": median of the measured frames ").append(fr.get(Math.max(0, warm)).path("frame").asInt()).append("–")
                        .append(fr.get(fr.size() - 1).path("frame").asInt()).append(": decode + preprocess ")
                        .append(t(r.path("medianDecodeNanos").asDouble() / 1e6)).append(", backbone ")
                        .append(t(r.path("medianEncodeNanos").asDouble() / 1e6)).append(", ")
                        .append(text ? "detector + tracker step " : "tracker step ").append(t(r.path("medianStepNanos").asDouble() / 1e6))
                        .append(". Per frame (backbone / step): ");
                List<String> per = new ArrayList<>();
                for (JsonNode x : fr) {
                    per.add(x.path("frame").asInt() + ": " + t(x.path("encodeNanos").asDouble() / 1e6) + " / " + t(x.path("stepNanos").asDouble() / 1e6));
                }
                md.append(String.join(", ", per)).append(". Prompt on frame 0 (backbone, ").append(text ? "detector + tracker step" : "SAM heads")
                        .append(", first compilations) ").append(t(r.path("promptNanos").asDouble() / 1e6)).append(", propagation start (")
                        .append(text ? "step on frame 0 again, backbone reused" : "conditioning memory of frame 0").append(") ")
                        .append(t(r.path("startNanos").asDouble() / 1e6)).append('\n');
            }
            if (r.has("fileBytes")) {
                double mb = r.path("fileBytes").asDouble() / 1048576;
                md.append("\n").append(r.path("params").path("config").asText()).append(": ").append(f(mb, 0)).append(" MiB file, ")
                        .append(f(mb / 1024 / (r.path("p50Ms").asDouble() / 1000), 2)).append(" GiB/s at the median\n");
            }
        }
        md.append('\n');
    }

    /**
     * A run's per-operation profile: each step's seconds (steps under 50 ms left out), and for the operations the
     * graph counts flops of, their rate over their own time plus that of the fused steps they lead
     * ({@code LINEAR} with {@code LINEAR+GELU}: the fused step's product is counted under {@code LINEAR}).
     */
    static String profile(JsonNode r) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        r.path("lastRunNanosByOp").fields().forEachRemaining(e -> seconds.put(e.getKey(), e.getValue().asDouble() / 1e9));
        List<String> ops = new ArrayList<>();
        seconds.forEach((label, sec) -> {
            if (sec < 0.05) return;
            String s = label + " " + f(sec, 2) + " s";
            JsonNode fl = r.path("flopsByOp").path(label);
            if (fl.isNumber()) {
                double all = seconds.entrySet().stream().filter(e -> e.getKey().equals(label) || e.getKey().startsWith(label + "+"))
                        .mapToDouble(Map.Entry::getValue).sum();
                s += " (" + f(fl.asDouble() / 1e9 / all, 0) + " GFLOP/s" + (all > sec ? " with its fused steps" : "") + ")";
            }
            ops.add(s);
        });
        return String.join(", ", ops);
    }

    /** Bytes per object per frame the official implementation keeps (spec video-fixtures.md §8, GPU path). */
    static final long OFFICIAL_BYTES_PER_OBJECT_FRAME = 64L * 72 * 72 * 2   // maskmem_features, bfloat16
            + 288L * 288 * 4                                              // pred_masks, float32
            + 256L * 4 + 4 + 4;                                           // obj_ptr, object_score_logits, iou_score
    /** Bytes per frame of the official SAM 2-style path's decoded frames (float32 3 × 1008²), all loaded up front. */
    static final long OFFICIAL_BYTES_PER_FRAME = 3L * 1008 * 1008 * 4;

    private static void videoMemory(StringBuilder md, JsonNode res) {
        List<String[]> lines = new ArrayList<>();
        res.path("results").forEach(r -> {
            String b = r.path("benchmark").asText();
            if (b.startsWith("VideoBenchmark.") && r.has("frames")) {
                int objects = Math.max(1, r.path("objects").asInt());
                JsonNode fr = r.path("frames");
                for (int i = 0; i < fr.size(); i++) {
                    int processed = fr.get(i).path("frame").asInt() + 1;   // frame 0 was prompted
                    boolean show = i == fr.size() - 1 || processed == 2 || processed == 4 || processed == 8 || processed == 10;
                    if (!show) continue;
                    long bytes = fr.get(i).path("retainedBytes").asLong();
                    // text sessions gain objects on later frames (the count is not observable here): no per-object figure
                    boolean text = r.path("params").path("family").asText().equals("text");
                    lines.add(new String[] {"real session: " + r.path("params").path("family").asText() + ", "
                            + r.path("params").path("config").asText() + ", " + r.path("params").path("backend").asText(),
                            text ? objects + " on frame 0, " + r.path("trackerStates").asInt() + " states at the end" : String.valueOf(objects),
                            String.valueOf(processed), String.format(Locale.ROOT, "%,d", bytes),
                            text ? "–" : f(bytes / (double) objects / 1048576, 2), "–",
                            f(processed * (double) OFFICIAL_BYTES_PER_OBJECT_FRAME / 1048576, 1),
                            f(processed * (double) OFFICIAL_BYTES_PER_FRAME / 1048576, 0)});
                }
            } else if (b.startsWith("VideoMemoryBenchmark.") && r.has("retainedBytes")) {
                int objects = r.path("params").path("objects").asInt();
                int processed = r.path("framesProcessed").asInt();
                long bytes = r.path("retainedBytes").asLong();
                lines.add(new String[] {"memory bank fed the tracker's entry sizes", String.valueOf(objects), String.valueOf(processed),
                        String.format(Locale.ROOT, "%,d", bytes), f(bytes / (double) objects / 1048576, 2),
                        r.path("retainedEntries").asInt() + " / " + r.path("retainedEntriesWithFeatures").asInt(),
                        f(processed * (double) OFFICIAL_BYTES_PER_OBJECT_FRAME / 1048576, 1),
                        f(processed * (double) OFFICIAL_BYTES_PER_FRAME / 1048576, 0)});
            }
        });
        if (lines.isEmpty()) return;
        md.append("## Video: retained tracker memory per object (a flat line is the point)\n\n");
        md.append("Bytes of memory features (72² × 64 float32 per object and frame) and object pointers (256 float32) the\n"
                + "tracker state holds after N frames processed (the prompted frame included); sam3j holds no decoded frame\n"
                + "beyond the one being processed and hands results to the caller. **Real session** rows are\n"
                + "`retainedBytes` of the tracker state during the `VideoBenchmark` runs above (measured after each frame).\n"
                + "**Memory bank** rows are `VideoMemoryBenchmark`: the library's `MemoryBank` (what a tracker state keeps its\n"
                + "memories in) fed one conditioning entry and N − 1 tracked entries of exactly those sizes, every frame valid\n"
                + "(the most it keeps), because 100 or 1000 real frames are out of reach on this machine; \"entries\" are the kept\n"
                + "entries / those with memory features (every frame valid: the conditioning frame + the 15 latest / + the 6 latest).\n"
                + "**Official** columns are not measurements but the formula of `shared/spec/video-fixtures.md` §8: the official\n"
                + "implementation keeps every processed frame's outputs, N × " + String.format(Locale.ROOT, "%,d", OFFICIAL_BYTES_PER_OBJECT_FRAME) + " B per object\n"
                + "(`maskmem_features` 64×72² bfloat16 = 663,552 B, `pred_masks` 288² float32 = 331,776 B, `obj_ptr` 1,024 B,\n"
                + "two scalars; its GPU path), plus, whatever the number of objects, every frame of the video decoded up front\n"
                + "(SAM 2-style path: 3 × 1008² float32 = 12,192,768 B per frame; the text path holds float16, half that) and,\n"
                + "on the text path, a video-resolution mask per object and frame. sam3j's memory features are float32\n"
                + "(1,327,104 B per object and frame, twice the official bfloat16), so over the first frames it holds more than\n"
                + "the official; from the 7th frame on it stays flat while the official grows with every frame.\n\n");
        md.append("| source | objects | frames N | retained bytes | per object MiB | entries | official per object MiB (formula) | official frames MiB (formula) |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (String[] l : lines) md.append("| ").append(String.join(" | ", l)).append(" |\n");
        md.append('\n');
    }

    @SuppressWarnings("unused")
    private static String join(double[] v) {
        return Arrays.stream(v).mapToObj(x -> f(x, 1)).collect(Collectors.joining(", "));
    }
}
