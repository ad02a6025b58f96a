package org.sam3j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy2DAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostStagedContext;
import org.sam3j.backend.TransferCounter;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.WeightStore;

/**
 * A graph compiled for the CUDA backend. Everything is decided at compile time: device addresses of
 * every node (the memory plan's arena as one allocation, offsets scaled to the element size), weight
 * layouts, cuBLASLt plans, attention argument structs; {@link #run} then uploads the inputs, launches
 * one step per scheduled node on the graph's stream, downloads the outputs and synchronises once.
 *
 * <p>Storage is in the backend's precision, with float32 copies of the operands that must stay exact
 * (RoPE tables, ROI boxes, gather indices): one per tensor, converted once where the values cannot
 * change ({@link Fp32Operands}). Each op computes what {@code CpuCompiledGraph} computes; the kernels are
 * documented in {@code native/include/sam3cuda.h}.
 *
 * <p>Every native resource (device buffers, the stream, events, pinned staging, cuBLASLt plans, the CUDA
 * Graph) is registered in a {@link ReleaseStack} as soon as it exists: a compile that fails midway and
 * {@link #close()} release all of it, each release attempted even after a device error. A failure while
 * running names the operation ({@link CudaException#op()}); with {@value CudaRuntime#DEBUG_PROPERTY}
 * the stream is synchronised after every operation so that kernel faults are named too. A CUDA Graph
 * whose replay fails is discarded ({@link CudaGraphReplay}). These paths are compiled and their host
 * logic tested; they have not run on a GPU.
 *
 * <p>Progress and cancellation ({@code run(inputs, RunMonitor)}) use {@link CompiledGraph}'s default: 0
 * before and 1 after the run, so a run can be stopped before it starts but not in the middle (the steps are
 * queued on the stream, or replayed as one CUDA Graph, and a GPU encode is short).
 *
 * <p>Not yet split into program and execution context: the graph holds its run state, and its
 * {@link #newContext contexts} are host-staged adapters whose runs are serialised on the graph.
 */
final class CudaCompiledGraph implements CompiledGraph {
    /** cuBLASLt workspace per graph. */
    private static final long LT_WORKSPACE = 32L << 20;
    /** Most bytes of im2col / transposed-convolution scratch per chunk. */
    private static final long CONV_CHUNK_BYTES = 64L << 20;

    private final CudaBackend backend;
    private final MemoryPlan plan;
    private final WeightStore store;
    private final Precision p;
    private final int dtype;
    private final int esz;
    private final DeviceMemory mem;
    /** Everything native this graph made, released newest first by {@link #close()}. */
    private final ReleaseStack resources = new ReleaseStack();
    private final CUstream_st stream = new CUstream_st();
    private final long streamAddress;
    private final CublasLt lt;
    private final Fp32Operands fp32Ops;
    private final boolean debug;
    private final CudaGraphReplay replay;

    private final long[] address;
    private final Map<Integer, Long> outputRoots = new HashMap<>();
    private final Map<String, Long> weightForms = new HashMap<>();
    private final Map<String, LtGemm> gemms = new HashMap<>();
    private long arena;
    private long scratch;
    private long scratchBytes;
    private long statsScratch;
    private long errorFlag;
    private long ltWorkspace;

    private final StepLauncher steps = new StepLauncher();

    /** A graph input: where its float32 values go. */
    private record InputSlot(String name, Tensor t, long hostOffset, long deviceFp32) {}

    /** A marked output: where it is read from. */
    private record OutputSlot(String name, Tensor t, long hostOffset, long deviceFp32) {}

    private final List<InputSlot> inputs = new ArrayList<>();
    private final List<OutputSlot> outputs = new ArrayList<>();
    private Pointer pinned;
    private FloatPointer pinnedFloats;
    private CUevent_st[] events;
    private Map<String, Long> lastProfile = Map.of();
    private boolean closed;

    CudaCompiledGraph(CudaBackend backend, MemoryPlan plan, WeightStore store) {
        this.backend = backend;
        this.plan = plan;
        this.store = store;
        this.p = backend.precision();
        this.dtype = p.code();
        this.esz = p.bytes();
        this.mem = backend.memory();
        List<Tensor> nodes = plan.graph().nodes();
        this.address = new long[nodes.size()];
        this.fp32Ops = p == Precision.FP32 ? null : new Fp32Operands(plan);
        this.debug = CudaRuntime.debugRequested();
        // synchronising after every op cannot be captured; per-op events are not kept in a CUDA Graph
        this.replay = new CudaGraphReplay(backend.cudaGraphs() && !debug, 2);
        try {
            CudaRuntime.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreate");
            streamAddress = stream.address();
            resources.push("stream", () -> CudaRuntime.check(cudaStreamDestroy(stream), "cudaStreamDestroy"));
            resources.push("CUDA Graph", replay::close);
            lt = new CublasLt(backend.lt());
            resources.push("cuBLASLt scalars", lt::close);
            allocate(nodes);
            for (Tensor t : plan.schedule()) steps.add(StepLauncher.Step.of(t, build(t)));
            stage();
            if (backend.profiling()) {
                events = new CUevent_st[steps.size() + 1];
                for (int i = 0; i < events.length; i++) {
                    CUevent_st e = new CUevent_st();
                    CudaRuntime.check(cudaEventCreate(e), "cudaEventCreate");
                    resources.push("event", () -> CudaRuntime.check(cudaEventDestroy(e), "cudaEventDestroy"));
                    events[i] = e;
                }
            }
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    @Override
    public MemoryPlan plan() {
        return plan;
    }

    // ================================================================== allocation

    private long alloc(long bytes, DeviceMemory.Kind kind, String what) {
        return hold(mem.allocate(bytes, kind, what));
    }

    /** Registers a buffer for release; its address. */
    private long hold(DeviceMemory.Buffer b) {
        resources.push(b.what, () -> mem.free(b));
        return b.address;
    }

    private void allocate(List<Tensor> nodes) {
        long arenaBytes = plan.arenaBytes() / 4 * esz;
        if (arenaBytes > 0) arena = alloc(arenaBytes, DeviceMemory.Kind.ACTIVATIONS, "activation arena");
        long maxConv = 0;
        long maxStats = 0;
        boolean gather = false;
        for (Tensor t : plan.schedule()) {
            if (t.op() == Op.CONV2D || t.op() == Op.CONV_TRANSPOSE2D) maxConv = Math.max(maxConv, convScratchBytes(t));
            if (t.op() == Op.GROUP_NORM) {
                maxStats = Math.max(maxStats, 2L * t.dim(0) * t.attrs(Attrs.GroupNorm.class).groups() * 4);
            }
            if (t.op() == Op.GATHER) gather = true;
        }
        if (maxConv > 0) {
            scratchBytes = maxConv;
            scratch = alloc(maxConv, DeviceMemory.Kind.WORKSPACE, "convolution scratch");
        }
        if (maxStats > 0) statsScratch = alloc(maxStats, DeviceMemory.Kind.WORKSPACE, "group norm statistics");
        if (gather) errorFlag = alloc(4, DeviceMemory.Kind.WORKSPACE, "gather error flag");
        ltWorkspace = alloc(LT_WORKSPACE, DeviceMemory.Kind.WORKSPACE, "cuBLASLt workspace");

        for (Tensor t : nodes) {
            MemoryPlan.Kind kind = plan.kind(t);
            int id = t.id();
            switch (kind) {
                case UNUSED:
                    break;
                case ARENA:
                    address[id] = arena + plan.arenaOffset(t) / 4 * esz;
                    break;
                case OUTPUT: {
                    int root = plan.storageRoot(t);
                    Long a = outputRoots.get(root);
                    if (a == null) {
                        a = alloc(nodes.get(root).numel() * esz, DeviceMemory.Kind.ACTIVATIONS, "output " + nodes.get(root));
                        outputRoots.put(root, a);
                    }
                    address[id] = a;
                    break;
                }
                case EXTERNAL:
                    if (t.op() == Op.RESHAPE) {
                        Tensor leaf = nodes.get(plan.storageRoot(t));
                        address[id] = address[leaf.id()];
                        if (address[id] == 0 && leaf.op() == Op.WEIGHT) address[id] = weightAddress(leaf, "plain", null);
                    } else {
                        leaf(t);
                    }
                    break;
                default:
                    throw new IllegalStateException(kind.toString());
            }
        }
    }

    /** Device storage of a leaf: inputs get a buffer (filled by run), constants are uploaded now. */
    private void leaf(Tensor t) {
        int id = t.id();
        switch (t.op()) {
            case INPUT:
                address[id] = alloc(t.numel() * esz, DeviceMemory.Kind.ACTIVATIONS, "input " + t.label());
                break;
            case CONSTANT: {
                float[] v = t.attrs(Attrs.Constant.class).values();
                address[id] = hold(backend.upload(v, DeviceMemory.Kind.ACTIVATIONS, "constant " + t.label()));
                break;
            }
            case WEIGHT:
                // bound on first use, in the layout the consumer wants (see weightAddress); float32 copies on
                // first use as an exact operand (fp32Of)
                break;
            default:
                throw new IllegalStateException(t.toString());
        }
    }

    /** A new float32 copy of a constant or weight leaf (reduced precision only), uploaded now. */
    private long leafFp32(Tensor leaf) {
        float[] v = leaf.op() == Op.CONSTANT ? leaf.attrs(Attrs.Constant.class).values()
                : store.floats(leaf.attrs(Attrs.Named.class).name());
        long a = alloc((long) v.length * 4, DeviceMemory.Kind.ACTIVATIONS, "float32 copy of " + leaf);
        backend.makeCurrent();
        CudaBackend.copyIn(v, a);
        return a;
    }

    private long weightAddress(Tensor w, String form, java.util.function.UnaryOperator<float[]> relayout) {
        String name = w.attrs(Attrs.Named.class).name();
        return weightForms.computeIfAbsent(name + "#" + form, k -> backend.weight(store, name, form, relayout));
    }

    /** Device address of an operand as stored (weights in their plain layout). */
    private long addr(Tensor t) {
        long a = address[t.id()];
        if (a == 0 && t.op() == Op.WEIGHT) {
            a = weightAddress(t, "plain", null);
            address[t.id()] = a;
        }
        if (a == 0) throw new IllegalStateException("no device storage for " + t);
        return a;
    }

    /**
     * Device address of a float32 copy of operand {@code t} at the time the steps run (see
     * {@link Fp32Operands}): the input's float32 staging, a copy of a constant or weight made now, or,
     * for a computed operand, one copy whose conversion step is added to {@code pre} of its first consumer
     * and runs in every run or, when the value cannot change, in the first successful one.
     */
    private long fp32Of(Tensor t, List<Runnable> pre) {
        if (p == Precision.FP32) return addr(t);
        Fp32Operands.Binding b = fp32Ops.bind(t, this::inputFp32, this::leafFp32,
                src -> alloc(src.numel() * 4, DeviceMemory.Kind.ACTIVATIONS, "float32 copy of " + src));
        if (b.convertHere()) {
            Tensor source = b.source();
            long src = addr(source);
            long dst = b.address();
            long n = source.numel();
            String what = "float32 copy of " + source;
            pre.add(() -> {
                if (fp32Ops.convertNow(source)) {
                    check(CudaKernels.s3c_convert(src, dtype, dst, CudaKernels.S3C_F32, n, streamAddress), what);
                }
            });
        }
        return b.address();
    }

    private final Map<Integer, Long> inputFp32 = new HashMap<>();

    /** The device float32 staging of an input (allocated on first use; filled by every run). */
    private long inputFp32(Tensor input) {
        if (p == Precision.FP32) return addr(input);
        return inputFp32.computeIfAbsent(input.id(),
                k -> alloc(input.numel() * 4, DeviceMemory.Kind.WORKSPACE, "float32 staging of input " + input.label()));
    }

    /** Host (pinned) and device staging of inputs and outputs. */
    private void stage() {
        long hostFloats = 0;
        for (Tensor t : plan.graph().inputs().values()) {
            if (plan.kind(t) == MemoryPlan.Kind.UNUSED) continue;
            long dev = p == Precision.FP32 ? addr(t) : inputFp32(t);
            inputs.add(new InputSlot(t.attrs(Attrs.Named.class).name(), t, hostFloats, dev));
            hostFloats += t.numel();
        }
        for (Map.Entry<String, Tensor> e : plan.graph().outputs().entrySet()) {
            Tensor t = e.getValue();
            long dev = p == Precision.FP32 ? addr(t)
                    : alloc(t.numel() * 4, DeviceMemory.Kind.WORKSPACE, "float32 staging of output " + e.getKey());
            outputs.add(new OutputSlot(e.getKey(), t, hostFloats, dev));
            hostFloats += t.numel();
        }
        if (hostFloats > 0) {
            Pointer host = new Pointer();
            CudaRuntime.check(cudaMallocHost(host, hostFloats * 4), "cudaMallocHost of " + hostFloats * 4 + " bytes");
            resources.push("pinned staging", () -> CudaRuntime.check(cudaFreeHost(host), "cudaFreeHost"));
            pinned = host;
            pinnedFloats = new FloatPointer(pinned).capacity(hostFloats);
        }
    }

    private long convScratchBytes(Tensor t) {
        if (t.op() == Op.CONV2D) {
            Tensor w = t.input(1);
            Attrs.Conv c = t.attrs(Attrs.Conv.class);
            if (w.dim(2) == 1 && w.dim(3) == 1 && c.stride() == 1 && c.padding() == 0) return 0;
            long kk = (long) w.dim(1) * w.dim(2) * w.dim(3);
            return convChunk(t.dim(0) * (long) t.dim(1) * t.dim(2), kk) * kk * esz;
        }
        long n4 = 4L * t.dim(3);
        Tensor x = t.input(0);
        return convChunk(x.dim(0) * (long) x.dim(1) * x.dim(2), n4) * n4 * esz;
    }

    /** Rows per chunk of an im2col / scatter matrix with {@code cols} columns. */
    private long convChunk(long rows, long cols) {
        return Math.max(1, Math.min(rows, CONV_CHUNK_BYTES / esz / cols));
    }

    // ================================================================== steps

    private void check(int code, String what) {
        CudaRuntime.check(code, what);
    }

    /** The step of one scheduled node (with any float32 conversions it needs first). */
    private Runnable build(Tensor t) {
        List<Runnable> pre = new ArrayList<>();
        Runnable body = body(t, pre);
        if (pre.isEmpty()) return body;
        return () -> {
            for (Runnable r : pre) r.run();
            body.run();
        };
    }

    private Runnable body(Tensor t, List<Runnable> pre) {
        final long y = addr(t);
        final long n = t.numel();
        final long s = streamAddress;
        final String what = t.toString();
        switch (t.op()) {
            case PERMUTE: {
                long x = addr(t.input(0));
                int[] shape = t.input(0).shape();
                int[] perm = t.attrs(Attrs.Permute.class).perm();
                rankCheck(shape.length, t);
                return () -> check(CudaKernels.s3c_permute(x, y, shape.length, shape, perm, dtype, s), what);
            }
            case SLICE: {
                Attrs.Slice sl = t.attrs(Attrs.Slice.class);
                int[] xs = t.input(0).shape();
                long outer = 1;
                for (int i = 0; i < sl.axis(); i++) outer *= xs[i];
                long inner = 1;
                for (int i = sl.axis() + 1; i < xs.length; i++) inner *= xs[i];
                long width = (sl.end() - sl.start()) * inner * esz;
                long src = addr(t.input(0)) + sl.start() * inner * esz;
                long pitch = xs[sl.axis()] * inner * esz;
                long rows = outer;
                return () -> copy2d(y, width, src, pitch, width, rows, what);
            }
            case CONCAT: {
                int axis = t.attrs(Attrs.Concat.class).axis();
                int[] ys = t.shape();
                long outer = 1;
                for (int i = 0; i < axis; i++) outer *= ys[i];
                long inner = 1;
                for (int i = axis + 1; i < ys.length; i++) inner *= ys[i];
                List<Runnable> parts = new ArrayList<>();
                long pos = 0;
                for (int j = 0; j < t.inputCount(); j++) {
                    long len = t.input(j).dim(axis);
                    long dst = y + pos * inner * esz;
                    long src = addr(t.input(j));
                    long width = len * inner * esz;
                    long dpitch = ys[axis] * inner * esz;
                    long rows = outer;
                    parts.add(() -> copy2d(dst, dpitch, src, width, width, rows, what));
                    pos += len;
                }
                return () -> parts.forEach(Runnable::run);
            }
            case LINEAR: {
                Tensor w = t.input(1);
                int k = w.dim(1);
                int nOut = w.dim(0);
                int m = (int) (n / nOut);
                long x = addr(t.input(0));
                long wa = addr(w);
                long bias = t.inputCount() > 2 ? addr(t.input(2)) : 0;
                LtGemm g = gemm(new LtGemm.Shape(m, nOut, k, true, 1, 0, 0, 0), x, wa, y, bias);
                return () -> g.run(x, wa, y, streamAddress);
            }
            case MATMUL: {
                boolean tb = t.attrs(Attrs.MatMul.class).transposeB();
                Tensor a = t.input(0);
                Tensor b = t.input(1);
                int m = a.dim(-2);
                int k = a.dim(-1);
                int nn = t.dim(-1);
                int batches = (int) (a.numel() / ((long) m * k));
                long bSize = b.numel() / batches;
                long xa = addr(a);
                long xb = addr(b);
                LtGemm g = gemm(new LtGemm.Shape(m, nn, k, tb, batches, (long) m * k, bSize, (long) m * nn), xa, xb, y, 0);
                return () -> g.run(xa, xb, y, streamAddress);
            }
            case ADD:
            case MUL: {
                int[] ys = t.shape();
                rankCheck(ys.length, t);
                long[] sa = broadcastStrides(t.input(0).shape(), ys);
                long[] sb = broadcastStrides(t.input(1).shape(), ys);
                long a = addr(t.input(0));
                long b = addr(t.input(1));
                int op = t.op() == Op.MUL ? CudaKernels.S3C_BINARY_MUL : CudaKernels.S3C_BINARY_ADD;
                return () -> check(CudaKernels.s3c_binary(a, b, y, op, ys.length, ys, sa, sb, dtype, s), what);
            }
            case SCALE:
                return unary(t, CudaKernels.S3C_UNARY_SCALE, t.attrs(Attrs.Scale.class).factor(), 0);
            case GELU:
                return unary(t, CudaKernels.S3C_UNARY_GELU, 0, 0);
            case RELU:
                return unary(t, CudaKernels.S3C_UNARY_RELU, 0, 0);
            case SIGMOID:
                return unary(t, CudaKernels.S3C_UNARY_SIGMOID, 0, 0);
            case UNARY: {
                Attrs.Unary u = t.attrs(Attrs.Unary.class);
                return unary(t, unaryCode(u.kind()), u.a(), u.b());
            }
            case LAYER_NORM: {
                int c = t.dim(-1);
                int rows = (int) (n / c);
                long x = addr(t.input(0));
                long g = addr(t.input(1));
                long b = addr(t.input(2));
                float eps = t.attrs(Attrs.Norm.class).eps();
                return () -> check(CudaKernels.s3c_layer_norm(x, g, b, y, rows, c, eps, dtype, s), what);
            }
            case GROUP_NORM: {
                Attrs.GroupNorm gn = t.attrs(Attrs.GroupNorm.class);
                long x = addr(t.input(0));
                long g = addr(t.input(1));
                long b = addr(t.input(2));
                int nb = t.dim(0);
                int hw = t.dim(1) * t.dim(2);
                int c = t.dim(3);
                long stats = statsScratch;
                return () -> check(CudaKernels.s3c_group_norm(x, g, b, y, nb, hw, c, gn.groups(), gn.eps(), stats, dtype,
                        s), what);
            }
            case CONV2D:
                return conv2d(t);
            case CONV_TRANSPOSE2D:
                return convTranspose(t);
            case MAX_POOL2D: {
                int[] xs = t.input(0).shape();
                long x = addr(t.input(0));
                return () -> check(CudaKernels.s3c_max_pool2x2(x, y, xs[0], xs[1], xs[2], xs[3], dtype, s), what);
            }
            case UPSAMPLE_NEAREST: {
                int[] xs = t.input(0).shape();
                int f = t.attrs(Attrs.Upsample.class).factor();
                long x = addr(t.input(0));
                return () -> check(CudaKernels.s3c_upsample_nearest(x, y, xs[0], xs[1], xs[2], xs[3], f, dtype, s), what);
            }
            case ROPE: {
                long x = addr(t.input(0));
                long cos = fp32Of(t.input(1), pre);
                long sin = fp32Of(t.input(2), pre);
                int b = t.dim(0), tt = t.dim(1), h = t.dim(2), d = t.dim(3);
                return () -> check(CudaKernels.s3c_rope(x, cos, sin, y, b, tt, h, d, dtype, s), what);
            }
            case ATTENTION:
                return attention(t);
            case ROI_ALIGN: {
                Attrs.RoiAlign ra = t.attrs(Attrs.RoiAlign.class);
                int[] xs = t.input(0).shape();
                long x = addr(t.input(0));
                long boxes = fp32Of(t.input(1), pre);
                int k = t.dim(0);
                return () -> check(CudaKernels.s3c_roi_align(x, boxes, y, xs[1], xs[2], xs[3], k, ra.outputSize(),
                        ra.spatialScale(), ra.samplingRatio(), dtype, s), what);
            }
            case GATHER: {
                Tensor table = t.input(0);
                long tab = addr(table);
                long idx = fp32Of(t.input(1), pre);
                long count = t.input(1).numel();
                int v = table.dim(0), d = table.dim(1);
                long flag = errorFlag;
                return () -> check(CudaKernels.s3c_gather(tab, idx, y, v, d, count, flag, dtype, s), what);
            }
            default:
                throw new UnsupportedOperationException("CUDA backend cannot execute " + t);
        }
    }

    private Runnable unary(Tensor t, int op, float a, float b) {
        long x = addr(t.input(0));
        long y = addr(t);
        long n = t.numel();
        String what = t.toString();
        return () -> check(CudaKernels.s3c_unary(x, y, n, op, a, b, dtype, streamAddress), what);
    }

    static int unaryCode(Attrs.UnaryKind k) {
        switch (k) {
            case SIN: return CudaKernels.S3C_UNARY_SIN;
            case COS: return CudaKernels.S3C_UNARY_COS;
            case EXP: return CudaKernels.S3C_UNARY_EXP;
            case LOG: return CudaKernels.S3C_UNARY_LOG;
            case LOG2: return CudaKernels.S3C_UNARY_LOG2;
            case ABS: return CudaKernels.S3C_UNARY_ABS;
            case SIGN: return CudaKernels.S3C_UNARY_SIGN;
            case CLAMP: return CudaKernels.S3C_UNARY_CLAMP;
            case AFFINE: return CudaKernels.S3C_UNARY_AFFINE;
            default: throw new IllegalArgumentException("unary kind " + k);
        }
    }

    /**
     * Element strides of an operand of shape {@code s} broadcast to {@code ys} (right-aligned, 0 along
     * broadcast axes), as the CPU backend's {@code binary} computes them.
     */
    static long[] broadcastStrides(int[] s, int[] ys) {
        int r = ys.length;
        long[] st = new long[r];
        long stride = 1;
        for (int i = r - 1; i >= 0; i--) {
            int si = i - (r - s.length);
            int d = si >= 0 ? s[si] : 1;
            st[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return st;
    }

    private static void rankCheck(int rank, Tensor t) {
        if (rank > CudaKernels.S3C_MAX_RANK) {
            throw new UnsupportedOperationException("CUDA backend: rank " + rank + " above " + CudaKernels.S3C_MAX_RANK
                    + " in " + t);
        }
    }

    private void copy2d(long dst, long dpitch, long src, long spitch, long width, long rows, String what) {
        if (width == dpitch && width == spitch) {
            check(cudaMemcpyAsync(DeviceMemory.address(dst), DeviceMemory.address(src), width * rows,
                    cudaMemcpyDeviceToDevice, stream), what);
        } else {
            check(cudaMemcpy2DAsync(DeviceMemory.address(dst), dpitch, DeviceMemory.address(src), spitch, width, rows,
                    cudaMemcpyDeviceToDevice, stream), what);
        }
    }

    /** A cuBLASLt plan for a product whose operands live at these addresses (plans are shared by shape). */
    private LtGemm gemm(LtGemm.Shape shape, long a, long b, long c, long bias) {
        long[] align = {
            LtGemm.alignment(a, shape.strideA() * esz),
            LtGemm.alignment(b, shape.strideB() * esz),
            LtGemm.alignment(c, shape.strideC() * esz)
        };
        String key = shape + Arrays.toString(align) + bias;
        LtGemm g = gemms.get(key);
        if (g == null) {
            g = new LtGemm(lt, p, shape, align, bias, ltWorkspace, LT_WORKSPACE);
            gemms.put(key, g);
            resources.push("cuBLASLt plan " + key, g::close);
        }
        return g;
    }

    /** Convolution: a GEMM over im2col rows, chunked; 1×1 stride-1 convolutions need no im2col. */
    private Runnable conv2d(Tensor t) {
        Tensor xt = t.input(0);
        Tensor wt = t.input(1);
        Attrs.Conv attrs = t.attrs(Attrs.Conv.class);
        int nb = xt.dim(0), h = xt.dim(1), wd = xt.dim(2), cin = xt.dim(3);
        int cout = wt.dim(0), kh = wt.dim(2), kw = wt.dim(3);
        int ho = t.dim(1), wo = t.dim(2);
        int stride = attrs.stride(), pad = attrs.padding();
        int kk = kh * kw * cin;
        if (wt.op() != Op.WEIGHT) throw new UnsupportedOperationException("CUDA convolutions need a weight operand: " + t);
        long w = weightAddress(wt, "ohwi", v -> Attrs.Conv.channelsLastWeight(v, cout, cin, kh, kw));
        long bias = t.inputCount() > 2 ? addr(t.input(2)) : 0;
        long x = addr(xt);
        long y = addr(t);
        int m = nb * ho * wo;
        if (kh == 1 && kw == 1 && stride == 1 && pad == 0) {
            LtGemm g = gemm(new LtGemm.Shape(m, cout, cin, true, 1, 0, 0, 0), x, w, y, bias);
            return () -> g.run(x, w, y, streamAddress);
        }
        int chunk = (int) convChunk(m, kk);
        List<Runnable> parts = new ArrayList<>();
        for (int r0 = 0; r0 < m; r0 += chunk) {
            int rows = Math.min(chunk, m - r0);
            long base = r0;
            long yc = y + (long) r0 * cout * esz;
            LtGemm g = gemm(new LtGemm.Shape(rows, cout, kk, true, 1, 0, 0, 0), scratch, w, yc, bias);
            String what = t + " rows " + r0;
            parts.add(() -> {
                check(CudaKernels.s3c_im2col(x, scratch, nb, h, wd, cin, kh, kw, stride, pad, ho, wo, base, rows, dtype,
                        streamAddress), what);
                g.run(scratch, w, yc, streamAddress);
            });
        }
        return () -> parts.forEach(Runnable::run);
    }

    /** Kernel-2 stride-2 transposed convolution: GEMM to [pixels, 2·2·Cout] in scratch, then scatter (+ bias). */
    private Runnable convTranspose(Tensor t) {
        Tensor xt = t.input(0);
        Tensor wt = t.input(1);
        int nb = xt.dim(0), h = xt.dim(1), wd = xt.dim(2), cin = xt.dim(3);
        int cout = wt.dim(1);
        int n4 = 4 * cout;
        if (wt.op() != Op.WEIGHT) throw new UnsupportedOperationException("CUDA convolutions need a weight operand: " + t);
        // [Cin, Cout, 2, 2] as row-major [Cin, (i, j, o)]: B of a non-transposed product
        long w = weightAddress(wt, "i-ijo", v -> {
            float[] q = new float[v.length];
            for (int c = 0; c < cin; c++)
                for (int o = 0; o < cout; o++)
                    for (int ij = 0; ij < 4; ij++)
                        q[c * n4 + ij * cout + o] = v[(c * cout + o) * 4 + ij];
            return q;
        });
        long bias = t.inputCount() > 2 ? addr(t.input(2)) : 0;
        long x = addr(xt);
        long y = addr(t);
        int m = nb * h * wd;
        int chunk = (int) convChunk(m, n4);
        List<Runnable> parts = new ArrayList<>();
        for (int r0 = 0; r0 < m; r0 += chunk) {
            int rows = Math.min(chunk, m - r0);
            long base = r0;
            long xc = x + (long) r0 * cin * esz;
            LtGemm g = gemm(new LtGemm.Shape(rows, n4, cin, false, 1, 0, 0, 0), xc, w, scratch, 0);
            String what = t + " rows " + r0;
            parts.add(() -> {
                g.run(xc, w, scratch, streamAddress);
                check(CudaKernels.s3c_conv_transpose2x2_scatter(scratch, bias, y, nb, h, wd, cout, base, rows, dtype,
                        streamAddress), what);
            });
        }
        return () -> parts.forEach(Runnable::run);
    }

    /**
     * Attention through the fused kernel, contiguous operands: the full pattern with broadcast bias strides, or the
     * window pattern for windowed attention.
     */
    private Runnable attention(Tensor t) {
        Tensor q = t.input(0);
        Tensor k = t.input(1);
        Tensor v = t.input(2);
        Tensor bias = t.inputCount() > 3 ? t.input(3) : null;
        CudaKernels.AttentionArgs a = new CudaKernels.AttentionArgs();
        resources.push("attention arguments", a::close);
        Attrs.Attention at = t.attrs(Attrs.Attention.class);
        CudaKernels.s3c_attention_defaults(a, q.dim(0), q.dim(1), k.dim(1), q.dim(2), q.dim(3), v.dim(3), at.scale(),
                dtype);
        // windows are read in place by the kernel's window pattern (its index math = AttentionWindows' partition)
        if (at.windowed()) AttentionPattern.windowed(at.gridH(), at.gridW(), at.window(), at.window()).apply(a);
        a.q(addr(q)).k(addr(k)).v(addr(v)).y(addr(t));
        if (bias != null) {
            int bb = bias.dim(0), bh = bias.dim(1), bq = bias.dim(2), tk = bias.dim(3);
            a.bias(addr(bias))
                    .bias_sq(bq == 1 ? 0 : tk)
                    .bias_sh(bh == 1 ? 0 : (long) bq * tk)
                    .bias_sb(bb == 1 ? 0 : (long) bh * bq * tk);
        }
        check(CudaKernels.s3c_attention_check(a), t.toString());
        String what = t.toString();
        return () -> check(CudaKernels.s3c_attention(a, streamAddress), what);
    }

    // ================================================================== run

    @Override
    public Map<String, HostTensor> run(Map<String, float[]> in) {
        if (closed) throw new IllegalStateException("compiled graph closed");
        for (InputSlot s : inputs) {
            float[] v = in.get(s.name());
            if (v == null) throw new IllegalArgumentException("missing input '" + s.name() + "'");
            if (v.length != s.t().numel()) {
                throw new IllegalArgumentException("input '" + s.name() + "' has " + v.length + " values, expected "
                        + s.t().numel() + " for shape " + Arrays.toString(s.t().shape()));
            }
        }
        backend.makeCurrent();
        try {
            Map<String, HostTensor> out = runOnDevice(in);
            replay.runSucceeded();
            if (fp32Ops != null) fp32Ops.runSucceeded();
            return out;
        } catch (RuntimeException e) {
            replay.runFailed(e); // a CUDA Graph that faulted is destroyed, not replayed
            throw e;
        }
    }

    private Map<String, HostTensor> runOnDevice(Map<String, float[]> in) {
        for (InputSlot s : inputs) {
            float[] v = in.get(s.name());
            pinnedFloats.position(s.hostOffset()).put(v, 0, v.length);
            check(cudaMemcpyAsync(DeviceMemory.address(s.deviceFp32()), pinnedFloats.position(s.hostOffset()),
                    (long) v.length * 4, cudaMemcpyHostToDevice, stream), "upload of input " + s.name());
            if (p != Precision.FP32) {
                check(CudaKernels.s3c_convert(s.deviceFp32(), CudaKernels.S3C_F32, addr(s.t()), dtype, v.length,
                        streamAddress), "convert input " + s.name());
            }
        }
        pinnedFloats.position(0);
        if (errorFlag != 0) check(cudaMemsetAsync(DeviceMemory.address(errorFlag), 0, 4, stream), "clear gather flag");
        replay.run(this::launchSteps, this::capture);
        for (OutputSlot s : outputs) {
            long n = s.t().numel();
            if (p != Precision.FP32) {
                check(CudaKernels.s3c_convert(addr(s.t()), dtype, s.deviceFp32(), CudaKernels.S3C_F32, n, streamAddress),
                        "convert output " + s.name());
            }
            check(cudaMemcpyAsync(pinnedFloats.position(s.hostOffset()), DeviceMemory.address(s.deviceFp32()), n * 4,
                    cudaMemcpyDeviceToHost, stream), "download of output " + s.name());
        }
        pinnedFloats.position(0);
        check(cudaStreamSynchronize(stream), debug ? "running the graph"
                : "running the graph (a kernel fault is named by its op with -D" + CudaRuntime.DEBUG_PROPERTY + "=true)");
        if (errorFlag != 0) {
            try (IntPointer flag = new IntPointer(1)) {
                check(org.bytedeco.cuda.global.cudart.cudaMemcpy(flag, DeviceMemory.address(errorFlag), 4,
                        cudaMemcpyDeviceToHost), "read gather flag");
                if (flag.get() != 0) throw new IllegalArgumentException("gather: an index is outside its table");
            }
        }
        if (events != null) profile();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (OutputSlot s : outputs) {
            float[] data = new float[(int) s.t().numel()];
            pinnedFloats.position(s.hostOffset()).get(data);
            out.put(s.name(), new HostTensor(s.t().shape(), data));
        }
        pinnedFloats.position(0);
        return out;
    }

    /**
     * Launches every step on the stream, with profiling events when enabled; in debug mode synchronises
     * after each, so that a fault names its op.
     */
    private void launchSteps() {
        if (events != null) check(cudaEventRecord(events[0], stream), "cudaEventRecord");
        steps.launch(debug, () -> check(cudaStreamSynchronize(stream), "synchronize after the op (debug mode)"),
                events == null ? null : i -> check(cudaEventRecord(events[i + 1], stream), "cudaEventRecord"));
    }

    /**
     * Captures the steps as a CUDA Graph and instantiates it (every kernel has been loaded by an eager
     * run before); on failure ends the capture and destroys what it made, then throws.
     */
    private CudaGraphReplay.Executable capture() {
        CUgraph_st graph = new CUgraph_st();
        ReleaseStack made = new ReleaseStack();
        boolean capturing = false;
        try {
            check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
            capturing = true;
            steps.record();
            capturing = false;
            check(cudaStreamEndCapture(stream, graph), "cudaStreamEndCapture");
            made.push("CUDA graph", () -> check(cudaGraphDestroy(graph), "cudaGraphDestroy"));
            CUgraphExec_st exec = new CUgraphExec_st();
            check(cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
            made.push("CUDA graph exec", () -> check(cudaGraphExecDestroy(exec), "cudaGraphExecDestroy"));
            return new CudaGraphReplay.Executable() {
                @Override
                public void launch() {
                    check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
                }

                @Override
                public void destroy() {
                    made.close();
                }
            };
        } catch (RuntimeException e) {
            if (capturing) {
                // ends the (invalidated) capture; the partial graph it returns is destroyed
                CUgraph_st partial = new CUgraph_st();
                if (cudaStreamEndCapture(stream, partial) == 0 && !partial.isNull()) cudaGraphDestroy(partial);
            }
            CudaKernels.s3c_stream_synchronize(streamAddress);
            throw made.releaseAfter(e);
        }
    }

    /** Why CUDA Graphs are off for this graph (capture failed, replays discarded), or null. */
    String captureFailure() {
        return replay.disabledReason();
    }

    /** Whether runs replay a captured CUDA Graph. */
    boolean replaysCudaGraph() {
        return replay.replaying();
    }

    /** The CUDA Graph state of this compiled graph (tests). */
    CudaGraphReplay cudaGraphReplay() {
        return replay;
    }

    /** The float32 operand copies and their conversions, or null in FP32 (tests). */
    Fp32Operands fp32Operands() {
        return fp32Ops;
    }

    private void profile() {
        long[] nanos = new long[Op.values().length];
        float[] ms = new float[1];
        for (int i = 0; i < steps.size(); i++) {
            check(cudaEventElapsedTime(ms, events[i], events[i + 1]), "cudaEventElapsedTime");
            nanos[steps.op(i).ordinal()] += (long) (ms[0] * 1e6);
        }
        Map<String, Long> prof = new LinkedHashMap<>();
        java.util.stream.IntStream.range(0, nanos.length).boxed()
                .filter(i -> nanos[i] > 0)
                .sorted((a, b) -> Long.compare(nanos[b], nanos[a]))
                .forEach(i -> prof.put(Op.values()[i].name(), nanos[i]));
        lastProfile = java.util.Collections.unmodifiableMap(prof);
    }

    /** Per-op wall time of the last run (read by the execution contexts after each run). */
    Map<String, Long> lastRunNanosByOp() {
        return lastProfile;
    }

    /**
     * A context over this graph's own run state: the CUDA graph still holds its arena and stream, so its
     * contexts are {@link HostStagedContext}s that serialise runs on the graph and stage resident values
     * through host arrays (counted as transfers). Device-resident values and per-context arenas and streams
     * are not implemented yet.
     */
    @Override
    public ExecutionContext newContext(TransferCounter counter) {
        return new HostStagedContext(this, backend, this::run, this::lastRunNanosByOp, counter);
    }

    /**
     * Frees everything this graph holds (arena, staging, scratch, float32 copies, plans, events, the CUDA
     * Graph, the stream), newest first. Every release is attempted even when the device reported an error
     * (a faulted run leaves a sticky error that every later CUDA call returns): the first failure is thrown,
     * the others suppressed. Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        try {
            backend.makeCurrent();
            if (stream.address() != 0) check(cudaStreamSynchronize(stream), "synchronize before close");
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            resources.close();
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        } finally {
            backend.forget(this);
        }
        if (first != null) throw first;
    }
}
