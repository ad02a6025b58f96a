package org.sam3j.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.backend.Backend;
import org.sam3j.backend.BackendProvider;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.graph.Graph;
import org.sam3j.internal.Log;
import org.sam3j.weights.WeightStore;
import org.slf4j.Logger;

/**
 * Runs model graphs on ONNX Runtime: each graph is exported with {@link OnnxExporter} (in memory, or through a
 * temporary directory when its weights need an external data file) and loaded as an {@link OrtSession}; runs go
 * through {@link ai.onnxruntime.OnnxTensor}s from and to host arrays, and resident values stay on the JVM heap
 * ({@link org.sam3j.backend.HeapResidentTensor}). On the CPU it proves that the exported ONNX computes the same
 * function as the Java backends; with the GPU build of ONNX Runtime it runs the same models on CUDA or TensorRT.
 *
 * <p>Options: {@link BackendOptions#threads()} sets ONNX Runtime's intra-op threads (0: every processor), and the
 * extra {@value #PROVIDER_OPTION} chooses the execution provider: {@code cpu} (default), {@code cuda} or
 * {@code tensorrt} (both on {@link BackendOptions#device()}); {@value #ARENA_OPTION} keeps ONNX Runtime's CPU memory
 * arena (off by default). Those two need the GPU artifact: replace
 * {@code com.microsoft.onnxruntime:onnxruntime} by {@code com.microsoft.onnxruntime:onnxruntime_gpu} of the same
 * version (exclude the first from {@code org.sam3j:sam3-onnx}), with CUDA 12 and cuDNN 9 (and TensorRT 10 for
 * {@code tensorrt}) on the library path. Asking for a provider the loaded ONNX Runtime lacks is refused when the
 * backend is created, naming the providers it has.
 *
 * <p>Precision: graphs are compiled at {@link #graphPrecision()} by {@link org.sam3j.graph.PrecisionPolicy} and
 * exported with their types. {@link Precision#FP16} runs on every provider; on the CPU, ONNX Runtime runs the
 * operators it has no float16 kernel for in FP32 between inserted casts, and drops FP32→FP16→FP32 cast pairs it
 * considers lossless, so a CPU run is close to, not bit-equal with, the rounded function the Java backends emulate.
 * {@link Precision#BF16} is exported natively (bfloat16 tensors) for the {@code cuda} and {@code tensorrt} providers;
 * the CPU provider has no bfloat16 {@code MatMul}, {@code Gemm} or {@code Add} kernel, so for it BF16 values are
 * float32 tensors rounded to bfloat16 wherever the graph rounds ({@link OnnxExporter.Bf16Form#FLOAT_CARRIED}): the
 * products run in float32 on bfloat16 operands and round once, the function the CPU backends emulate.
 */
public final class OnnxRuntimeBackend implements Backend {
    private static final Logger LOG = Log.get(OnnxRuntimeBackend.class);
    /** The backend's name. */
    public static final String NAME = "onnxruntime";
    /** The extra option choosing the execution provider ({@code cpu}, {@code cuda}, {@code tensorrt}). */
    public static final String PROVIDER_OPTION = NAME + ".provider";
    /**
     * The extra option ({@code true} or {@code false}, default {@code false}) keeping ONNX Runtime's CPU memory arena
     * and memory patterns: they keep each session's peak activation memory after a run (several GB for the ViT's
     * global attention and the tracker's memory attention, per session), so by default a run's activations are
     * freed when it ends.
     */
    public static final String ARENA_OPTION = NAME + ".arena";

    /** The execution providers this backend can ask ONNX Runtime for. */
    public enum ExecutionProvider {
        /** ONNX Runtime's CPU kernels (in every build). */
        CPU(OrtProvider.CPU),
        /** CUDA (the {@code onnxruntime_gpu} artifact). */
        CUDA(OrtProvider.CUDA),
        /** TensorRT, falling back to CUDA for unsupported nodes (the {@code onnxruntime_gpu} artifact). */
        TENSORRT(OrtProvider.TENSOR_RT);

        private final OrtProvider ort;

        ExecutionProvider(OrtProvider ort) {
            this.ort = ort;
        }

        /** The name used in {@value #PROVIDER_OPTION}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses {@code cpu}, {@code cuda} or {@code tensorrt}.
         *
         * @throws IllegalArgumentException for anything else
         */
        public static ExecutionProvider parse(String s) {
            for (ExecutionProvider p : values()) if (p.label().equals(s)) return p;
            throw new IllegalArgumentException("unknown execution provider '" + s + "' for " + PROVIDER_OPTION
                    + " (cpu, cuda or tensorrt)");
        }
    }

    private final BackendOptions options;
    private final ExecutionProvider provider;
    private final OrtEnvironment env;
    private final OnnxExporter exporter;
    private final boolean arena;

    private OnnxRuntimeBackend(BackendOptions options, ExecutionProvider provider) {
        this.env = OrtEnvironment.getEnvironment();
        this.provider = provider;
        this.arena = arenaOf(options);
        // the CPU provider has no bfloat16 products: BF16 values travel as float32 rounded to bfloat16
        this.exporter = new OnnxExporter(OnnxExporter.PROTOBUF_LIMIT, bf16FormOf(provider));
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        this.options = options.toBuilder().threads(threads).build();
    }

    /** A backend on the CPU provider with every processor. */
    public static OnnxRuntimeBackend create() {
        return create(BackendOptions.defaults());
    }

    /**
     * A backend with {@code options} (checked as {@link Provider#check} does).
     *
     * @throws IllegalArgumentException if the options do not fit (precision, device, provider)
     * @throws IllegalStateException    if ONNX Runtime cannot be loaded here
     */
    public static OnnxRuntimeBackend create(BackendOptions options) {
        Provider p = new Provider();
        p.check(options);
        if (!p.isAvailable()) throw new IllegalStateException("backend '" + NAME + "' cannot run here: " + p.unavailableReason());
        return new OnnxRuntimeBackend(options, providerOf(options));
    }

    /** The form BF16 values are exported in for {@code provider}: native bfloat16 on the GPU providers. */
    static OnnxExporter.Bf16Form bf16FormOf(ExecutionProvider provider) {
        return provider == ExecutionProvider.CPU ? OnnxExporter.Bf16Form.FLOAT_CARRIED : OnnxExporter.Bf16Form.NATIVE;
    }

    static boolean arenaOf(BackendOptions options) {
        String v = options.extras(NAME).get("arena");
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw new IllegalArgumentException(ARENA_OPTION + " must be true or false, got '" + v + "'");
    }

    static ExecutionProvider providerOf(BackendOptions options) {
        String v = options.extras(NAME).get("provider");
        return v == null ? ExecutionProvider.CPU : ExecutionProvider.parse(v);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BackendOptions options() {
        return options;
    }

    /** The execution provider sessions run on. */
    public ExecutionProvider executionProvider() {
        return provider;
    }

    /**
     * Exports the graph and creates an ONNX Runtime session for it.
     *
     * @throws org.sam3j.weights.WeightLoadingException if weights are missing or of the wrong shape
     * @throws IllegalStateException                    if ONNX Runtime refuses the model
     */
    @Override
    public CompiledGraph compile(Graph graph, WeightStore weights) {
        return compile(graph, weights, exporter);
    }

    /** As {@link #compile(Graph, WeightStore)} with another exporter (tests: a low external-data threshold). */
    CompiledGraph compile(Graph graph, WeightStore weights, OnnxExporter with) {
        long t0 = System.nanoTime();
        OnnxModel model = with.export("graph", graph, weights);
        OrtSession session;
        try (OrtSession.SessionOptions so = sessionOptions()) {
            if (model.hasExternalData()) {
                Path dir = Files.createTempDirectory("sam3j-onnx");
                try {
                    OnnxModel.Written w = model.write(dir);
                    session = env.createSession(w.model().toString(), so);
                } finally {
                    deleteTree(dir);
                }
            } else {
                session = env.createSession(model.toByteArray(), so);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the exported graph: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the exported graph for ONNX Runtime", e);
        }
        LOG.debug("onnxruntime: compiled a graph of {} nodes ({} MB of initializers{}) in {} ms", graph.nodes().size(),
                model.initializerBytes() >> 20, model.hasExternalData() ? ", external data" : "",
                (System.nanoTime() - t0) / 1_000_000);
        return new OrtCompiledGraph(this, graph, model, session);
    }

    OrtEnvironment env() {
        return env;
    }

    private OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(options.threads());
        so.setInterOpNumThreads(1);
        so.setCPUArenaAllocator(arena);
        so.setMemoryPatternOptimization(arena);
        switch (provider) {
            case CUDA:
                so.addCUDA(options.device());
                break;
            case TENSORRT:
                so.addTensorrt(options.device());
                so.addCUDA(options.device());
                break;
            default:
                break;
        }
        return so;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("could not delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** True: each compiled graph is an exported model and a session, so the tracker gives one memory layout. */
    @Override
    public boolean prefersFixedShapes() {
        return true;
    }

    /** Sessions belong to their compiled graphs; the shared ONNX Runtime environment stays loaded. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "OnnxRuntimeBackend[" + provider.label() + ", " + options + "]";
    }

    /**
     * The {@link BackendProvider} of {@code onnxruntime}: available where ONNX Runtime's native library loads;
     * priority below the pure-Java backend, so it runs only when named.
     */
    public static final class Provider implements BackendProvider {
        private volatile String unavailable;
        private volatile boolean probed;

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "ONNX Runtime (exported ONNX per graph; providers " + available() + ")";
        }

        private String available() {
            if (!isAvailable()) return "none";
            StringBuilder s = new StringBuilder();
            for (ExecutionProvider p : ExecutionProvider.values()) {
                if (OrtEnvironment.getAvailableProviders().contains(p.ort)) s.append(s.length() == 0 ? "" : ", ").append(p.label());
            }
            return s.toString();
        }

        /** Below the pure-Java backend's 0: never chosen unless named. */
        @Override
        public int priority() {
            return -10;
        }

        @Override
        public boolean isAvailable() {
            probe();
            return unavailable == null;
        }

        @Override
        public String unavailableReason() {
            probe();
            return unavailable;
        }

        private synchronized void probe() {
            if (probed) return;
            try {
                OrtEnvironment.getEnvironment();
                unavailable = null;
            } catch (Throwable e) {   // UnsatisfiedLinkError and friends: report, never throw
                unavailable = "ONNX Runtime's native library does not load: " + e;
            }
            probed = true;
        }

        /** FP32, FP16 and BF16 on every provider (BF16 on the CPU as float32 values rounded to bfloat16). */
        @Override
        public Set<Precision> precisions() {
            return EnumSet.of(Precision.FP32, Precision.FP16, Precision.BF16);
        }

        @Override
        public Set<String> extraKeys() {
            return Set.of("provider", "arena");
        }

        /**
         * Also refuses an unknown execution provider, one this ONNX Runtime build lacks, or a device other than 0 on
         * the CPU provider, in one line.
         */
        @Override
        public void check(BackendOptions options) {
            // precision and extras as every provider; the device depends on the execution provider: the CPU has one,
            // and a GPU provider's device index is checked by ONNX Runtime when the first session is created
            BackendProvider.super.check(options.toBuilder().device(0).build());
            ExecutionProvider p = providerOf(options);
            arenaOf(options);
            if (p == ExecutionProvider.CPU && options.device() != 0) {
                throw new IllegalArgumentException("backend '" + NAME + "' on the CPU provider has no device "
                        + options.device() + " (one device, 0)");
            }
            if (isAvailable() && !OrtEnvironment.getAvailableProviders().contains(p.ort)) {
                throw new IllegalArgumentException("execution provider '" + p.label() + "' is not in this ONNX Runtime"
                        + " build (it has " + available() + "); use the com.microsoft.onnxruntime:onnxruntime_gpu artifact"
                        + " with CUDA for cuda and tensorrt");
            }
        }

        @Override
        public Backend create(BackendOptions options) {
            return OnnxRuntimeBackend.create(Objects.requireNonNull(options, "options"));
        }
    }

    /** Input names the session needs, for tests. */
    static Set<String> inputsOf(CompiledGraph g) {
        return ((OrtCompiledGraph) g).inputNames();
    }

    static Map<String, int[]> outputsOf(CompiledGraph g) {
        return ((OrtCompiledGraph) g).model().outputs();
    }
}
