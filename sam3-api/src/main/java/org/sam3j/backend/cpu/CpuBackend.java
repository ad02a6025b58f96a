package org.sam3j.backend.cpu;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.sam3j.BackendOptions;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.MemoryPlanner;
import org.sam3j.backend.WeightChecks;
import org.sam3j.graph.Attrs;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;
import org.sam3j.internal.Log;
import org.sam3j.io.DType;
import org.sam3j.weights.WeightStore;
import org.slf4j.Logger;

/**
 * The portable backend: float32 on the CPU in plain Java, multithreaded, no native code.
 *
 * <p>Weights are read from the store once per name and kept (with any re-laid-out copies a kernel
 * prefers) for every graph this backend compiles; {@link #close()} drops them and stops the threads.
 */
public final class CpuBackend implements Backend {
    private static final Logger LOG = Log.get(CpuBackend.class);
    /**
     * System property, read when a backend is created: {@code false} runs every operation on its own instead of
     * fusing neighbours (same values; for measurements and for checking the fusion).
     */
    public static final String FUSION_PROPERTY = "sam3j.cpu.fusion";
    /**
     * System property, read once: {@code false} keeps matrix products and attention on the auto-vectorised kernels even
     * when the JVM has the Vector API module (same values; for measurements). See {@link #vectorKernels()}.
     */
    public static final String VECTOR_PROPERTY = "sam3j.cpu.vector";
    /**
     * System property, read when a backend is created: whether FP32 3 × 3 convolutions of stride 1 run as Winograd's
     * F(4 × 4, 3 × 3) ({@link WinogradConv}: 4 × fewer multiply-adds, the same values within float rounding, about
     * 10 × that of the per-tap sums at worst) or as
     * nine per-tap products: {@code true}, {@code false}, or {@code auto} (the default) for the engine's preference
     * ({@link GemmEngine#prefersWinograd()}: the pure-Java engine yes, OpenBLAS where its products run in place).
     */
    public static final String WINOGRAD_PROPERTY = "sam3j.cpu.winograd";

    private final String name;
    private final BackendOptions options;
    private final Parallel parallel;
    private final GemmEngine gemm;
    /** Whether compiled graphs fuse neighbouring operations ({@link CpuFusion}). */
    private final boolean fuse;
    /** Whether 3 × 3 convolutions of stride 1 run as Winograd's F(4 × 4, 3 × 3) ({@link #WINOGRAD_PROPERTY}). */
    private final boolean winograd;
    /** Largest array of Java heap that {@link #prepareLinearWeights} packs several weights into (256 MiB). */
    static final int SLAB_FLOATS = 1 << 26;
    /** How long {@link #close()} waits for packed weights still being written to the cache directory. */
    private static final long CACHE_WRITE_WAIT_SECONDS = 300;
    /** Key suffix of a prepared {@code Linear} weight in the weight cache. */
    private static final String PACKED_T = "#packed-t";
    /** Held while {@link #prepareLinearWeights} sets room aside and fills it. */
    private final Object preparing = new Object();
    /** Per weight store (weakly held): name or name#form to values. */
    private final Map<WeightStore, Map<String, Object>> weightCache =
            Collections.synchronizedMap(new WeakHashMap<>());
    /** Large buffers handed from closed execution contexts to new ones ({@link FloatPool}). */
    private final FloatPool buffers = new FloatPool(Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8));
    /**
     * Writes packed weights to the cache ({@link PackedWeightCache}) in the background, so that a first run does not
     * wait for the disk; started with the first write, drained by {@link #close()}.
     */
    private ExecutorService cacheWriter;

    /** A backend using every available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend using {@code threads} threads (the caller included). */
    public CpuBackend(int threads) {
        this("cpu", threads, JavaGemm.INSTANCE);
    }

    /**
     * A backend whose matrix products (and, if the engine offers it, attention) run on {@code gemm};
     * every other operation runs in Java on {@code threads} threads (the caller included). The backend
     * owns the engine and closes it.
     *
     * @param name    the backend's name ({@code cpu} for the pure-Java engine, {@code openblas}, ...)
     * @param threads worker threads, the caller included
     * @param gemm    the matrix-product engine
     */
    public CpuBackend(String name, int threads, GemmEngine gemm) {
        this(name, BackendOptions.builder().threads(threads).build(), gemm);
    }

    /**
     * Like {@link #CpuBackend(String, int, GemmEngine)} with the threads of {@code options} (0: every available
     * processor); its device must be 0, the only one a CPU backend has. FP16 and BF16 are emulated: the graphs
     * the model compiles for them (see {@link org.sam3j.graph.PrecisionPolicy}) run with every reduced-precision
     * value rounded as a device would store it: the numerics of a GPU run, at FP32 speed or a little slower.
     *
     * @throws IllegalArgumentException if the options ask for another device
     */
    public CpuBackend(String name, BackendOptions options, GemmEngine gemm) {
        this.name = java.util.Objects.requireNonNull(name, "name");
        this.gemm = java.util.Objects.requireNonNull(gemm, "gemm");
        if (options.device() != 0) {
            throw new IllegalArgumentException("backend '" + name + "' has no device " + options.device() + " (one device, 0)");
        }
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        this.options = options.toBuilder().threads(threads).build();
        this.parallel = new Parallel(threads);
        this.fuse = !"false".equalsIgnoreCase(System.getProperty(FUSION_PROPERTY, "true").trim());
        String wg = System.getProperty(WINOGRAD_PROPERTY, "auto").trim().toLowerCase(java.util.Locale.ROOT);
        this.winograd = switch (wg) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> gemm.prefersWinograd();
            default -> throw new IllegalArgumentException(WINOGRAD_PROPERTY + "=" + wg + ": expected true, false or auto");
        };
        VectorKernels.warmUp(gemm instanceof JavaGemm); // the products' kernels where this engine runs them
        LOG.debug("backend {}: {} threads, matrix products and attention on the {} kernels", name, threads,
                vectorKernels() ? "Vector API" : vectorShortAttention()
                        ? "auto-vectorised kernels, attention with a short side on the Vector API" : "auto-vectorised");
    }

    /** Whether this backend computes 3 × 3 convolutions of stride 1 by Winograd's F(4 × 4, 3 × 3). */
    boolean winograd() {
        return winograd;
    }

    /**
     * Whether the Java matrix products and attention run on the JDK's Vector API: when the JVM was started with
     * {@code --add-modules jdk.incubator.vector} on a processor with 512-bit vectors (AVX-512), and
     * {@value #VECTOR_PROPERTY} is not {@code false}. The values are the same bit for bit; the Vector API kernels are
     * faster (on a 2-core AVX-512 machine, SGEMM about 1.8 × and attention about 1.7 ×: {@code sam3-bench/results}).
     */
    public static boolean vectorKernels() {
        return VectorKernels.ENABLED;
    }

    /**
     * Whether the Java matrix products run on the JDK's Vector API: wherever {@link #vectorKernels()} holds, and also
     * with 256-bit vectors (AVX2), where a 5-row kernel ran SGEMM at 1.5–1.8 × the auto-vectorised kernels' rate on a
     * Zen 3 (82–86 % of OpenBLAS's). Same values bit for bit.
     */
    public static boolean vectorProducts() {
        return VectorKernels.PRODUCTS;
    }

    /**
     * Whether attention with at most 256 queries or keys (the prompt decoders, the text encoder) runs on the JDK's
     * Vector API: wherever {@link #vectorKernels()} holds, and also with 256-bit vectors (AVX2), where longer
     * attention stays auto-vectorised. Same values bit for bit.
     */
    public static boolean vectorShortAttention() {
        return VectorKernels.SHORT_ATTENTION;
    }

    /**
     * Whether the Java kernel computes attention of {@code tq} queries against {@code tk > 0} keys on the Vector API.
     */
    public static boolean vectorAttention(int tq, int tk) {
        return CpuAttention.vectorKernel(tq, tk);
    }

    @Override
    public String name() {
        return name;
    }

    /** Device 0, the precision (FP16/BF16 emulated), the number of worker threads, and the cache directory and extras given. */
    @Override
    public BackendOptions options() {
        return options;
    }

    /** The engine of the matrix products. */
    public GemmEngine gemm() {
        return gemm;
    }

    /** Number of worker threads. */
    public int threads() {
        return parallel.threads();
    }

    /** The buffers execution contexts of this backend take and hand back. */
    FloatPool buffers() {
        return buffers;
    }

    Parallel parallel() {
        return parallel;
    }

    @Override
    public CompiledGraph compile(Graph graph, WeightStore weights) {
        // every float type lives in float[]; the attention kernels read their values in place where they can
        MemoryPlan plan = MemoryPlanner.plan(graph, type -> Float.BYTES,
                fuse ? CpuFusion.attentionValueViews(graph) : t -> false, fuse ? castViews(graph) : t -> false);
        WeightChecks.requireWeights(graph, weights);
        LOG.debug("compiled graph: {}", plan);
        Map<String, DType> reduced = new HashMap<>();
        for (Tensor w : graph.weights().values()) {
            if (w.dtype() != DType.F32) reduced.put(w.attrs(Attrs.Named.class).name(), w.dtype());
        }
        return new CpuCompiledGraph(this, plan, reduced.isEmpty() ? weights : new ReducedWeights(weights, reduced), fuse);
    }

    /** The float32 values of a weight, read once. */
    float[] weight(WeightStore store, String name) {
        return (float[]) cache(store).computeIfAbsent(name, n -> store.floats(n));
    }

    private Map<String, Object> cache(WeightStore store) {
        return weightCache.computeIfAbsent(store, s -> new ConcurrentHashMap<>());
    }

    /**
     * A derived (re-laid-out, pre-packed) form of a weight, computed once from the stored values; the
     * plain values are not kept unless some other operation needs them.
     */
    @SuppressWarnings("unchecked")
    <T> T derived(WeightStore store, String name, String form, Function<float[], T> make) {
        Map<String, Object> c = cache(store);
        // atomic: contexts running in parallel pack each weight once (a racing second copy of a native form
        // would never be freed); the function only reads the map
        return (T) c.computeIfAbsent(name + "#" + form, k -> {
            Object plain = c.get(name);
            return make.apply(plain != null ? (float[]) plain : store.floats(name));
        });
    }

    /**
     * A weight's float32 values in place in the checkpoint's memory mapping ({@link WeightStore#mappedFloats}), or
     * null where the store does not offer them (or already holds the plain copy): for operations that read a few
     * rows of a large table, such as the token embedding, which then never comes onto the heap.
     */
    java.nio.FloatBuffer mappedWeight(WeightStore store, String name, long size) {
        Map<String, Object> c = cache(store);
        if (c.get(name) != null) return null;
        Object m = c.computeIfAbsent(name + "#mapped", key -> {
            java.nio.FloatBuffer b = store.mappedFloats(name);
            return b != null && b.capacity() == size ? b : Boolean.FALSE; // FALSE: asked once, not offered
        });
        return m instanceof java.nio.FloatBuffer ? ((java.nio.FloatBuffer) m).duplicate() : null;
    }

    /**
     * The engine's form of a {@code Linear} weight {@code [n, k]} (used transposed), prepared once and shared like
     * {@link #derived}: straight from the checkpoint when the store offers that, else from its float32 values. An
     * engine that packs onto the heap ({@link GemmEngine#heapFloats}) reads the file in pieces
     * ({@link WeightStore#floatReader}); others get the values in place ({@link WeightStore#mappedFloats}: OpenBLAS
     * then reads the mapped file without any copy, and nothing passes through the heap).
     */
    GemmEngine.Prepared linearWeight(Parallel par, WeightStore store, String name, int k, int n) {
        return linearWeight(par, store, name, k, n, null, 0);
    }

    /**
     * The casts this backend keeps in their operand's storage (no step, no copy), unless fusion is off
     * ({@value #FUSION_PROPERTY}): every widening of an FP16/BF16 value to FP32 (the arrays hold the same floats
     * either way), and a rounding of FP32 values to FP16/BF16 that is read only by products or attention whose
     * engine rounds its operands itself ({@link #roundsItself}, {@link #attentionRoundsOperands}).
     */
    Predicate<Tensor> castViews(Graph graph) {
        List<Tensor> nodes = graph.nodes();
        boolean[] view = new boolean[nodes.size()];
        for (Tensor t : nodes) {
            if (t.op() == Op.CAST) view[t.id()] = t.dtype() == DType.F32 || t.input(0).dtype() == DType.F32;
        }
        for (Tensor t : nodes) {
            for (int i = 0; i < t.inputCount(); i++) {
                Tensor in = t.input(i);
                if (in.op() != Op.CAST || in.dtype() == DType.F32) continue;
                boolean rounds = i == 0 && roundsItself(t) || i < 3 && attentionRoundsOperands(t);
                if (!rounds) view[in.id()] = false;
            }
        }
        for (Tensor out : graph.outputs().values()) {
            if (out.op() == Op.CAST && out.dtype() != DType.F32) view[out.id()] = false;
        }
        return t -> view[t.id()];
    }

    /**
     * Whether {@code t} is a reduced-precision attention of reduced q, k and v that the engine for them takes
     * whole ({@link GemmEngine#attends}: every call the backend makes for it, a window at a time for windowed
     * attention), rounding its operands itself.
     */
    boolean attentionRoundsOperands(Tensor t) {
        if (t.op() != Op.ATTENTION || t.dtype() == DType.F32) return false;
        Tensor q = t.input(0), k = t.input(1), v = t.input(2);
        if (q.dtype() != t.dtype() || k.dtype() != t.dtype() || v.dtype() != t.dtype()) return false;
        GemmEngine e = gemm.forOperands(t.dtype());
        if (e == gemm) return false;
        Attrs.Attention a = t.attrs(Attrs.Attention.class);
        int h = q.dim(2), d = q.dim(3), dv = v.dim(3);
        // the smallest call: one window, or the whole batch
        long tq = a.windowed() ? a.windowTokens() : q.dim(1);
        long tk = a.windowed() ? a.windowTokens() : k.dim(1);
        long flops = AttentionProblem.flops(a.windowed() ? 1 : q.dim(0), h, tq, tk, d, dv);
        return e.attends(d, dv, t.inputCount() > 3, flops);
    }

    /**
     * Whether the backend's execution of {@code t} leaves its values already rounded to its type (and rounds its
     * first operand itself): a {@code LINEAR}, {@code CONV2D} or {@code CONV_TRANSPOSE2D} of a weight on an engine for
     * its reduced operands ({@link GemmEngine#forOperands}), which then takes the whole product and its bias.
     */
    boolean roundsItself(Tensor t) {
        return (t.op() == Op.LINEAR || t.op() == Op.CONV2D || t.op() == Op.CONV_TRANSPOSE2D)
                && t.input(1).op() == Op.WEIGHT && productEngine(t) != gemm;
    }

    /**
     * The engine of a {@code LINEAR}, {@code CONV2D} or {@code CONV_TRANSPOSE2D} node: {@link GemmEngine#forOperands}
     * of its type where its input, weight and value are all of one reduced type (a reduced-precision graph's product),
     * else the backend's engine.
     */
    GemmEngine productEngine(Tensor product) {
        DType type = product.dtype();
        if (type == DType.F32 || product.input(0).dtype() != type || product.input(1).dtype() != type) return gemm;
        return gemm.forOperands(type);
    }

    /**
     * {@link #linearWeight} in the form of {@code engine}: the backend's engine, or one it gave for reduced-precision
     * operands ({@link GemmEngine#forOperands}), whose forms are cached apart. Such an engine rounds the weight as it
     * prepares it, so it reads the stored FP32 values in place where the checkpoint is mapped (no rounded copy on the
     * heap first).
     */
    GemmEngine.Prepared linearWeight(Parallel par, GemmEngine engine, WeightStore store, String name, int k, int n) {
        if (engine == gemm) return linearWeight(par, store, name, k, n, null, 0);
        Map<String, Object> c = cache(store);
        return (GemmEngine.Prepared) c.computeIfAbsent(name + PACKED_T + "#" + engine.name(), key -> {
            Object plain = c.get(name);
            if (plain == null) {
                WeightStore stored = store instanceof ReducedWeights r ? r.base() : store;
                java.nio.FloatBuffer mapped = stored.mappedFloats(name);
                if (mapped != null && mapped.capacity() == (long) k * n) return engine.prepare(par, mapped, true, k, n);
            }
            return engine.prepare(par, plain != null ? (float[]) plain : store.floats(name), 0, k, true, k, n);
        });
    }

    /** {@link #linearWeight}, prepared in {@code room} from {@code at} when not prepared yet (room may be null). */
    private GemmEngine.Prepared linearWeight(Parallel par, WeightStore store, String name, int k, int n,
                                             float[] room, int at) {
        Map<String, Object> c = cache(store);
        return (GemmEngine.Prepared) c.computeIfAbsent(name + PACKED_T, key -> {
            Object plain = c.get(name);
            if (plain == null && gemm.heapFloats(k, n) > 0) {
                // packed onto the heap: read from the file, so that no mapping of it stays resident until collected
                org.sam3j.weights.FloatReader reader = store.floatReader(name);
                if (reader != null && Arrays.stream(store.shape(name)).reduce(1, Math::multiplyExact) == (long) k * n) {
                    return gemm.prepare(par, reader, true, k, n, room, at);
                }
            }
            if (plain == null) {
                java.nio.FloatBuffer mapped = store.mappedFloats(name);
                if (mapped != null && mapped.capacity() == (long) k * n) {
                    return gemm.prepare(par, mapped, true, k, n, room, at);
                }
            }
            return gemm.prepare(par, plain != null ? (float[]) plain : store.floats(name), 0, k, true, k, n, room, at);
        });
    }

    /** A {@code Linear} weight {@code [n, k]} of a graph, by name. */
    record LinearWeight(String name, int k, int n) {}

    /**
     * Prepares those of {@code weights} that are not prepared yet ({@link #linearWeight}). When the engine packs onto
     * the Java heap ({@link GemmEngine#heapFloats}), consecutive weights share arrays of up to {@value #SLAB_FLOATS}
     * floats, each exactly filled, instead of an array each. With G1 every large array is a "humongous" object, and
     * in a well-filled heap each such allocation may start a concurrent collection cycle: packed into an array each,
     * the full model's text encoder (97 weights, 1.2 GB) started a cycle at almost every weight. In five shared arrays
     * it starts at most five; filling each took 60–150 ms on the 2-core development VM, allocating it (the first
     * touch of new memory, which that VM backs slowly) 0.1–1.0 s.
     *
     * <p>The arrays are allocated and filled by the workers at once, one array per worker at a time: the JVM zeroes a
     * new array on the thread that allocates it, so allocating them one after another left the other cores idle for
     * most of the preparation.
     *
     * <p>With a cache directory ({@link BackendOptions#cacheDirectory()}) and a store that has a
     * {@link WeightStore#fingerprint() fingerprint}, each array is written to a file in the background once packed,
     * and a later backend maps the file instead of packing ({@link PackedWeightCache}): the heap then holds no
     * weights, and preparing the full model's image encoder took 0.15–0.5 s instead of 3.2–3.8 s on the development
     * VM.
     */
    void prepareLinearWeights(Parallel par, WeightStore store, List<LinearWeight> weights) {
        prepareLinearWeights(par, store, weights, SLAB_FLOATS);
    }

    /** {@link #prepareLinearWeights(Parallel, WeightStore, List)} with shared arrays of up to {@code slabFloats}. */
    void prepareLinearWeights(Parallel par, WeightStore store, List<LinearWeight> weights, long slabFloats) {
        Map<String, Object> c = cache(store);
        long t0 = System.nanoTime();
        synchronized (preparing) { // no room is set aside for a weight that another graph's preparation packs
            List<LinearWeight> todo = new ArrayList<>();
            for (LinearWeight w : weights) {
                if (!c.containsKey(w.name() + PACKED_T)) todo.add(w);
            }
            long[] floats = new long[todo.size()];
            for (int x = 0; x < floats.length; x++) floats[x] = gemm.heapFloats(todo.get(x).k(), todo.get(x).n());
            // slab g holds todo[first[g] .. first[g + 1]), size[g] floats
            List<Integer> first = new ArrayList<>();
            List<Long> size = new ArrayList<>();
            for (int i = 0; i < todo.size(); ) {
                long total = 0;
                int j = i;
                for (; j < todo.size(); j++) {
                    if (j > i && total + floats[j] > slabFloats) break;
                    total += floats[j];
                }
                first.add(i);
                size.add(total);
                i = j;
            }
            first.add(todo.size());
            int slabs = size.size();
            // with a cache directory, each array may be in a file already: mapped instead of packed
            PackedWeightCache cache = slabs > 0 ? PackedWeightCache.of(options, store, gemm) : null;
            byte[][] keys = new byte[slabs][];
            boolean packing = false;
            for (int g = 0; g < slabs; g++) {
                long total = size.get(g);
                if (cache != null && total > 0 && total <= Integer.MAX_VALUE - 8) {
                    keys[g] = cache.key(todo, floats, first.get(g), first.get(g + 1));
                }
                packing |= total > 0 && (keys[g] == null || !Files.isRegularFile(cache.file(keys[g])));
            }
            // packed weights stay for good: drop the pooled buffers, so that the collector can give their room to the
            // weights rather than grow the heap (the first text prompt packs 1.2 GB right after the first encode)
            if (packing) buffers.clear();
            // several slabs: one per worker at a time, each filled by its worker alone; one: its fills are parallel
            boolean slabPerWorker = slabs > 1 && par != null && par.threads() > 1;
            Parallel inner = slabPerWorker ? null : par;
            AtomicInteger next = new AtomicInteger();
            AtomicLong mappedFloats = new AtomicLong();
            Parallel.WorkerRangeBody body = (w, from, to) -> {
                for (int g; (g = next.getAndIncrement()) < slabs; ) {
                    long total = size.get(g);
                    if (keys[g] != null && mapFromCache(c, cache.open(keys[g], total), todo, floats, first.get(g),
                            first.get(g + 1))) {
                        mappedFloats.addAndGet(total);
                        continue;
                    }
                    // one weight too large for an array is left to the engine, which says so
                    float[] slab = total > 0 && total <= Integer.MAX_VALUE - 8 - Sgemm.LINE_START
                            ? new float[Sgemm.LINE_START + (int) total] : null;
                    int at = Sgemm.LINE_START;
                    for (int x = first.get(g); x < first.get(g + 1); x++) {
                        LinearWeight lw = todo.get(x);
                        linearWeight(inner, store, lw.name(), lw.k(), lw.n(), slab, at);
                        at += (int) floats[x];
                    }
                    if (keys[g] != null) writeToCache(cache, keys[g], slab, Sgemm.LINE_START, (int) total);
                }
            };
            if (slabPerWorker) {
                par.forRange(par.threads(), 1, body);
            } else {
                body.run(0, 0, 1);
            }
            if (!todo.isEmpty() && LOG.isDebugEnabled()) {
                long all = size.stream().mapToLong(Long::longValue).sum();
                LOG.debug("prepared {} Linear weights ({} MiB on the heap, {} MiB mapped from {}; {} arrays) in {} ms",
                        todo.size(), (all - mappedFloats.get()) >> 18, mappedFloats.get() >> 18,
                        cache != null ? cache.directory() : "no cache", slabs, (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    /** Has the cache writer write {@code count} floats of {@code slab} from {@code at} as the file of {@code key}. */
    private void writeToCache(PackedWeightCache cache, byte[] key, float[] slab, int at, int count) {
        synchronized (weightCache) { // the lock close() takes too
            if (cacheWriter == null) {
                cacheWriter = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "sam3j-" + name + "-weight-cache");
                    t.setDaemon(true);
                    t.setPriority(Thread.MIN_PRIORITY);
                    return t;
                });
            }
            try {
                cacheWriter.execute(() -> cache.write(key, slab, at, count));
            } catch (RejectedExecutionException e) {
                LOG.debug("backend closed: packed weights not kept in the cache");
            }
        }
    }

    /**
     * Takes weights {@code [from, to)} of {@code todo} from {@code packed}, the array they were packed into as read
     * back from the cache (null if it was not there), one after another; false (nothing taken) without it or when
     * the engine cannot read prepared weights from a buffer.
     */
    private boolean mapFromCache(Map<String, Object> c, FloatBuffer packed, List<LinearWeight> todo,
                                 long[] floats, int from, int to) {
        if (packed == null) return false;
        GemmEngine.Prepared[] views = new GemmEngine.Prepared[to - from];
        int at = 0;
        for (int x = from; x < to; x++) {
            LinearWeight lw = todo.get(x);
            views[x - from] = gemm.view(packed, at, lw.k(), lw.n());
            if (views[x - from] == null) return false;
            at += (int) floats[x];
        }
        for (int x = from; x < to; x++) c.putIfAbsent(todo.get(x).name() + PACKED_T, views[x - from]);
        return true;
    }

    /**
     * Stops the threads and drops the weights, after waiting for the packed weights being written to the cache
     * directory (at most {@value #CACHE_WRITE_WAIT_SECONDS} s; files not written by then are left for a later
     * process to write).
     */
    @Override
    public void close() {
        ExecutorService writer;
        synchronized (weightCache) {
            writer = cacheWriter;
        }
        if (writer != null) {
            writer.shutdown();
            try {
                if (!writer.awaitTermination(CACHE_WRITE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("packed weights still being written to the cache after {} s; left unfinished",
                            CACHE_WRITE_WAIT_SECONDS);
                    writer.shutdownNow();
                }
            } catch (InterruptedException e) {
                writer.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        List<Map<String, Object>> caches;
        synchronized (weightCache) {
            caches = new ArrayList<>(weightCache.values());
            weightCache.clear();
        }
        for (Map<String, Object> c : caches) {
            for (Object v : c.values()) {
                if (v instanceof AutoCloseable) {
                    try {
                        ((AutoCloseable) v).close(); // native forms of weights
                    } catch (Exception e) {
                        LOG.warn("releasing a weight: {}", e.toString());
                    }
                }
            }
        }
        parallel.close();
        gemm.close();
    }

    @Override
    public String toString() {
        return "CpuBackend[" + name + ", " + parallel.threads() + " threads, gemm " + gemm.name() + "]";
    }
}
