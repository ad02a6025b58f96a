package org.sam3j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.cublasLtCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtDestroy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.UnaryOperator;
import org.bytedeco.cuda.cublas.cublasLtContext;
import org.bytedeco.javacpp.FloatPointer;
import org.sam3j.BackendOptions;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.MemoryPlanner;
import org.sam3j.backend.WeightChecks;
import org.sam3j.graph.Graph;
import org.sam3j.weights.WeightStore;

/**
 * The CUDA backend: one device, one storage {@link Precision}, our kernels ({@code native/}) for
 * everything but matrix products, which go to cuBLASLt.
 *
 * <p>Weights are read from the store, re-laid out where a kernel wants another layout (convolutions),
 * converted to the precision on the device once, and kept for every graph this backend compiles; each
 * compiled graph holds its activation arena (one allocation laid out by the {@link MemoryPlan}), its
 * inputs and outputs, a stream and its scratch. {@link #memoryStats()} reports what is held;
 * {@link #close()} frees the weights, the cuBLASLt handle and every graph not yet closed.
 *
 * <p>Thread-safe for compiling; each compiled graph runs one call at a time, and graphs of one backend
 * may run concurrently from different threads (each has its own stream). Requires
 * {@link CudaRuntime#available()}.
 */
public final class CudaBackend implements Backend {
    /** The backend's name. */
    public static final String NAME = "cuda";
    /** Extra of {@link BackendOptions} for {@link Provider}: {@code true} records device time per op (see {@link Options}). */
    public static final String PROFILE_OPTION = "cuda.profile";
    /** Extra of {@link BackendOptions} for {@link Provider}: {@code true} replays CUDA Graphs (see {@link Options}). */
    public static final String CUDA_GRAPHS_OPTION = "cuda.graphs";

    private final int device;
    private final Precision precision;
    private final boolean profile;
    private final boolean cudaGraphs;
    private final DeviceMemory memory = new DeviceMemory();
    private final cublasLtContext lt;
    /** Per weight store (weakly held): {@code name#form} to the converted device copy. */
    private final Map<WeightStore, Map<String, DeviceMemory.Buffer>> weights = new WeakHashMap<>();
    /** Every weight buffer, also those of stores since collected: freed by {@link #close()}. */
    private final List<DeviceMemory.Buffer> weightBuffers = new ArrayList<>();
    private final Set<CudaCompiledGraph> graphs = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    /**
     * How a backend runs.
     *
     * @param device     CUDA device index
     * @param precision  storage precision of weights and activations
     * @param profile    record a CUDA event per operation so that {@link org.sam3j.backend.ExecutionContext#lastRunNanosByOp()}
     *                   reports device time per op kind (costs a little per op)
     * @param cudaGraphs capture each compiled graph's launches as a CUDA Graph on its second run and replay
     *                   it from then on (falls back to plain launches if capture fails; off with profiling)
     */
    public record Options(int device, Precision precision, boolean profile, boolean cudaGraphs) {}

    private CudaBackend(int device, Precision precision, boolean profile, boolean cudaGraphs) {
        CudaRuntime.require();
        int devices = CudaRuntime.deviceCount();
        if (device < 0 || device >= devices) {
            throw new IllegalArgumentException("CUDA device " + device + " does not exist (" + devices + " found)");
        }
        this.device = device;
        this.precision = precision;
        this.profile = profile;
        this.cudaGraphs = cudaGraphs && !profile;
        makeCurrent();
        this.lt = new cublasLtContext(); // only now: the preset's classes load its native libraries
        CudaRuntime.checkBlas(cublasLtCreate(lt), "cublasLtCreate");
    }

    /** A backend on device {@code device} storing weights and activations in {@code precision}. */
    public static CudaBackend create(int device, Precision precision) {
        return new CudaBackend(device, precision, false, false);
    }

    /** A backend with explicit {@link Options}. */
    public static CudaBackend create(Options options) {
        return new CudaBackend(options.device(), options.precision(), options.profile(), options.cudaGraphs());
    }

    /**
     * Like {@link #create(int, Precision)}; with {@code profile}, every run records a CUDA event per
     * operation so that {@link org.sam3j.backend.ExecutionContext#lastRunNanosByOp()} reports device time per op kind.
     */
    public static CudaBackend create(int device, Precision precision, boolean profile) {
        return new CudaBackend(device, precision, profile, false);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The device index. */
    public int device() {
        return device;
    }

    /** The storage precision. */
    public Precision precision() {
        return precision;
    }

    /**
     * FP32: this backend still converts storage precision inside its own kernels (per-op FP32 operand rules in
     * {@link Fp32Operands}) instead of running the casts of {@link org.sam3j.graph.PrecisionPolicy}'s graphs.
     */
    @Override
    public org.sam3j.Precision graphPrecision() {
        return org.sam3j.Precision.FP32;
    }

    /**
     * The device, the precision, one host thread (the caller's: the host side runs on it), and the
     * {@value #PROFILE_OPTION} and {@value #CUDA_GRAPHS_OPTION} extras when on.
     */
    @Override
    public BackendOptions options() {
        BackendOptions.Builder b = BackendOptions.builder().device(device)
                .precision(org.sam3j.Precision.valueOf(precision.name())).threads(1);
        if (profile) b.extra(PROFILE_OPTION, "true");
        if (cudaGraphs) b.extra(CUDA_GRAPHS_OPTION, "true");
        return b.build();
    }

    boolean profiling() {
        return profile;
    }

    boolean cudaGraphs() {
        return cudaGraphs;
    }

    DeviceMemory memory() {
        return memory;
    }

    cublasLtContext lt() {
        return lt;
    }

    /** Makes this backend's device current for the calling thread (one shared CUDA runtime: see CudaRuntime). */
    void makeCurrent() {
        CudaRuntime.check(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        CudaRuntime.check(CudaKernels.s3c_set_device(device), "s3c_set_device(" + device + ")");
    }

    @Override
    public CompiledGraph compile(Graph graph, WeightStore store) {
        MemoryPlan plan = MemoryPlanner.plan(graph);
        WeightChecks.requireWeights(graph, store);
        synchronized (this) {
            if (closed) throw new IllegalStateException("backend closed");
            makeCurrent();
            CudaCompiledGraph g = new CudaCompiledGraph(this, plan, store);
            graphs.add(g);
            return g;
        }
    }

    synchronized void forget(CudaCompiledGraph g) {
        graphs.remove(g);
    }

    /**
     * The device copy of a weight in this backend's precision, in the layout {@code form} ("plain" for
     * the stored layout; otherwise {@code relayout} maps the float32 values), converted once.
     */
    synchronized long weight(WeightStore store, String name, String form, UnaryOperator<float[]> relayout) {
        if (closed) throw new IllegalStateException("backend closed");
        Map<String, DeviceMemory.Buffer> cache = weights.computeIfAbsent(store, s -> new LinkedHashMap<>());
        DeviceMemory.Buffer b = cache.get(name + "#" + form);
        if (b == null) {
            float[] v = store.floats(name);
            if (relayout != null) v = relayout.apply(v);
            b = upload(v, DeviceMemory.Kind.WEIGHTS, "weight " + name + " (" + form + ")");
            cache.put(name + "#" + form, b);
            weightBuffers.add(b);
        }
        return b.address;
    }

    /**
     * Uploads float32 values and converts them to this backend's precision into a new buffer of
     * {@code kind} (the float32 copy is freed). Synchronous.
     */
    DeviceMemory.Buffer upload(float[] v, DeviceMemory.Kind kind, String what) {
        makeCurrent();
        DeviceMemory.Buffer b = memory.allocate((long) v.length * precision.bytes(), kind, what);
        if (precision == Precision.FP32) {
            copyIn(v, b.address);
            return b;
        }
        DeviceMemory.Buffer tmp = memory.allocate((long) v.length * 4, DeviceMemory.Kind.WORKSPACE, "staging of " + what);
        try {
            copyIn(v, tmp.address);
            CudaRuntime.check(CudaKernels.s3c_convert(tmp.address, CudaKernels.S3C_F32, b.address, precision.code(),
                    v.length, 0), "convert " + what);
            CudaRuntime.check(CudaKernels.s3c_stream_synchronize(0), "convert " + what);
        } finally {
            memory.free(tmp);
        }
        return b;
    }

    /** Synchronous float32 upload to a device address. */
    static void copyIn(float[] v, long address) {
        try (FloatPointer host = new FloatPointer(v)) {
            CudaRuntime.check(cudaMemcpy(DeviceMemory.address(address), host, (long) v.length * 4, cudaMemcpyHostToDevice),
                    "cudaMemcpy host to device");
        }
    }

    /** Device memory held by this backend and its compiled graphs. */
    public CudaMemoryStats memoryStats() {
        return memory.stats();
    }

    /**
     * Closes every graph not yet closed, frees the weights and destroys the cuBLASLt handle. Each release
     * is attempted even after a device error: the first failure is thrown, the others suppressed.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        ReleaseStack release = new ReleaseStack(); // released newest first: device, graphs, weights, handle
        release.push("cuBLASLt handle", () -> CudaRuntime.checkBlas(cublasLtDestroy(lt), "cublasLtDestroy"));
        for (DeviceMemory.Buffer b : weightBuffers) release.push(b.what, () -> memory.free(b));
        for (CudaCompiledGraph g : new ArrayList<>(graphs)) release.push("compiled graph", g::close);
        release.push("device selection", this::makeCurrent);
        graphs.clear();
        weightBuffers.clear();
        weights.clear();
        release.close();
    }

    @Override
    public String toString() {
        return "CudaBackend[device " + device + ", " + precision + "]";
    }

    /**
     * Makes the backend known to {@link org.sam3j.backend.Backends} (registered as a service): any device, fp32, fp16
     * or bf16, extras {@value CudaBackend#PROFILE_OPTION} and {@value CudaBackend#CUDA_GRAPHS_OPTION} ({@code true}/{@code false}).
     * Preferred over the CPU backends whenever a GPU is usable.
     */
    public static final class Provider implements org.sam3j.backend.BackendProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            int n = CudaRuntime.deviceCount();
            return "NVIDIA GPU (" + n + (n == 1 ? " device" : " devices") + "), sam3j's CUDA kernels and cuBLASLt";
        }

        @Override
        public int priority() {
            return 20;
        }

        @Override
        public boolean isAvailable() {
            return CudaRuntime.available();
        }

        @Override
        public String unavailableReason() {
            return CudaRuntime.unavailableReason();
        }

        @Override
        public Set<org.sam3j.Precision> precisions() {
            return EnumSet.allOf(org.sam3j.Precision.class);
        }

        @Override
        public int devices() {
            return CudaRuntime.deviceCount();
        }

        /** {@code profile} and {@code graphs}: see {@link CudaBackend#PROFILE_OPTION}, {@link CudaBackend#CUDA_GRAPHS_OPTION}. */
        @Override
        public Set<String> extraKeys() {
            return Set.of("profile", "graphs");
        }

        /** Also refuses extra values other than {@code true}/{@code false}. */
        @Override
        public void check(BackendOptions options) {
            org.sam3j.backend.BackendProvider.super.check(options);
            cudaOptions(options);
        }

        private Options cudaOptions(BackendOptions options) {
            Map<String, String> x = options.extras(NAME);
            return new Options(options.device(), Precision.valueOf(options.precision().name()),
                    flag(PROFILE_OPTION, x.get("profile")), flag(CUDA_GRAPHS_OPTION, x.get("graphs")));
        }

        private static boolean flag(String key, String v) {
            if (v == null || v.equalsIgnoreCase("false")) return false;
            if (v.equalsIgnoreCase("true")) return true;
            throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
        }

        /**
         * A backend on the options' device and precision; {@code threads} does not apply (the host side runs on the
         * caller's thread).
         *
         * @throws IllegalStateException if no GPU is usable here (the message says why)
         */
        @Override
        public Backend create(BackendOptions options) {
            check(options);
            return CudaBackend.create(cudaOptions(options));
        }
    }
}
