package org.sam3j.backend.openblas;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntToLongFunction;
import org.bytedeco.javacpp.FloatPointer;
import org.sam3j.backend.cpu.AttentionProblem;
import org.sam3j.backend.cpu.ConvProblem;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.backend.cpu.GemmEngine;
import org.sam3j.backend.cpu.Parallel;
import org.sam3j.backend.cpu.OnlineSoftmax;
import org.sam3j.graph.Attrs;

/**
 * A {@link GemmEngine} on OpenBLAS's {@code cblas_sgemm}.
 *
 * <h2>Memory</h2>
 * The CPU backend keeps activations in one large {@code float[]} arena. JavaCPP passes a Java array to native
 * code with {@code GetFloatArrayElements}, which on HotSpot copies the <em>whole</em> array in and out on every
 * call, and a heap {@code FloatBuffer} the same way. So:
 * <ul>
 *   <li>constant operands (weights) are copied once into native memory by {@link #prepare} (and freed when the
 *       backend closes), or read in place from a memory-mapped checkpoint;</li>
 *   <li>products read A and write C where they lie in the arena, through sam3j's JNI library
 *       ({@link InPlaceSgemm}: OpenBLAS called inside a JNI critical region, no copies): each task writes the bias
 *       into its rows of C and OpenBLAS adds the product ({@code beta = 1}). OpenBLAS packs its operands into its
 *       own blocks anyway, so staging them was a second pass over A and two over C. The native attention kernel
 *       reads and writes its operands in place the same way (a global block of the image encoder staged 84 MB). On
 *       a 2-core Zen 3, full model, staged against in place, alternated: encode 38.2 → 36.2 s, text prompt 4.24 →
 *       3.85 s, click 85 → 71 ms; with the products alone in place the difference was within the noise
 *       ({@code sam3-bench/results/zen3-side-by-side-2026-12-05});</li>
 *   <li>where that library is missing (built only where g++ was installed), or {@value InPlaceSgemm#PROPERTY} is
 *       {@code false}, activations are staged: each task copies its block of rows of A into a native buffer,
 *       OpenBLAS writes C into another (pre-filled with the bias), and the rows are copied back. The native attention
 *       kernel ({@link #nativeAttention}) reads and writes its operands in place as products do; convolutions with a
 *       kernel wider than 1 × 1 and the OpenBLAS attention path always stage. Staging buffers are pooled and reused across calls, so nothing is
 *       allocated per call once they have grown.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * {@link Threading#WORKERS} (the default) sets OpenBLAS to one thread and lets the backend's Java workers split
 * M into row blocks (handed out dynamically, two or more per worker), each worker staging its block and calling
 * single-threaded OpenBLAS; the copies are parallel too, and no OpenBLAS thread spins between products while the
 * Java kernels run. {@link Threading#OPENBLAS} calls OpenBLAS once per product from the caller, with OpenBLAS's
 * own threads set to the backend's thread count. OpenBLAS's thread setting is process-wide: the engine created
 * last decides it.
 */
public final class OpenBlasGemm implements GemmEngine {
    /** Who runs the threads of a product. */
    public enum Threading {
        /** Java workers over row blocks, one OpenBLAS thread each. */
        WORKERS,
        /** One call per product, OpenBLAS's own threads. */
        OPENBLAS;

        /** Parses {@code workers} or {@code openblas}. */
        public static Threading parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** Floats of B (or C) per column block of a product whose B is too large to stage whole (4 MiB). */
    static final long COLUMN_BLOCK_FLOATS = 1L << 20;
    /** Output pixels per band of a convolution ({@link #conv2d}): C of 256 channels is then 2 MiB. */
    static final int CONV_BAND_PIXELS = 2048;
    /** A source of zeros for staged padding. */
    private static final float[] ZEROS = new float[4096];
    /** Largest staging buffer of A or C rows per task, in floats (32 MiB). */
    static final long MAX_STAGE_FLOATS = 8L << 20;
    /** Products below this many flops run on the calling thread. */
    static final long SERIAL_FLOPS = 8L << 20;
    /** Fewest rows in a parallel task. */
    static final int MIN_ROWS = 32;
    /** Fewest columns in a parallel task of a product with too few rows to split ({@link #shortProduct}). */
    static final int MIN_COLUMNS = 64;

    /**
     * System property choosing who computes attention: {@code native} (sam3j's own AVX2 kernel,
     * {@link NativeAttention}, for the problems it takes, else the Java kernel), {@code openblas} (blocked OpenBLAS
     * products around a Java online softmax, {@link #attention}), {@code java} (the pure-Java single-pass kernel) or
     * {@code auto}, the default:
     * <ol>
     *   <li>the Java kernel where all its kernels run on the Vector API with 512-bit vectors
     *       ({@link org.sam3j.backend.cpu.CpuBackend#vectorKernels}): it ran at 1.5–1.6 × the OpenBLAS products' rate on
     *       every shape measured ({@code sam3-bench/results/attention-vector-2026-12-02});</li>
     *   <li>else the native kernel where it takes the problem (heads of 32 or 64, with a bias where the operands are
     *       read in place: the image encoder's, the fusion encoder's, the text encoder's, the detector decoder's and
     *       the geometry encoder's): on a 2-core AVX2 machine it ran at about twice the rate of both others on long
     *       sequences ({@code sam3-bench/results/native-attention-2026-12-03}), and on SAM 3's short-sided shapes 1.4–2.6 ×
     *       as fast as the Java kernel on 256-bit vectors (the geometry encoder's 17 queries level;
     *       {@code sam3-bench/results/zen3-attention-winograd-2026-12-06});</li>
     *   <li>else the Java kernel where it runs on the Vector API
     *       ({@link org.sam3j.backend.cpu.CpuBackend#vectorAttention}: with 256-bit vectors, on a short side — the
     *       interactive decoder's heads of 16);</li>
     *   <li>else OpenBLAS for heads of at least {@value #BLAS_MIN_HEAD_DIM} channels (the video tracker's 256), the
     *       Java kernel below, where OpenBLAS's panels are too thin ({@code sam3-bench/results/attention-gemm-speed.md},
     *       round 2).</li>
     * </ol>
     */
    public static final String ATTENTION_PROPERTY = "sam3j.openblas.attention";
    /** Head dimension from which {@code auto} attention runs on OpenBLAS. */
    static final int BLAS_MIN_HEAD_DIM = 64;

    /** Who computes attention (see {@link #ATTENTION_PROPERTY}). */
    enum AttentionEngine {
        JAVA, OPENBLAS, NATIVE, AUTO;

        static AttentionEngine parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ATTENTION_PROPERTY + "=" + s + ": expected java, openblas, native or auto", e);
            }
        }
    }

    /**
     * Who computes the encoders' attention (heads of 32 or 64) as {@value #ATTENTION_PROPERTY} now chooses, for the
     * backend's description.
     *
     * @throws IllegalArgumentException for a bad value of the property
     */
    static String describeAttention() {
        AttentionEngine e = AttentionEngine.parse(System.getProperty(ATTENTION_PROPERTY, "auto"));
        if (NativeAttention.isAvailable() && nativeChosen(e)) return "attention on sam3j's native kernel (AVX2)";
        if (e == AttentionEngine.OPENBLAS) return "attention as blocked OpenBLAS products";
        if (CpuBackend.vectorKernels()) return "attention on the Java Vector API kernel (AVX-512)";
        // auto without the native kernel: say why it is missing
        return "attention on the Java kernel" + (e == AttentionEngine.AUTO
                ? "; native attention kernel unavailable: " + NativeAttention.unavailableReason() : "");
    }

    private final int threads;
    private final Threading threading;
    private final AttentionEngine attentionEngine;
    private final ConcurrentLinkedQueue<Stage> pool = new ConcurrentLinkedQueue<>();
    /**
     * The staged operands of attention calls (q, k and v of a whole call), kept apart from {@link #pool} so that
     * those large buffers are reused by the next call instead of growing every task's stage to their size.
     */
    private final ConcurrentLinkedQueue<Stage> operands = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;
    /** Whether products and the native attention kernel use the Java arrays in place ({@link InPlaceSgemm}). */
    private final boolean inPlace;
    /**
     * BF16 products on AMX or AVX512-BF16 ({@link #forOperands}), or null where the CPU has neither or
     * {@link Bf16Gemm#PROPERTY} is off
     */
    private final Bf16Gemm bf16;

    /**
     * An engine for a backend with {@code threads} threads.
     *
     * @throws IllegalStateException if OpenBLAS does not load
     */
    public OpenBlasGemm(int threads, Threading threading) {
        this(threads, threading, AttentionEngine.parse(System.getProperty(ATTENTION_PROPERTY, "auto")));
    }

    /**
     * An engine for a backend with {@code threads} threads.
     *
     * @param blasAttention compute all attention with OpenBLAS products ({@link #attention}) instead of leaving it
     *                      to the Java kernel
     * @throws IllegalStateException if OpenBLAS does not load
     */
    public OpenBlasGemm(int threads, Threading threading, boolean blasAttention) {
        this(threads, threading, blasAttention ? AttentionEngine.OPENBLAS : AttentionEngine.JAVA);
    }

    /**
     * An engine for a backend with {@code threads} threads.
     *
     * @param attention who computes attention: {@code java}, {@code openblas}, {@code native} or {@code auto} (see
     *                  {@link #ATTENTION_PROPERTY})
     * @throws IllegalArgumentException for another value
     * @throws IllegalStateException    if OpenBLAS does not load
     */
    public OpenBlasGemm(int threads, Threading threading, String attention) {
        this(threads, threading, AttentionEngine.parse(attention));
    }

    private OpenBlasGemm(int threads, Threading threading, AttentionEngine attentionEngine) {
        this(threads, threading, attentionEngine, InPlaceSgemm.enabled());
    }

    /**
     * An engine that reads and writes the operands of its products and of the native attention kernel in place
     * ({@link InPlaceSgemm}) or stages them, as {@code inPlace} says (for tests and comparisons; the other
     * constructors decide by {@link InPlaceSgemm#enabled()}).
     *
     * @param attention who computes attention (see {@link #ATTENTION_PROPERTY})
     * @throws IllegalArgumentException for another attention value
     * @throws IllegalStateException    if OpenBLAS does not load, or {@code inPlace} where operands cannot be used in
     *                                  place ({@link InPlaceSgemm#unavailableReason()})
     */
    public OpenBlasGemm(int threads, Threading threading, String attention, boolean inPlace) {
        this(threads, threading, AttentionEngine.parse(attention), inPlace);
    }

    private OpenBlasGemm(int threads, Threading threading, AttentionEngine attentionEngine, boolean inPlace) {
        OpenBlas.requireLoaded();
        if (inPlace && InPlaceSgemm.unavailableReason() != null) {
            throw new IllegalStateException(InPlaceSgemm.unavailableReason());
        }
        this.attentionEngine = attentionEngine;
        this.threads = Math.max(1, threads);
        this.threading = threading;
        OpenBlas.setThreads(threading == Threading.OPENBLAS ? this.threads : 1);
        this.inPlace = inPlace;
        int kernel = Bf16Gemm.kernel();
        this.bf16 = kernel != Bf16Gemm.NONE ? new Bf16Gemm(this, this.threads, kernel) : null;
    }

    /**
     * {@link Bf16Gemm} for BF16 operands where this CPU has AMX or AVX512-BF16 (unless {@link Bf16Gemm#PROPERTY}
     * is {@code off}); this engine otherwise.
     */
    @Override
    public GemmEngine forOperands(org.sam3j.io.DType type) {
        return type == org.sam3j.io.DType.BF16 && bf16 != null ? bf16 : this;
    }


    /** How products are threaded. */
    public Threading threading() {
        return threading;
    }

    /** Whether products and the native attention kernel use their operands in place ({@link InPlaceSgemm}). */
    public boolean inPlace() {
        return inPlace;
    }

    @Override
    public String name() {
        return "openblas";
    }

    // ---------------------------------------------------------------------------------------------
    // Native buffers
    // ---------------------------------------------------------------------------------------------

    /** A native float buffer that grows on demand. */
    static final class NativeBuffer {
        FloatPointer ptr;
        FloatBuffer buf;
        long capacity;

        FloatPointer ensure(long floats) {
            if (floats > capacity) {
                release();
                long cap = Math.max(floats, Math.min(capacity * 3 / 2, Integer.MAX_VALUE - 8));
                ptr = new FloatPointer(cap);
                if (ptr.isNull()) throw new OutOfMemoryError("cannot allocate " + cap * 4 + " bytes of native memory");
                buf = ptr.asBuffer();
                capacity = cap;
            }
            return ptr;
        }

        void release() {
            if (ptr != null) ptr.close();
            ptr = null;
            buf = null;
            capacity = 0;
        }
    }

    /**
     * The buffers one task uses: native rows of A, op(B) when it is not prepared, rows of C; and, for attention,
     * heap rows of the transposed scores, of the accumulated output and the softmax statistics.
     */
    static final class Stage {
        final NativeBuffer a = new NativeBuffer();
        final NativeBuffer b = new NativeBuffer();
        final NativeBuffer c = new NativeBuffer();
        /** the output of a native attention call ({@link #nativeAttention}) */
        final NativeBuffer y = new NativeBuffer();
        float[][] scores = new float[0][];
        int scoresWidth;
        /** the accumulated output {@code Oᵀ} of an attention block: one row per value channel */
        float[][] out = new float[0][];
        int outWidth;
        final OnlineSoftmax softmax = new OnlineSoftmax();

        /** Room for {@code keys} score rows and {@code dv} output rows of {@code width} queries. */
        void ensureScores(int keys, int width, int dv) {
            if (scores.length < keys || scoresWidth < width) {
                int w = Math.max(width, scoresWidth);
                float[][] rows = new float[Math.max(keys, scores.length)][];
                for (int j = 0; j < rows.length; j++) rows[j] = new float[w];
                scores = rows;
                scoresWidth = w;
            }
            if (out.length < dv || outWidth < width) {
                int w = Math.max(width, outWidth);
                float[][] rows = new float[Math.max(dv, out.length)][];
                for (int j = 0; j < rows.length; j++) rows[j] = new float[w];
                out = rows;
                outWidth = w;
            }
        }

        void release() {
            a.release();
            b.release();
            c.release();
            y.release();
        }
    }

    private Stage take() {
        return take(pool);
    }

    private void give(Stage s) {
        give(pool, s);
    }

    private Stage take(ConcurrentLinkedQueue<Stage> from) {
        if (closed) throw new IllegalStateException("OpenBLAS engine is closed");
        Stage s = from.poll();
        return s != null ? s : new Stage();
    }

    private void give(ConcurrentLinkedQueue<Stage> to, Stage s) {
        if (closed) {
            s.release();
        } else {
            to.offer(s);
        }
    }

    /** Copies {@code rows × cols} values at {@code src[off + r·ld + j]} to {@code dst[index + r·cols + j]}. */
    static void load(FloatBuffer dst, int index, float[] src, int off, int ld, int rows, int cols) {
        if (ld == cols) {
            dst.put(index, src, off, rows * cols);
        } else {
            for (int r = 0; r < rows; r++) dst.put(index + r * cols, src, off + r * ld, cols);
        }
    }

    /** Copies {@code rows × cols} values at {@code src[index + r·cols + j]} to {@code dst[off + r·ld + j]}. */
    static void store(FloatBuffer src, int index, float[] dst, int off, int ld, int rows, int cols) {
        if (ld == cols) {
            src.get(index, dst, off, rows * cols);
        } else {
            for (int r = 0; r < rows; r++) src.get(index + r * cols, dst, off + r * ld, cols);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Prepared operands
    // ---------------------------------------------------------------------------------------------

    /** op(B) in native memory: {@code [K, N]} (ld N), or {@code [N, K]} (ld K) used transposed. */
    static final class Matrix implements Prepared, AutoCloseable {
        final int k;
        final int n;
        final boolean trans;
        final int ld;
        private FloatPointer ptr;
        /** The direct buffer {@link #ptr} points into when the matrix is read in place (kept reachable: a memory
         * mapping lives as long as its buffer); null for memory this matrix allocated. */
        private FloatBuffer inPlace;

        Matrix(int k, int n, boolean trans) {
            this.k = k;
            this.n = n;
            this.trans = trans;
            this.ld = trans ? Math.max(1, k) : Math.max(1, n);
            this.ptr = new FloatPointer(Math.max(1L, (long) k * n));
            if (ptr.isNull()) throw new OutOfMemoryError("cannot allocate " + 4L * k * n + " bytes of native memory");
        }

        /** A matrix read in place from a direct buffer (e.g. a memory-mapped checkpoint): nothing is copied. */
        Matrix(int k, int n, boolean trans, FloatBuffer direct) {
            this.k = k;
            this.n = n;
            this.trans = trans;
            this.ld = trans ? Math.max(1, k) : Math.max(1, n);
            this.inPlace = direct;
            this.ptr = new FloatPointer(direct);
        }

        @Override
        public int k() {
            return k;
        }

        @Override
        public int n() {
            return n;
        }

        FloatPointer ptr() {
            FloatPointer p = ptr;
            if (p == null) throw new IllegalStateException("prepared matrix was released (backend closed)");
            return p;
        }

        @Override
        public synchronized void close() {
            if (ptr != null && inPlace == null) ptr.close(); // in-place memory belongs to its buffer
            ptr = null;
            inPlace = null;
        }
    }

    @Override
    public Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n) {
        Matrix m = new Matrix(k, n, transB);
        if ((long) k * n > 0) {
            FloatBuffer dst = m.ptr().asBuffer();
            if (transB) {
                load(dst, 0, b, bOff, ldb, n, k);
            } else {
                load(dst, 0, b, bOff, ldb, k, n);
            }
        }
        return m;
    }

    /**
     * Reads a direct buffer in place (a weight memory-mapped from the checkpoint): OpenBLAS multiplies from the
     * mapped file, so the weight costs neither a copy nor anonymous memory, only page-cache pages the kernel can
     * share and reclaim. A heap buffer is copied as the array form is.
     */
    @Override
    public Prepared prepare(Parallel par, FloatBuffer b, boolean transB, int k, int n) {
        if (!b.isDirect() || b.order() != ByteOrder.nativeOrder() || b.capacity() < (long) k * n || (long) k * n == 0) {
            return GemmEngine.super.prepare(par, b, transB, k, n);
        }
        return new Matrix(k, n, transB, b.duplicate().position(0));
    }

    // ---------------------------------------------------------------------------------------------
    // Products
    // ---------------------------------------------------------------------------------------------

    /** What a task does with its rows {@code [r0, r0 + rows)} of A and C. */
    @FunctionalInterface
    private interface RowTask {
        void run(Stage s, int r0, int rows);
    }

    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared pb, float[] c, int cOff, int ldc,
                     float[] bias) {
        gemm(par, m, a, aOff, lda, pb, c, cOff, ldc, bias, null);
    }

    /**
     * The epilogue runs on each row of C right after its block's product: in place, or as the row is copied back from
     * native memory (while the row is in the cache).
     */
    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared pb, float[] c, int cOff, int ldc,
                     float[] bias, Epilogue epilogue) {
        Matrix b = (Matrix) pb;
        int n = b.n;
        int k = b.k;
        if (m <= 0 || n <= 0) return;
        FloatPointer bp = b.ptr();
        if (shortProduct(par, m, n, k, a, aOff, lda, bp, b.ld, b.trans, c, cOff, ldc, bias, epilogue)) return;
        if (inPlace && k > 0) {
            run(par, m, n, k, (s, r0, rows) -> inPlaceBlock(r0, rows, 0, n, k, a, aOff, lda, bp, null, 0, b.ld, b.trans,
                    c, cOff, ldc, bias, epilogue));
            return;
        }
        run(par, m, n, k, (s, r0, rows) -> rowBlock(s, r0, rows, n, k, a, aOff, lda, bp, b.ld, b.trans, c, cOff, ldc, bias,
                epilogue));
    }

    /**
     * Each product whole on one worker, the workers taking the next product when done: split by rows, a product of
     * Winograd's band (432 tiles of 256 channels by 256) ran as four blocks of 108 rows, each packing the whole B, and
     * the 288² convolution took 277 ms; this way 239 ms (the same values: each row's sums are the same).
     */
    @Override
    public void gemmEach(Parallel par, int m, float[] a, int aOff, int lda, int aStride, Prepared[] b, float[] c,
                         int cOff, int ldc, int cStride) {
        int workers = par == null ? 1 : Math.min(par.threads(), threads);
        if (threading == Threading.OPENBLAS || workers <= 1 || b.length < 2 * workers) {
            GemmEngine.super.gemmEach(par, m, a, aOff, lda, aStride, b, c, cOff, ldc, cStride);
            return;
        }
        Parallel.forTasks(par, workers, b.length, (w, queue) -> {
            for (int i = queue.next(); i >= 0; i = queue.next()) {
                gemm(null, m, a, aOff + i * aStride, lda, b[i], c, cOff + i * cStride, ldc, null);
            }
        });
    }

    /**
     * A product with too few rows to split by rows (fewer than {@code 2 · MIN_ROWS}: the text encoder's 32 tokens)
     * but enough work for the workers, split by columns instead: each worker stages A whole (32 × 4096 floats at
     * most there) and multiplies it by blocks of at least {@link #MIN_COLUMNS} columns of B, read in place. On one
     * thread, as {@link #run} would take it, the text encoder of a full-size prompt took 0.39 s against the pure-Java
     * backend's 0.18 s on two.
     *
     * @return false, doing nothing, where the rows suffice, the product is small, or one thread runs it anyway
     */
    private boolean shortProduct(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, FloatPointer b,
                                 int ldb, boolean transB, float[] c, int cOff, int ldc, float[] bias, Epilogue epilogue) {
        int workers = par == null ? 1 : Math.min(par.threads(), threads);
        if (threading == Threading.OPENBLAS || workers <= 1 || m >= 2 * MIN_ROWS || k == 0 || n < 2 * MIN_COLUMNS
                || 2L * m * n * k < SERIAL_FLOPS || (long) m * Math.max(k, n) > MAX_STAGE_FLOATS) {
            return false;
        }
        // two blocks per worker, whole multiples of 16 columns
        int per = Math.max(MIN_COLUMNS, ((n + 2 * workers - 1) / (2 * workers) + 15) / 16 * 16);
        int tasks = (n + per - 1) / per;
        if (inPlace) {
            Parallel.forTasks(par, workers, tasks, (w, queue) -> {
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int j0 = t * per;
                    int nc = Math.min(per, n - j0);
                    inPlaceBlock(0, m, j0, nc, k, a, aOff, lda, b, null, transB ? (long) j0 * ldb : j0, ldb, transB, c,
                            cOff, ldc, bias, epilogue);
                }
            });
            return true;
        }
        Parallel.forTasks(par, workers, tasks, (w, queue) -> {
            Stage s = take();
            try {
                s.a.ensure((long) m * k);
                load(s.a.buf, 0, a, aOff, lda, m, k);
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int j0 = t * per;
                    int nc = Math.min(per, n - j0);
                    s.c.ensure((long) m * nc);
                    if (bias != null) {
                        for (int r = 0; r < m; r++) s.c.buf.put(r * nc, bias, j0, nc);
                    }
                    // op(B)'s columns j0.. start j0 rows into a transposed B ([N, K]), j0 floats into a plain one
                    FloatPointer bj = b.getPointer(transB ? (long) j0 * ldb : j0);
                    OpenBlas.sgemm(false, transB, m, nc, k, 1f, s.a.ptr, k, bj, ldb, bias != null ? 1f : 0f, s.c.ptr,
                            nc);
                    for (int r = 0; r < m; r++) {
                        int dst = cOff + r * ldc + j0;
                        s.c.buf.get(r * nc, c, dst, nc);
                        if (epilogue != null) epilogue.apply(c, dst, nc);
                    }
                }
            } finally {
                give(s);
            }
        });
        return true;
    }

    @Override
    public void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     boolean transB, float[] c, int cOff, int ldc, float[] bias) {
        if (m <= 0 || n <= 0) return;
        if (inPlace && k > 0 && (long) k * n > MAX_STAGE_FLOATS && (long) m * k <= MAX_STAGE_FLOATS) {
            // a long B by columns, as columnBlocks stages it: each block of B is read once, where blocks of rows
            // each packed all of it (the per-query masks, 200 × 82 944 by 256: 85 → 57 ms in a text prompt)
            final int cols = columnBlock(m, n, k);
            Parallel.forTasks(par, columnWorkers(par), (n + cols - 1) / cols, (w, queue) -> {
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int j0 = t * cols;
                    inPlaceBlock(0, m, j0, Math.min(cols, n - j0), k, a, aOff, lda, null, b,
                            bOff + (transB ? (long) j0 * ldb : j0), ldb, transB, c, cOff, ldc, bias, null);
                }
            });
            return;
        }
        if (inPlace && k > 0) {
            run(par, m, n, k, (s, r0, rows) -> inPlaceBlock(r0, rows, 0, n, k, a, aOff, lda, null, b, bOff, ldb, transB,
                    c, cOff, ldc, bias, null));
            return;
        }
        if ((long) k * n > MAX_STAGE_FLOATS && (long) m * k <= MAX_STAGE_FLOATS) {
            columnBlocks(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias);
            return;
        }
        Stage sb = take();
        try {
            int ld = transB ? Math.max(1, k) : Math.max(1, n);
            sb.b.ensure(Math.max(1L, (long) k * n));
            if (transB) {
                load(sb.b.buf, 0, b, bOff, ldb, n, k);
            } else {
                load(sb.b.buf, 0, b, bOff, ldb, k, n);
            }
            FloatPointer bp = sb.b.ptr;
            run(par, m, n, k, (s, r0, rows) -> rowBlock(s, r0, rows, n, k, a, aOff, lda, bp, ld, transB, c, cOff, ldc, bias,
                    null));
        } finally {
            give(sb);
        }
    }

    /** Columns per block of a product split by columns: whole multiples of 16, a block of B or C within 4 MiB. */
    private static int columnBlock(int m, int n, int k) {
        return (int) Math.min(n, Math.max(16, COLUMN_BLOCK_FLOATS / Math.max(k, m) / 16 * 16));
    }

    /** Workers of a product split by columns: one under OpenBLAS's own threading. */
    private int columnWorkers(Parallel par) {
        return par == null || threading == Threading.OPENBLAS ? 1 : threads;
    }

    /**
     * A product whose B is too large to stage whole (e.g. the per-query masks: 200 queries against 82 944 pixel
     * embeddings, 85 MB) and whose A is not: each worker stages A once, then takes blocks of columns of C in turn,
     * staging only that block of B. Staging B whole took one thread's copy of all of it, and its buffer stayed in
     * the pool at that size.
     */
    private void columnBlocks(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                              int ldb, boolean transB, float[] c, int cOff, int ldc, float[] bias) {
        final int cols = columnBlock(m, n, k);
        Parallel.forTasks(par, columnWorkers(par), (n + cols - 1) / cols, (w, queue) -> {
            Stage s = take();
            try {
                s.a.ensure((long) m * k);
                load(s.a.buf, 0, a, aOff, lda, m, k);
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int j0 = t * cols;
                    int nc = Math.min(cols, n - j0);
                    s.b.ensure((long) k * nc);
                    if (transB) {
                        load(s.b.buf, 0, b, bOff + j0 * ldb, ldb, nc, k);
                    } else {
                        load(s.b.buf, 0, b, bOff + j0, ldb, k, nc);
                    }
                    s.c.ensure((long) m * nc);
                    if (bias != null) {
                        for (int r = 0; r < m; r++) s.c.buf.put(r * nc, bias, j0, nc);
                    }
                    OpenBlas.sgemm(false, transB, m, nc, k, 1f, s.a.ptr, k, s.b.ptr, transB ? k : nc,
                            bias != null ? 1f : 0f, s.c.ptr, nc);
                    store(s.c.buf, 0, c, cOff + j0, ldc, m, nc);
                }
            } finally {
                give(s);
            }
        });
    }

    /**
     * The block of C of rows {@code [r0, r0 + rows)} and columns {@code [j0, j0 + nc)}, where it lies
     * ({@link InPlaceSgemm}): the bias written into C's rows, OpenBLAS's product added to it ({@code beta = 1}; 0
     * without a bias), then the epilogue on each row. op(B)'s columns {@code j0..} start at {@code bOff} (B native
     * memory {@code b}, or the Java array {@code bArray}). {@code k} is positive.
     */
    private static void inPlaceBlock(int r0, int rows, int j0, int nc, int k, float[] a, int aOff, int lda,
                                     FloatPointer b, float[] bArray, long bOff, int ldb, boolean transB, float[] c,
                                     int cOff, int ldc, float[] bias, Epilogue epilogue) {
        int c0 = cOff + r0 * ldc + j0;
        if (bias != null) {
            for (int r = 0; r < rows; r++) System.arraycopy(bias, j0, c, c0 + r * ldc, nc);
        }
        float beta = bias != null ? 1f : 0f;
        if (transB && rows <= InPlaceSgemm.ROWS_MAX && InPlaceSgemm.rowsSupported()) {
            // a few rows by a weight: each row of B read once rather than packed (OpenBLAS ran at a third of the
            // memory's rate there)
            if (b != null) {
                InPlaceSgemm.rows(a, aOff + r0 * lda, lda, b, bOff, ldb, rows, nc, k, beta, c, c0, ldc);
            } else {
                InPlaceSgemm.rows(a, aOff + r0 * lda, lda, bArray, (int) bOff, ldb, rows, nc, k, beta, c, c0, ldc);
            }
        } else if (b != null) {
            InPlaceSgemm.sgemm(a, aOff + r0 * lda, lda, b, bOff, ldb, transB, rows, nc, k, beta, c, c0, ldc);
        } else {
            InPlaceSgemm.sgemm(a, aOff + r0 * lda, lda, bArray, (int) bOff, ldb, transB, rows, nc, k, beta, c, c0, ldc);
        }
        if (epilogue != null) {
            for (int r = 0; r < rows; r++) epilogue.apply(c, c0 + r * ldc, nc);
        }
    }

    /**
     * Rows {@code [r0, r0 + rows)} of C: stage A, pre-fill C with the bias, multiply, copy C back (applying the
     * epilogue, if any, to each row right after its copy).
     */
    private static void rowBlock(Stage s, int r0, int rows, int n, int k, float[] a, int aOff, int lda,
                                 FloatPointer b, int ldb, boolean transB, float[] c, int cOff, int ldc, float[] bias,
                                 Epilogue epilogue) {
        s.c.ensure((long) rows * n);
        if (k == 0) {
            // OpenBLAS returns early for K = 0 without applying beta; C is the bias (or zero)
            emptyProduct(c, cOff + r0 * ldc, ldc, rows, n, bias, epilogue);
            return;
        }
        s.a.ensure((long) rows * k);
        load(s.a.buf, 0, a, aOff + r0 * lda, lda, rows, k);
        if (bias != null) {
            for (int r = 0; r < rows; r++) s.c.buf.put(r * n, bias, 0, n);
        }
        OpenBlas.sgemm(false, transB, rows, n, k, 1f, s.a.ptr, k, b, ldb, bias != null ? 1f : 0f, s.c.ptr, n);
        if (epilogue == null) {
            store(s.c.buf, 0, c, cOff + r0 * ldc, ldc, rows, n);
        } else {
            for (int r = 0; r < rows; r++) {
                int dst = cOff + (r0 + r) * ldc;
                s.c.buf.get(r * n, c, dst, n);
                epilogue.apply(c, dst, n);
            }
        }
    }

    /**
     * {@code rows} rows of C of a product with no inner dimension ({@code K = 0}): the bias (or zeros), then the
     * epilogue, if any.
     */
    static void emptyProduct(float[] c, int cOff, int ldc, int rows, int n, float[] bias, Epilogue epilogue) {
        for (int r = 0; r < rows; r++) {
            int dst = cOff + r * ldc;
            if (bias != null) {
                System.arraycopy(bias, 0, c, dst, n);
            } else {
                java.util.Arrays.fill(c, dst, dst + n, 0f);
            }
            if (epilogue != null) epilogue.apply(c, dst, n);
        }
    }

    /** Splits the rows of a product into tasks and runs them (see the class comment). */
    private void run(Parallel par, int m, int n, int k, RowTask task) {
        long flops = 2L * m * n * Math.max(1, k);
        int maxRows = (int) Math.max(1, Math.min(m, MAX_STAGE_FLOATS / Math.max(1, Math.max(k, n))));
        int workers = par == null ? 1 : Math.min(par.threads(), threads);
        if (threading == Threading.OPENBLAS || workers <= 1 || flops < SERIAL_FLOPS || m < 2 * MIN_ROWS) {
            Stage s = take();
            try {
                for (int r0 = 0; r0 < m; r0 += maxRows) task.run(s, r0, Math.min(maxRows, m - r0));
            } finally {
                give(s);
            }
            return;
        }
        // two or more row blocks per worker, handed out dynamically (a core may be busy elsewhere)
        int per = Math.max(MIN_ROWS, Math.min(maxRows, (m + 2 * workers - 1) / (2 * workers)));
        int tasks = (m + per - 1) / per;
        Parallel.forTasks(par, workers, tasks, (w, queue) -> {
            Stage s = take();
            try {
                for (int t = queue.next(); t >= 0; t = queue.next()) task.run(s, t * per, Math.min(per, m - t * per));
            } finally {
                give(s);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Convolution
    // ---------------------------------------------------------------------------------------------

    /** Stride 1 only (see {@link #conv2d}); other strides take the backend's im2col product. */
    @Override
    public boolean convolves(int stride) {
        return stride == 1;
    }

    /**
     * A stride-1 convolution as products over its taps, on bands of output rows. A task stages its band's input
     * rows once, zero-padded to {@code w + 2·pad} columns; in that layout the input pixel each output pixel reads
     * through tap {@code (i, j)} sits a constant {@code (i·(w + 2·pad) + j)·cin} floats further on, so each tap is one
     * product over the whole band ({@code beta = 1} adding it to C, pre-filled with the bias), computed at the
     * padded width and copied back without the {@code 2·pad} extra columns per row. Against an im2col matrix
     * ({@code kh·kw·cin} floats per pixel, written, then staged) a pixel costs {@code cin} floats in and
     * {@code cout} out, at {@code 2·pad / (w + 2·pad)} more arithmetic. A 1 × 1 convolution, where products run in
     * place, is one product over the pixels instead, read and written where they lie.
     */
    @Override
    public void conv2d(Parallel par, ConvProblem p) {
        if (p.stride() != 1) throw new IllegalArgumentException("stride " + p.stride() + ": OpenBLAS convolves stride 1 only");
        if (inPlace && p.kh() == 1 && p.kw() == 1 && p.pad() == 0) {
            // a 1 × 1 convolution is one product over the pixels, channels-last rows in place
            gemm(par, p.batch() * p.h() * p.w(), p.x(), p.xOff(), p.cin(), p.taps()[0], p.y(), p.yOff(), p.cout(),
                    p.bias());
            return;
        }
        final int wp = p.w() + 2 * p.pad();
        final long rowFloats = (long) wp * Math.max(p.cin(), p.cout());
        int workers = par == null || threading == Threading.OPENBLAS ? 1 : Math.min(par.threads(), threads);
        // bands of about CONV_BAND_PIXELS output pixels (C stays in the cache across the taps' products), small
        // enough to stage, and at least two per worker when the image allows
        int band = (int) Math.max(1, Math.min(p.ho(), MAX_STAGE_FLOATS / rowFloats - (p.kh() - 1)));
        band = Math.min(band, (CONV_BAND_PIXELS + wp - 1) / wp);
        band = Math.max(1, Math.min(band, (p.ho() + 2 * workers - 1) / (2 * workers)));
        final int rows = band;
        final int bandsPerImage = (p.ho() + rows - 1) / rows;
        Parallel.forTasks(par, workers, p.batch() * bandsPerImage, (w, queue) -> {
            Stage s = take();
            try {
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int oy0 = (t % bandsPerImage) * rows;
                    convBand(s, p, t / bandsPerImage, oy0, Math.min(rows, p.ho() - oy0), wp);
                }
            } finally {
                give(s);
            }
        });
    }

    /** Zeroes {@code len} floats of {@code buf} from {@code index}. */
    private static void zero(FloatBuffer buf, int index, int len) {
        for (int i = 0; i < len; i += ZEROS.length) buf.put(index + i, ZEROS, 0, Math.min(ZEROS.length, len - i));
    }

    /** Output rows {@code [oy0, oy0 + rows)} of image {@code b}. */
    private static void convBand(Stage s, ConvProblem p, int b, int oy0, int rows, int wp) {
        final int cin = p.cin(), cout = p.cout(), pad = p.pad(), w = p.w();
        final int inRows = rows + p.kh() - 1;
        s.a.ensure((long) inRows * wp * cin);
        FloatBuffer in = s.a.buf;
        for (int r = 0; r < inRows; r++) {
            int iy = oy0 - pad + r;
            int dst = r * wp * cin;
            if (iy < 0 || iy >= p.h()) {
                zero(in, dst, wp * cin);
                continue;
            }
            zero(in, dst, pad * cin);
            in.put(dst + pad * cin, p.x(), p.xOff() + ((b * p.h() + iy) * w) * cin, w * cin);
            zero(in, dst + (pad + w) * cin, pad * cin);
        }
        // C at the padded width: output pixel (oy0 + r, ox) is row r·wp + ox; the last row stops at wo
        final int m = (rows - 1) * wp + p.wo();
        s.c.ensure((long) m * cout);
        FloatBuffer c = s.c.buf;
        float beta = 0f;
        if (p.bias() != null) {
            for (int r = 0; r < m; r++) c.put(r * cout, p.bias(), 0, cout);
            beta = 1f;
        }
        FloatPointer a = new FloatPointer(s.a.ptr);
        for (int i = 0; i < p.kh(); i++) {
            for (int j = 0; j < p.kw(); j++) {
                Matrix tap = (Matrix) p.taps()[i * p.kw() + j];
                a.position((long) (i * wp + j) * cin);
                OpenBlas.sgemm(false, tap.trans, m, cout, cin, 1f, a, cin, tap.ptr(), tap.ld, beta, s.c.ptr, cout);
                beta = 1f;
            }
        }
        for (int r = 0; r < rows; r++) {
            c.get(r * wp * cout, p.y(), p.yOff() + ((b * p.ho() + oy0 + r) * p.wo()) * cout, p.wo() * cout);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Attention
    // ---------------------------------------------------------------------------------------------

    /** Attention with fewer flops than this runs on the Java kernel. */
    static final long ATTENTION_MIN_FLOPS = 4L << 20;
    /**
     * Most queries per attention task (the columns of both products) for heads of up to 64 channels: a whole
     * window of the image encoder (24 × 24 tokens). Measured faster than 256 or 384 though a block of scores
     * (576 × 576) is then larger than L2: each product packs its operands once for more work.
     */
    static final int ATTENTION_QUERIES = 576;
    /**
     * Keys per step of the online softmax (the rows of the scores, the inner dimension of {@code P·V}) for heads of
     * up to 64 channels: all keys of a window in one step (no rescaling), the global blocks' 5184 in nine.
     */
    static final int ATTENTION_KEYS = 576;
    /**
     * Queries per task for wider heads (the video tracker's 256 channels), where the products dominate (measured:
     * 512 about 15 % faster than 256, level with 768).
     */
    static final int WIDE_ATTENTION_QUERIES = 512;
    /** Keys per step for wider heads (measured 10 % faster than 512 with 256 channels). */
    static final int WIDE_ATTENTION_KEYS = 1024;

    /**
     * Flash attention as blocked OpenBLAS products, for every (batch, head, block of up to
     * {@value #ATTENTION_QUERIES} queries, {@value #WIDE_ATTENTION_QUERIES} for wider heads), the blocks handed out
     * dynamically to the Java workers:
     * <ol>
     *   <li>q, k and v are copied once into native memory, in parallel (the heap arrays cannot be handed to
     *       OpenBLAS, see the class comment), heads still interleaved: a head is a column block with row stride
     *       {@code H·D}, read in place by the products;</li>
     *   <li>for each block of {@value #ATTENTION_KEYS} keys ({@value #WIDE_ATTENTION_KEYS} for wider heads):
     *       {@code Sᵀ = scale · K_blk · Qᵀ} (keys × queries) by OpenBLAS into a native buffer; its rows are copied to
     *       the heap, the bias added, and {@link OnlineSoftmax} turns them into weights {@code P} against the running
     *       maxima with the vectorised column loops of the Java kernel; the weights go back;</li>
     *   <li>{@code Oᵀ = alpha · Oᵀ + V_blkᵀ · P} by OpenBLAS into a native accumulator ({@code Dv} rows): the first
     *       block sets it ({@code beta = 0}), later ones add to it ({@code beta = 1}), and it is copied to the heap
     *       to be rescaled only after a block that moved a running maximum;</li>
     *   <li>finally {@code Oᵀ / l}, transposed, into y.</li>
     * </ol>
     * Both products have the block's queries as their columns and at least 64 for their inner dimension, so that
     * OpenBLAS runs its micro-kernels on full panels. Small problems (the prompt decoders' few queries) stay on
     * the Java kernel, which is faster there.
     */
    @Override
    public boolean attention(Parallel par, AttentionProblem p) {
        if (leavesAttention(p)) return false;
        if (nativeTakes(p)) {
            nativeAttention(par, p);
            return true;
        }
        boolean wide = Math.max(p.d(), p.dv()) > 64;
        attention(par, p, wide ? WIDE_ATTENTION_QUERIES : ATTENTION_QUERIES, wide ? WIDE_ATTENTION_KEYS : ATTENTION_KEYS);
        return true;
    }

    /** Whether {@link #attention} leaves {@code p} to the Java kernel, as {@value #ATTENTION_PROPERTY} chooses. */
    @Override
    public boolean leavesAttention(AttentionProblem p) {
        if (p.tk() == 0 || p.flops() < ATTENTION_MIN_FLOPS) return true;
        switch (attentionEngine) {
            case JAVA:
                return true;
            case NATIVE:
                return !nativeTakes(p);
            case AUTO:
                return !nativeTakes(p) && (CpuBackend.vectorAttention(p.tq(), p.tk())
                        || Math.max(p.d(), p.dv()) < BLAS_MIN_HEAD_DIM);
            default:
                return false;
        }
    }

    /** Fewest queries per task of the native kernel, which packs the head's keys and values once per task. */
    static final int NATIVE_MIN_QUERIES = 128;

    /**
     * Attention on sam3j's native kernel ({@link NativeAttention}): the (batch, head, block of queries) tasks are
     * handed out dynamically to the Java workers, each calling the kernel with a scratch buffer of its own for the
     * packed keys and values ({@link #forHeadBlocks}). Where products run in place the kernel reads q, k and v and
     * writes y where they lie, values at their own row stride; otherwise q, k and v are staged into native memory as
     * for {@link #attention} (heads interleaved, values made contiguous) and the output is copied back in parallel.
     */
    void nativeAttention(Parallel par, AttentionProblem p) {
        final int b = p.b(), tq = p.tq(), tk = p.tk(), h = p.h(), d = p.d(), dv = p.dv();
        final int ldq = h * d, ldy = h * dv;
        final int workers = par == null ? 1 : Math.min(par.threads(), threads);
        if (inPlace) {
            // the operands where they lie, values at their own row stride; only the packed steps go to scratch
            nativeInPlace(par, workers, p, b, tq, tk, s -> (long) s * tq, s -> (long) s * tk, 1, 1);
            return;
        }
        Stage ops = take(operands);
        try {
            final long ny = (long) b * tq * ldy;
            ops.y.ensure(Math.max(1, ny));
            stageOperands(par, workers, ops, p);   // values made contiguous: ldy floats a token
            forHeadBlocks(par, workers, p, b, tq, tk, 1, (s, bi, hi, q0, rows) -> CpuKernels.s3cpu_attention_f32(
                    ops.a.ptr.getPointer((long) (bi * tq + q0) * ldq + (long) hi * d), ldq,
                    ops.b.ptr.getPointer((long) bi * tk * ldq + (long) hi * d), ldq,
                    ops.c.ptr.getPointer((long) bi * tk * ldy + (long) hi * dv), ldy,
                    ops.y.ptr.getPointer((long) (bi * tq + q0) * ldy + (long) hi * dv), ldy, rows, tk, d, dv,
                    p.scale(), s.a.ptr));
            unstage(par, workers, ops.y.buf, p.y(), p.yOff(), ny);
        } finally {
            give(operands, ops);
        }
    }

    /**
     * Whether the native kernel computes {@code p}: where it {@link NativeAttention#accepts} it and the engine is
     * {@code native}, or {@code auto} and the Java kernels are not all on 512-bit vectors (see
     * {@link #ATTENTION_PROPERTY}).
     */
    private boolean nativeTakes(AttentionProblem p) {
        return NativeAttention.accepts(p, inPlace) && nativeChosen(attentionEngine);
    }

    /** Whether {@code e} runs the problems the native kernel accepts on it (see {@link #ATTENTION_PROPERTY}). */
    private static boolean nativeChosen(AttentionEngine e) {
        return e == AttentionEngine.NATIVE || e == AttentionEngine.AUTO && !CpuBackend.vectorKernels();
    }

    /**
     * The image encoder's windowed attention on the native kernel, read and written in place in the token grid where
     * products run in place: the kernel addresses a window's rows itself (runs of {@code window} tokens, {@code gridW}
     * apart), so no window is gathered or scattered (four copies of 2.4 MB per window on SAM 3's grid). Otherwise, and
     * where attention is not the native kernel's, false: the backend gathers the windows.
     */
    @Override
    public boolean windowedAttention(Parallel par, AttentionProblem p, Attrs.Attention windows) {
        int tokens = windows.windowTokens(), count = p.b() * windows.windowCount();
        if (!inPlace || !windows.windowed() || p.bias() != null || !nativeTakes(p)
                || AttentionProblem.flops(count, p.h(), tokens, tokens, p.d(), p.dv()) < ATTENTION_MIN_FLOPS) {
            return false;
        }
        if (p.tq() != windows.gridH() * windows.gridW() || p.tk() != p.tq()) {
            throw new IllegalArgumentException("windowed attention over " + p.tq() + " tokens, grid " + windows);
        }
        final int workers = par == null ? 1 : Math.min(par.threads(), threads);
        nativeInPlace(par, workers, p, count, tokens, tokens, windows::windowStart, windows::windowStart,
                windows.window(), windows.gridW());
        return true;
    }

    /**
     * The native kernel on the operands in place: sequence {@code s} has {@code tq} queries from token
     * {@code queryStart(s)} and {@code tk} keys from {@code keyStart(s)}, its row {@code r} {@code (r / run) · gridW
     * + r % run} tokens on (consecutive tokens for {@code run = gridW = 1}); the bias {@code [biasB, biasH, biasTq,
     * tk]} of each sequence and head (broadcast where a size is 1) read in place too.
     */
    private void nativeInPlace(Parallel par, int workers, AttentionProblem p, int sequences, int tq, int tk,
                               IntToLongFunction queryStart, IntToLongFunction keyStart, int run, int gridW) {
        final int h = p.h(), d = p.d(), dv = p.dv();
        final long ldq = (long) h * d, ldy = (long) h * dv, ldv = p.vRow();
        forHeadBlocks(par, workers, p, sequences, tq, tk, run, (s, si, hi, q0, rows) -> {
            // q0 is a whole number of runs: its rows start that many grid rows on
            long row = queryStart.applyAsLong(si) + (long) (q0 / run) * gridW;
            long key = keyStart.applyAsLong(si);
            long bias = p.bias() == null ? 0 : p.biasOff()
                    + (((long) (p.biasB() == 1 ? 0 : si) * p.biasH() + (p.biasH() == 1 ? 0 : hi)) * p.biasTq()
                    + (p.biasTq() == 1 ? 0 : q0)) * tk;
            return CpuKernels.s3cpu_attention_f32_at(p.q(), p.qOff() + row * ldq + (long) hi * d, ldq,
                    p.k(), p.kOff() + key * ldq + (long) hi * d, ldq,
                    p.v(), p.vOff() + key * ldv + (long) hi * dv, ldv,
                    p.y(), p.yOff() + row * ldy + (long) hi * dv, ldy,
                    p.bias(), bias, p.biasTq() == 1 ? 0 : tk, rows, tk, d, run, gridW, p.scale(), s.a.ptr);
        });
    }

    /**
     * Where its products run on the arena in place ({@link #inPlace()}): the Winograd products then read and write the
     * transformed tiles where they lie. On a 2-core Zen 3 the text prompt's 288² × 256 → 256 convolution took 533
     * against 725 ms per tap, the encoder's convolutions 1.79 against 1.90 s, and full-size processes alternated four
     * times ran steady text prompts 3.73 against 3.90 s and encodes 35.8 against 37.3 s (medians;
     * {@code sam3-bench/results/click-image-side-2026-12-06}, F(2 × 2)); F(4 × 4) took the encoder's two 288²
     * convolutions from 480 and 425 to 299 and 277 ms and the text prompt's image-side convolutions from 560 to 375 ms
     * (per-op profiles, {@code sam3-bench/results/zen3-attention-winograd-2026-12-06}). With its products staged it did
     * not pay end to end
     * ({@code sam3-bench/results/native-attention-2026-12-03}), so a staged engine keeps the per-tap products.
     * {@code -Dsam3j.cpu.winograd=true|false} decides instead.
     */
    @Override
    public boolean prefersWinograd() {
        return inPlace;
    }

    /** {@link #attention(Parallel, AttentionProblem)} with the given block sizes (for measurements). */
    void attention(Parallel par, AttentionProblem p, int queryBlock, int keyBlock) {
        final int b = p.b(), tq = p.tq(), tk = p.tk(), h = p.h(), d = p.d(), dv = p.dv();
        final int ldq = h * d, ldv = h * dv;
        final int workers = par == null ? 1 : Math.min(par.threads(), threads);
        Stage ops = take(operands);
        try {
            stageOperands(par, workers, ops, p);
            int blocks = (tq + queryBlock - 1) / queryBlock;
            while ((long) b * h * blocks < 2L * workers && (tq + blocks) / (blocks + 1) >= 64) blocks++;
            final int nBlocks = blocks;
            final int block = (tq + nBlocks - 1) / nBlocks;
            // key blocks of about keyBlock, evenly split (no short tail block)
            final int keySteps = Math.max(1, Math.round((float) tk / keyBlock));
            final int kb = (tk + keySteps - 1) / keySteps;
            Parallel.forTasks(par, workers, b * h * nBlocks, (w, queue) -> {
                Stage s = take();
                try {
                    s.ensureScores(kb, block, dv);
                    s.a.ensure((long) kb * block);
                    s.c.ensure((long) dv * block);
                    FloatPointer qv = new FloatPointer(ops.a.ptr);
                    FloatPointer kv = new FloatPointer(ops.b.ptr);
                    FloatPointer vv = new FloatPointer(ops.c.ptr);
                    for (int t = queue.next(); t >= 0; t = queue.next()) {
                        int bi = t / (h * nBlocks);
                        int hi = (t / nBlocks) % h;
                        int q0 = (t % nBlocks) * block;
                        int rows = Math.min(block, tq - q0);
                        if (rows <= 0) continue;
                        qv.position((long) (bi * tq + q0) * ldq + (long) hi * d);
                        attentionBlock(s, p, qv, kv, vv, bi, hi, q0, rows, kb);
                    }
                } finally {
                    give(s);
                }
            });
        } finally {
            give(operands, ops);
        }
    }

    /** One call of the native kernel: query rows {@code [q0, q0 + rows)} of sequence {@code bi}, head {@code hi}. */
    @FunctionalInterface
    private interface HeadBlock {
        /** @return the kernel's result: 0, or -1 where it refused */
        int run(Stage s, int bi, int hi, int q0, int rows);
    }

    /**
     * Splits a native attention call into (sequence, head, block of queries) tasks, handed out dynamically to the
     * workers, each with a scratch buffer of its own for the kernel's packed keys and values ({@code tk} a sequence):
     * enough blocks of queries for the workers, none shorter than {@link #NATIVE_MIN_QUERIES}, each a whole number of
     * {@code unit} queries.
     */
    private void forHeadBlocks(Parallel par, int workers, AttentionProblem p, int sequences, int tq, int tk, int unit,
                               HeadBlock call) {
        final int h = p.h();
        int blocks = 1;
        while ((long) sequences * h * blocks < 2L * workers && tq / (blocks + 1) >= Math.max(NATIVE_MIN_QUERIES, unit)) {
            blocks++;
        }
        final int block = ((tq + blocks - 1) / blocks + unit - 1) / unit * unit;
        final int nBlocks = (tq + block - 1) / block;
        final long scratch = CpuKernels.s3cpu_attention_scratch(tk, p.d(), p.dv());
        Parallel.forTasks(par, workers, sequences * h * nBlocks, (w, queue) -> {
            Stage s = take();
            try {
                s.a.ensure(scratch);
                for (int t = queue.next(); t >= 0; t = queue.next()) {
                    int q0 = (t % nBlocks) * block;
                    int rows = Math.min(block, tq - q0);
                    if (rows <= 0) continue;
                    if (call.run(s, t / (h * nBlocks), (t / nBlocks) % h, q0, rows) != 0) {
                        throw new IllegalStateException("the native attention kernel refused heads of " + p.d() + "/"
                                + p.dv());
                    }
                }
            } finally {
                give(s);
            }
        });
    }

    /**
     * Copies an attention call's q, k and v into native memory ({@code ops.a}, {@code b}, {@code c}), heads still
     * interleaved, values made contiguous ({@code H·Dv} floats a token) when they are read in wider rows.
     */
    private static void stageOperands(Parallel par, int workers, Stage ops, AttentionProblem p) {
        final int ldq = p.h() * p.d(), ldv = p.h() * p.dv();
        final long nq = (long) p.b() * p.tq() * ldq, nk = (long) p.b() * p.tk() * ldq, nv = (long) p.b() * p.tk() * ldv;
        ops.a.ensure(Math.max(1, nq));
        ops.b.ensure(Math.max(1, nk));
        ops.c.ensure(Math.max(1, nv));
        stage(par, workers, ops.a.buf, p.q(), p.qOff(), nq);
        stage(par, workers, ops.b.buf, p.k(), p.kOff(), nk);
        if (p.vRow() == ldv) {
            stage(par, workers, ops.c.buf, p.v(), p.vOff(), nv);
        } else {
            stageRows(par, workers, ops.c.buf, p.v(), p.vOff(), p.b() * p.tk(), ldv, p.vRow());
        }
    }

    /** Copies {@code n} floats of {@code src} at {@code off} to the start of {@code dst}, split over the workers. */
    private static void stage(Parallel par, int workers, FloatBuffer dst, float[] src, int off, long n) {
        inChunks(par, workers, n, (lo, len) -> dst.put(lo, src, off + lo, len));
    }

    /** Copies {@code n} floats from the start of {@code src} to {@code dst} at {@code off}, split over the workers. */
    private static void unstage(Parallel par, int workers, FloatBuffer src, float[] dst, int off, long n) {
        inChunks(par, workers, n, (lo, len) -> src.get(lo, dst, off + lo, len));
    }

    /** A copy of {@code len} floats from float {@code lo} on. */
    private interface Span {
        void copy(int lo, int len);
    }

    /** Runs {@code span} over {@code n} floats in chunks of 2^18, the chunks split over the workers. */
    private static void inChunks(Parallel par, int workers, long n, Span span) {
        final int chunk = 1 << 18;
        int chunks = (int) ((n + chunk - 1) / chunk);
        if (workers <= 1 || chunks <= 1) {
            span.copy(0, (int) n);
            return;
        }
        par.forRange(chunks, 1, (w, from, to) -> {
            int lo = from * chunk;
            int hi = (int) Math.min(n, (long) to * chunk);
            span.copy(lo, hi - lo);
        });
    }

    /**
     * Copies {@code rows} rows of {@code length} floats, {@code stride} apart in {@code src} from {@code off}, one after
     * the other to the start of {@code dst} (a strided view of the values made contiguous while staging them).
     */
    private static void stageRows(Parallel par, int workers, FloatBuffer dst, float[] src, int off, int rows, int length,
                                  int stride) {
        int per = Math.max(1, (1 << 18) / length);
        int chunks = (rows + per - 1) / per;
        Parallel.WorkerRangeBody body = (w, from, to) -> {
            for (int r = from * per, end = Math.min(rows, to * per); r < end; r++) dst.put(r * length, src, off + r * stride, length);
        };
        if (workers <= 1 || chunks <= 1) {
            body.run(0, 0, chunks);
        } else {
            par.forRange(chunks, 1, body);
        }
    }

    /**
     * One (batch, head, block of {@code rows} queries at {@code q0}), keys in blocks of {@code kb}; {@code q} points
     * at the block's first query, {@code k} and {@code v} at the staged operands (positions are set here).
     */
    private static void attentionBlock(Stage s, AttentionProblem p, FloatPointer q, FloatPointer k, FloatPointer v,
                                       int bi, int hi, int q0, int rows, int kb) {
        final int tq = p.tq(), tk = p.tk(), h = p.h(), d = p.d(), dv = p.dv();
        final float[][] sT = s.scores, oT = s.out;
        final FloatBuffer st = s.a.buf, ot = s.c.buf;
        final OnlineSoftmax softmax = s.softmax;
        final float[] bias = p.bias();
        int biasBase = 0;
        if (bias != null) {
            biasBase = p.biasOff() + ((p.biasB() == 1 ? 0 : bi) * p.biasH() + (p.biasH() == 1 ? 0 : hi)) * p.biasTq() * tk;
            if (p.biasTq() != 1) biasBase += q0 * tk;
        }
        softmax.reset(rows);
        for (int j0 = 0; j0 < tk; j0 += kb) {
            final int kc = Math.min(kb, tk - j0);
            // Sᵀ = scale · K_blk · Qᵀ
            k.position(((long) bi * tk + j0) * h * d + (long) hi * d);
            OpenBlas.sgemm(false, true, kc, rows, d, p.scale(), k, h * d, q, h * d, 0f, s.a.ptr, rows);
            for (int j = 0; j < kc; j++) st.get(j * rows, sT[j], 0, rows);
            if (bias != null) {
                if (p.biasTq() == 1) {
                    for (int j = 0; j < kc; j++) {
                        float bj = bias[biasBase + j0 + j];
                        float[] r = sT[j];
                        for (int i = 0; i < rows; i++) r[i] += bj;
                    }
                } else {
                    for (int i = 0; i < rows; i++) {
                        int br = biasBase + i * tk + j0;
                        for (int j = 0; j < kc; j++) sT[j][i] += bias[br + j];
                    }
                }
            }
            softmax.step(sT, kc);
            for (int j = 0; j < kc; j++) st.put(j * rows, sT[j], 0, rows);
            // Oᵀ = alpha · Oᵀ + V_blkᵀ · P, Oᵀ kept in native memory: the first block starts it (beta = 0), and it is
            // copied out for the rescaling only when a running maximum moved (not at all when all keys are one block)
            if (j0 > 0 && !softmax.maximaKept()) {
                for (int c = 0; c < dv; c++) ot.get(c * rows, oT[c], 0, rows);
                softmax.rescale(oT, dv);
                for (int c = 0; c < dv; c++) ot.put(c * rows, oT[c], 0, rows);
            }
            v.position(((long) bi * tk + j0) * h * dv + (long) hi * dv);
            OpenBlas.sgemm(true, false, dv, rows, kc, 1f, v, h * dv, s.a.ptr, rows, j0 == 0 ? 0f : 1f, s.c.ptr, rows);
        }
        for (int c = 0; c < dv; c++) ot.get(c * rows, oT[c], 0, rows);
        final float[] y = p.y();
        final float[] l = softmax.sums();
        for (int i = 0; i < rows; i++) {
            float inv = 1f / l[i];
            int dst = p.yOff() + ((bi * tq + q0 + i) * h + hi) * dv;
            for (int c = 0; c < dv; c++) y[dst + c] = oT[c][i] * inv;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (bf16 != null) bf16.close();
        for (Stage s = pool.poll(); s != null; s = pool.poll()) s.release();
        for (Stage s = operands.poll(); s != null; s = operands.poll()) s.release();
    }

    @Override
    public String toString() {
        return "OpenBlasGemm[" + OpenBlas.version() + ", " + threads + " threads, " + threading + "]";
    }
}
