package org.sam3j.backend.cpu;

import org.sam3j.graph.Attrs;

/**
 * The matrix products of the {@link CpuBackend}: {@code LINEAR}, {@code MATMUL}, convolutions (per-tap products
 * through {@link #conv2d}, or im2col products) and transposed convolutions all reach the arithmetic through this
 * interface, and so can attention. The pure-Java implementation is {@link JavaGemm}; a native one (OpenBLAS) lives in
 * {@code sam3-openblas}. Everything else the backend computes stays in Java.
 *
 * <p>All matrices are row-major {@code float[]} with an offset and a row stride (the CPU backend keeps
 * activations in one float arena). {@code C[M,N] = A[M,K] · op(B) (+ bias[N])}, where op(B) is
 * {@code B[K,N]} or, with {@code transB}, the transpose of {@code B[N,K]} (a {@code Linear} weight).
 * C is overwritten. An engine is shared by every graph its backend compiled and must be safe for
 * concurrent calls from different threads (each with its own {@link Parallel} work or the same one).
 */
public interface GemmEngine extends AutoCloseable {
    /** A constant op(B) converted once by {@link #prepare} (e.g. a weight, packed for the engine). */
    interface Prepared {
        /** Rows of op(B): the inner dimension K. */
        int k();

        /** Columns of op(B): the output width N. */
        int n();
    }

    /**
     * An element-wise function applied in place to final values of C (a fused activation such as GELU): the
     * engine calls it on runs of C while they are still in the cache, instead of a separate pass over C.
     */
    @FunctionalInterface
    interface Epilogue {
        /**
         * The exact (erf) GELU of the backend's kernels ({@code CpuGelu}); an engine that recognises it may apply the
         * same arithmetic itself as it stores C (same floats), instead of calling it.
         */
        Epilogue GELU = (c, off, len) -> CpuGelu.apply(c, off, c, off, 0, len);

        /** Replaces {@code c[off, off + len)} by the function's values. */
        void apply(float[] c, int off, int len);
    }

    /** Short name ({@code java}, {@code openblas}). */
    String name();

    /**
     * Converts a constant op(B) for repeated products. The result must not share storage with {@code b}.
     *
     * @param par    worker pool for the copying (may be used or ignored)
     * @param b      B, row-major {@code [K, N]} (or {@code [N, K]} if {@code transB}) at {@code bOff}
     * @param ldb    row stride of B
     * @param transB whether B is stored transposed
     * @param k      rows of op(B)
     * @param n      columns of op(B)
     */
    Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n);

    /**
     * Converts a constant op(B) held in a buffer: {@code b} from index 0, row-major {@code [K, N]} (or
     * {@code [N, K]} if {@code transB}), tightly packed, typically a weight read in place from the checkpoint's
     * memory mapping ({@link org.sam3j.weights.WeightStore#mappedFloats}). An engine that can read such memory
     * directly may keep {@code b} itself (no copy; the result then holds it, and {@code b} must not change);
     * the default copies it to an array and calls {@link #prepare(Parallel, float[], int, int, boolean, int, int)}.
     */
    default Prepared prepare(Parallel par, java.nio.FloatBuffer b, boolean transB, int k, int n) {
        float[] a = new float[Math.multiplyExact(k, n)];
        b.get(0, a, 0, a.length);
        return prepare(par, a, 0, transB ? k : n, transB, k, n);
    }

    /**
     * The floats of Java heap that preparing a {@code k × n} op(B) fills when it is given room
     * ({@link #prepare(Parallel, java.nio.FloatBuffer, boolean, int, int, float[], int)}), or 0 for an engine that
     * keeps prepared matrices elsewhere (native memory, the mapped checkpoint). The default is 0.
     */
    default long heapFloats(int k, int n) {
        return 0;
    }

    /**
     * {@link #prepare(Parallel, java.nio.FloatBuffer, boolean, int, int)} into {@link #heapFloats heapFloats(k, n)}
     * floats of {@code room} from {@code at}, a share of an array the caller allocated for several prepared
     * matrices (or into storage of its own when {@code room} is null). The default ignores {@code room}.
     */
    default Prepared prepare(Parallel par, java.nio.FloatBuffer b, boolean transB, int k, int n, float[] room, int at) {
        return prepare(par, b, transB, k, n);
    }

    /**
     * The matrix that preparing a {@code k × n} op(B) into room ({@link #prepare(Parallel, java.nio.FloatBuffer,
     * boolean, int, int, float[], int)}) wrote there, read instead from {@code from}, which holds the same
     * {@link #heapFloats heapFloats(k, n)} floats at the same indices from {@code at} (the room written to a file and
     * mapped back: {@link CpuBackend}'s cache of prepared weights). Products with it give the same values. The default,
     * for an engine that does not prepare onto the heap, returns null.
     */
    default Prepared view(java.nio.FloatBuffer from, int at, int k, int n) {
        return null;
    }

    /**
     * Converts a constant op(B) read in pieces by {@code b} (row-major {@code [K, N]}, or {@code [N, K]} if
     * {@code transB}, tightly packed), typically a weight read from the checkpoint file
     * ({@link org.sam3j.weights.WeightStore#floatReader}) by an engine that packs onto the heap, into {@code room}
     * as {@link #prepare(Parallel, java.nio.FloatBuffer, boolean, int, int, float[], int)} does. The default reads
     * B whole into an array and prepares that.
     */
    default Prepared prepare(Parallel par, org.sam3j.weights.FloatReader b, boolean transB, int k, int n,
                             float[] room, int at) {
        float[] a = new float[Math.multiplyExact(k, n)];
        b.read(0, a, 0, a.length);
        return prepare(par, a, 0, transB ? k : n, transB, k, n, room, at);
    }

    /**
     * {@link #prepare(Parallel, float[], int, int, boolean, int, int)} into {@link #heapFloats heapFloats(k, n)}
     * floats of {@code room} from {@code at}, as {@link #prepare(Parallel, java.nio.FloatBuffer, boolean, int, int,
     * float[], int)} does. The default ignores {@code room}.
     */
    default Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n,
                             float[] room, int at) {
        return prepare(par, b, bOff, ldb, transB, k, n);
    }

    /** {@code C = A · B (+ bias)} with a prepared B; {@code K = b.k()}, {@code N = b.n()}. */
    void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared b, float[] c, int cOff, int ldc,
              float[] bias);

    /**
     * {@code C = f(A · B (+ bias))} with a prepared B and an element-wise {@code f} applied in place to the final
     * values of C. The default multiplies, then applies {@code f} row by row in a second pass; engines override it
     * to apply {@code f} while each block of C is in the cache. The values are those of the two-pass form.
     */
    default void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared b, float[] c, int cOff, int ldc,
                      float[] bias, Epilogue epilogue) {
        gemm(par, m, a, aOff, lda, b, c, cOff, ldc, bias);
        if (epilogue == null) return;
        int n = b.n();
        par.forRange(m, Math.max(1, (1 << 14) / Math.max(1, n)), (w, lo, hi) -> {
            for (int r = lo; r < hi; r++) epilogue.apply(c, cOff + r * ldc, n);
        });
    }

    /**
     * The independent products {@code C_i = A_i · B_i} for {@code i < b.length}, each of {@code m} rows, {@code A_i}
     * at {@code aOff + i · aStride} and {@code C_i} at {@code cOff + i · cStride}: Winograd's 36 per band of tiles.
     * The default runs them one after another, each split over the workers; an engine whose products of a few hundred
     * rows run faster whole hands them out to the workers instead. The values are those of {@link #gemm} either way.
     */
    default void gemmEach(Parallel par, int m, float[] a, int aOff, int lda, int aStride, Prepared[] b, float[] c,
                          int cOff, int ldc, int cStride) {
        for (int i = 0; i < b.length; i++) {
            gemm(par, m, a, aOff + i * aStride, lda, b[i], c, cOff + i * cStride, ldc, null);
        }
    }

    /** {@code C = A · op(B) (+ bias)} with B read from an array (an activation). */
    void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              boolean transB, float[] c, int cOff, int ldc, float[] bias);

    /**
     * {@code batches} independent products {@code C_i = A_i · op(B_i)}, operand {@code i} at
     * {@code off + i · stride}. The default runs them one after another.
     */
    default void gemmBatched(Parallel par, int batches, int m, int n, int k,
                             float[] a, int aOff, int lda, int aStride,
                             float[] b, int bOff, int ldb, int bStride, boolean transB,
                             float[] c, int cOff, int ldc, int cStride) {
        for (int i = 0; i < batches; i++) {
            gemm(par, m, n, k, a, aOff + i * aStride, lda, b, bOff + i * bStride, ldb, transB,
                    c, cOff + i * cStride, ldc, null);
        }
    }

    /**
     * Whether {@link #attention} computes every problem with heads of {@code d} (keys) and {@code dv} (values)
     * channels, a bias or none, and at least {@code flops} ({@link AttentionProblem#flops}): a promise the backend
     * relies on when it leaves the rounding of a reduced-precision attention's operands to an engine for them
     * ({@link #forOperands}), which must then round q, k and v to their type as it reads them. The default is false.
     */
    default boolean attends(int d, int dv, boolean bias, long flops) {
        return false;
    }

    /**
     * Computes scaled dot-product attention, or returns {@code false} to leave it to the backend's own
     * Java kernel ({@code CpuAttention}, a single-pass "flash" attention). The default returns false.
     */
    default boolean attention(Parallel par, AttentionProblem p) {
        return false;
    }

    /**
     * Whether {@link #attention} returns false for {@code p} without computing it, leaving it to the backend's Java
     * kernel; the backend then runs windowed attention on that kernel in place in the grid rather than on gathered
     * windows. The default, false, promises nothing (the windows are gathered and offered to {@link #attention}).
     */
    default boolean leavesAttention(AttentionProblem p) {
        return false;
    }

    /**
     * Computes attention restricted to the {@code windows} of a token grid, in place: {@code p} describes the grid
     * tensors ({@code b} images of {@code tq = tk = gridH · gridW} tokens, row-major), and each window's tokens
     * attend to that window's tokens only ({@link Attrs.Attention#windowStart}). Returns {@code false} to leave it to
     * the backend, which then gathers each window into contiguous rows for {@link #attention}. The default returns
     * false.
     */
    default boolean windowedAttention(Parallel par, AttentionProblem p, Attrs.Attention windows) {
        return false;
    }

    /**
     * Whether the backend should compute 3 × 3 convolutions of stride 1 on this engine by Winograd's F(4 × 4, 3 × 3)
     * ({@link WinogradConv}: 36 products of its {@link #gemm} instead of nine per-tap {@link #conv2d} products, 4 ×
     * fewer multiply-adds) when {@link CpuBackend#WINOGRAD_PROPERTY} leaves it to the engine. The default is true.
     */
    default boolean prefersWinograd() {
        return true;
    }

    /**
     * Whether {@link #conv2d} computes convolutions of this stride; where it does not, the backend multiplies an
     * im2col matrix by the whole kernel instead. The default is false.
     */
    default boolean convolves(int stride) {
        return false;
    }

    /**
     * Computes a convolution as a sum of products over its kernel taps, each tap prepared by this engine
     * ({@link ConvProblem}); called only for strides {@link #convolves accepted}. Reading the input in place saves
     * writing and reading an im2col matrix nine times the input's size (3 × 3 kernels).
     */
    default void conv2d(Parallel par, ConvProblem p) {
        throw new UnsupportedOperationException(name() + " does not compute convolutions");
    }

    /**
     * The engine for the products of a prepared weight whose operands and value are of {@code type}
     * ({@link org.sam3j.io.DType#BF16} or {@link org.sam3j.io.DType#F16}: a reduced-precision graph's
     * {@code Linear} layers, {@link org.sam3j.graph.PrecisionPolicy}), or this engine. A product of two such values
     * is exact in FP32, so an engine on hardware that multiplies them natively (AMX) computes what this one does,
     * summed in another order. Another engine than this one must also round the values of A it reads and of the B
     * it prepares to {@code type} (nearest, ties to even), and the values of C it writes (so the backend need do
     * none of it: a cast to {@code type} read only by its products, the weights' rounded copies and the rounding of
     * the products' values are left to it). The backend
     * also offers it the reduced-precision graph's attention of such operands ({@link #attention},
     * {@link #windowedAttention}), whose values it must round as it writes them too. The default returns this
     * engine.
     */
    default GemmEngine forOperands(org.sam3j.io.DType type) {
        return this;
    }

    /** Releases native memory or threads; the engine is unusable afterwards. The default does nothing. */
    @Override
    default void close() {}
}
