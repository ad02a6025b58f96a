package org.sam3j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts two runs of the same JMH steps side by side: {@code before} and {@code after} directories written by
 * interleaved runs of two builds on one machine (each step ran on the old jar, then on the new one, so both saw the
 * same load). Each side's rows are tabulated as {@link Report} does (its own SGEMM rate, so efficiencies stay within
 * a side), then joined on benchmark and parameters.
 *
 * <pre>
 * java -cp sam3-bench/target/sam3-bench.jar org.sam3j.bench.Compare --before DIR --after DIR --out FILE.md [--title TEXT]
 * </pre>
 */
public final class Compare {
    private Compare() {}

    /** Command-line entry point. */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        if (!opt.containsKey("before") || !opt.containsKey("after") || !opt.containsKey("out")) {
            System.err.println("usage: Compare --before DIR --after DIR --out FILE.md [--title TEXT]");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode before = Report.tabulate(Paths.get(opt.get("before")), json.createObjectNode());
        JsonNode after = Report.tabulate(Paths.get(opt.get("after")), json.createObjectNode());
        String md = markdown(opt.getOrDefault("title", "Before and after, same machine, same run"), before, after);
        Path out = Paths.get(opt.get("out"));
        Files.writeString(out, md);
        System.out.println("wrote " + out);
    }

    /** A row's identity: the benchmark and its non-default parameters. */
    static String key(JsonNode row) {
        List<String> ps = new ArrayList<>();
        row.path("params").fields().forEachRemaining(e -> {
            String v = e.getValue().asText();
            boolean dflt = (e.getKey().equals("threads") && v.equals("0")) || (e.getKey().equals("threading") && v.equals("workers"))
                    || e.getKey().equals("shape");
            if (!dflt) ps.add(e.getKey() + "=" + v);
        });
        String b = row.path("benchmark").asText();
        return b.substring(b.indexOf('.') + 1) + " | " + String.join(" ", ps);
    }

    private static Map<String, JsonNode> rows(JsonNode res) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        res.path("results").forEach(r -> {
            if (!r.path("benchmark").asText().contains("Sgemm")) m.put(key(r), r);
        });
        return m;
    }

    static String markdown(String title, JsonNode before, JsonNode after) {
        StringBuilder md = new StringBuilder("## ").append(title).append("\n\n");
        md.append("SGEMM 5184 × 4736 × 1024 measured in each side's run (GFLOP/s, every run; the best OpenBLAS rate is the\n"
                + "side's efficiency denominator):\n\n| engine | before | after |\n|---|---|---|\n");
        List<String> engines = new ArrayList<>();
        before.path("sgemm").fieldNames().forEachRemaining(engines::add);
        after.path("sgemm").fieldNames().forEachRemaining(e -> {
            if (!engines.contains(e)) engines.add(e);
        });
        for (String e : engines) {
            md.append("| ").append(e).append(" | ").append(runs(before.path("sgemm").path(e))).append(" | ")
                    .append(runs(after.path("sgemm").path(e))).append(" |\n");
        }
        md.append("\n| benchmark | params | samples (before / after) | p50 before | p50 after | after ÷ before | efficiency before | efficiency after | peak RSS MiB before | peak RSS MiB after |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, JsonNode> b = rows(before);
        Map<String, JsonNode> a = rows(after);
        List<String> keys = new ArrayList<>(b.keySet());
        a.keySet().forEach(k -> {
            if (!keys.contains(k)) keys.add(k);
        });
        for (String k : keys) {
            JsonNode rb = b.get(k);
            JsonNode ra = a.get(k);
            md.append("| ").append(k).append(" | ").append(rb != null ? rb.path("samples").asInt() : 0).append(" / ")
                    .append(ra != null ? ra.path("samples").asInt() : 0).append(" | ")
                    .append(rb != null ? Report.t(rb.path("p50Ms").asDouble()) : "–").append(" | ")
                    .append(ra != null ? Report.t(ra.path("p50Ms").asDouble()) : "–").append(" | ")
                    .append(rb != null && ra != null ? Report.f(ra.path("p50Ms").asDouble() / rb.path("p50Ms").asDouble(), 2) : "–").append(" | ")
                    .append(pct(rb, "efficiency")).append(" | ").append(pct(ra, "efficiency")).append(" | ")
                    .append(mib(rb)).append(" | ").append(mib(ra)).append(" |\n");
        }
        md.append('\n');
        for (String k : keys) {
            for (String side : List.of("before", "after")) {
                JsonNode r = (side.equals("before") ? b : a).get(k);
                if (r == null) continue;
                String line = detail(r);
                if (!line.isEmpty()) md.append("- ").append(k).append(", ").append(side).append(": ").append(line).append('\n');
            }
        }
        return md.append('\n').toString();
    }

    /** The per-operation profile of an encode, or the start-up split. */
    private static String detail(JsonNode r) {
        List<String> parts = new ArrayList<>();
        if (r.has("lastRunNanosByOp")) parts.add(Report.profile(r));
        if (r.has("toFirstMaskNanos")) {
            parts.add("build " + Report.t(r.path("buildNanos").asDouble() / 1e6) + ", first setImage "
                    + Report.t(r.path("firstSetImageNanos").asDouble() / 1e6) + ", first prompt "
                    + Report.t(r.path("firstPromptNanos").asDouble() / 1e6));
            if (r.has("steadySetImageNanos")) {
                double steady = r.path("steadySetImageNanos").asDouble() + r.path("steadyPromptNanos").asDouble();
                parts.add("then setImage " + Report.t(r.path("steadySetImageNanos").asDouble() / 1e6) + " + prompt "
                        + Report.t(r.path("steadyPromptNanos").asDouble() / 1e6) + " in the same process: first mask = "
                        + Report.f(r.path("toFirstMaskNanos").asDouble() / steady, 2) + " × (setImage + prompt)");
            }
            if (r.has("peakRssAtFirstMaskBytes")) {
                parts.add("peak RSS at the first mask " + Report.f(r.path("peakRssAtFirstMaskBytes").asDouble() / 1048576, 0) + " MiB");
            }
        }
        if (r.has("setImageNanos") && !r.has("toFirstMaskNanos")) {
            parts.add("steady setImage " + Report.t(r.path("setImageNanos").asDouble() / 1e6));
        }
        return String.join("; ", parts);
    }

    private static String runs(JsonNode rate) {
        if (rate.isMissingNode()) return "–";
        List<String> r = new ArrayList<>();
        rate.path("runs").forEach(x -> r.add(Report.f(x.asDouble(), 1)));
        return String.join(", ", r) + " (best " + Report.f(rate.path("gflopsPerSecond").asDouble(), 1) + ")";
    }

    private static String pct(JsonNode r, String field) {
        return r != null && r.has(field) ? Report.f(100 * r.path(field).asDouble(), 0) + " %" : "–";
    }

    private static String mib(JsonNode r) {
        return r != null && r.has("peakRssMiB") ? Report.f(r.path("peakRssMiB").asDouble(), 0) : "–";
    }
}
