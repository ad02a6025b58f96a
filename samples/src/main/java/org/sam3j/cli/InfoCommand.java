package org.sam3j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.BackendStatus;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.Backends;
import org.sam3j.hub.HubClient;
import org.sam3j.hub.ModelSource;
import org.sam3j.hub.ProgressBar;
import org.sam3j.weights.CheckpointSummary;
import org.sam3j.weights.CheckpointWeights;
import org.sam3j.weights.WeightLoadingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sam3 info}: what a checkpoint holds, the backend that would run it with the given backend options (its
 * name, device, precision and threads), and every backend found with why it cannot run here.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Describe a model: file, format, parameters, element types, architecture; then the backend that"
                + " would run with the given --backend/--precision/--threads (name, device, precision, threads) and every"
                + " backend found.", "Without --model: the backends only."})
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "M",
            description = "sam3.pt, a .safetensors file, a model directory, or hf:owner/name[@revision] (e.g. hf:facebook/sam3)")
    String model;

    @Option(names = "--offline", description = "Never use the network; resolve hf: models from the cache only")
    boolean offline;

    @Option(names = "--cache", paramLabel = "DIR", description = "Model cache (default: $SAM3J_CACHE or ~/.cache/sam3j)")
    Path cache;

    @Mixin
    BackendArgs backendArgs = new BackendArgs();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Backends.Selection selection = backendArgs.select(); // a backend that cannot run is the one error, at once
        if (model == null) {
            printBackends(out, selection, backendArgs.spec() != null);
            out.flush();
            return 0;
        }
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
            printBackends(out, selection, backendArgs.spec() != null);
            out.flush();
        }
        return 0;
    }

    /**
     * The backend that would run (created and closed again, so that it reports what it really runs: device,
     * precision, threads), whether it was named or chosen as the best available, then every backend found, highest
     * priority first, with the precisions it runs or why it cannot run here.
     *
     * @param named whether {@code --backend} named it (else {@code -Dsam3j.backend}, {@code SAM3J_BACKEND} or the best)
     */
    static void printBackends(PrintWriter out, Backends.Selection selection, boolean named) {
        String how = named ? "named by --backend" : selection.automatic() ? "the best available here"
                : "named by -D" + Backends.PROPERTY + " or " + Backends.ENV;
        try (Backend b = selection.create()) {
            BackendOptions o = b.options();
            out.printf("backend       %s: device %d, %s, %d %s (%s)%n", b.name(), o.device(), o.precision().label(),
                    o.threads(), o.threads() == 1 ? "thread" : "threads", how);
            if (b instanceof CpuBackend) {
                String kernel = CpuBackend.vectorKernels() ? "Vector API (jdk.incubator.vector)"
                        : CpuBackend.vectorProducts()
                                ? "Vector API for matrix products and attention with at most 256 queries or keys,"
                                        + " auto-vectorised longer attention (it needs 512-bit vectors)"
                        : ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                                ? "auto-vectorised (the Vector API ones need 256-bit vectors or wider and -D"
                                        + CpuBackend.VECTOR_PROPERTY + " not false)"
                                : "auto-vectorised (on AVX-512 or AVX2, start the JVM with --add-modules"
                                        + " jdk.incubator.vector for the faster Vector API ones, as ./sam3 does)";
                out.printf("java kernels  %s: matrix products and attention%n", kernel);
            }
        }
        String label = "backends      ";
        for (BackendStatus s : Backends.statuses()) {
            String state = s.available()
                    ? "available: " + s.precisions().stream().map(Precision::label).collect(Collectors.joining(", "))
                            + (s.devices() > 1 ? ", " + s.devices() + " devices" : "")
                    : "unavailable: " + s.unavailableReason();
            out.printf("%s%s: %s (%s)%n", label, s.name(), s.description(), state);
            label = "              ";
        }
    }
}
