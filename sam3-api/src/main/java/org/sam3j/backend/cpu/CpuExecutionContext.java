package org.sam3j.backend.cpu;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HeapResidentTensor;
import org.sam3j.backend.HostStagedContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.ResidentTensor;
import org.sam3j.backend.RunMonitor;
import org.sam3j.backend.RunRequest;
import org.sam3j.backend.RunResult;
import org.sam3j.backend.SliceRows;
import org.sam3j.backend.TransferCounter;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.io.DType;
import org.sam3j.weights.WeightStore;

/**
 * The run state of one caller on a {@link CpuCompiledGraph}: one float arena laid out by the graph's memory
 * plan (taken from the backend's {@link FloatPool} for each run and handed back after it, so that contexts kept
 * between runs share the arenas: the next image's encoder runs in the one the last prompt's detector used), per-worker
 * scratch, and the profile of the last run. Runs report
 * progress after every operation and can be stopped between operations; a stopped run leaves nothing
 * behind that the next run depends on (the arena is rewritten, outputs are fresh).
 *
 * <p>Contexts of one backend share its {@link Parallel} workers: concurrent runs submit their chunks to
 * the same pool and each waits for its own, so they share the cores (throughput is divided) and compute
 * exactly what they would alone (chunking depends only on the sizes and the thread count, and all mutable
 * scratch is per context or per thread).
 *
 * <p>Resident values are {@link HeapResidentTensor}s: a resident input hands its array to the kernels, and
 * a resident output is the run's output array (from the pool where the output alone owns it, handed back when the
 * value is freed); neither is copied or counted.
 */
final class CpuExecutionContext implements ExecutionContext {
    private final CpuCompiledGraph graph;
    private final CpuBackend backend;
    private final MemoryPlan plan;
    private final WeightStore weights;
    private final Parallel par;
    private final GemmEngine gemm;
    private final TransferCounter counter;
    private float[] arena;
    private Map<String, Long> lastProfile = Map.of();
    private final float[][] scratch;
    private final CpuAttention.Scratch[] attentionScratch;
    /** The packed windows of {@link #windowedAttention}: q, k, v, y of a few windows, grown on demand. */
    private float[] windowPack;
    private boolean running;
    private boolean closed;

    CpuExecutionContext(CpuCompiledGraph graph, TransferCounter counter) {
        this.graph = graph;
        this.backend = graph.backend();
        this.plan = graph.plan();
        this.weights = graph.weights();
        this.par = backend.parallel();
        this.gemm = backend.gemm();
        this.counter = java.util.Objects.requireNonNull(counter, "counter");
        this.scratch = new float[par.threads()][];
        this.attentionScratch = new CpuAttention.Scratch[par.threads()];
    }

    @Override
    public CompiledGraph graph() {
        return graph;
    }

    @Override
    public TransferCounter counter() {
        return counter;
    }

    /** Where a node's values live during a run. */
    private static final class Buf {
        final float[] a;
        final int off;

        Buf(float[] a, int off) {
            this.a = a;
            this.off = off;
        }
    }

    @Override
    public RunResult run(RunRequest request) {
        java.util.Objects.requireNonNull(request, "request");
        synchronized (this) {
            if (closed) throw new IllegalStateException("execution context is closed");
            if (running) throw new IllegalStateException("execution context is already running (one run at a time)");
            running = true;
        }
        try {
            return runOnce(request);
        } finally {
            synchronized (this) {
                running = false;
                // the arena goes back after every run, not only on close: a session keeps the contexts of the graphs
                // it runs per prompt (the detector's arena is about 200 MB at 1008²), and each held its own while
                // the next image's encoder, finding none free, made another
                if (backend.buffers().give(arena)) arena = null;
                if (closed) releaseBuffers(); // closed while running: the buffers were left for this run
            }
        }
    }

    private RunResult runOnce(RunRequest request) {
        RunMonitor monitor = request.monitor();
        Graph g = plan.graph();
        for (String name : request.residentOutputs()) {
            if (!g.outputs().containsKey(name)) throw new IllegalArgumentException("'" + name + "' is not an output of the graph");
        }
        if (request.scope() != null && request.scope().backend() != backend) {
            throw new IllegalArgumentException("resident outputs must go to a scope of backend " + backend.name()
                    + ", not " + request.scope().backend().name());
        }
        Map<String, float[]> inputs = new HashMap<>(request.hostInputs());
        for (Map.Entry<String, ResidentTensor> e : request.residentInputs().entrySet()) {
            inputs.put(e.getKey(), HostStagedContext.heapArray(e.getKey(), e.getValue(), backend));
        }
        if (arena == null) arena = backend.buffers().take((int) (plan.arenaBytes() / 4));
        List<Tensor> nodes = g.nodes();
        Buf[] bufs = new Buf[nodes.size()];
        Map<Integer, float[]> outputStorage = new HashMap<>();
        Set<Integer> pooled = pooledOutputRoots(request);
        FloatPool pool = backend.buffers();
        for (Tensor t : nodes) {
            MemoryPlan.Kind kind = plan.kind(t);
            if (kind != MemoryPlan.Kind.UNUSED && plan.isStridedView(t)) {
                // rows read in place in the operand's storage (nodes are in order: the operand is bound)
                Buf src = bufs[t.input(0).id()];
                bufs[t.id()] = new Buf(src.a, src.off + (int) ((plan.arenaOffset(t) - plan.arenaOffset(t.input(0))) / 4));
                continue;
            }
            switch (kind) {
                case UNUSED:
                    break;
                case EXTERNAL:
                    if (plan.isView(t)) {
                        // a view (reshape, cast) of an input, weight or constant: share the leaf's values
                        Tensor leafNode = nodes.get(plan.storageRoot(t));
                        Buf b = bufs[leafNode.id()];
                        bufs[t.id()] = b != null ? b : new Buf(leaf(leafNode, inputs), 0);
                    } else if (t.op() != Op.WEIGHT) {
                        // weights are bound lazily: kernels that pre-pack a weight never need its plain copy
                        bufs[t.id()] = new Buf(leaf(t, inputs), 0);
                    }
                    break;
                case ARENA:
                    bufs[t.id()] = new Buf(arena, (int) (plan.arenaOffset(t) / 4));
                    break;
                case OUTPUT: {
                    int root = plan.storageRoot(t);
                    float[] storage = outputStorage.computeIfAbsent(root, r -> pooled.contains(r)
                            ? pool.takeExact((int) nodes.get(r).numel()) : new float[(int) nodes.get(r).numel()]);
                    bufs[t.id()] = new Buf(storage, 0);
                    break;
                }
                default:
                    throw new IllegalStateException(kind.toString());
            }
        }
        long uploaded = 0;
        for (Map.Entry<String, Tensor> e : g.inputs().entrySet()) {
            if (plan.kind(e.getValue()) != MemoryPlan.Kind.UNUSED && request.hostInputs().containsKey(e.getKey())) {
                uploaded += 4L * e.getValue().numel();
            }
        }
        Map<String, Long> nanos = new HashMap<>();
        long prepared = graph.prepareWeights(par);
        if (prepared > 0) nanos.put(CpuCompiledGraph.PREPARE_WEIGHTS, prepared);
        List<CpuFusion.Step> steps = graph.steps();
        double[] doneAfter = graph.doneAfter();
        monitor.progress(0);
        int reported = -1; // the last scheduled operation reported done
        for (int i = 0; i < steps.size(); i++) {
            CpuFusion.Step step = steps.get(i);
            Tensor t = step.first();
            long t0 = System.nanoTime();
            if (step.kind() == CpuFusion.Kind.SINGLE) {
                execute(t, bufs);
                // (attention rounds its value itself, unless the engine for its operands did: attention(t, bufs))
                if (t.dtype() != DType.F32 && t.op() != Op.RESHAPE && t.op() != Op.ATTENTION
                        && !backend.roundsItself(t)) {
                    // a reduced-precision node holds what an FP16/BF16 device would store
                    Buf out = bufs[t.id()];
                    ReducedFloats.round(par, out.a, out.off, (int) t.numel(), t.dtype());
                }
            } else {
                executeFused(step, bufs); // FP32 values, or reduced ones their engine rounded
            }
            nanos.merge(step.label(), System.nanoTime() - t0, Long::sum);
            // one report per scheduled operation, fused or not; may throw to stop the run before the next step
            for (; reported < step.last(); reported++) monitor.progress(doneAfter[reported + 1]);
        }
        for (; reported < doneAfter.length - 1; reported++) monitor.progress(doneAfter[reported + 1]);
        if (doneAfter.length == 0) monitor.progress(1);
        Map<String, Long> profile = new LinkedHashMap<>();
        nanos.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> profile.put(e.getKey(), e.getValue()));
        lastProfile = java.util.Collections.unmodifiableMap(profile);
        Map<String, HostTensor> host = new LinkedHashMap<>();
        Map<String, ResidentTensor> resident = new LinkedHashMap<>();
        long downloaded = 0;
        for (Map.Entry<String, Tensor> e : g.outputs().entrySet()) {
            Tensor t = e.getValue();
            Buf b = bufs[t.id()];
            float[] data = b.a;
            if (b.off != 0 || data.length != t.numel()) {
                data = java.util.Arrays.copyOfRange(b.a, b.off, b.off + (int) t.numel());
            }
            if (request.residentOutputs().contains(e.getKey())) {
                boolean reuse = pooled.contains(plan.storageRoot(t)) && data == b.a;
                resident.put(e.getKey(), HeapResidentTensor.adopt(request.scope(), t.shape(), data, reuse ? pool::give : null));
            } else {
                host.put(e.getKey(), new HostTensor(t.shape(), data));
                downloaded += 4L * t.numel();
            }
        }
        counter.addUploaded(uploaded);
        counter.addDownloaded(downloaded);
        return new RunResult(host, resident);
    }

    /**
     * The storage roots of the outputs that stay resident and alone own their storage: those arrays come from the
     * backend's {@link FloatPool} and go back to it when the resident tensor is freed (the next image's embedding,
     * the next prompt's masks reuse them). Host outputs are handed to the caller, so they are always fresh.
     */
    private Set<Integer> pooledOutputRoots(RunRequest request) {
        if (request.residentOutputs().isEmpty()) return Set.of();
        Map<Integer, Integer> outputsPerRoot = new HashMap<>();
        for (Tensor t : plan.graph().outputs().values()) {
            if (plan.kind(t) == MemoryPlan.Kind.OUTPUT) outputsPerRoot.merge(plan.storageRoot(t), 1, Integer::sum);
        }
        Set<Integer> roots = new HashSet<>();
        for (Map.Entry<String, Tensor> e : plan.graph().outputs().entrySet()) {
            Tensor t = e.getValue();
            if (plan.kind(t) != MemoryPlan.Kind.OUTPUT || !request.residentOutputs().contains(e.getKey())) continue;
            int root = plan.storageRoot(t);
            if (outputsPerRoot.get(root) == 1 && plan.graph().nodes().get(root).numel() == t.numel()) roots.add(root);
        }
        return roots;
    }

    /** Whether operand {@code i} of {@code t} is read from a pre-packed weight form. */
    private static boolean usesPackedWeight(Tensor t, int i) {
        if (i == 0 && t.op() == Op.GATHER) return t.input(0).op() == Op.WEIGHT; // rows read in place (GATHER case)
        return i == 1 && t.input(1).op() == Op.WEIGHT
                && (t.op() == Op.LINEAR || t.op() == Op.CONV2D || t.op() == Op.CONV_TRANSPOSE2D);
    }

    private float[] leaf(Tensor t, Map<String, float[]> inputs) {
        switch (t.op()) {
            case INPUT: {
                String name = t.attrs(Attrs.Named.class).name();
                float[] v = inputs.get(name);
                if (v == null) throw new IllegalArgumentException("missing input '" + name + "'");
                if (v.length != t.numel()) {
                    throw new IllegalArgumentException("input '" + name + "' has " + v.length + " values, expected "
                            + t.numel() + " for shape " + java.util.Arrays.toString(t.shape()));
                }
                return v;
            }
            case WEIGHT:
                return backend.weight(weights, t.attrs(Attrs.Named.class).name());
            case CONSTANT:
                return t.attrs(Attrs.Constant.class).values();
            default:
                throw new IllegalStateException(t.toString());
        }
    }

    /** Winograd convolutions' buffers, made on the first one ({@link WinogradConv}). */
    private WinogradConv winograd;

    private float[] scratch(int worker, int size) {
        float[] s = scratch[worker];
        if (s == null || s.length < size) {
            s = backend.buffers().replace(s, size);
            scratch[worker] = s;
        }
        return s;
    }

    /** Binds the plain values of {@code t}'s weight operands (those not read in a packed form). */
    private void bindWeights(Tensor t, Buf[] bufs) {
        for (int i = 0; i < t.inputCount(); i++) {
            Tensor in = t.input(i);
            if (bufs[in.id()] == null && in.op() == Op.WEIGHT && !usesPackedWeight(t, i)) {
                bufs[in.id()] = new Buf(backend.weight(weights, in.attrs(Attrs.Named.class).name()), 0);
            }
        }
    }

    private void execute(Tensor t, Buf[] bufs) {
        bindWeights(t, bufs);
        Buf y = bufs[t.id()];
        Buf x = t.inputCount() > 0 ? bufs[t.input(0).id()] : null;
        int n = (int) t.numel();
        switch (t.op()) {
            case CAST:
                if (y.a != x.a || y.off != x.off) System.arraycopy(x.a, x.off, y.a, y.off, n); // rounded below
                break;
            case PERMUTE:
                CpuKernels.permute(par, x.a, x.off, t.input(0).shape(), t.attrs(Attrs.Permute.class).perm(), y.a, y.off);
                break;
            case SLICE:
                CpuKernels.slice(x.a, x.off, SliceRows.of(t), y.a, y.off);
                break;
            case CONCAT: {
                int axis = t.attrs(Attrs.Concat.class).axis();
                int[] ys = t.shape();
                int outer = 1;
                for (int i = 0; i < axis; i++) outer *= ys[i];
                int inner = 1;
                for (int i = axis + 1; i < ys.length; i++) inner *= ys[i];
                int pos = 0;
                for (int j = 0; j < t.inputCount(); j++) {
                    Buf b = bufs[t.input(j).id()];
                    int len = t.input(j).dim(axis);
                    for (int o = 0; o < outer; o++) {
                        System.arraycopy(b.a, b.off + o * len * inner, y.a, y.off + (o * ys[axis] + pos) * inner, len * inner);
                    }
                    pos += len;
                }
                break;
            }
            case LINEAR: {
                Tensor w = t.input(1);
                int k = w.dim(1);
                int nOut = w.dim(0);
                int m = n / nOut;
                float[] bias = t.inputCount() > 2 ? biasArray(bufs[t.input(2).id()], nOut) : null;
                if (w.op() == Op.WEIGHT) {
                    GemmEngine e = backend.productEngine(t);
                    GemmEngine.Prepared packed = backend.linearWeight(par, e, weights, weightName(w), k, nOut);
                    e.gemm(par, m, x.a, x.off, k, packed, y.a, y.off, nOut, bias);
                } else {
                    Buf wb = bufs[w.id()];
                    gemm.gemm(par, m, nOut, k, x.a, x.off, k, wb.a, wb.off, k, true, y.a, y.off, nOut, bias);
                }
                break;
            }
            case MATMUL: {
                boolean tb = t.attrs(Attrs.MatMul.class).transposeB();
                Tensor a = t.input(0);
                Tensor b = t.input(1);
                Buf bb = bufs[b.id()];
                int m = a.dim(-2);
                int k = a.dim(-1);
                int nn = t.dim(-1);
                int batches = (int) (a.numel() / ((long) m * k));
                int bSize = (int) (b.numel() / batches);
                if (tb && batches == 1 && m <= SHORT_PRODUCT_ROWS && nn >= WIDE_PRODUCT_COLUMNS) {
                    shortTimesTransposed(m, nn, k, x, bb, y);
                    break;
                }
                gemm.gemmBatched(par, batches, m, nn, k, x.a, x.off, k, m * k, bb.a, bb.off, tb ? k : nn, bSize, tb,
                        y.a, y.off, nn, m * nn);
                break;
            }
            case ADD:
            case MUL: {
                Buf b = bufs[t.input(1).id()];
                CpuKernels.binary(par, t.op() == Op.MUL, x.a, x.off, t.input(0).shape(), b.a, b.off, t.input(1).shape(),
                        y.a, y.off, t.shape());
                break;
            }
            case SCALE:
                CpuKernels.scale(par, x.a, x.off, y.a, y.off, n, t.attrs(Attrs.Scale.class).factor());
                break;
            case GELU:
                CpuKernels.gelu(par, x.a, x.off, y.a, y.off, n);
                break;
            case RELU:
                CpuKernels.relu(par, x.a, x.off, y.a, y.off, n);
                break;
            case SIGMOID:
                CpuKernels.sigmoid(par, x.a, x.off, y.a, y.off, n);
                break;
            case LAYER_NORM: {
                int c = t.dim(-1);
                Buf g = bufs[t.input(1).id()];
                Buf b = bufs[t.input(2).id()];
                CpuKernels.layerNorm(par, x.a, x.off, g.a, g.off, b.a, b.off, y.a, y.off, n / c, c,
                        t.attrs(Attrs.Norm.class).eps());
                break;
            }
            case CONV2D:
                conv2d(t, bufs);
                break;
            case CONV_TRANSPOSE2D:
                convTranspose2x2(t, bufs, bufs[t.id()], null);
                break;
            case MAX_POOL2D: {
                int[] xs = t.input(0).shape();
                CpuKernels.maxPool2x2(par, x.a, x.off, xs[0], xs[1], xs[2], xs[3], y.a, y.off);
                break;
            }
            case ROPE: {
                Buf c = bufs[t.input(1).id()];
                Buf s = bufs[t.input(2).id()];
                CpuKernels.rope(par, x.a, x.off, c.a, c.off, s.a, s.off, y.a, y.off, t.dim(0), t.dim(1), t.dim(2), t.dim(3));
                break;
            }
            case ATTENTION:
                attention(t, bufs);
                break;
            case UNARY:
                CpuKernels.unary(par, t.attrs(Attrs.Unary.class), x.a, x.off, y.a, y.off, n);
                break;
            case GROUP_NORM:
                groupNorm(t, bufs, y, false);
                break;
            case UPSAMPLE_NEAREST: {
                int[] xs = t.input(0).shape();
                CpuKernels.upsampleNearest(par, x.a, x.off, xs[0], xs[1], xs[2], xs[3],
                        t.attrs(Attrs.Upsample.class).factor(), y.a, y.off);
                break;
            }
            case ROI_ALIGN: {
                Attrs.RoiAlign ra = t.attrs(Attrs.RoiAlign.class);
                int[] xs = t.input(0).shape();
                Buf bx = bufs[t.input(1).id()];
                CpuKernels.roiAlign(par, x.a, x.off, xs[1], xs[2], xs[3], bx.a, bx.off, t.dim(0), ra.outputSize(),
                        ra.spatialScale(), ra.samplingRatio(), y.a, y.off);
                break;
            }
            case GATHER: {
                Tensor table = t.input(0);
                Buf idx = bufs[t.input(1).id()];
                Buf tb = x;
                if (tb == null) { // a weight table left unbound: read its rows in place, else bind its values now
                    String name = table.attrs(Attrs.Named.class).name();
                    java.nio.FloatBuffer mapped = backend.mappedWeight(weights, name, table.numel());
                    if (mapped != null) {
                        CpuKernels.gather(mapped, table.dim(0), table.dim(1), idx.a, idx.off, (int) t.input(1).numel(),
                                y.a, y.off);
                        break;
                    }
                    tb = new Buf(backend.weight(weights, name), 0);
                    bufs[table.id()] = tb;
                }
                CpuKernels.gather(tb.a, tb.off, table.dim(0), table.dim(1), idx.a, idx.off, (int) t.input(1).numel(),
                        y.a, y.off);
                break;
            }
            default:
                throw new IllegalStateException("CPU backend cannot execute " + t);
        }
    }

    /** A fused step of {@link CpuFusion} (see there for what each kind computes and why it is safe). */
    private void executeFused(CpuFusion.Step step, Buf[] bufs) {
        Tensor t = step.first();
        Tensor u = step.second();
        bindWeights(t, bufs);
        bindWeights(u, bufs);
        switch (step.kind()) {
            case LINEAR_GELU:
            case LINEAR_RELU: {
                // the activation runs in place on the product's output (the plan's in-place buffer of both)
                Tensor w = t.input(1);
                Buf x = bufs[t.input(0).id()];
                Buf y = bufs[t.id()];
                int k = w.dim(1);
                int nOut = w.dim(0);
                int m = (int) (t.numel() / nOut);
                float[] bias = t.inputCount() > 2 ? biasArray(bufs[t.input(2).id()], nOut) : null;
                // the same prepared form as a plain LINEAR of this weight: read in place from the mapping
                GemmEngine e = backend.productEngine(t);
                GemmEngine.Prepared packed = backend.linearWeight(par, e, weights, weightName(w), k, nOut);
                e.gemm(par, m, x.a, x.off, k, packed, y.a, y.off, nOut, bias,
                        step.kind() == CpuFusion.Kind.LINEAR_GELU ? GemmEngine.Epilogue.GELU : RELU_EPILOGUE);
                break;
            }
            case CONV_TRANSPOSE_EPILOGUE:
                convTransposeEpilogue(t, u, bufs);
                break;
            case ADD_LAYER_NORM: {
                Buf a = bufs[t.input(0).id()];
                Buf b = bufs[t.input(1).id()];
                Buf s = bufs[t.id()];
                Buf g = bufs[u.input(1).id()];
                Buf beta = bufs[u.input(2).id()];
                Buf y = bufs[u.id()];
                int c = u.dim(-1);
                CpuKernels.addLayerNorm(par, a.a, a.off, b.a, b.off, s.a, s.off, g.a, g.off, beta.a, beta.off, y.a, y.off,
                        (int) (u.numel() / c), c, u.attrs(Attrs.Norm.class).eps());
                break;
            }
            case SLICE_ROPE: {
                // the rotation reads the slice's rows in its operand and writes the slice's (= the rope's) buffer
                SliceRows rows = SliceRows.of(t);
                Buf x = bufs[t.input(0).id()];
                Buf c = bufs[u.input(1).id()];
                Buf s = bufs[u.input(2).id()];
                Buf y = bufs[u.id()];
                CpuKernels.rope(par, x.a, x.off + rows.start(), rows.stride(), c.a, c.off, s.a, s.off, y.a, y.off,
                        u.dim(0), u.dim(1), u.dim(2), u.dim(3));
                break;
            }
            case UPSAMPLE_CONV:
                upsampledConv2d(t, u, bufs);
                break;
            case GROUP_NORM_RELU:
                groupNorm(t, bufs, bufs[u.id()], true);   // into the ReLU's buffer
                break;
            default:
                throw new IllegalStateException(step.toString());
        }
    }

    /**
     * A 3 × 3 convolution of a 2 × upsampled map (FP32 nodes only), read from the small map: by Winograd
     * ({@link WinogradConv}, reading each upsampled pixel from the small map: at 288² 240 ms against 280 ms by summed
     * taps), else on the small map with summed taps ({@link UpsampledConv}; the upsampled map's buffer holds the
     * products). Engines that do not convolve in place, without Winograd, run the two operations as planned.
     */
    private void upsampledConv2d(Tensor up, Tensor conv, Buf[] bufs) {
        Tensor xt = up.input(0);
        Tensor wt = conv.input(1);
        Buf x = bufs[xt.id()];
        Buf y = bufs[conv.id()];
        int cout = wt.dim(0);
        int cin = wt.dim(1);
        float[] bias = conv.inputCount() > 2 ? biasArray(bufs[conv.input(2).id()], cout) : null;
        if (byWinograd(conv, 3, 3, 1, 1)) {
            winograd().conv(gemm, x.a, x.off, xt.dim(0), conv.dim(1), conv.dim(2), cin, 1,
                    winogradWeights(wt, cout, cin), y.a, y.off, cout, bias);
            return;
        }
        if (!gemm.convolves(1)) {
            execute(up, bufs);
            conv2d(conv, bufs);
            return;
        }
        Buf scratch = bufs[up.id()];
        GemmEngine.Prepared[][] taps = new GemmEngine.Prepared[2][];
        for (int a = 0; a < 2; a++) {
            final int parity = a;
            taps[a] = backend.derived(weights, weightName(wt), "upsampled-2x2-rows-" + a,
                    w -> UpsampledConv.prepareTaps(gemm, par, w, cout, cin, parity));
        }
        UpsampledConv.conv(gemm, par, x.a, x.off, xt.dim(0), xt.dim(1), xt.dim(2), cin, taps, scratch.a, scratch.off,
                y.a, y.off, cout, bias);
    }

    /**
     * Whether a convolution runs by Winograd: 3 × 3 of stride 1 and padding 1, the backend's choice, and FP32 nodes
     * only — a reduced-precision node emulates a device that multiplies the rounded operands themselves (sums in FP32,
     * rounded once), which the transformed tiles are not (F(4 × 4)'s larger rounding moved the full-size BF16 click of
     * OpenBlasBf16FixtureTest below its bound).
     */
    private boolean byWinograd(Tensor conv, int kh, int kw, int stride, int pad) {
        return backend.winograd() && conv.dtype() == DType.F32 && WinogradConv.applies(kh, kw, stride, pad);
    }

    /** This context's Winograd convolutions (their buffers kept between runs). */
    private WinogradConv winograd() {
        if (winograd == null) winograd = new WinogradConv(par, backend.buffers());
        return winograd;
    }

    /** The 36 transformed matrices of a 3 × 3 weight {@code [Cout, Cin, 3, 3]}, derived once per backend. */
    private GemmEngine.Prepared[] winogradWeights(Tensor wt, int cout, int cin) {
        return backend.derived(weights, weightName(wt), "winograd-f4x3",
                w -> WinogradConv.prepareWeights(gemm, par, w, cout, cin));
    }

    /** Most rows of A, and fewest columns of C, of a product {@link #shortTimesTransposed} computes. */
    private static final int SHORT_PRODUCT_ROWS = 16;
    private static final int WIDE_PRODUCT_COLUMNS = 4096;

    /**
     * {@code C = A · Bᵀ} for a short A ({@code m} rows) and a long B ({@code n} rows of {@code k}): the mask decoder's
     * hypernetwork outputs against the upscaled image ({@code 4 × 32} by {@code 82944 × 32}). Computed as
     * {@code Cᵀ = B · Aᵀ}, whose rows are B's, then transposed: the engine then packs A (a few hundred floats)
     * instead of B (on that shape the product took 4–9 ms, mostly packing B; this way about 3 ms). Each value is
     * the same sum of the same products in the same order.
     */
    private void shortTimesTransposed(int m, int n, int k, Buf a, Buf b, Buf y) {
        float[] t = scratch(0, n * m);
        gemm.gemm(par, n, m, k, b.a, b.off, k, a.a, a.off, k, true, t, 0, m, null);
        par.forRange(n, 1024, (w, lo, hi) -> {
            for (int i = 0; i < m; i++) {
                int row = y.off + i * n;
                for (int j = lo; j < hi; j++) y.a[row + j] = t[j * m + i];
            }
        });
    }

    /** The {@code GROUP_NORM} {@code t} of {@code [N, H, W, C]} into {@code y}, then the ReLU if {@code relu}. */
    private void groupNorm(Tensor t, Buf[] bufs, Buf y, boolean relu) {
        Attrs.GroupNorm gn = t.attrs(Attrs.GroupNorm.class);
        Buf x = bufs[t.input(0).id()];
        Buf g = bufs[t.input(1).id()];
        Buf b = bufs[t.input(2).id()];
        CpuKernels.groupNorm(par, x.a, x.off, g.a, g.off, b.a, b.off, y.a, y.off, t.dim(0), t.dim(1) * t.dim(2),
                t.dim(3), gn.groups(), gn.eps(), relu);
    }

    private static final GemmEngine.Epilogue RELU_EPILOGUE = (c, off, len) -> CpuKernels.relu(c, off, c, off, len);

    private static float[] biasArray(Buf b, int n) {
        if (b.off == 0 && b.a.length == n) return b.a;
        return java.util.Arrays.copyOfRange(b.a, b.off, b.off + n);
    }

    private String weightName(Tensor w) {
        if (w.op() != Op.WEIGHT) throw new IllegalStateException("CPU convolutions need a weight operand, got " + w);
        return w.attrs(Attrs.Named.class).name();
    }

    /**
     * Convolution: 1×1, or a kernel covering the whole unpadded input, as one product; 3×3 of stride 1 in FP32 by
     * Winograd's F(4×4, 3×3) ({@link WinogradConv}, unless the backend turns it off); otherwise the engine's per-tap
     * products ({@link GemmEngine#conv2d}) where it takes the stride, else a product over im2col rows.
     */
    private void conv2d(Tensor t, Buf[] bufs) {
        Tensor xt = t.input(0);
        Tensor wt = t.input(1);
        Buf x = bufs[xt.id()];
        Buf y = bufs[t.id()];
        Attrs.Conv attrs = t.attrs(Attrs.Conv.class);
        int nb = xt.dim(0);
        int h = xt.dim(1);
        int wd = xt.dim(2);
        int cin = xt.dim(3);
        int cout = wt.dim(0);
        int kh = wt.dim(2);
        int kw = wt.dim(3);
        int ho = t.dim(1);
        int wo = t.dim(2);
        int stride = attrs.stride();
        int pad = attrs.padding();
        float[] bias = t.inputCount() > 2 ? biasArray(bufs[t.input(2).id()], cout) : null;
        // weight as [Cout, kh, kw, Cin]: im2col rows copy contiguous channel runs, and each tap is Cin columns
        int kk = kh * kw * cin;
        // the input's rows are the im2col rows themselves: a 1 × 1 kernel, or a kernel as large as the unpadded input
        // (the geometry encoder's 7 × 7 pooled boxes to one vector each: per tap, 49 products of 16 rows took 36 ms)
        boolean pointwise = pad == 0 && (kh == 1 && kw == 1 && stride == 1 || kh == h && kw == wd);
        GemmEngine e = backend.productEngine(t);
        if (e != gemm) {
            // a reduced-precision product on the engine for its operands (AMX): one product of the whole kernel, so
            // that the engine rounds each value once (no transformed or per-tap products)
            GemmEngine.Prepared wp = backend.derived(weights, weightName(wt), "ohwi-packed#" + e.name(),
                    w -> e.prepare(par, Attrs.Conv.channelsLastWeight(w, cout, cin, kh, kw), 0, kk, true, kk, cout));
            im2colProduct(e, wp, x, nb, h, wd, cin, kh, kw, stride, pad, ho, wo, cout, bias, y, pointwise);
            return;
        }
        if (byWinograd(t, kh, kw, stride, pad)) {
            winograd().conv(gemm, x.a, x.off, nb, h, wd, cin, winogradWeights(wt, cout, cin), y.a, y.off, cout, bias);
            return;
        }
        if (!pointwise && gemm.convolves(stride)) {
            // the engine reads the input in place, one product per tap ([Cout, Cin] columns kk floats apart)
            GemmEngine.Prepared[] taps = backend.derived(weights, weightName(wt), "tap-packed",
                    w -> UpsampledConv.prepareConvTaps(gemm, par, w, cout, cin, kh, kw));
            gemm.conv2d(par, new ConvProblem(x.a, x.off, nb, h, wd, cin, taps, kh, kw, stride, pad, y.a, y.off, ho, wo,
                    cout, bias));
            return;
        }
        GemmEngine.Prepared wp = backend.derived(weights, weightName(wt), "ohwi-packed",
                w -> gemm.prepare(par, Attrs.Conv.channelsLastWeight(w, cout, cin, kh, kw), 0, kk, true, kk, cout));
        im2colProduct(gemm, wp, x, nb, h, wd, cin, kh, kw, stride, pad, ho, wo, cout, bias, y, pointwise);
    }

    /**
     * A convolution as products of {@code engine} with its whole kernel {@code wp} ({@code [kh·kw·Cin, Cout]}): of
     * the input itself when {@code pointwise} (its rows are the im2col rows), else of im2col rows, in chunks.
     */
    private void im2colProduct(GemmEngine engine, GemmEngine.Prepared wp, Buf x, int nb, int h, int wd, int cin, int kh,
                               int kw, int stride, int pad, int ho, int wo, int cout, float[] bias, Buf y,
                               boolean pointwise) {
        int kk = kh * kw * cin;
        int m = nb * ho * wo;
        if (pointwise) {
            engine.gemm(par, m, x.a, x.off, kk, wp, y.a, y.off, cout, bias);
            return;
        }
        int chunk = Math.max(1, Math.min(m, (1 << 22) / kk));
        float[] cols = scratch(0, chunk * kk);
        for (int r0 = 0; r0 < m; r0 += chunk) {
            int rows = Math.min(chunk, m - r0);
            final int base = r0;
            par.forRange(rows, 16, (w, lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int p = base + r;
                    int b = p / (ho * wo);
                    int oy = (p / wo) % ho;
                    int ox = p % wo;
                    int dst = r * kk;
                    for (int i = 0; i < kh; i++) {
                        int iy = oy * stride - pad + i;
                        for (int j = 0; j < kw; j++) {
                            int ix = ox * stride - pad + j;
                            int d = dst + (i * kw + j) * cin;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                java.util.Arrays.fill(cols, d, d + cin, 0f);
                            } else {
                                System.arraycopy(x.a, x.off + ((b * h + iy) * wd + ix) * cin, cols, d, cin);
                            }
                        }
                    }
                }
            });
            engine.gemm(par, rows, cols, 0, kk, wp, y.a, y.off + r0 * cout, cout, bias);
        }
    }

    /**
     * A transposed convolution and the per-pixel operations after it, up to {@code last} ({@link
     * CpuFusion.Kind#CONV_TRANSPOSE_EPILOGUE}): the sum with the other operand at the same place, the layer norm of
     * each pixel's channels, GELU, each as its own kernel computes it (the same floats), written into {@code last}'s
     * buffer only.
     */
    private void convTransposeEpilogue(Tensor conv, Tensor last, Buf[] bufs) {
        Tensor add = null;
        Tensor norm = null;
        boolean gelu = false;
        for (Tensor n = last; n != conv; n = n.input(0)) {
            bindWeights(n, bufs);
            switch (n.op()) {
                case ADD -> add = n;
                case LAYER_NORM -> norm = n;
                case GELU -> gelu = true;
                default -> throw new IllegalStateException("not a per-pixel operation after a transposed convolution: " + n);
            }
        }
        Buf out = bufs[last.id()];
        Buf other = add != null ? bufs[add.input(1).id()] : null;
        Buf g = norm != null ? bufs[norm.input(1).id()] : null;
        Buf beta = norm != null ? bufs[norm.input(2).id()] : null;
        float eps = norm != null ? norm.attrs(Attrs.Norm.class).eps() : 0f;
        boolean applyGelu = gelu;
        int cout = conv.dim(-1);
        convTranspose2x2(conv, bufs, out, (c, off, len) -> {
            if (other != null) CpuKernels.Chunks.addInto(c, off, other.a, other.off + off - out.off, len);
            if (g != null) {
                CpuKernels.NormRows n = CpuKernels.NormRows.of(g.a, g.off, beta.a, beta.off, cout);
                for (int p = off; p < off + len; p += cout) n.normalise(c, p, c, p, eps);
            }
            if (applyGelu) CpuGelu.apply(c, off, c, off, 0, len);
        });
    }

    /** Most floats of products a transposed convolution computes before scattering them (16 MiB). */
    private static final int CONV_TRANSPOSE_CHUNK = 1 << 22;

    /**
     * Kernel-2 stride-2 transposed convolution into {@code y}: GEMMs to [pixels, 2·2·Cout] a few input rows at a
     * time, each scattered into two output rows, to which the epilogue, if any, is applied (whole pixels, a multiple
     * of Cout floats).
     */
    private void convTranspose2x2(Tensor t, Buf[] bufs, Buf y, GemmEngine.Epilogue epilogue) {
        Tensor xt = t.input(0);
        Tensor wt = t.input(1);
        Buf x = bufs[xt.id()];
        int nb = xt.dim(0);
        int h = xt.dim(1);
        int wd = xt.dim(2);
        int cin = xt.dim(3);
        int cout = wt.dim(1);
        float[] bias = t.inputCount() > 2 ? biasArray(bufs[t.input(2).id()], cout) : null;
        // weight [Cin, Cout, 2, 2] as [Cin, (i, j, Cout)]
        int n4 = 4 * cout;
        // a reduced-precision product on the engine for its operands (AMX) takes the bias, repeated for each (i, j),
        // so that it rounds each value with its bias once; the scatter then only moves values
        GemmEngine e = epilogue == null ? backend.productEngine(t) : gemm;
        float[] productBias = null;
        if (e != gemm && bias != null) {
            productBias = new float[n4];
            for (int ij = 0; ij < 4; ij++) System.arraycopy(bias, 0, productBias, ij * cout, cout);
            bias = null;
        }
        String form = e == gemm ? "i-ijo-packed" : "i-ijo-packed#" + e.name();
        GemmEngine.Prepared wp = backend.derived(weights, weightName(wt), form, w -> {
            float[] p = new float[w.length];
            for (int c = 0; c < cin; c++)
                for (int o = 0; o < cout; o++)
                    for (int ij = 0; ij < 4; ij++)
                        p[c * 4 * cout + ij * cout + o] = w[(c * cout + o) * 4 + ij];
            return e.prepare(par, p, 0, n4, false, cin, n4);
        });
        // whole rows of the input per product (chunks of 1 MiB were measured slower on the image encoder's necks)
        int rowsPerChunk = Math.max(1, Math.min(nb * h, CONV_TRANSPOSE_CHUNK / (n4 * wd)));
        float[] tmp = scratch(0, rowsPerChunk * wd * n4);
        for (int r0 = 0; r0 < nb * h; r0 += rowsPerChunk) {
            int rows = Math.min(rowsPerChunk, nb * h - r0);
            e.gemm(par, rows * wd, x.a, x.off + r0 * wd * cin, cin, wp, tmp, 0, n4, productBias);
            final int base = r0;
            final float[] addBias = bias;
            par.forRange(rows, 1, (w, lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int b = (base + r) / h;
                    int iy = (base + r) % h;
                    for (int i = 0; i < 2; i++) {
                        // output row 2·iy + i: pixel (2·ix + j) from product row ix, columns (i, j)
                        int row = y.off + (b * 2 * h + 2 * iy + i) * 2 * wd * cout;
                        for (int ix = 0; ix < wd; ix++) {
                            for (int j = 0; j < 2; j++) {
                                int dst = row + (2 * ix + j) * cout;
                                int src = (r * wd + ix) * n4 + (i * 2 + j) * cout;
                                if (addBias != null) {
                                    for (int o = 0; o < cout; o++) y.a[dst + o] = tmp[src + o] + addBias[o];
                                } else {
                                    System.arraycopy(tmp, src, y.a, dst, cout);
                                }
                            }
                        }
                        if (epilogue != null) epilogue.apply(y.a, row, 2 * wd * cout);
                    }
                }
            });
        }
    }

    /**
     * Attention by the GEMM engine's kernel or {@link CpuAttention}, with per-worker scratch kept across runs;
     * windowed attention by {@link #windowedAttention}. A reduced-precision value is rounded to its type here, unless
     * the engine for reduced operands computed it (it stores rounded values: {@link GemmEngine#forOperands}).
     */
    private void attention(Tensor t, Buf[] bufs) {
        Tensor qt = t.input(0);
        Tensor kt = t.input(1);
        Tensor vt = t.input(2);
        Buf q = bufs[qt.id()];
        Buf k = bufs[kt.id()];
        Buf v = bufs[vt.id()];
        Buf y = bufs[t.id()];
        Attrs.Attention attrs = t.attrs(Attrs.Attention.class);
        // floats between consecutive tokens of v: wider than a token when v is a strided view (the v third of qkv)
        int vRow = plan.isStridedView(vt) ? viewStride(vt) : vt.dim(2) * vt.dim(3);
        // a reduced-precision attention of reduced operands: the engine for them first (AMX), if it takes the problem
        boolean reduced = t.dtype() != DType.F32 && qt.dtype() == t.dtype() && kt.dtype() == t.dtype()
                && vt.dtype() == t.dtype();
        GemmEngine e = reduced ? gemm.forOperands(t.dtype()) : gemm;
        boolean rounded;
        if (attrs.windowed()) {
            rounded = windowedAttention(e, attrs, q, k, v, vRow, y, qt.dim(0), qt.dim(2), qt.dim(3), vt.dim(3));
        } else {
            Tensor biasT = t.inputCount() > 3 ? t.input(3) : null;
            Buf bias = biasT != null ? bufs[biasT.id()] : null;
            rounded = attention(e, new AttentionProblem(q.a, q.off, k.a, k.off, v.a, v.off,
                    bias != null ? bias.a : null, bias != null ? bias.off : 0,
                    biasT != null ? biasT.dim(0) : 0, biasT != null ? biasT.dim(1) : 0,
                    biasT != null ? biasT.dim(2) : 0,
                    y.a, y.off, qt.dim(0), qt.dim(1), kt.dim(1), qt.dim(2), qt.dim(3), vt.dim(3), vRow, attrs.scale()));
        }
        // a reduced-precision node holds what an FP16/BF16 device would store
        if (t.dtype() != DType.F32 && !rounded) ReducedFloats.round(par, y.a, y.off, (int) t.numel(), t.dtype());
    }

    /** The row stride of a strided view: that of the slice it is (or reshapes). */
    private static int viewStride(Tensor view) {
        Tensor slice = view;
        while (slice.op() == Op.RESHAPE) slice = slice.input(0);
        return SliceRows.of(slice).stride();
    }

    /**
     * {@code p} on {@code e}'s kernel, else on the backend engine's, else on {@link CpuAttention}; true where
     * {@code e}, an engine for reduced operands, took it (its values are then rounded).
     */
    private boolean attention(GemmEngine e, AttentionProblem p) {
        if (e != gemm && e.attention(par, p)) return true;
        if (e != gemm && e.attends(p.d(), p.dv(), p.bias() != null, p.flops())) {
            // its operands may be unrounded (their casts left to it): no other kernel may take it
            throw new IllegalStateException(e.name() + " declined an attention it attends: " + p.flops() + " flops");
        }
        if (gemm.attention(par, p)) return false;
        CpuAttention.attention(par, attentionScratch, p.q(), p.qOff(), p.k(), p.kOff(), p.v(), p.vOff(), p.vRow(),
                p.bias(), p.biasOff(), p.biasB(), p.biasH(), p.biasTq(), p.y(), p.yOff(),
                p.b(), p.tq(), p.tk(), p.h(), p.d(), p.dv(), p.scale());
        return false;
    }

    /**
     * Windowed attention on {@code [B, gridH·gridW, H, D]} operands: in place where the engine reads the grid's
     * windows itself ({@link GemmEngine#windowedAttention}: the native and BF16 kernels), or where it leaves them to
     * the Java kernel on the Vector API ({@link GemmEngine#leavesAttention}, {@link CpuAttention#windowed}); else a
     * few windows at a time (one for SAM 3's 16 heads: about 9 MB of packed q, k, v, y), their tokens are gathered
     * by index from the grid into a packed buffer kept across runs (a window row is {@code window} consecutive
     * tokens: one copy), the ordinary attention kernels run on them as a batch of {@code window²}-token sequences,
     * and the outputs are written back to their grid positions. The graph holds no partitioned copy of the grid; the results are those of partition,
     * attention, unpartition, bit for bit on the Java kernel and on AMX (each query's result depends only on its
     * window's keys, in the same order); OpenBLAS, where it picks its kernel by the product's shape, may differ in the
     * last bit. True where the engine for reduced operands computed every window (its values are then rounded).
     */
    private boolean windowedAttention(GemmEngine e, Attrs.Attention a, Buf q, Buf k, Buf v, int vStride, Buf y, int b,
                                      int h, int d, int dv) {
        // in place in the grid where the engine reads windows itself (AMX), else windows gathered into rows
        int gridTokens = a.gridH() * a.gridW();
        if (e.windowedAttention(par, new AttentionProblem(q.a, q.off, k.a, k.off, v.a, v.off, null, 0, 0, 0, 0,
                y.a, y.off, b, gridTokens, gridTokens, h, d, dv, vStride, a.scale()), a)) {
            return e != gemm;
        }
        boolean rounded = true;
        int tokens = a.windowTokens();
        int windows = b * a.windowCount();
        // a (window, head) pair per worker at least; the kernels split each pair's queries further
        int group = Math.min(windows, Math.max(1, (par.threads() + h - 1) / h));
        int qRow = h * d;
        int vRow = h * dv;
        // in place in the grid on the Java kernel, where the engine would leave the gathered windows to it
        if (e == gemm && gemm.leavesAttention(new AttentionProblem(q.a, q.off, k.a, k.off, v.a, v.off, null, 0, 0, 0,
                0, y.a, y.off, group, tokens, tokens, h, d, dv, vRow, a.scale()))
                && CpuAttention.windowed(par, attentionScratch, q.a, q.off, k.a, k.off, v.a, v.off, vStride, y.a, y.off,
                b, a, h, d, dv, a.scale())) {
            return false;
        }
        int qSize = group * tokens * qRow;
        int vSize = group * tokens * vRow;
        long need = 2L * qSize + 2L * vSize;
        if (need > Integer.MAX_VALUE - 8) throw new IllegalStateException("attention windows too large: " + a);
        if (windowPack == null || windowPack.length < need) windowPack = backend.buffers().replace(windowPack, (int) need);
        float[] pack = windowPack;
        int kp = qSize;
        int vp = 2 * qSize;
        int yp = 2 * qSize + vSize;
        for (int w0 = 0; w0 < windows; w0 += group) {
            int n = Math.min(group, windows - w0);
            moveWindows(a, q.a, q.off, qRow, pack, 0, qRow, w0, n, true);
            moveWindows(a, k.a, k.off, qRow, pack, kp, qRow, w0, n, true);
            moveWindows(a, v.a, v.off, vStride, pack, vp, vRow, w0, n, true);
            rounded &= attention(e, new AttentionProblem(pack, 0, pack, kp, pack, vp, null, 0, 0, 0, 0, pack, yp,
                    n, tokens, tokens, h, d, dv, a.scale()));
            moveWindows(a, y.a, y.off, vRow, pack, yp, vRow, w0, n, false);
        }
        return rounded;
    }

    /**
     * Copies windows {@code [w0, w0 + n)} (numbered row-major per image, images in turn) between a grid tensor
     * ({@code row} floats per token, tokens {@code gridRow} floats apart) and the packed buffer ({@code window²}
     * tokens per window): into the buffer when {@code gather}, else back to the grid.
     */
    private void moveWindows(Attrs.Attention a, float[] grid, int gridOff, int gridRow, float[] pack, int packOff, int row,
                             int w0, int n, boolean gather) {
        int ws = a.window();
        int gw = a.gridW();
        int run = ws * row;
        par.forRange(n * ws, Math.max(1, 4096 / Math.max(1, run)), (worker, from, to) -> {
            for (int i = from; i < to; i++) {
                int token = a.windowStart(w0 + i / ws) + i % ws * gw;
                int g = gridOff + token * gridRow;
                int p = packOff + i * run;
                if (gridRow == row) {
                    if (gather) System.arraycopy(grid, g, pack, p, run);
                    else System.arraycopy(pack, p, grid, g, run);
                } else {
                    for (int c = 0; c < ws; c++, g += gridRow, p += row) {
                        if (gather) System.arraycopy(grid, g, pack, p, row);
                        else System.arraycopy(pack, p, grid, g, row);
                    }
                }
            }
        });
    }

    @Override
    public Map<String, Long> lastRunNanosByOp() {
        return lastProfile;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (!running) releaseBuffers(); // else the running call still uses them and hands them back at its end
    }

    /** Hands the large buffers to the backend's pool, for the next context (the next image's encoder, say). */
    private void releaseBuffers() {
        FloatPool pool = backend.buffers();
        pool.give(arena);
        pool.give(windowPack);
        arena = null;
        windowPack = null;
        for (int w = 0; w < scratch.length; w++) {
            pool.give(scratch[w]);
            scratch[w] = null;
        }
        if (winograd != null) winograd.release();
    }
}
