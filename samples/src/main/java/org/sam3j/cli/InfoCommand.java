package org.sam3j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.sam3j.backend.BackendStatus;
import org.sam3j.backend.Backends;
import org.sam3j.hub.HubClient;
import org.sam3j.hub.ModelSource;
import org.sam3j.hub.ProgressBar;
import org.sam3j.model.Sam3Config;
import org.sam3j.weights.CheckpointSummary;
import org.sam3j.weights.CheckpointWeights;
import org.sam3j.weights.WeightLoadingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sam3 info}: what a checkpoint holds and which backends can run it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a model: file, format, parameters, element types, architecture, backends.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M",
            description = "sam3.pt, a .safetensors file, a model directory, or hf:owner/name[@revision] (e.g. hf:facebook/sam3)")
    String model;

    @Option(names = "--offline", description = "Never use the network; resolve hf: models from the cache only")
    boolean offline;

    @Option(names = "--cache", paramLabel = "DIR", description = "Model cache (default: $SAM3J_CACHE or ~/.cache/sam3j)")
    Path cache;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HubClient.Builder hub = HubClient.builder().offline(offline).progressListener(ProgressBar.printingTo(System.err));
        if (cache != null) hub.cacheRoot(cache);
        Path local = ModelSource.parse(model).toLocalPath(hub.build());
        try (CheckpointWeights w = CheckpointWeights.open(local)) {
            CheckpointSummary s = w.summary();
            Sam3Config released = Sam3Config.released();
            StringJoiner dtypes = new StringJoiner(", ");
            s.tensorsByDtype().forEach((d, n) -> dtypes.add(d + " x" + n));
            boolean isReleased = s.vitDepth() == released.vitDepth() && s.textLayers() == released.textLayers();
            out.printf("model         %s%n", s.path());
            out.printf("format        %s%s%n", s.format(), s.huggingFace() ? " (Hugging Face layout)" : " (official names)");
            out.printf("size          %.2f GB, %d tensors, %,d parameters%n", s.bytes() / 1e9, s.tensors(), s.parameters());
            out.printf("dtypes        %s%n", dtypes);
            out.printf("architecture  ViT %d blocks, text encoder %d layers, tracker heads %s%s%n", s.vitDepth(),
                    s.textLayers(), s.hasTracker() ? "present" : "absent",
                    isReleased ? " (the released SAM 3 architecture)" : "");
            String cfg;
            try {
                Sam3Config c = w.inferConfig();
                cfg = c.isReleasedArchitecture() ? "the released SAM 3" : c.toString();
            } catch (WeightLoadingException e) {
                cfg = "incomplete (" + String.join("; ", e.problems()) + ")";
            }
            out.printf("config        %s (read from the checkpoint; no --config needed)%n", cfg);
            printBackends(out);
            out.flush();
        }
        return 0;
    }

    /**
     * The backend that runs by default (as {@code segment} and {@code Sam3Model} pick it: {@code -Dsam3j.backend},
     * {@code SAM3J_BACKEND}, else the best available), then the others with why they cannot run.
     */
    static void printBackends(PrintWriter out) {
        String chosen = Backends.defaultName();
        String label = "backend       ";
        List<BackendStatus> all = new ArrayList<>(Backends.statuses());
        all.sort(Comparator.comparing((BackendStatus b) -> !b.name().equals(chosen))); // the one that runs first
        for (BackendStatus b : all) {
            String state = b.name().equals(chosen)
                    ? (b.available() ? "runs by default, " + Runtime.getRuntime().availableProcessors() + " CPU threads"
                            : "selected but cannot run: " + b.unavailableReason())
                    : b.available() ? "available" : "unavailable: " + b.unavailableReason();
            out.printf("%s%s: %s (%s)%n", label, b.name(), b.description(), state);
            label = "              ";
        }
    }
}
