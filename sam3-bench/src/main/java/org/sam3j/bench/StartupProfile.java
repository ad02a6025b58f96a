package org.sam3j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;

/**
 * Where a fresh process's time and memory go on the way to its first mask, phase by phase, for a machine whose
 * other load makes wall-clock times unreliable: after the build, each {@code setImage} and each text prompt and each
 * click (the image's centre) it prints, besides the result's own timings per stage, the wall time, the process's
 * CPU time (and how much of it the kernel spent: page faults, mostly), the CPU time of the JIT compiler threads (C1, C2), the GC threads, the main thread and the
 * backend's workers (from {@code /proc/self/task}), the peak and current resident set with its anonymous and
 * file-backed parts, the heap (used, committed, the pools' peak) and the page faults. Round 0 is the cold one; later
 * rounds (another image, another phrase) are the steady state of the same process, so their difference is the
 * warm-up tax.
 *
 * <p>Usage: {@code StartupProfile CONFIG BACKEND CHECKPOINT [ROUNDS [CLICKS [TEXTS]]]} (CONFIG {@code tiny} or
 * {@code full}); with CLICKS above 1, each round's click is followed by CLICKS - 1 more a few pixels apart, summarised
 * on one line (first, median, minimum: what a user clicking on one image gets, comparable with another runtime's
 * loop); with TEXTS above 1, each round's text prompt is followed by TEXTS - 1 more, each a phrase not asked before
 * in the process (so that no text encoding is reused from the model's cache), summarised likewise; when
 * CHECKPOINT does not exist a synthetic checkpoint of CONFIG is written there instead (and nothing else is run).
 * Linux only (it reads {@code /proc}).
 */
public final class StartupProfile {
    /**
     * Phrases for the text prompts after each round's first: none of them a round's first phrase ("truck", "car",
     * "wheel"), none repeated, so each prompt encodes its text (as the official processor does for every prompt).
     */
    private static final String[] MORE_PHRASES = {
        "tire", "window", "door", "road", "sky", "tree", "person", "building", "mirror", "headlight", "bumper",
        "license plate", "grass", "fence", "pole", "cloud", "shadow", "roof", "sign", "wall", "street lamp", "cab",
        "trailer", "windshield", "hubcap", "sidewalk", "bush", "house", "logo", "ladder"};

    private final long start = System.nanoTime();
    private long lastCpu;
    private long lastSysTicks;

    private StartupProfile() {}

    /** Runs the profile. */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: StartupProfile tiny|full BACKEND CHECKPOINT [ROUNDS [CLICKS [TEXTS]]]");
            System.exit(2);
        }
        String config = args[0];
        String backend = args[1];
        Path file = Paths.get(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int clicks = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int texts = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        if (rounds * (texts - 1) > MORE_PHRASES.length) {
            System.err.println("at most " + MORE_PHRASES.length + " more text prompts in all (ROUNDS x (TEXTS - 1))");
            System.exit(2);
        }
        StartupProfile p = new StartupProfile();
        long t = System.nanoTime();
        // what computes, and the environment that can change it (the first lines of every results file)
        String described;
        try {
            described = org.sam3j.backend.Backends.provider(backend).description();
        } catch (IllegalArgumentException e) { // auto, or a name with a device: the model says what it made
            described = "(" + e.getMessage() + ")";
        }
        System.out.println("backend          " + backend + ": " + described);
        System.out.println("environment      " + BenchSupport.nativeEnvironment());
        if (!Files.exists(file)) {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path written = BenchSupport.writeSyntheticCheckpoint(BenchSupport.config(config), dir);
            if (!written.equals(file.toAbsolutePath())) Files.move(written, file);
            p.mark("write checkpoint", t);
            return;
        }
        try (Sam3Model model = Sam3Model.builder().checkpoint(file).config(BenchSupport.config(config))
                .tokenizer(BenchSupport.tokenizer()).backend(backend).backendOptions(BenchSupport.options(0))
                .readahead(BenchSupport.readahead()).build();
             Sam3Predictor predictor = model.newPredictor()) {
            p.mark("build", t);
            RgbImage image = BenchSupport.image();
            for (int r = 0; r < rounds; r++) {
                t = System.nanoTime();
                predictor.setImage(image);
                p.mark("setImage#" + r, t);
                t = System.nanoTime();
                MaskResult text = predictor.predict(Prompt.text(r == 0 ? "truck" : r % 2 == 1 ? "car" : "wheel"));
                p.mark("textPrompt#" + r, t);
                stages(text);
                if (texts > 1) moreTexts(predictor, r * (texts - 1), texts - 1);
                t = System.nanoTime();
                MaskResult click = predictor.predict(Prompt.point(image.width() * 0.5f, image.height() * 0.5f));
                long first = System.nanoTime() - t;
                p.mark("click#" + r, t);
                stages(click);
                if (clicks > 1) moreClicks(predictor, image, clicks, first);
            }
        }
    }

    /** TEXTS - 1 more text prompts on the round's image, and one line of their times in ms. */
    private static void moreTexts(Sam3Predictor predictor, int from, int count) {
        long[] ms = new long[count];
        for (int i = 0; i < count; i++) {
            long t = System.nanoTime();
            predictor.predict(Prompt.text(MORE_PHRASES[from + i]));
            ms[i] = System.nanoTime() - t;
        }
        String all = Arrays.stream(ms).mapToObj(n -> String.format("%.0f", n / 1e6)).collect(Collectors.joining(" "));
        Arrays.sort(ms);
        System.out.printf("texts            then %d more: median %.1f ms, min %.1f ms, max %.1f ms (in order: %s)%n",
                count, ms[count / 2] / 1e6, ms[0] / 1e6, ms[count - 1] / 1e6, all);
    }

    /** CLICKS - 1 more clicks near the centre after the round's first, and one line of their times in ms. */
    private static void moreClicks(Sam3Predictor predictor, RgbImage image, int clicks, long firstNanos) {
        long[] ms = new long[clicks - 1];
        for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            predictor.predict(Prompt.point(image.width() * 0.5f + (i + 1) % 7, image.height() * 0.5f));
            ms[i] = System.nanoTime() - t;
        }
        Arrays.sort(ms);
        System.out.printf("clicks           first %.1f ms, then %d more: median %.1f ms, min %.1f ms, max %.1f ms%n",
                firstNanos / 1e6, ms.length, ms[ms.length / 2] / 1e6, ms[0] / 1e6, ms[ms.length - 1] / 1e6);
    }

    /** The result's own timings per stage (text encoder, detector, ...), on a line under the phase's. */
    private static void stages(MaskResult result) {
        System.out.println(result.timings().entrySet().stream()
                .map(e -> String.format("%s %.3f s", e.getKey(), e.getValue().toNanos() / 1e9))
                .collect(Collectors.joining(", ", "                 stages: ", "")));
    }

    private void mark(String phase, long since) throws IOException {
        long now = System.nanoTime();
        long cpu = BenchSupport.processCpuNanos();
        String[] stat = statFields(Files.readString(Paths.get("/proc/self/stat")));
        long sys = Long.parseLong(stat[12]); // stime: the kernel's CPU time in clock ticks (USER_HZ = 100)
        System.out.printf("%-16s wall %8.2f s (at %8.2f s)  cpu %7.2f s (kernel %5.2f s; total %7.2f s)  threads %s  %s"
                        + "  load %.1f%n", phase, (now - since) / 1e9, (now - start) / 1e9, (cpu - lastCpu) / 1e9,
                (sys - lastSysTicks) / 100.0, cpu / 1e9, threadCpu(), memory(stat),
                BenchSupport.loadAverage());
        lastCpu = cpu;
        lastSysTicks = sys;
    }

    /**
     * The fields of a {@code /proc/.../stat} line after the command name (which may hold spaces): index 7 and 9 are
     * the minor and major page faults, 11 and 12 the user and kernel CPU time in clock ticks. The kernel's time is
     * mostly page faults, where the first touch of new memory shows (on the development VM, up to 1 s per 256 MiB).
     */
    private static String[] statFields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** CPU seconds so far by thread group, from each thread's utime + stime in clock ticks (USER_HZ = 100). */
    private static String threadCpu() throws IOException {
        Map<String, Long> groups = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = statFields(stat);
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                String group = comm.startsWith("C2 ") ? "C2" : comm.startsWith("C1 ") ? "C1"
                        : comm.startsWith("G1") || comm.startsWith("GC") ? "GC" : comm.equals("java") ? "main"
                        : comm.startsWith("sam3j-cpu") ? "workers" : "other";
                groups.merge(group, ticks, Long::sum);
            }
        }
        return groups.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() / 100.0)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** VmHWM, VmRSS = RssAnon + RssFile (MiB), minor and major page faults (from {@code stat}, {@link #statFields}). */
    private static String memory(String[] f) throws IOException {
        Map<String, Long> kb = new TreeMap<>();
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                kb.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
            }
        }
        Runtime rt = Runtime.getRuntime();
        return String.format("peak RSS %d MiB, RSS %d = anon %d + file %d MiB, heap used %d / committed %d / peak %d"
                        + " MiB (max %d), faults %s minor %s major",
                kb.getOrDefault("VmHWM", -1024L) / 1024, kb.getOrDefault("VmRSS", -1024L) / 1024,
                kb.getOrDefault("RssAnon", -1024L) / 1024, kb.getOrDefault("RssFile", -1024L) / 1024,
                (rt.totalMemory() - rt.freeMemory()) >> 20, rt.totalMemory() >> 20,
                BenchSupport.peakHeapBytes() >> 20, rt.maxMemory() >> 20, f[7], f[9]);
    }
}
