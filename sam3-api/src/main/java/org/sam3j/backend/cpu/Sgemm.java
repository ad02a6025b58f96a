package org.sam3j.backend.cpu;

import java.util.Arrays;

/**
 * Single-precision matrix multiplication for the pure-Java CPU backend.
 *
 * <p>All matrices are row-major {@code float[]} with an offset and a leading dimension (row stride).
 * {@code C[M,N] = A[M,K] · op(B) (+ bias[N]) (+ C if accumulate)}, where op(B) is {@code B[K,N]} or,
 * with {@code transB}, the transpose of {@code B[N,K]} (the layout of a {@code Linear} weight).
 *
 * <h2>Design</h2>
 * The kernel is written so that HotSpot C2 (JDK 17) auto-vectorises it. C2's SuperWord pass on
 * JDK 17 only vectorises a loop when every array access in it has the same loop-invariant offset
 * (in practice: none), and only when the loop body stays small. Hence:
 * <ul>
 *   <li>op(B) is packed into <em>panels</em> of at most 512 columns in one array, each panel a K block of 256 rows
 *       after another, each K block stored as strips of 32 columns (see {@link PackedMatrix}); for these kernels
 *       each K block of a panel is copied into a row array per k (per-worker scratch), so that the inner loop
 *       indexes every B row at plain {@code [j]};</li>
 *   <li>a tile of 4 rows of C is accumulated in four per-worker scratch rows, also indexed
 *       at {@code [j]}; each inner loop adds {@code 4 × 2} rank-1 products
 *       ({@code acc_r[j] = fma(a[r][p+1], B[p+1][j], fma(a[r][p], B[p][j], acc_r[j]))}), which is the
 *       largest register block that C2 reliably vectorises (wider blocks silently fall back to
 *       scalar code);</li>
 *   <li>K is blocked by 256 so that a {@code KC × NC} block of packed B stays in L2 while a
 *       block of rows of A sweeps over it; C is moved in and out of the scratch rows with
 *       {@link System#arraycopy}, once per K block;</li>
 *   <li>work is split into (row block × panel) tasks handed out dynamically to the workers of a
 *       {@link Parallel}, with row blocks shrunk until every worker has several tasks;</li>
 *   <li>a narrow product (N below 256, M large, e.g. attention's P·V with N = head dim) is computed
 *       as {@code Cᵀ = op(B)ᵀ · Aᵀ} when A is small enough to transpose cheaply, so that the
 *       vectorised loop runs over M instead of a short N;</li>
 *   <li>fewer than 4 rows with an unpacked B (a matrix-vector product) skip packing and run a
 *       scalar loop.</li>
 * </ul>
 * When the JVM has the Vector API ({@link VectorKernels}), tiles of {@link VectorSgemm#ROWS} rows (8 with 512-bit
 * vectors, 5 with 256-bit ones) run on {@link VectorSgemm} instead, whose accumulators stay in registers for a whole K
 * block: the same floats bit for bit. A task then runs in the order of Goto's GEMM: C's rows of the row block stay in
 * per-worker scratch from the first K block to the last; for each K block, A's rows of the block are copied once,
 * tile by tile ({@link #tileOfA}); and each strip of the panel's K block (32 columns, up to 32 KiB) multiplies every
 * tile while it is mostly in L1, so that the loads that go past L1 are A's (a tile's floats per step of K) rather
 * than B's (32). The strips are read in place; the row blocks are whole tiles, and the last rows of a product run one
 * at a time on {@link VectorSgemm#oneRow}.
 * Constant matrices (the weights of {@code Linear} layers) should be packed once with
 * {@link #pack(float[], int, int, boolean, int, int)} and multiplied with
 * {@link #gemm(Parallel, int, float[], int, int, PackedMatrix, float[], int, int, float[], boolean)};
 * the general {@link #gemm(Parallel, int, int, int, float[], int, int, float[], int, int, boolean, float[], int, int, float[], boolean)}
 * packs B on every call into a reusable per-thread buffer.
 *
 * <p>Products are accumulated in float with fused multiply-adds, in order of increasing k.
 */
public final class Sgemm {
    /**
     * The layout of a packed matrix, in words: part of the key of packed weights kept on disk
     * ({@link PackedWeightCache}), so change it with the layout.
     */
    static final String LAYOUT = "panels of up to 512 columns of op(B), even widths padded to multiples of 16,"
            + " one after another; each panel as K blocks of 256 rows, each K block as strips of 32 columns (the last"
            + " one 16 wide when the width is an odd multiple of 16), each strip row by row";
    /** Largest panel width (columns of op(B) per packed panel); a multiple of 16. */
    static final int NC = 512;
    /** K block: rows of packed B processed per pass over a block of rows of A. */
    static final int KC = 256;
    /**
     * Columns of a strip of a packed K block: what one micro-kernel call reads, row after row, so that its B is one
     * contiguous run of memory rather than rows a panel's width apart.
     */
    static final int STRIP = 32;
    /** Columns of op(B) per work item when packing a transposed B (a multiple of {@link #STRIP}). */
    static final int JC = 64;
    /** Rows of C accumulated together by the micro-kernel. */
    static final int MR = 4;
    /** Largest row block of A per task. */
    static final int MC = 128;
    /** Panels at least this wide use the "wide" copies of the kernels; narrower ones the "narrow" copies. */
    static final int WIDE = 256;
    /** Below this many rows, an unpacked B is not worth packing. */
    static final int SMALL_M = 4;
    /** Largest A (in floats) that a narrow product transposes to run as Cᵀ = op(B)ᵀ · Aᵀ. */
    static final long MAX_TRANSPOSED_A = 1L << 20;
    /** Largest pack buffer (in floats) kept per thread between calls. */
    static final long MAX_RETAINED_PACK = 4L << 20;
    /**
     * Where a packed matrix starts in an array of its own (and in {@link CpuBackend}'s shared arrays of weights): a
     * float array's element 12 lies 64 bytes from the array's start (16 bytes of header with compressed class
     * pointers, HotSpot's default), and G1, the default collector, starts each array of half a region or more on a
     * region boundary. Every strip of such a matrix then starts on a cache line, and the micro-kernel's vector loads
     * stay within one line each instead of straddling two. Elsewhere it changes nothing.
     */
    static final int LINE_START = 12;
    /** Largest packed matrix (in floats, padding included): the longest array a JVM allocates. */
    static final long MAX_PACKED = Integer.MAX_VALUE - 8;

    /** Whether blocks of {@link VectorSgemm#ROWS} rows run on {@link VectorSgemm} (see {@link VectorKernels}). */
    private static final boolean VECTOR = VectorKernels.PRODUCTS;
    /** Rows of C per micro-kernel call, the granule of the row blocks. */
    private static final int ROW_TILE = VECTOR ? VectorSgemm.ROWS : MR;
    /** The largest row block of whole tiles: {@link #MC} rounded down to a multiple of the tile (125 for 5 rows). */
    private static final int BLOCK_ROWS = MC / ROW_TILE * ROW_TILE;

    private Sgemm() {}

    /**
     * op(B) packed for {@link Sgemm#gemm(Parallel, int, float[], int, int, PackedMatrix, float[], int, int, float[], boolean)}:
     * a {@code K × N} matrix stored as column panels, one after another in one array. A panel is stored as K blocks
     * of {@link #KC} rows, one after another; a K block as strips of {@link #STRIP} columns (the last one 16 wide when
     * the panel's padded width is an odd multiple of 16), one after another; a strip row by row. So a micro-kernel,
     * which multiplies rows of A by one strip over one K block, reads its B as one contiguous run.
     * Immutable once built by {@link Sgemm#pack}; safe to share between threads.
     *
     * <p>One array, not an array per row: a weight is then one large object, which the garbage collector allocates
     * outside the young generation and never copies. Packed rows as small arrays were copied out of the young
     * generation by pauses of 0.5–0.7 s each, about 2.3 s in the full model's first text prompt.
     */
    public static final class PackedMatrix implements GemmEngine.Prepared {
        final int k;
        final int n;
        final int panels;
        /** first column of each panel, plus {@code n} at the end */
        final int[] colStart;
        /** padded width of each panel (a multiple of 16, at least the real width) */
        final int[] width;
        /** where each panel starts in {@link #data} */
        final int[] offset;
        /** op(B)[p][colStart[q] + j] at {@code data[at(offset[q], width[q], k, p, j)]} for {@code j < width[q]}, zero padded */
        final float[] data;
        /** Where the same floats are read from instead of {@link #data} (null then), at the same indices: a cache file. */
        final java.nio.FloatBuffer mapped;

        PackedMatrix(int k, int n, int panels, int[] colStart, int[] width, int[] offset, float[] data,
                     java.nio.FloatBuffer mapped) {
            this.k = k;
            this.n = n;
            this.panels = panels;
            this.colStart = colStart;
            this.width = width;
            this.offset = offset;
            this.data = data;
            this.mapped = mapped;
        }

        /** Rows of op(B), the inner dimension K of the product. */
        public int k() {
            return k;
        }

        /** Columns of op(B), the number N of output columns. */
        @Override
        public int n() {
            return n;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Public API
    // ---------------------------------------------------------------------------------------------

    /**
     * General multiply, parallel over {@code par}.
     *
     * @param par        worker pool
     * @param m          rows of A and C
     * @param n          columns of op(B) and C
     * @param k          columns of A, rows of op(B)
     * @param a          A, row-major {@code [M, K]} at {@code aOff} with row stride {@code lda}
     * @param b          B, row-major {@code [K, N]} (or {@code [N, K]} if {@code transB}) with row stride {@code ldb}
     * @param transB     whether B is stored transposed ({@code [N, K]}, a {@code Linear} weight)
     * @param c          C, row-major {@code [M, N]} at {@code cOff} with row stride {@code ldc}
     * @param bias       optional per-column bias of length N (may be null)
     * @param accumulate add to the existing contents of C instead of overwriting
     */
    public static void gemm(Parallel par, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb, boolean transB,
                            float[] c, int cOff, int ldc,
                            float[] bias, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            fillBias(m, n, c, cOff, ldc, bias, accumulate);
            return;
        }
        if (m < SMALL_M) {
            smallM(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias, accumulate);
            return;
        }
        Scratch s = SCRATCH.get();
        if (n < WIDE && m >= 2 * n && m >= WIDE && (long) m * k <= MAX_TRANSPOSED_A) {
            // Narrow output (e.g. P·V with N = head dim): compute Cᵀ = op(B)ᵀ · Aᵀ instead, so that
            // the vectorised j loop runs over M rather than over a short N. Transposing A is memory
            // bound once A leaves the caches, and then costs more than it saves.
            PackedMatrix pa = packInto(s, par, a, aOff, lda, true, k, m);
            multiply(par, new Problem(n, b, bOff, transB ? ldb : 1, transB ? 1 : ldb, pa,
                    c, cOff, 1, ldc, bias, true, accumulate));
            return;
        }
        int[] colStart = panelColumns(n);
        int threads = par == null ? 1 : par.threads();
        if (packedFloats(k, n) > MAX_RETAINED_PACK && colStart.length - 1 >= 2 * threads) {
            streamPanels(par, m, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias, accumulate, colStart);
            return;
        }
        PackedMatrix pb = packInto(s, par, b, bOff, ldb, transB, k, n);
        multiply(par, new Problem(m, a, aOff, lda, 1, pb, c, cOff, ldc, 1, bias, false, accumulate));
    }

    /**
     * A product whose packed op(B) would not be kept between calls (e.g. the per-query masks, a 200 × 256 A against
     * 82 944 image positions): each task packs one panel of op(B) into its thread's scratch and multiplies every
     * row block of A by it while the panel is in the cache. Packing the whole of op(B) first would allocate,
     * zero and page in a new array on every call (85 MB for the masks); this reads B once and writes nothing but
     * C. The arithmetic is that of the packed path, in the same order.
     */
    private static void streamPanels(Parallel par, int m, int k, float[] a, int aOff, int lda,
                                     float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff, int ldc,
                                     float[] bias, boolean accumulate, int[] colStart) {
        final int panels = colStart.length - 1;
        final int mBlocks = (m + BLOCK_ROWS - 1) / BLOCK_ROWS;
        Parallel.forTasks(par, Integer.MAX_VALUE, panels, (w, queue) -> {
            Scratch s = SCRATCH.get();
            for (int q = queue.next(); q >= 0; q = queue.next()) {
                final int j0 = colStart[q];
                final int nc = colStart[q + 1] - j0;
                PackedMatrix panel = layout(k, nc, s.panel((long) k * panelWidth(colStart, q)), 0);
                fill(null, panel, b, bOff + (transB ? j0 * ldb : j0), ldb, transB);
                float[] panelBias = bias == null ? null : Arrays.copyOfRange(bias, j0, j0 + nc);
                Problem pr = new Problem(m, a, aOff, lda, 1, panel, c, cOff + j0, ldc, 1, panelBias, false, accumulate);
                for (int mb = 0; mb < mBlocks; mb++) runTask(s, pr, mb, 0, BLOCK_ROWS);
            }
        });
    }

    /**
     * Multiply by a pre-packed op(B): {@code C[M,N] = A[M,K] · B (+ bias) (+ C if accumulate)}, with
     * {@code K = b.k()} and {@code N = b.n()}. Parallel over {@code par}.
     *
     * @param par        worker pool
     * @param m          rows of A and C
     * @param a          A, row-major {@code [M, K]} at {@code aOff} with row stride {@code lda}
     * @param b          op(B) packed by {@link #pack}
     * @param c          C, row-major {@code [M, N]} at {@code cOff} with row stride {@code ldc}
     * @param bias       optional per-column bias of length N (may be null)
     * @param accumulate add to the existing contents of C instead of overwriting
     */
    public static void gemm(Parallel par, int m,
                            float[] a, int aOff, int lda,
                            PackedMatrix b,
                            float[] c, int cOff, int ldc,
                            float[] bias, boolean accumulate) {
        gemm(par, m, a, aOff, lda, b, c, cOff, ldc, bias, accumulate, null);
    }

    /**
     * {@link #gemm(Parallel, int, float[], int, int, PackedMatrix, float[], int, int, float[], boolean)} followed by
     * {@code epilogue} on the final values of C, applied by each task to its block of C (at most {@value #MC} rows
     * of one panel) right after the block's last K step, while it is in the cache.
     */
    public static void gemm(Parallel par, int m,
                            float[] a, int aOff, int lda,
                            PackedMatrix b,
                            float[] c, int cOff, int ldc,
                            float[] bias, boolean accumulate, GemmEngine.Epilogue epilogue) {
        if (m <= 0 || b.n <= 0) return;
        if (b.k <= 0) {
            fillBias(m, b.n, c, cOff, ldc, bias, accumulate);
            if (epilogue != null) {
                for (int r = 0; r < m; r++) epilogue.apply(c, cOff + r * ldc, b.n);
            }
            return;
        }
        multiply(par, new Problem(m, a, aOff, lda, 1, b, c, cOff, ldc, 1, bias, false, accumulate, epilogue));
    }

    /**
     * Packs op(B) for repeated use (e.g. a {@code Linear} weight {@code [N, K]} with {@code transB = true}).
     *
     * @param b      B, row-major {@code [K, N]} (or {@code [N, K]} if {@code transB}) at {@code bOff}
     * @param ldb    row stride of B
     * @param transB whether B is stored transposed
     * @param k      rows of op(B)
     * @param n      columns of op(B)
     * @return the packed matrix; it does not share storage with {@code b}
     */
    public static PackedMatrix pack(float[] b, int bOff, int ldb, boolean transB, int k, int n) {
        return pack(null, b, bOff, ldb, transB, k, n);
    }

    /**
     * Like {@link #pack(float[], int, int, boolean, int, int)}, with the copying spread over {@code par}
     * (which may be null for the calling thread alone).
     *
     * @param par    worker pool, or null
     * @param b      B, row-major {@code [K, N]} (or {@code [N, K]} if {@code transB}) at {@code bOff}
     * @param bOff   offset of B
     * @param ldb    row stride of B
     * @param transB whether B is stored transposed
     * @param k      rows of op(B)
     * @param n      columns of op(B)
     * @return the packed matrix; it does not share storage with {@code b}
     */
    public static PackedMatrix pack(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n) {
        return pack(par, b, bOff, ldb, transB, k, n, null, 0);
    }

    /**
     * Like {@link #pack(Parallel, float[], int, int, boolean, int, int)}, into {@link #packedFloats packedFloats(k, n)}
     * floats of {@code into} from {@code at} (a share of a larger array), or into an array of its own when
     * {@code into} is null.
     */
    public static PackedMatrix pack(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n,
                                    float[] into, int at) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("negative size k=" + k + " n=" + n);
        PackedMatrix pm = layout(k, n, into, at);
        fill(par, pm, b, bOff, ldb, transB);
        return pm;
    }

    /**
     * Like {@link #pack(Parallel, float[], int, int, boolean, int, int)} for a tightly packed B held in a buffer
     * from index 0 (typically a weight read in place from the checkpoint's memory mapping): each work item copies
     * only the rows of B it packs into a small scratch array, so no second full-size copy of B is made.
     *
     * @param par    worker pool, or null
     * @param b      B, row-major {@code [K, N]} (or {@code [N, K]} if {@code transB}) from index 0
     * @param transB whether B is stored transposed
     * @param k      rows of op(B)
     * @param n      columns of op(B)
     * @return the packed matrix; it does not share storage with {@code b}
     */
    public static PackedMatrix pack(Parallel par, java.nio.FloatBuffer b, boolean transB, int k, int n) {
        return pack(par, b, transB, k, n, null, 0);
    }

    /**
     * Like {@link #pack(Parallel, java.nio.FloatBuffer, boolean, int, int)}, into
     * {@link #packedFloats packedFloats(k, n)} floats of {@code into} from {@code at}, or into an array of its own
     * when {@code into} is null.
     */
    public static PackedMatrix pack(Parallel par, java.nio.FloatBuffer b, boolean transB, int k, int n,
                                    float[] into, int at) {
        if ((long) k * n > b.capacity()) {
            throw new IllegalArgumentException("buffer of " + b.capacity() + " values holds no " + k + " x " + n + " matrix");
        }
        return pack(par, (from, dst, off, len) -> b.get((int) from, dst, off, len), transB, k, n, into, at);
    }

    /**
     * Like {@link #pack(Parallel, java.nio.FloatBuffer, boolean, int, int, float[], int)} for a tightly packed B
     * read in pieces by {@code b} (typically a weight read from the checkpoint file,
     * {@link org.sam3j.weights.WeightStore#floatReader}).
     */
    public static PackedMatrix pack(Parallel par, org.sam3j.weights.FloatReader b, boolean transB, int k, int n,
                                    float[] into, int at) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("negative size k=" + k + " n=" + n);
        PackedMatrix pm = layout(k, n, into, at);
        if (k == 0 || n == 0) return pm;
        final int ldb = transB ? k : n;
        final int perPanel = transB ? (pm.width[0] + JC - 1) / JC : (k + KC - 1) / KC;
        final int items = pm.panels * perPanel;
        Parallel.WorkerRangeBody body = (w, from, to) -> {
            float[] scratch = null;
            for (int it = from; it < to; it++) {
                int q = it / perPanel;
                int part = it % perPanel;
                if (transB) {
                    // rows [j0 + js, j0 + je) of B, read by transposeStrip at the offsets it would use in B itself
                    int j0 = pm.colStart[q];
                    int js = part * JC;
                    int je = Math.min(pm.colStart[q + 1] - j0, js + JC);
                    int len = Math.max(0, je - js) * ldb;
                    if (scratch == null || scratch.length < len) scratch = new float[Math.max(len, 1)];
                    b.read((long) (j0 + js) * ldb, scratch, 0, len);
                    transposeStrip(pm, q, js, scratch, -(j0 + js) * ldb, ldb);
                } else {
                    int p0 = part * KC;
                    int p1 = Math.min(k, p0 + KC);
                    int len = (p1 - p0) * ldb;
                    if (scratch == null || scratch.length < len) scratch = new float[len];
                    b.read((long) p0 * ldb, scratch, 0, len);
                    copyRows(pm, q, p0, p1, scratch, -p0 * ldb, ldb);
                }
            }
        };
        if (par == null || par.threads() == 1 || (long) k * n < 32768) {
            body.run(0, 0, items);
        } else {
            par.forRange(items, 1, body);
        }
        return pm;
    }

    // ---------------------------------------------------------------------------------------------
    // Packing
    // ---------------------------------------------------------------------------------------------

    /**
     * The floats a packed {@code k × n} op(B) takes, padding included: what {@link #pack} fills of the array it
     * is given.
     */
    public static long packedFloats(int k, int n) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("negative size k=" + k + " n=" + n);
        int[] colStart = panelColumns(n);
        long size = 0;
        for (int q = 0; q + 1 < colStart.length; q++) size += (long) k * panelWidth(colStart, q);
        return size;
    }

    /** First column of each panel of an N-column op(B), plus {@code n} at the end: panels of even widths up to NC. */
    private static int[] panelColumns(int n) {
        int panels = Math.max(1, (n + NC - 1) / NC);
        int even = (n + panels - 1) / panels;
        int[] colStart = new int[panels + 1];
        for (int q = 0; q < panels; q++) {
            colStart[q] = Math.min(n, q * even);
            colStart[q + 1] = Math.min(n, (q + 1) * even);
        }
        colStart[panels] = n;
        return colStart;
    }

    /** Padded width of panel q: a multiple of 16, at least 16. */
    private static int panelWidth(int[] colStart, int q) {
        return Math.max(16, roundUp(colStart[q + 1] - colStart[q], 16));
    }

    /**
     * A matrix packed earlier into {@link #packedFloats packedFloats(k, n)} floats of an array from {@code at}
     * ({@link #pack(Parallel, java.nio.FloatBuffer, boolean, int, int, float[], int)}), read from {@code from}, which
     * holds the same floats at the same indices (the array as written to a file and mapped back). Products read its
     * panels a K block at a time into their own scratch, as they do from an array, so they run at the same speed
     * and give the same values.
     *
     * @throws IllegalArgumentException if {@code from} has no room for the matrix at {@code at}
     */
    public static PackedMatrix view(java.nio.FloatBuffer from, int at, int k, int n) {
        return layout(k, n, null, from, at);
    }

    /**
     * Panel layout for a K × N matrix, its values in {@code into} from {@code at} (which must have the room), or
     * in a new array when {@code into} is null.
     */
    static PackedMatrix layout(int k, int n, float[] into, int at) {
        return layout(k, n, into, null, at);
    }

    private static PackedMatrix layout(int k, int n, float[] into, java.nio.FloatBuffer from, int at) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("negative size k=" + k + " n=" + n);
        if (into == null && from == null) at = LINE_START;
        int[] colStart = panelColumns(n);
        int panels = colStart.length - 1;
        int[] width = new int[panels];
        for (int q = 0; q < panels; q++) width[q] = panelWidth(colStart, q);
        int[] offset = new int[panels];
        long size = 0;
        for (int q = 0; q < panels; q++) {
            offset[q] = (int) (at + size);
            size += (long) k * width[q];
            if (at + size > MAX_PACKED) {
                throw new IllegalArgumentException("a " + k + " x " + n + " matrix is too large to pack into one array");
            }
        }
        long room = into != null ? into.length : from != null ? from.capacity() : at + size;
        if (at < 0 || at + size > room) {
            throw new IllegalArgumentException("no room for a packed " + k + " x " + n + " matrix (" + size
                    + " floats) at " + at + " of " + room);
        }
        float[] data = from != null ? null : into != null ? into : new float[(int) (at + size)];
        return new PackedMatrix(k, n, panels, colStart, width, offset, data, from);
    }

    /** Copies op(B) into the layout {@code pm}, zeroing the padding. */
    static void fill(Parallel par, PackedMatrix pm, float[] b, int bOff, int ldb, boolean transB) {
        final int k = pm.k;
        if (k == 0 || pm.n == 0) return;
        // Work items: (panel, K block) when copying rows; (panel, strip of JC columns) when
        // transposing, so that each row of B is read from start to end in one go.
        final int perPanel = transB ? (pm.width[0] + JC - 1) / JC : (k + KC - 1) / KC;
        final int items = pm.panels * perPanel;
        Parallel.WorkerRangeBody body = (w, from, to) -> {
            for (int it = from; it < to; it++) {
                int q = it / perPanel;
                int part = it % perPanel;
                if (transB) {
                    transposeStrip(pm, q, part * JC, b, bOff, ldb);
                } else {
                    copyRows(pm, q, part * KC, Math.min(k, part * KC + KC), b, bOff, ldb);
                }
            }
        };
        long work = (long) k * pm.n;
        if (par == null || par.threads() == 1 || work < 32768) {
            body.run(0, 0, items);
        } else {
            par.forRange(items, 1, body);
        }
    }

    /**
     * Where op(B)[p][colStart[q] + j] is in a packed matrix: {@code off} and {@code w} are panel q's offset and padded
     * width, {@code k} the matrix's rows (see {@link PackedMatrix}).
     */
    static int at(int off, int w, int k, int p, int j) {
        final int pb = p - p % KC;
        final int js = j - j % STRIP;
        return off + pb * w + js * Math.min(KC, k - pb) + (p - pb) * Math.min(STRIP, w - js) + (j - js);
    }

    /** op(B) = B: rows [p0, p1) of panel q, within one K block, are slices of rows of B. */
    private static void copyRows(PackedMatrix pm, int q, int p0, int p1, float[] b, int bOff, int ldb) {
        final int j0 = pm.colStart[q];
        final int nc = pm.colStart[q + 1] - j0;
        final int w = pm.width[q];
        final float[] data = pm.data;
        final int pb = p0 - p0 % KC;
        final int kc = Math.min(KC, pm.k - pb);
        if (p1 > pb + kc) throw new IllegalArgumentException("rows " + p0 + " to " + p1 + " span two K blocks");
        final int block = pm.offset[q] + pb * w;
        for (int p = p0; p < p1; p++) {
            final int src = bOff + p * ldb + j0;
            for (int js = 0; js < w; js += STRIP) {
                final int sw = Math.min(STRIP, w - js);
                final int real = Math.max(0, Math.min(sw, nc - js));
                final int o = block + js * kc + (p - pb) * sw;
                if (real > 0) System.arraycopy(b, src + js, data, o, real);
                if (real < sw) Arrays.fill(data, o + real, o + sw, 0f);
            }
        }
    }

    /**
     * op(B) = Bᵀ (B is [N, K]): columns [js, js + JC) of panel q, i.e. JC rows of B. Rows of B are
     * taken 16 at a time and walked along k together (16 sequential read streams); 16 columns never straddle two
     * strips. The padding columns of the panel are zeroed by the work item that contains them.
     */
    private static void transposeStrip(PackedMatrix pm, int q, int js, float[] b, int bOff, int ldb) {
        final int j0 = pm.colStart[q];
        final int nc = pm.colStart[q + 1] - j0;
        final int w = pm.width[q];
        final int k = pm.k;
        final float[] r = pm.data;
        final int base = pm.offset[q];
        final int je = Math.min(nc, js + JC);
        final int l1 = ldb, l2 = 2 * ldb, l3 = 3 * ldb, l4 = 4 * ldb, l5 = 5 * ldb, l6 = 6 * ldb, l7 = 7 * ldb;
        int j = js;
        for (; j + 15 < je; j += 16) {
            final int s0 = bOff + (j0 + j) * ldb, s8 = s0 + 8 * ldb;
            final int strip = j - j % STRIP, sw = Math.min(STRIP, w - strip);
            for (int pb = 0; pb < k; pb += KC) {
                final int kc = Math.min(KC, k - pb);
                int o = base + pb * w + strip * kc + (j - strip);
                for (int p = pb; p < pb + kc; p++, o += sw) {
                    final int x = s0 + p, y = s8 + p;
                    r[o] = b[x];
                    r[o + 1] = b[x + l1];
                    r[o + 2] = b[x + l2];
                    r[o + 3] = b[x + l3];
                    r[o + 4] = b[x + l4];
                    r[o + 5] = b[x + l5];
                    r[o + 6] = b[x + l6];
                    r[o + 7] = b[x + l7];
                    r[o + 8] = b[y];
                    r[o + 9] = b[y + l1];
                    r[o + 10] = b[y + l2];
                    r[o + 11] = b[y + l3];
                    r[o + 12] = b[y + l4];
                    r[o + 13] = b[y + l5];
                    r[o + 14] = b[y + l6];
                    r[o + 15] = b[y + l7];
                }
            }
        }
        for (; j < je; j++) {
            final int s0 = bOff + (j0 + j) * ldb;
            for (int p = 0; p < k; p++) r[at(base, w, k, p, j)] = b[s0 + p];
        }
        final int pad0 = Math.max(nc, js), pad1 = Math.min(w, js + JC);
        for (int c = pad0; c < pad1; c++) {
            for (int p = 0; p < k; p++) r[at(base, w, k, p, c)] = 0f;
        }
    }

    private static PackedMatrix packInto(Scratch s, Parallel par, float[] b, int bOff, int ldb, boolean transB,
                                         int k, int n) {
        long size = packedFloats(k, n);
        PackedMatrix pm = layout(k, n, s.packPool != null && s.packPool.length >= size ? s.packPool : null, 0);
        if (pm.data.length <= MAX_RETAINED_PACK) s.packPool = pm.data;
        fill(par, pm, b, bOff, ldb, transB);
        return pm;
    }

    // ---------------------------------------------------------------------------------------------
    // Blocked multiply over packed B
    // ---------------------------------------------------------------------------------------------

    /**
     * One product {@code C = A · B}: A element (i, p) at {@code a[aOff + i*aRs + p*aCs]}, C element (i, j)
     * at {@code c[cOff + i*cRs + j*cCs]}; the bias is indexed by j, or by i when {@code biasPerRow}.
     */
    private static final class Problem {
        final int m;
        final float[] a;
        final int aOff, aRs, aCs;
        final PackedMatrix pb;
        final float[] c;
        final int cOff, cRs, cCs;
        final float[] bias;
        final boolean biasPerRow, accumulate;
        /** Applied to the final values of each task's block of C (only with {@code cCs == 1}), or null. */
        final GemmEngine.Epilogue epilogue;

        Problem(int m, float[] a, int aOff, int aRs, int aCs, PackedMatrix pb,
                float[] c, int cOff, int cRs, int cCs, float[] bias, boolean biasPerRow, boolean accumulate) {
            this(m, a, aOff, aRs, aCs, pb, c, cOff, cRs, cCs, bias, biasPerRow, accumulate, null);
        }

        Problem(int m, float[] a, int aOff, int aRs, int aCs, PackedMatrix pb,
                float[] c, int cOff, int cRs, int cCs, float[] bias, boolean biasPerRow, boolean accumulate,
                GemmEngine.Epilogue epilogue) {
            if (epilogue != null && cCs != 1) throw new IllegalArgumentException("an epilogue needs C's rows contiguous");
            this.epilogue = epilogue;
            this.m = m;
            this.a = a;
            this.aOff = aOff;
            this.aRs = aRs;
            this.aCs = aCs;
            this.pb = pb;
            this.c = c;
            this.cOff = cOff;
            this.cRs = cRs;
            this.cCs = cCs;
            this.bias = bias;
            this.biasPerRow = biasPerRow;
            this.accumulate = accumulate;
        }
    }

    private static void multiply(Parallel par, Problem pr) {
        final int threads = par == null ? 1 : par.threads();
        final int panels = pr.pb.panels;
        final int m = pr.m;
        // Row block: at most MC, a multiple of the row tile, small enough that each worker gets a few tasks.
        int mc = BLOCK_ROWS;
        while (mc > ROW_TILE && (long) ((m + mc - 1) / mc) * panels < 4L * threads) mc = Math.max(ROW_TILE, roundUp(mc / 2, ROW_TILE));
        final int rowBlock = mc;
        final int mBlocks = (m + rowBlock - 1) / rowBlock;
        final int tasks = mBlocks * panels;
        Parallel.forTasks(par, threads, tasks, (w, queue) -> {
            Scratch s = SCRATCH.get();
            for (int t = queue.next(); t >= 0; t = queue.next()) runTask(s, pr, t % mBlocks, t / mBlocks, rowBlock);
        });
    }

    /** C[i0:i1, panel q] for row block {@code mb}. */
    private static void runTask(Scratch s, Problem pr, int mb, int q, int rowBlock) {
        final PackedMatrix pb = pr.pb;
        final int k = pb.k;
        final int i0 = mb * rowBlock;
        final int i1 = Math.min(pr.m, i0 + rowBlock);
        final int j0 = pb.colStart[q];
        final int nc = pb.colStart[q + 1] - j0;
        final int w = pb.width[q];
        final int off = pb.offset[q];
        final float[] biasRow = s.bias;
        if (pr.bias != null && !pr.biasPerRow) {
            System.arraycopy(pr.bias, j0, biasRow, 0, nc);
            Arrays.fill(biasRow, nc, w, 0f);
        }
        if (VECTOR) {
            vectorTask(s, pr, i0, i1, j0, nc, w, off);
        } else {
            scalarTask(s, pr, i0, i1, j0, nc, w, off);
        }
        if (pr.epilogue != null) {
            for (int i = i0; i < i1; i++) pr.epilogue.apply(pr.c, pr.cOff + i * pr.cRs + j0, nc);
        }
    }

    /**
     * {@link #runTask} on {@link VectorSgemm}, in the order of Goto's GEMM: for each K block, the rows of A of the
     * whole row block are copied once, then each strip of the panel's K block (up to 32 KiB) multiplies every tile of
     * {@link VectorSgemm#ROWS} rows while it is in L1, and A's tiles stream through it. C's rows of the block stay in
     * scratch rows from the first K block to the last.
     */
    private static void vectorTask(Scratch s, Problem pr, int i0, int i1, int j0, int nc, int w, int off) {
        final PackedMatrix pb = pr.pb;
        final int k = pb.k;
        final int rows = i1 - i0;
        final int tile = VectorSgemm.ROWS;
        final int tiles = rows / tile;
        final int fullStrips = w - w % STRIP;
        final float[] data = pb.data;
        final float[] a = pr.a;
        final int aRs = pr.aRs, aCs = pr.aCs;
        final float[] acc = s.blockAcc();
        final float[][] tilesOfA = s.tilesOfA();
        for (int r = 0; r < rows; r++) load(pr, true, i0 + r, j0, acc, r * NC, s.bias, nc, w);
        for (int pc = 0; pc < k; pc += KC) {
            final int kc = Math.min(k, pc + KC) - pc;
            final float[] block = pb.mapped == null ? data : s.block(pb.mapped, off + pc * w, w, kc);
            final int blockOff = block == data ? off + pc * w : 0;
            for (int t = 0; t < tiles; t++) {
                tileOfA(a, pr.aOff + (i0 + t * tile) * aRs + pc * aCs, aRs, aCs, kc, tile, tilesOfA[t]);
            }
            for (int js = 0; js < fullStrips; js += STRIP) {
                final int sb = blockOff + js * kc;
                for (int t = 0; t < tiles; t++) {
                    VectorSgemm.strip(tilesOfA[t], block, sb, kc, acc, t * tile * NC + js);
                }
            }
            if (fullStrips < w) {
                final int sb = blockOff + fullStrips * kc;
                for (int t = 0; t < tiles; t++) {
                    VectorSgemm.narrowStrip(tilesOfA[t], block, sb, kc, acc, t * tile * NC + fullStrips);
                }
            }
            for (int r = tiles * tile; r < rows; r++) {
                VectorSgemm.oneRow(a, pr.aOff + (i0 + r) * aRs + pc * aCs, aCs, block, blockOff, kc, acc, r * NC, w);
            }
        }
        for (int r = 0; r < rows; r++) store(pr, i0 + r, j0, acc, r * NC, nc);
    }

    /** {@link #runTask} on the auto-vectorised kernels. */
    private static void scalarTask(Scratch s, Problem pr, int i0, int i1, int j0, int nc, int w, int off) {
        final PackedMatrix pb = pr.pb;
        final int k = pb.k;
        final boolean wide = w >= WIDE;
        final float[] data = pb.data;
        final float[] a = pr.a;
        final int aRs = pr.aRs, aCs = pr.aCs;
        final float[][] acc = s.acc;
        final float[] biasRow = s.bias;
        for (int pc = 0; pc < k; pc += KC) {
            final int pe = Math.min(k, pc + KC);
            final boolean first = pc == 0;
            final int kc = pe - pc;
            // the auto-vectorised kernels read this K block of the panel as rows of their own (see Scratch.rows)
            final float[][] rows = pb.mapped != null ? s.rows(pb.mapped, off + pc * w, w, kc)
                    : s.rows(data, off + pc * w, w, kc);
            final int base = -pc;
            for (int i = i0; i < i1; i += ROW_TILE) {
                final int mr = Math.min(ROW_TILE, i1 - i);
                // Bring C (or its initial value) into the scratch rows.
                for (int r = 0; r < mr; r++) load(pr, first, i + r, j0, acc[r], 0, biasRow, nc, w);
                final int ai = pr.aOff + i * aRs;
                int r = 0;
                for (; r + MR <= mr; r += MR) {
                    final int ar = ai + r * aRs;
                    final float[] acc0 = acc[r], acc1 = acc[r + 1], acc2 = acc[r + 2], acc3 = acc[r + 3];
                    int p = pc;
                    if (wide) {
                        for (; p + 1 < pe; p += 2) kernel4x2(a, ar + p * aCs, aRs, aCs, rows, base + p, acc0, acc1, acc2, acc3, w);
                        if (p < pe) kernel4x1(a, ar + p * aCs, aRs, rows, base + p, acc0, acc1, acc2, acc3, w);
                    } else {
                        for (; p + 1 < pe; p += 2) narrow4x2(a, ar + p * aCs, aRs, aCs, rows, base + p, acc0, acc1, acc2, acc3, w);
                        if (p < pe) narrow4x1(a, ar + p * aCs, aRs, rows, base + p, acc0, acc1, acc2, acc3, w);
                    }
                }
                for (; r < mr; r++) rowKernel(wide, a, ai + r * aRs, aCs, pc, pe, rows, base, acc[r], w);
                for (r = 0; r < mr; r++) store(pr, i + r, j0, acc[r], 0, nc);
            }
        }
    }

    /**
     * Fills the scratch row at {@code at} in {@code acc} with C[i, j0 : j0+nc]: on the first K block its initial value
     * (old C if accumulating, plus the bias), afterwards the partial sums stored by the previous block.
     */
    private static void load(Problem pr, boolean first, int i, int j0, float[] acc, int at, float[] biasRow, int nc,
                             int w) {
        final float[] c = pr.c;
        final int cRow = pr.cOff + i * pr.cRs + j0 * pr.cCs;
        final int cCs = pr.cCs;
        if (!first || pr.accumulate) {
            if (cCs == 1) {
                System.arraycopy(c, cRow, acc, at, nc);
            } else {
                for (int j = 0; j < nc; j++) acc[at + j] = c[cRow + j * cCs];
            }
            if (first && pr.bias != null) {
                if (pr.biasPerRow) {
                    addInPlace(acc, at, pr.bias[i], nc);
                } else {
                    addInPlace(acc, at, biasRow, nc);
                }
            }
        } else if (pr.bias != null) {
            if (pr.biasPerRow) {
                Arrays.fill(acc, at, at + nc, pr.bias[i]);
            } else {
                System.arraycopy(biasRow, 0, acc, at, nc);
            }
        } else {
            Arrays.fill(acc, at, at + nc, 0f);
        }
        // Padding columns are computed but never stored; keep them finite.
        if (w > nc) Arrays.fill(acc, at + nc, at + w, 0f);
    }

    private static void store(Problem pr, int i, int j0, float[] acc, int at, int nc) {
        final float[] c = pr.c;
        final int cRow = pr.cOff + i * pr.cRs + j0 * pr.cCs;
        final int cCs = pr.cCs;
        if (cCs == 1) {
            System.arraycopy(acc, at, c, cRow, nc);
        } else {
            for (int j = 0; j < nc; j++) c[cRow + j * cCs] = acc[at + j];
        }
    }

    private static void addInPlace(float[] acc, int at, float[] x, int n) {
        for (int j = 0; j < n; j++) acc[at + j] += x[j];
    }

    private static void addInPlace(float[] acc, int at, float x, int n) {
        for (int j = 0; j < n; j++) acc[at + j] += x;
    }

    /** One row of C over k in [pc, pe). */
    private static void rowKernel(boolean wide, float[] a, int ai, int aCs, int pc, int pe,
                                  float[][] rows, int base, float[] acc, int w) {
        int p = pc;
        if (wide) {
            for (; p + 1 < pe; p += 2) {
                kernel1x2(a[ai + p * aCs], a[ai + (p + 1) * aCs], rows[base + p], rows[base + p + 1], acc, w);
            }
            if (p < pe) kernel1x1(a[ai + p * aCs], rows[base + p], acc, w);
        } else {
            for (; p + 1 < pe; p += 2) {
                narrow1x2(a[ai + p * aCs], a[ai + (p + 1) * aCs], rows[base + p], rows[base + p + 1], acc, w);
            }
            if (p < pe) narrow1x1(a[ai + p * aCs], rows[base + p], acc, w);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Micro-kernels. Every array in the j loop is indexed at plain [j]; keep it that way, or C2 stops
    // vectorising them. Larger register blocks (e.g. 4x4, 8x2, 3x3) were measured to compile to
    // scalar code on JDK 17.
    //
    // C2 sizes the unrolling (and so the vector width) of a loop from the trip count profiled for it,
    // and the profile is per method: a kernel first warmed up on 64-wide panels is compiled with
    // 128-bit vectors and then runs 512-wide panels at half speed. So the wide (>= WIDE) and narrow
    // panels get separate, identical copies of each kernel.
    // ---------------------------------------------------------------------------------------------

    static void kernel4x2(float[] a, int ai, int aRs, int aCs, float[][] rows, int p,
                          float[] c0, float[] c1, float[] c2, float[] c3, int n) {
        final int i1 = ai + aRs, i2 = i1 + aRs, i3 = i2 + aRs;
        final float a00 = a[ai], a01 = a[ai + aCs];
        final float a10 = a[i1], a11 = a[i1 + aCs];
        final float a20 = a[i2], a21 = a[i2 + aCs];
        final float a30 = a[i3], a31 = a[i3 + aCs];
        final float[] b0 = rows[p], b1 = rows[p + 1];
        for (int j = 0; j < n; j++) {
            float x0 = b0[j], x1 = b1[j];
            c0[j] = Math.fma(a01, x1, Math.fma(a00, x0, c0[j]));
            c1[j] = Math.fma(a11, x1, Math.fma(a10, x0, c1[j]));
            c2[j] = Math.fma(a21, x1, Math.fma(a20, x0, c2[j]));
            c3[j] = Math.fma(a31, x1, Math.fma(a30, x0, c3[j]));
        }
    }

    static void kernel4x1(float[] a, int ai, int aRs, float[][] rows, int p,
                          float[] c0, float[] c1, float[] c2, float[] c3, int n) {
        final float a0 = a[ai], a1 = a[ai + aRs], a2 = a[ai + 2 * aRs], a3 = a[ai + 3 * aRs];
        final float[] b0 = rows[p];
        for (int j = 0; j < n; j++) {
            float x0 = b0[j];
            c0[j] = Math.fma(a0, x0, c0[j]);
            c1[j] = Math.fma(a1, x0, c1[j]);
            c2[j] = Math.fma(a2, x0, c2[j]);
            c3[j] = Math.fma(a3, x0, c3[j]);
        }
    }

    static void kernel1x2(float a0, float a1, float[] b0, float[] b1, float[] c, int n) {
        for (int j = 0; j < n; j++) c[j] = Math.fma(a1, b1[j], Math.fma(a0, b0[j], c[j]));
    }

    static void kernel1x1(float a0, float[] b0, float[] c, int n) {
        for (int j = 0; j < n; j++) c[j] = Math.fma(a0, b0[j], c[j]);
    }

    static void narrow4x2(float[] a, int ai, int aRs, int aCs, float[][] rows, int p,
                          float[] c0, float[] c1, float[] c2, float[] c3, int n) {
        final int i1 = ai + aRs, i2 = i1 + aRs, i3 = i2 + aRs;
        final float a00 = a[ai], a01 = a[ai + aCs];
        final float a10 = a[i1], a11 = a[i1 + aCs];
        final float a20 = a[i2], a21 = a[i2 + aCs];
        final float a30 = a[i3], a31 = a[i3 + aCs];
        final float[] b0 = rows[p], b1 = rows[p + 1];
        for (int j = 0; j < n; j++) {
            float x0 = b0[j], x1 = b1[j];
            c0[j] = Math.fma(a01, x1, Math.fma(a00, x0, c0[j]));
            c1[j] = Math.fma(a11, x1, Math.fma(a10, x0, c1[j]));
            c2[j] = Math.fma(a21, x1, Math.fma(a20, x0, c2[j]));
            c3[j] = Math.fma(a31, x1, Math.fma(a30, x0, c3[j]));
        }
    }

    static void narrow4x1(float[] a, int ai, int aRs, float[][] rows, int p,
                          float[] c0, float[] c1, float[] c2, float[] c3, int n) {
        final float a0 = a[ai], a1 = a[ai + aRs], a2 = a[ai + 2 * aRs], a3 = a[ai + 3 * aRs];
        final float[] b0 = rows[p];
        for (int j = 0; j < n; j++) {
            float x0 = b0[j];
            c0[j] = Math.fma(a0, x0, c0[j]);
            c1[j] = Math.fma(a1, x0, c1[j]);
            c2[j] = Math.fma(a2, x0, c2[j]);
            c3[j] = Math.fma(a3, x0, c3[j]);
        }
    }

    static void narrow1x2(float a0, float a1, float[] b0, float[] b1, float[] c, int n) {
        for (int j = 0; j < n; j++) c[j] = Math.fma(a1, b1[j], Math.fma(a0, b0[j], c[j]));
    }

    static void narrow1x1(float a0, float[] b0, float[] c, int n) {
        for (int j = 0; j < n; j++) c[j] = Math.fma(a0, b0[j], c[j]);
    }

    // ---------------------------------------------------------------------------------------------
    // Small M with unpacked B, and K = 0
    // ---------------------------------------------------------------------------------------------

    /** A few rows: packing B would cost as much as the product, so multiply in place (scalar). */
    private static void smallM(Parallel par, int m, int n, int k,
                               float[] a, int aOff, int lda,
                               float[] b, int bOff, int ldb, boolean transB,
                               float[] c, int cOff, int ldc,
                               float[] bias, boolean accumulate) {
        Parallel.WorkerRangeBody body = (w, from, to) -> {
            if (transB) {
                for (int i = 0; i < m; i++) {
                    int ar = aOff + i * lda;
                    for (int j = from; j < to; j++) {
                        int br = bOff + j * ldb;
                        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                        int p = 0;
                        for (; p + 3 < k; p += 4) {
                            s0 = Math.fma(a[ar + p], b[br + p], s0);
                            s1 = Math.fma(a[ar + p + 1], b[br + p + 1], s1);
                            s2 = Math.fma(a[ar + p + 2], b[br + p + 2], s2);
                            s3 = Math.fma(a[ar + p + 3], b[br + p + 3], s3);
                        }
                        for (; p < k; p++) s0 = Math.fma(a[ar + p], b[br + p], s0);
                        float v = (s0 + s1) + (s2 + s3);
                        int ci = cOff + i * ldc + j;
                        if (bias != null) v += bias[j];
                        c[ci] = accumulate ? c[ci] + v : v;
                    }
                }
            } else {
                float[] acc = SCRATCH.get().acc[0];
                for (int j0 = from; j0 < to; j0 += NC) {
                    int nc = Math.min(NC, to - j0);
                    for (int i = 0; i < m; i++) {
                        int ar = aOff + i * lda;
                        Arrays.fill(acc, 0, nc, 0f);
                        for (int p = 0; p < k; p++) {
                            float av = a[ar + p];
                            int br = bOff + p * ldb + j0;
                            for (int j = 0; j < nc; j++) acc[j] = Math.fma(av, b[br + j], acc[j]);
                        }
                        int cr = cOff + i * ldc + j0;
                        for (int j = 0; j < nc; j++) {
                            float v = acc[j];
                            if (bias != null) v += bias[j0 + j];
                            c[cr + j] = accumulate ? c[cr + j] + v : v;
                        }
                    }
                }
            }
        };
        if (par == null || par.threads() == 1 || (long) m * n * k < 65536) {
            body.run(0, 0, n);
        } else {
            par.forRange(n, 64, body);
        }
    }

    private static void fillBias(int m, int n, float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int cr = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float v = bias != null ? bias[j] : 0f;
                c[cr + j] = accumulate ? c[cr + j] + v : v;
            }
        }
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    // ---------------------------------------------------------------------------------------------
    // Per-thread scratch
    // ---------------------------------------------------------------------------------------------

    /** Scratch owned by one thread: accumulator rows, a bias strip, panel rows and a reusable pack buffer. */
    static final class Scratch {
        /** accumulator rows of the auto-vectorised kernels and small unpacked products ({@link #blockAcc}: Vector API) */
        final float[][] acc = new float[MR][NC];
        final float[] bias = new float[NC];
        /** one K block of a panel, a row per array (only without the Vector API kernels) */
        private float[][] panelRows;
        /** the last pack buffer, reused by the next unpacked call on this thread */
        float[] packPool;
        /** one panel of op(B), packed by {@link #streamPanels} */
        private float[] panel;
        /** one K block of a panel read from a buffer, for the Vector API kernels */
        private float[] block;
        /** C's rows of a row block for the Vector API kernels, row {@code r} from {@code r·NC} (256 KiB) */
        private float[] blockAcc;
        /** A's rows of a row block's K block for the Vector API kernels, a tile per array (up to 128 KiB) */
        private float[][] tilesOfA;

        /** Room for C's rows of a row block of up to {@value #MC} rows, {@value #NC} floats apart. */
        float[] blockAcc() {
            if (blockAcc == null) blockAcc = new float[MC * NC];
            return blockAcc;
        }

        /** Room for A's rows of a row block's K block: a tile per array, as {@link #tileOfA} fills it. */
        float[][] tilesOfA() {
            if (tilesOfA == null) tilesOfA = new float[BLOCK_ROWS / VectorSgemm.ROWS][VectorSgemm.ROWS * KC];
            return tilesOfA;
        }

        /** The panel buffer, with room for at least {@code floats}. */
        float[] panel(long floats) {
            if (panel == null || panel.length < floats) panel = new float[(int) floats];
            return panel;
        }

        /**
         * The K block of {@code kc} rows of a panel of width {@code w} that starts at {@code at} in {@code data},
         * copied into arrays of their own, row {@code p} of the block at index {@code p}. The auto-vectorised kernels
         * need every array indexed at plain {@code [j]} (see the class comment); the copy costs one read per element
         * of the block, against the block's rows of A (up to {@value #MC}) multiply-adds per element.
         */
        float[][] rows(float[] data, int at, int w, int kc) {
            if (panelRows == null) panelRows = new float[KC][NC];
            for (int js = 0; js < w; js += STRIP) {
                final int sw = Math.min(STRIP, w - js);
                for (int p = 0; p < kc; p++) System.arraycopy(data, at + js * kc + p * sw, panelRows[p], js, sw);
            }
            return panelRows;
        }

        /** {@link #rows(float[], int, int, int)} from a buffer. */
        float[][] rows(java.nio.FloatBuffer data, int at, int w, int kc) {
            if (panelRows == null) panelRows = new float[KC][NC];
            for (int js = 0; js < w; js += STRIP) {
                final int sw = Math.min(STRIP, w - js);
                for (int p = 0; p < kc; p++) data.get(at + js * kc + p * sw, panelRows[p], js, sw);
            }
            return panelRows;
        }

        /** The K block of {@code kc} rows of a panel of width {@code w} that starts at {@code at} in {@code data}. */
        float[] block(java.nio.FloatBuffer data, int at, int w, int kc) {
            if (block == null) block = new float[KC * NC];
            data.get(at, block, 0, kc * w);
            return block;
        }

    }

    /**
     * {@code rows} rows of A over {@code kc} columns (A(r, p) at {@code a[ai + r·aRs + p·aCs]}) into {@code tile},
     * row {@code r} from {@code r·KC}: one copy per K block of a tile ({@link VectorSgemm#ROWS} rows), against the
     * tile's rows × the panel's width multiply-adds per element, so that the micro-kernel reads A at fixed distances
     * from one index.
     *
     * @return {@code tile}
     */
    static float[] tileOfA(float[] a, int ai, int aRs, int aCs, int kc, int rows, float[] tile) {
        for (int r = 0; r < rows; r++) {
            final int src = ai + r * aRs;
            if (aCs == 1) {
                System.arraycopy(a, src, tile, r * KC, kc);
            } else {
                for (int p = 0; p < kc; p++) tile[r * KC + p] = a[src + p * aCs];
            }
        }
        return tile;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
