package org.sam3j.backend.openblas;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntToLongFunction;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.ShortPointer;
import org.sam3j.backend.cpu.AttentionProblem;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;
import org.sam3j.graph.Attrs;

/**
 * The OpenBLAS backend's engine for a BF16 graph ({@link org.sam3j.graph.PrecisionPolicy}) on a CPU that multiplies
 * BF16 values natively: products of a prepared B (linear layers, and the convolutions the backend hands over as one
 * product of the whole kernel) and attention, global or in the windows of a token grid, with a bias or none, on
 * Intel AMX's tile unit or with AVX512-BF16's dot products (AMD Zen 4 and 5, Intel Cooper Lake;
 * {@code native/src/cpu_bf16_gemm.h}, {@code cpu_bf16_attention.h}). B is packed once as BF16 tiles in native
 * memory (half the bytes of FP32), rounded as it is packed, so it may come straight from the checkpoint's FP32
 * mapping; A is converted per block of rows as the kernel reads it from the Java array in place, and C is written
 * there in place, each value rounded to BF16 as the graph stores a product (and a GELU after it applied in the same
 * store). Each product of two BF16 values is exact in FP32, so the values are those of an FP32 product of the same
 * operands, summed in another order. Products of two activations go to the FP32 engine this one was made by (the emulation: the graph rounds
 * their operands and results).
 *
 * <p>Chosen by {@link OpenBlasGemm#forOperands}; {@value #PROPERTY} picks the kernel ({@link #kernel()}).
 */
final class Bf16Gemm implements GemmEngine {
    /**
     * System property: {@code auto} (default: AMX where this CPU and OS run it, else AVX512-BF16 where the CPU has
     * it), {@code avx512} (AVX512-BF16 even where AMX runs) or {@code off} (BF16 graphs on the FP32 engine's
     * emulation, as every CPU backend runs them).
     */
    static final String PROPERTY = "sam3j.openblas.bf16";
    /** {@code s3cpu_bf16_kernel}'s answers and {@code s3cpu_bf16_gemm}'s kernel argument. */
    static final int NONE = 0;
    static final int AVX512 = 1;
    static final int AMX = 2;
    /** Columns of C the kernel computes at a time; a column range of a task starts at a multiple of it. */
    private static final int BLOCK = 32;
    /** Rows per task of a product with an epilogue (the kernel's chunk of A, {@code CHUNK_ROWS}). */
    private static final int EPILOGUE_ROWS = 128;
    /** Products below this many flops run on the calling thread. */
    private static final long SERIAL_FLOPS = 8L << 20;
    /** The fastest kernel this CPU and OS run ({@link #NONE} where the library did not load). */
    private static final int BEST;
    private static final String FAILURE;

    static {
        int best = NONE;
        String failure;
        try {
            Loader.load(CpuKernels.class);
            best = CpuKernels.s3cpu_bf16_kernel();
            failure = best != NONE ? null
                    : "this CPU has neither AMX-BF16 (with the OS's tile permission) nor AVX512-BF16";
        } catch (Throwable t) { // UnsatisfiedLinkError (not built: no g++ at build time), NoClassDefFoundError, ...
            failure = "sam3j's native kernels did not load (" + t.getClass().getSimpleName() + ": " + t.getMessage()
                    + ")";
        }
        BEST = best;
        FAILURE = failure;
    }

    private final GemmEngine fp32;
    private final int threads;
    private final int kernel;
    private final ConcurrentLinkedQueue<OpenBlasGemm.NativeBuffer> pool = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /** Whether a BF16 kernel is loaded and this CPU and OS run it. */
    static boolean isAvailable() {
        return FAILURE == null;
    }

    /** The fastest kernel this CPU and OS run ({@link #AMX}, {@link #AVX512}, {@link #NONE}); AMX CPUs run both. */
    static int fastest() {
        return BEST;
    }

    /** Why no BF16 kernel is usable here, or null. */
    static String unavailableReason() {
        return FAILURE;
    }

    /**
     * The kernel {@value #PROPERTY} picks on this CPU: {@link #AMX}, {@link #AVX512}, or {@link #NONE} (off, or
     * neither runs here).
     *
     * @throws IllegalArgumentException for a value other than {@code auto}, {@code avx512} or {@code off}
     */
    static int kernel() {
        String v = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "auto":
                return BEST;
            case "avx512":
                return Math.min(BEST, AVX512);
            case "off":
                return NONE;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": expected auto, avx512 or off");
        }
    }

    /** What a BF16 graph runs on here, for the backend's description. */
    static String describe() {
        int k = kernel();
        if (k == AMX) return "bf16 products and attention on AMX";
        if (k == AVX512) return "bf16 products and attention on AVX512-BF16";
        return "bf16 emulated (" + (FAILURE != null ? FAILURE : "-D" + PROPERTY + "=off") + ")";
    }

    /**
     * An engine on {@code threads} workers running {@code kernel} ({@link #AMX} or {@link #AVX512}), with
     * {@code fp32} for the products and attention it does not take.
     *
     * @throws IllegalStateException where the kernel does not run on this CPU and OS
     */
    Bf16Gemm(GemmEngine fp32, int threads, int kernel) {
        if (FAILURE != null) throw new IllegalStateException("BF16 products unavailable: " + FAILURE);
        if ((kernel != AMX && kernel != AVX512) || kernel > BEST) {
            throw new IllegalStateException("BF16 kernel " + kernel + " does not run here (fastest: " + BEST + ")");
        }
        this.fp32 = fp32;
        this.threads = Math.max(1, threads);
        this.kernel = kernel;
    }

    @Override
    public String name() {
        return kernel == AMX ? "amx-bf16" : "avx512-bf16";
    }

    /** op(B) as BF16 tiles in native memory ({@code s3cpu_bf16_pack}). */
    static final class Packed implements Prepared, AutoCloseable {
        private final int k;
        private final int n;
        private ShortPointer ptr;

        Packed(int k, int n) {
            this.k = k;
            this.n = n;
            long shorts = Math.max(1, CpuKernels.s3cpu_bf16_packed_shorts(k, n));
            this.ptr = new ShortPointer(shorts);
            if (ptr.isNull()) throw new OutOfMemoryError("cannot allocate " + 2 * shorts + " bytes of native memory");
        }

        @Override
        public int k() {
            return k;
        }

        @Override
        public int n() {
            return n;
        }

        ShortPointer ptr() {
            ShortPointer p = ptr;
            if (p == null) throw new IllegalStateException("prepared matrix was released (backend closed)");
            return p;
        }

        @Override
        public synchronized void close() {
            if (ptr != null) ptr.close();
            ptr = null;
        }
    }

    @Override
    public Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n) {
        try (FloatPointer staged = new FloatPointer(Math.max(1L, (long) k * n))) {
            if ((long) k * n > 0) {
                if (transB) {
                    OpenBlasGemm.load(staged.asBuffer(), 0, b, bOff, ldb, n, k);
                } else {
                    OpenBlasGemm.load(staged.asBuffer(), 0, b, bOff, ldb, k, n);
                }
            }
            return pack(par, staged, transB, k, n);
        }
    }

    /** A direct buffer (a weight mapped from the checkpoint) is packed from in place. */
    @Override
    public Prepared prepare(Parallel par, FloatBuffer b, boolean transB, int k, int n) {
        if (!b.isDirect() || b.order() != ByteOrder.nativeOrder() || b.capacity() < (long) k * n || (long) k * n == 0) {
            return GemmEngine.super.prepare(par, b, transB, k, n);
        }
        try (FloatPointer in = new FloatPointer(b.duplicate().position(0))) {
            return pack(par, in, transB, k, n);
        }
    }

    /** Packs op(B) from native floats, the blocks of 16 columns shared between the workers. */
    private Packed pack(Parallel par, FloatPointer b, boolean transB, int k, int n) {
        Packed p = new Packed(k, n);
        if ((long) k * n == 0) return p;
        int blocks = (n + BLOCK - 1) / BLOCK * (BLOCK / 16);
        long ldb = transB ? k : n;
        ShortPointer dst = p.ptr();
        Parallel.forTasks(par, threads, blocks, (w, queue) -> {
            for (int jb = queue.next(); jb >= 0; jb = queue.next()) {
                CpuKernels.s3cpu_bf16_pack(b, ldb, transB ? 1 : 0, k, n, jb, jb + 1, dst);
            }
        });
        return p;
    }

    /** A task's scratch memory for the kernels, of {@code bytes} at least (in floats, as the FP32 engine's buffers). */
    private static FloatPointer scratch(OpenBlasGemm.NativeBuffer s, long bytes) {
        return s.ensure(Math.max(1, (bytes + 3) / 4));
    }

    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared pb, float[] c, int cOff, int ldc,
                     float[] bias) {
        gemm(par, m, a, aOff, lda, pb, c, cOff, ldc, bias, null);
    }

    /**
     * Tasks of rows (or, for fewer rows than two blocks per worker, of columns), each multiplying with A and C
     * read and written in place in their arrays, the epilogue applied to the task's rows after.
     */
    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared pb, float[] c, int cOff, int ldc,
                     float[] bias, Epilogue epilogue) {
        Packed b = (Packed) pb;
        int n = b.n, k = b.k;
        if (m <= 0 || n <= 0) return;
        if (k == 0) {
            OpenBlasGemm.emptyProduct(c, cOff, ldc, m, n, bias, epilogue);
            return;
        }
        // GELU in the kernel's store (the same floats); another epilogue on the task's rows after the product
        final int act = epilogue == Epilogue.GELU ? CpuKernels.ACT_GELU : 0;
        final Epilogue after = act != 0 ? null : epilogue;
        int workers = par == null || 2L * m * n * k < SERIAL_FLOPS ? 1 : Math.min(par.threads(), threads);
        // few rows: columns in blocks of 32, two per worker; else two or more blocks of rows per worker, handed out
        // as they finish; with an epilogue, blocks of the kernel's chunk of rows at most: the epilogue then reads each
        // block while it is still in the cache, and B is streamed once per chunk either way
        boolean byColumns = workers > 1 && m < 2 * workers * BLOCK;
        int split = byColumns ? m : workers > 1 ? (m + 2 * workers - 1) / (2 * workers) : m;
        int rowsPer = after != null ? Math.min(split, EPILOGUE_ROWS) : split;
        int colsPer = byColumns
                ? Math.max(BLOCK, ((n + 2 * workers - 1) / (2 * workers) + BLOCK - 1) / BLOCK * BLOCK) : n;
        int rowTasks = (m + rowsPer - 1) / rowsPer;
        int colTasks = (n + colsPer - 1) / colsPer;
        ShortPointer bp = b.ptr();
        if (bias != null && bias.length < n) throw new IllegalArgumentException("bias of " + bias.length + " < " + n);
        Parallel.forTasks(par, workers, rowTasks * colTasks, (w, queue) -> {
            OpenBlasGemm.NativeBuffer s = take();
            try {
                FloatPointer scratch = scratch(s, CpuKernels.s3cpu_bf16_gemm_scratch(k));
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int r0 = (t / colTasks) * rowsPer;
                    int rows = Math.min(rowsPer, m - r0);
                    int j0 = (t % colTasks) * colsPer;
                    int j1 = Math.min(n, j0 + colsPer);
                    int rc = CpuKernels.s3cpu_bf16_gemm_at(a, aOff + (long) r0 * lda, lda, rows, bp, k, n, j0, j1, bias,
                            act, c, cOff + (long) r0 * ldc, ldc, scratch, kernel);
                    if (rc != 0) {
                        throw new IllegalStateException(name() + " product refused " + rows + " x " + k + " x " + n);
                    }
                    if (after != null) {
                        for (int r = 0; r < rows; r++) after.apply(c, cOff + (r0 + r) * ldc + j0, j1 - j0);
                    }
                }
            } finally {
                give(s);
            }
        });
    }

    /**
     * Heads of 32 or 64 channels for keys and values alike, with a bias or none, and not a small problem (the prompt
     * decoders' few queries stay on the FP32 engine's kernels). The kernel rounds q, k and v to BF16 as it reads
     * them; a bias stays FP32, added to the scaled scores.
     */
    @Override
    public boolean attends(int d, int dv, boolean bias, long flops) {
        return d == dv && (d == 32 || d == 64) && flops >= OpenBlasGemm.ATTENTION_MIN_FLOPS;
    }

    /**
     * Attention over heads of 32 or 64 channels (the encoders' global self-attention, the fusion encoder's, the
     * detector decoder's cross-attention with its box bias) on AMX ({@code native/src/cpu_bf16_attention.h}: both
     * products on the tiles, the softmax in FP32, its probabilities rounded to BF16 for the second product), q, k, v
     * and y read and written in place, y's values rounded to BF16 as they are written. Other problems, and small
     * ones, are left to the FP32 engine (false).
     */
    @Override
    public boolean attention(Parallel par, AttentionProblem p) {
        if (!attends(p.d(), p.dv(), p.bias() != null, p.flops()) || p.tk() == 0 || p.tq() == 0) return false;
        run(par, p, p.b(), p.tq(), p.tk(), s -> (long) s * p.tq(), s -> (long) s * p.tk(), 1, 1);
        return true;
    }

    /**
     * The image encoder's windowed attention read and written in place in the token grid: the kernel addresses a
     * window's rows itself (runs of {@code window} tokens, {@code gridW} apart), so no window is gathered or
     * scattered (about 19 MB of copies per window layer on SAM 3's grid).
     */
    @Override
    public boolean windowedAttention(Parallel par, AttentionProblem p, Attrs.Attention windows) {
        int tokens = windows.windowTokens(), count = p.b() * windows.windowCount();
        long flops = AttentionProblem.flops(count, p.h(), tokens, tokens, p.d(), p.dv());
        if (!windows.windowed() || p.bias() != null || !attends(p.d(), p.dv(), false, flops)) return false;
        if (p.tq() != windows.gridH() * windows.gridW() || p.tk() != p.tq()) {
            throw new IllegalArgumentException("windowed attention over " + p.tq() + " tokens, grid " + windows);
        }
        run(par, p, count, tokens, tokens, windows::windowStart, windows::windowStart, windows.window(), windows.gridW());
        return true;
    }

    /**
     * Tasks of (sequence, head, block of queries) on the kernel: sequence {@code s} has {@code tq} queries from token
     * {@code queryStart(s)} and {@code tk} keys from {@code keyStart(s)}, its row {@code r} {@code (r / run) · gridW
     * + r % run} tokens on (consecutive tokens for {@code run = gridW = 1}). Queries are split, in blocks of whole
     * runs and whole tiles of 16, only until every worker has two tasks; each task packs its head's keys and values
     * once.
     */
    private void run(Parallel par, AttentionProblem p, int sequences, int tq, int tk, IntToLongFunction queryStart,
                     IntToLongFunction keyStart, int run, int gridW) {
        final int h = p.h(), d = p.d();
        final int workers = par == null ? 1 : Math.min(par.threads(), threads);
        // the smallest whole number of runs that is whole tiles of 16 rows
        int unit = run;
        while (unit % 16 != 0) unit += run;
        int blocks = 1;
        while ((long) sequences * h * blocks < 2L * workers && tq / (blocks + 1) >= Math.max(64, unit)) blocks++;
        final int block = ((tq + blocks - 1) / blocks + unit - 1) / unit * unit;
        final int nBlocks = (tq + block - 1) / block;
        final long ld = (long) h * d;
        final long scratchBytes = CpuKernels.s3cpu_bf16_attention_scratch(tk, d);
        Parallel.forTasks(par, workers, sequences * h * nBlocks, (w, queue) -> {
            OpenBlasGemm.NativeBuffer s = take();
            try {
                FloatPointer scratch = scratch(s, scratchBytes);
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int si = t / (h * nBlocks);
                    int hi = (t / nBlocks) % h;
                    int q0 = (t % nBlocks) * block;
                    int rows = Math.min(block, tq - q0);
                    // q0 is a whole number of runs: its rows start that many grid rows on
                    long qy = (queryStart.applyAsLong(si) + (long) (q0 / run) * gridW) * ld + (long) hi * d;
                    long key = keyStart.applyAsLong(si);
                    // the bias [biasB, biasH, biasTq, tk] of this sequence and head (broadcast where a size is 1)
                    long bias = p.bias() == null ? 0 : p.biasOff()
                            + (((long) (p.biasB() == 1 ? 0 : si) * p.biasH() + (p.biasH() == 1 ? 0 : hi)) * p.biasTq()
                            + (p.biasTq() == 1 ? 0 : q0)) * tk;
                    int rc = CpuKernels.s3cpu_bf16_attention_at(p.q(), p.qOff() + qy, ld,
                            p.k(), p.kOff() + key * ld + (long) hi * d, ld,
                            p.v(), p.vOff() + key * p.vRow() + (long) hi * d, p.vRow(),
                            p.y(), p.yOff() + qy, ld, p.bias(), bias, p.biasTq() == 1 ? 0 : tk,
                            rows, tk, d, run, gridW, p.scale(), scratch, kernel);
                    if (rc != 0) throw new IllegalStateException(name() + " attention refused heads of " + d);
                }
            } finally {
                give(s);
            }
        });
    }

    @Override
    public void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     boolean transB, float[] c, int cOff, int ldc, float[] bias) {
        fp32.gemm(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias);
    }

    private OpenBlasGemm.NativeBuffer take() {
        if (closed) throw new IllegalStateException(name() + " engine is closed");
        OpenBlasGemm.NativeBuffer s = pool.poll();
        return s != null ? s : new OpenBlasGemm.NativeBuffer();
    }

    private void give(OpenBlasGemm.NativeBuffer s) {
        if (closed) {
            s.release();
        } else {
            pool.offer(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (OpenBlasGemm.NativeBuffer s = pool.poll(); s != null; s = pool.poll()) s.release();
    }

    @Override
    public String toString() {
        return "Bf16Gemm[" + name() + ", " + threads + " threads]";
    }
}
