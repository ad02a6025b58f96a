package org.sam3j.cli;

import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backends;
import picocli.CommandLine.Option;

/**
 * The backend options of every command that runs the model ({@code segment}, {@code serve}, {@code verify},
 * {@code info}): {@code --backend NAME[:DEVICE]}, {@code --precision}, {@code --threads} and {@code --backend-cache}.
 * A picocli mixin; {@link #select()} checks them against the backend (known, able to run here, running that precision on that
 * device) in a moment, before any model work, so a wrong choice is one line and exit status 2.
 */
final class BackendArgs {
    @Option(names = "--backend", paramLabel = "NAME[:DEVICE]", order = 30,
            description = "Backend: cpu (pure Java), openblas, cuda, cuda:1 (a device), or auto (the best available:"
                    + " cuda if a GPU is usable, else openblas if its natives load, else cpu). Default: -Dsam3j.backend"
                    + " or $SAM3J_BACKEND if set, else auto")
    String backend;

    @Option(names = "--precision", paramLabel = "fp32|fp16|bf16", order = 31,
            description = "Storage precision of weights and activations (default fp32; the CPU backends run only fp32)")
    String precision;

    @Option(names = "--threads", paramLabel = "N", order = 32, description = "CPU threads (default: all processors)")
    Integer threads;

    @Option(names = "--backend-cache", paramLabel = "DIR", order = 33,
            description = "Where the backend keeps what it prepares between runs: the cpu backend's packed weights"
                    + " (DIR/cpu-weights, about 2.9 GB for the full model; later runs map them instead of packing),"
                    + " TensorRT's engines (default ~/.cache/sam3j/tensorrt). Default: none for cpu")
    java.nio.file.Path backendCache;

    /**
     * The options the backend will be created with.
     *
     * @throws UserException if {@code --threads} or {@code --precision} is not valid
     */
    BackendOptions options() {
        if (threads != null && threads < 1) throw new UserException("--threads must be at least 1, got " + threads);
        BackendOptions.Builder b = BackendOptions.builder();
        if (threads != null) b.threads(threads);
        if (backendCache != null) b.cacheDirectory(backendCache);
        if (precision != null) {
            try {
                b.precision(Precision.parse(precision));
            } catch (IllegalArgumentException e) {
                throw new UserException("--precision: " + e.getMessage());
            }
        }
        return b.build();
    }

    /**
     * The backend that will run, checked (nothing is created).
     *
     * @throws UserException if the options are not valid, name no backend, or it cannot run here or not so
     */
    Backends.Selection select() {
        BackendOptions o = options();
        try {
            return Backends.select(backend, o);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** The {@code --backend} given, or null (then the default of {@link Backends#select}). */
    String spec() {
        return backend;
    }
}
