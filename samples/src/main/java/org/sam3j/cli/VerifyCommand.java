package org.sam3j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.sam3j.backend.Backend;
import org.sam3j.backend.Backends;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;
import org.sam3j.verify.VerifySummary;
import org.sam3j.video.VideoVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sam3 verify}: checks this installation against the reference fixtures. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Run the model on reference fixtures (synthetic weights) and compare every recorded tensor.",
                "Prints one line per probe (key, max abs error / reference RMS, verdict) and a summary."})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--fixtures", required = true, paramLabel = "DIR",
            description = "Fixture directory (index.json + cases), e.g. ../shared/fixtures/sam3/tiny or .../video-tiny")
    Path fixtures;

    @Option(names = "--only", split = ",", paramLabel = "PREFIX",
            description = "Only keys starting with these prefixes (after a leading 'hook.'): input, image, backbone, text, inter")
    List<String> only = new ArrayList<>();

    @Mixin
    BackendArgs backendArgs = new BackendArgs();

    /** Sum of the peak usage of every heap memory pool since the JVM started. */
    static long peakHeapBytes() {
        long sum = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        }
        return sum;
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        Backends.Selection selection = backendArgs.select(); // before anything else: a wrong backend is one line
        if (!Files.isRegularFile(fixtures.resolve("index.json"))) {
            throw new UserException("not a fixture directory (no index.json): " + fixtures);
        }
        FixtureSet set = FixtureSet.open(fixtures);
        out.println("fixtures " + fixtures + ": " + Verifier.configOf(set) + ", cases " + set.caseNames());
        out.flush();
        Backend created = selection.create();
        out.println("backend " + created.name() + " (" + created.options() + ")");
        out.flush();
        try (Backend b = created) {
            Verifier v = new Verifier(b, r -> {
                out.println(r.line());
                out.flush();
            });
            VerifySummary s;
            if (VideoVerifier.FORMAT.equals(set.format())) {   // video fixtures: the tracker families
                try (VideoVerifier video = VideoVerifier.open(set)) {
                    s = video.verify(b, only, r -> {
                        out.println(r.line());
                        out.flush();
                    });
                }
            } else {
                s = v.verify(set, only);
            }
            s.timings().forEach(t -> out.println("# " + t));
            out.println(String.format("# peak heap %.0f MiB (max %.0f MiB)", peakHeapBytes() / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576.0));
            out.println(s.line());
            out.flush();
            return s.failed() > 0 ? 1 : 0;
        }
    }
}
