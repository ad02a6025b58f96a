package org.sam3j.tensorrt;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.BackendProvider;

/**
 * The {@code tensorrt} backend as {@link org.sam3j.backend.Backends} sees it (registered as a service): fp32, fp16
 * and bf16, extras {@value BuildSettings#TYPING_OPTION} and {@value BuildSettings#WORKSPACE_OPTION}. Priority −10:
 * it runs only when named.
 *
 * <p>It is never available yet: running engines (bound to the CUDA backend's resident values, {@code enqueueV3} on
 * its stream) is not implemented. Its reason names what is missing here first (libnvinfer.so.10, the CUDA runtime,
 * a CUDA device: {@link TensorRtRuntime}), and where everything is present says that execution is the missing
 * piece. Engines can already be built and cached: {@link TensorRtEngines}.
 */
public final class TensorRtProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "tensorrt";

    /** Why the backend cannot run even where TensorRT and a GPU are present. */
    static final String EXECUTION_MISSING = "running TensorRT engines is not implemented yet (engines can be built and"
            + " cached: sam3 export --format tensorrt); use backend 'cuda' or 'onnxruntime' with onnxruntime.provider=tensorrt";

    private final Supplier<TensorRtRuntime.Status> status;

    /** The provider over the real {@link TensorRtRuntime#status()} (probed on first use). */
    public TensorRtProvider() {
        this(TensorRtRuntime::status);
    }

    TensorRtProvider(Supplier<TensorRtRuntime.Status> status) {
        this.status = Objects.requireNonNull(status, "status");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "NVIDIA GPU through TensorRT engines built from the ONNX export (engine building only; running them is not"
                + " implemented yet)";
    }

    @Override
    public int priority() {
        return -10;
    }

    @Override
    public boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** What is missing here (libnvinfer, CUDA runtime, device), else that execution is not implemented. */
    @Override
    public String unavailableReason() {
        String r = status.get().reason();
        return r != null ? r : EXECUTION_MISSING;
    }

    @Override
    public Set<Precision> precisions() {
        return EnumSet.allOf(Precision.class);
    }

    @Override
    public int devices() {
        return isAvailable() ? status.get().gpus().size() : 0;
    }

    /** {@code typing} and {@code workspace}: see {@link BuildSettings}. */
    @Override
    public Set<String> extraKeys() {
        return Set.of("typing", "workspace");
    }

    /** Also refuses bad values of the extras. */
    @Override
    public void check(BackendOptions options) {
        BackendProvider.super.check(options);
        BuildSettings.from(options);
    }

    /**
     * Refuses: the options first (as {@link #check(BackendOptions)}), then with the {@link #unavailableReason()}.
     *
     * @throws IllegalStateException always, for now
     */
    @Override
    public Backend create(BackendOptions options) {
        check(options);
        throw new IllegalStateException("backend '" + NAME + "' cannot run here: " + unavailableReason());
    }
}
