package org.sam3j.backend.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import org.sam3j.graph.Attrs;

/**
 * Scaled dot-product attention for the pure-Java CPU backend:
 * {@code y = softmax(scale · q·kᵀ + bias) · v} for every (batch, head), with heads interleaved
 * ({@code q[B, Tq, H, D]}, {@code k[B, Tk, H, D]}, {@code v[B, Tk, H, Dv]}, {@code y[B, Tq, H, Dv]}, all row-major)
 * and an optional additive bias {@code [B or 1, H or 1, Tq, Tk]}.
 *
 * <h2>Design</h2>
 * Work is split into (batch, head, block of up to {@value #MAX_BLOCK} queries) tasks, handed out
 * dynamically to the workers of a {@link Parallel}. Each task runs a single-pass ("flash") attention
 * over its queries in the <em>transposed</em> orientation, so that the queries are the vectorised
 * dimension of every step, including the softmax:
 * <ol>
 *   <li>{@code Qᵀ} (scaled) is copied into {@code D} scratch rows of the block's width;</li>
 *   <li>keys are taken {@value #KC} at a time; for a chunk, {@code Sᵀ = K·Qᵀ} ({@code KC} rows, one per key)
 *       is accumulated by {@code 3 × 3} rank-1 updates (three keys, three channels, keys read as scalars)
 *       over rows indexed at plain {@code [i]} (see {@link Sgemm} for why that is what HotSpot C2 on JDK 17
 *       auto-vectorises), then the bias is added;</li>
 *   <li>the softmax is online: a running maximum {@code m[i]} and sum {@code l[i]} per query. The chunk's column
 *       maxima, {@code P = exp(Sᵀ - m)} and its column sums are element-wise across queries. What was accumulated
 *       before the chunk is rescaled by {@code exp(m_old - m_new)};</li>
 *   <li>{@code Oᵀ += Vᵀ·P} ({@code Dv} rows of the block's width) by the same {@code 3 × 3} updates, values read
 *       as scalars, so that this product is as wide as the other (a row-major {@code P·V} has only {@code Dv}
 *       columns, the narrow case where {@link Sgemm} is slowest);</li>
 *   <li>finally {@code Oᵀ / l} is transposed into the output.</li>
 * </ol>
 * The working set of a task ({@code Qᵀ}, a chunk of {@code Sᵀ}, {@code Oᵀ}: about 400 KiB for 576 queries and
 * heads of 64) stays in L2; keys and values are streamed once per query block. All scratch is per worker
 * ({@link Scratch}) and reused; nothing is allocated per task.
 *
 * <h2>Exponential</h2>
 * {@link CpuMath#exp} (range reduction to {@code 2^n · e^r}, relative error about 1e-7), bit for bit, but in the
 * vectorisable form of {@link CpuMath#expReduced} and friends (float arithmetic only; calling {@code CpuMath.exp}
 * in the loop ran scalar, about as long as one of the two products). A faster approximation ({@code p(x/32)^32},
 * relative error up to 6e-6 per weight) was tried and dropped: over the video tracker's memory attention (tens of
 * thousands of keys per query, four layers, frame after frame) it moved the outputs by 2.7e-3 of their spread,
 * beyond the fixtures' 1e-3. {@value #EXP_FLOOR} is where the running
 * rescaling factor is set to exactly 0, so that a maximum that jumps (e.g. past masked keys) leaves nothing of the
 * keys before it.
 *
 * <p>Accumulation is in float with fused multiply-adds, like {@link Sgemm}; results match the GEMM formulation
 * it replaces to within float rounding and the exponential's error (within 1e-5 of a double-precision reference on
 * unit-variance inputs).
 */
final class CpuAttention {
    /** Most queries per task (the width of the vectorised rows); a multiple of 16. */
    static final int MAX_BLOCK = 576;
    /** Keys per chunk of the online softmax; a multiple of 3. */
    static final int KC = 48;
    /** Below this exponent the running rescaling factor is exactly 0 ({@code e^-21.8 ≈ 3.4e-10}). */
    static final float EXP_FLOOR = -21.8f;

    /**
     * Most queries or keys of attention with a short side, which runs on {@link VectorAttention} also where only
     * {@link VectorKernels#SHORT_ATTENTION} holds: the prompt decoders, the text encoder, the fusion encoder's
     * attention to a phrase (at most 201 queries or 32 keys); not the image encoder's windows (576) or global and
     * fusion self-attention (5184).
     */
    static final int SHORT_SIDE = 256;

    /** Whether {@link #attention} runs on {@link VectorAttention} (see {@link VectorKernels}). */
    private static final boolean VECTOR = VectorKernels.ENABLED;
    /** Whether {@link #attention} runs on {@link VectorAttention} when one side is short. */
    private static final boolean VECTOR_SHORT = VectorKernels.SHORT_ATTENTION;

    private CpuAttention() {}

    /**
     * Whether {@link #attention} runs every shape on {@link VectorAttention}; the results are the same bit for bit
     * either way.
     */
    static boolean vectorKernel() {
        return VECTOR;
    }

    /** Whether {@link #attention} runs {@code tq} queries against {@code tk > 0} keys on {@link VectorAttention}. */
    static boolean vectorKernel(int tq, int tk) {
        return VECTOR || (VECTOR_SHORT && Math.min(tq, tk) <= SHORT_SIDE);
    }

    /**
     * Per-worker scratch, grown on demand and reused by every task of that worker. Not thread-safe: one
     * instance per concurrently running worker.
     */
    static final class Scratch {
        private int d = -1;
        private int dv = -1;
        private int width;
        /** {@code Qᵀ}, scaled: {@code d} rows */
        float[][] qT;
        /** the scores / weights of one key chunk: {@link #KC} rows */
        float[][] sT;
        /** the unnormalised output {@code Oᵀ}: {@code dv} rows */
        float[][] oT;
        /** the softmax statistics of the block's queries */
        final OnlineSoftmax softmax = new OnlineSoftmax();
        /** the final divisors' inverses */
        float[] inv;
        /** the scratch of {@link VectorAttention}, when that kernel runs */
        VectorAttention.Scratch vector;

        /** Makes room for a block of {@code width} queries with the given head dims. */
        void ensure(int d, int dv, int width) {
            if (d == this.d && dv == this.dv && width <= this.width) return;
            int w = Math.max(width, this.width);
            qT = new float[d][w];
            sT = new float[KC][w];
            oT = new float[dv][w];
            inv = new float[w];
            this.d = d;
            this.dv = dv;
            this.width = w;
        }
    }

    /**
     * Computes attention for all batches and heads, parallel over {@code par}.
     *
     * @param par     worker pool
     * @param scratch one slot per worker of {@code par} (at least {@code par.threads()}); empty slots are filled
     * @param q       queries {@code [B, Tq, H, D]} at {@code qOff}
     * @param k       keys {@code [B, Tk, H, D]} at {@code kOff}
     * @param v       values {@code [B, Tk, H, Dv]} at {@code vOff}, tokens {@code vRow} floats apart
     * @param bias    additive logits bias {@code [biasB, biasH, biasTq, Tk]} at {@code biasOff}, or null;
     *                {@code biasB} is 1 or B, {@code biasH} is 1 or H, {@code biasTq} is 1 or Tq (broadcast when 1)
     * @param y       output {@code [B, Tq, H, Dv]} at {@code yOff}
     * @param scale   logit scale
     */
    static void attention(Parallel par, Scratch[] scratch,
                          float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, int vRow,
                          float[] bias, int biasOff, int biasB, int biasH, int biasTq,
                          float[] y, int yOff,
                          int b, int tq, int tk, int h, int d, int dv, float scale) {
        if (b <= 0 || tq <= 0 || h <= 0 || dv <= 0) return;
        final int threads = par.threads();
        int blocks = (tq + MAX_BLOCK - 1) / MAX_BLOCK;
        // Enough tasks for every worker, without going below 64 queries per block.
        while ((long) b * h * blocks < 4L * threads && (tq + blocks) / (blocks + 1) >= 64) blocks++;
        final int nBlocks = blocks;
        final int block = (tq + nBlocks - 1) / nBlocks;
        final int width = roundUp(block, 16);
        final int tasks = b * h * nBlocks;
        final boolean vector = tk > 0 && vectorKernel(tq, tk);
        Parallel.forTasks(par, threads, tasks, (w, queue) -> {
            Scratch s = slot(scratch, w, vector);
            if (!vector) s.ensure(d, dv, width);
            for (int t = queue.next(); t >= 0; t = queue.next()) {
                int bi = t / (h * nBlocks);
                int hi = (t / nBlocks) % h;
                int q0 = (t % nBlocks) * block;
                int rows = Math.min(block, tq - q0);
                if (rows <= 0) continue;
                int biasRow = -1;
                if (bias != null) {
                    biasRow = biasOff + (((biasB == 1 ? 0 : bi) * biasH + (biasH == 1 ? 0 : hi)) * biasTq
                            + (biasTq == 1 ? 0 : q0)) * tk;
                }
                int qAt = qOff + (bi * tq + q0) * h * d + hi * d, kAt = kOff + bi * tk * h * d + hi * d;
                int vAt = vOff + bi * tk * vRow + hi * dv, yAt = yOff + (bi * tq + q0) * h * dv + hi * dv;
                int ldBias = biasTq == 1 ? 0 : tk;
                if (vector) {
                    VectorAttention.block(s.vector, q, qAt, h * d, k, kAt, h * d, v, vAt, vRow, bias, biasRow, ldBias,
                            y, yAt, h * dv, rows, tk, d, dv, scale);
                } else {
                    block(s, q, qAt, h * d, k, kAt, h * d, v, vAt, vRow, bias, biasRow, ldBias,
                            y, yAt, h * dv, rows, tk, d, dv, scale);
                }
            }
        });
    }

    /** Worker {@code w}'s scratch, made on first use, with {@link VectorAttention}'s where {@code vector}. */
    private static Scratch slot(Scratch[] scratch, int w, boolean vector) {
        Scratch s = scratch[w];
        if (s == null) {
            s = new Scratch();
            scratch[w] = s;
        }
        if (vector && s.vector == null) s.vector = new VectorAttention.Scratch();
        return s;
    }

    /**
     * Windowed attention on {@code [B, gridH·gridW, H, D]} operands in place, on {@link VectorAttention} (where
     * {@link #vectorKernel(int, int)} holds for a window's tokens; false, nothing written, elsewhere): each window's
     * rows are read and written where they lie in the grid (runs of {@code window} tokens), one task per (window,
     * head), so no window is gathered into contiguous rows and scattered back (for SAM 3's image encoder 4 copies of
     * 2.4 MB per window, 28 layers). The same floats as {@link #attention} on the gathered windows.
     */
    static boolean windowed(Parallel par, Scratch[] scratch, float[] q, int qOff, float[] k, int kOff, float[] v,
                            int vOff, int vRow, float[] y, int yOff, int b, Attrs.Attention a, int h, int d, int dv,
                            float scale) {
        final int tokens = a.windowTokens();
        if (!a.windowed() || !vectorKernel(tokens, tokens)) return false;
        final int windows = b * a.windowCount(), run = a.window(), gridW = a.gridW(), ldq = h * d, ldy = h * dv;
        Parallel.forTasks(par, par.threads(), windows * h, (w, queue) -> {
            Scratch s = slot(scratch, w, true);
            for (int t = queue.next(); t >= 0; t = queue.next()) {
                int start = a.windowStart(t / h), hi = t % h;
                VectorAttention.block(s.vector, q, qOff + start * ldq + hi * d, ldq, k, kOff + start * ldq + hi * d,
                        ldq, v, vOff + start * vRow + hi * dv, vRow, null, 0, 0, y, yOff + start * ldy + hi * dv, ldy,
                        tokens, tokens, d, dv, scale, run, gridW);
            }
        });
        return true;
    }

    /**
     * One (batch, head, query block): {@code rows} queries at {@code q[qOff + i*ldq]}, {@code tk} keys and values at
     * {@code k[kOff + j*ldk]}, {@code v[vOff + j*ldv]}, bias row {@code i} at {@code bias[biasOff + i*ldBias]}
     * (if {@code bias != null}), output row {@code i} at {@code y[yOff + i*ldy]}.
     */
    static void block(Scratch s, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk,
                      float[] v, int vOff, int ldv, float[] bias, int biasOff, int ldBias,
                      float[] y, int yOff, int ldy, int rows, int tk, int d, int dv, float scale) {
        if (tk == 0) {
            // softmax over no keys: an empty sum, as the GEMM formulation gives
            for (int i = 0; i < rows; i++) Arrays.fill(y, yOff + i * ldy, yOff + i * ldy + dv, 0f);
            return;
        }
        final int w = roundUp(rows, 16);
        final float[][] qT = s.qT, sT = s.sT, oT = s.oT;
        final OnlineSoftmax softmax = s.softmax;
        // Qᵀ, scaled; padding columns zeroed so that they stay finite.
        transposeIn(q, qOff, ldq, rows, d, scale, qT);
        for (int p = 0; p < d; p++) Arrays.fill(qT[p], rows, w, 0f);
        softmax.reset(w);
        for (int c = 0; c < dv; c++) Arrays.fill(oT[c], 0, w, 0f);

        for (int j0 = 0; j0 < tk; j0 += KC) {
            final int kc = Math.min(KC, tk - j0);
            // Sᵀ = K·Qᵀ (+ bias)
            final int kc3 = kc / 3 * 3;
            for (int j = 0; j < kc; j++) Arrays.fill(sT[j], 0, w, 0f);
            for (int j = 0; j < kc3; j += 3) rank3(k, kOff + (j0 + j) * ldk, ldk, 1, d, qT, 0, sT, j, w);
            for (int j = kc3; j < kc; j++) rank1(k, kOff + (j0 + j) * ldk, 1, d, qT, 0, sT[j], w);
            if (bias != null) {
                for (int i = 0; i < rows; i++) {
                    int br = biasOff + i * ldBias + j0;
                    for (int j = 0; j < kc; j++) sT[j][i] += bias[br + j];
                }
            }
            // P = exp(Sᵀ - m) in place, with the new running maxima and sums
            softmax.step(sT, kc);
            // Oᵀ = Oᵀ·alpha + Vᵀ·P
            softmax.rescale(oT, dv);
            final int dv3 = dv / 3 * 3;
            final int vc = vOff + j0 * ldv;
            for (int c = 0; c < dv3; c += 3) rank3(v, vc + c, 1, ldv, kc, sT, 0, oT, c, w);
            for (int c = dv3; c < dv; c++) rank1(v, vc + c, ldv, kc, sT, 0, oT[c], w);
        }
        // y = (Oᵀ / l)ᵀ
        final float[] l = softmax.sums(), inv = s.inv;
        for (int i = 0; i < rows; i++) inv[i] = 1f / l[i];
        transposeOut(oT, inv, rows, dv, y, yOff, ldy);
    }

    /** Queries per tile of the transpositions: the tile's rows of q or y stay in L1 while its columns are moved. */
    private static final int TILE = 8;

    /**
     * {@code xT[p][i] = x[off + i·ld + p] · scale} for {@code i < rows}, {@code p < d}, a tile of {@value #TILE} rows
     * at a time: each row of {@code xT} then takes {@value #TILE} consecutive values from rows that stay in L1, where
     * a row at a time writes one value into each of {@code d} rows of {@code xT}.
     */
    static void transposeIn(float[] x, int off, int ld, int rows, int d, float scale, float[][] xT) {
        for (int i0 = 0; i0 < rows; i0 += TILE) {
            final int n = Math.min(TILE, rows - i0);
            for (int p = 0; p < d; p++) {
                final float[] t = xT[p];
                for (int i = 0, src = off + i0 * ld + p; i < n; i++, src += ld) t[i0 + i] = x[src] * scale;
            }
        }
    }

    /** {@code y[off + i·ld + c] = oT[c][i] · inv[i]} for {@code i < rows}, {@code c < dv}, by tiles of queries. */
    static void transposeOut(float[][] oT, float[] inv, int rows, int dv, float[] y, int off, int ld) {
        for (int i0 = 0; i0 < rows; i0 += TILE) {
            final int n = Math.min(TILE, rows - i0);
            for (int c = 0; c < dv; c++) {
                final float[] t = oT[c];
                for (int i = 0, dst = off + i0 * ld + c; i < n; i++, dst += ld) y[dst] = t[i0 + i] * inv[i0 + i];
            }
        }
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    // ---------------------------------------------------------------------------------------------
    // Vectorised loops.
    //
    // Every array in a vectorised loop is indexed at plain [i] (see Sgemm), and every array written is
    // also read (C2 was measured to leave some loops with write-only arrays scalar). Three rows by three
    // rank-1 terms is the largest block measured to vectorise on JDK 17 (2 × 3, 3 × 4, 4 × 3, 4 × 4 fall
    // back to scalar code); it runs about 25 % faster than Sgemm's 4 × 2. The exponential is split into two loops
    // per row (one loop with all of it is too large for C2 to unroll, and so to vectorise).
    //
    // JDK 17's C2 decides once per loop, early during unrolling, whether to vectorise it, and that decision
    // was measured to fail depending on the code compiled around the loop: inlined into the loop nest of a
    // caller, the kernels below ran scalar in most of the arrangements tried (loop predication hoists their
    // range checks into the caller's loops; -XX:-UseLoopPredicate restores the vector code). The loops are
    // therefore only ever called through method handles loaded from an array, which C2 cannot see through:
    // it never inlines them and compiles each method on its own, where all of them were checked (with
    // -XX:+PrintAssembly) to vectorise. Each call does a block's worth of work (rows of the block's width,
    // over all terms of a product), so the call costs little.
    // ---------------------------------------------------------------------------------------------

    private static final int RANK3 = 0, RANK3_TAIL = 1, RANK1 = 2, RANK1_TAIL = 3, MAX_ROWS = 4, EXP = 5,
            EXP_ROWS = 6, RESCALE_SUM = 7, SCALE_ROWS = 8, MAX_MIN_ROWS = 9, EXP_ROWS_IN_RANGE = 10;

    /** The loop methods, by the indices above; in an array, so that C2 does not treat the handles as constants. */
    private static final MethodHandle[] LOOPS = new MethodHandle[11];

    static {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Class<?> a = float[].class;
        Class<?> aa = float[][].class;
        Class<?> i = int.class;
        try {
            MethodType rank3Type = MethodType.methodType(void.class, new Class<?>[] {a, i, i, i, i, aa, i, aa, i, i});
            LOOPS[RANK3] = lookup.findStatic(CpuAttention.class, "rank3Loop", rank3Type);
            LOOPS[RANK3_TAIL] = lookup.findStatic(CpuAttention.class, "rank3TailLoop", rank3Type);
            MethodType rank1Type = MethodType.methodType(void.class, new Class<?>[] {a, i, i, i, aa, i, a, i});
            LOOPS[RANK1] = lookup.findStatic(CpuAttention.class, "rank1Loop", rank1Type);
            LOOPS[RANK1_TAIL] = lookup.findStatic(CpuAttention.class, "rank1TailLoop", rank1Type);
            MethodType rowsType = MethodType.methodType(void.class, new Class<?>[] {aa, i, a, a, a, a, i});
            LOOPS[MAX_ROWS] = lookup.findStatic(CpuAttention.class, "maxRowsLoop", rowsType);
            LOOPS[EXP] = lookup.findStatic(CpuAttention.class, "expLoop", rowsType);
            LOOPS[EXP_ROWS] = lookup.findStatic(CpuAttention.class, "expRowsLoop", rowsType);
            LOOPS[RESCALE_SUM] = lookup.findStatic(CpuAttention.class, "rescaleSumLoop", rowsType);
            LOOPS[SCALE_ROWS] = lookup.findStatic(CpuAttention.class, "scaleRowsLoop", rowsType);
            LOOPS[MAX_MIN_ROWS] = lookup.findStatic(CpuAttention.class, "maxMinRowsLoop", rowsType);
            LOOPS[EXP_ROWS_IN_RANGE] = lookup.findStatic(CpuAttention.class, "expRowsInRangeLoop", rowsType);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code m[i] = max(m[i], s[0][i], ..., s[count - 1][i])} for {@code i < n} (vectorised, see above). */
    static void maxRows(float[][] s, int count, float[] m, int n) {
        call(MAX_ROWS, s, count, m, null, null, null, n);
    }

    /**
     * {@code m[i] = max(m[i], s[0][i], ..., s[count - 1][i])} and {@code lo[i] = min(lo[i], s[0][i], ...)} for
     * {@code i < n}: the maxima, and the minima that tell whether {@link #expRowsInRange} applies.
     */
    static void maxMinRows(float[][] s, int count, float[] m, float[] lo, int n) {
        call(MAX_MIN_ROWS, s, count, m, lo, null, null, n);
    }

    /** {@code alpha[i] = exp(m[i] - mNew[i])} for {@code i < n}, with {@code m ≤ mNew}; {@code t} is scratch. */
    static void expDiff(float[] m, float[] mNew, float[] alpha, float[] t, int n) {
        call(EXP, null, 0, m, mNew, alpha, t, n);
    }

    /** {@code l[i] = l[i]·alpha[i] + cs[i]} for {@code i < n}. */
    static void rescaleSum(float[] l, float[] alpha, float[] cs, int n) {
        call(RESCALE_SUM, null, 0, l, alpha, cs, null, n);
    }

    /** {@code c[j][i] *= alpha[i]} for {@code j < count}, {@code i < n}. */
    static void scaleRows(float[][] c, int count, float[] alpha, int n) {
        call(SCALE_ROWS, c, count, alpha, null, null, null, n);
    }

    /**
     * {@code s[j][i] = exp(s[j][i] - m[i])} in place and {@code sum[i] += s[j][i]} for {@code j < count},
     * {@code i < n}, with {@code s[j][i] ≤ m[i]} (see the class comment); {@code t} is scratch.
     */
    static void expRows(float[][] s, int count, float[] m, float[] sum, float[] t, int n) {
        call(EXP_ROWS, s, count, m, sum, t, null, n);
    }

    /**
     * {@link #expRows} where every {@code s[j][i] - m[i]} is known to lie in {@code [CpuMath.EXP_MIN, 0]} (no NaN):
     * the same values bit for bit without the clamps that only values below that range need (each {@code Math.max}
     * is several vector instructions, since Java's max orders -0 and NaN); about a third faster.
     */
    static void expRowsInRange(float[][] s, int count, float[] m, float[] sum, float[] t, int n) {
        call(EXP_ROWS_IN_RANGE, s, count, m, sum, t, null, n);
    }

    /** {@code c[cj + r] += Σ_{p < terms} a[ai + r·rs + p·cs] · b[bj + p]} for the three rows r. */
    private static void rank3(float[] a, int ai, int rs, int cs, int terms, float[][] b, int bj, float[][] c, int cj,
                              int n) {
        final int t3 = terms / 3 * 3;
        try {
            if (t3 > 0) LOOPS[RANK3].invokeExact(a, ai, rs, cs, t3, b, bj, c, cj, n);
            if (t3 < terms) LOOPS[RANK3_TAIL].invokeExact(a, ai + t3 * cs, rs, cs, terms - t3, b, bj + t3, c, cj, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code c += Σ_{p < terms} a[ai + p·cs] · b[bj + p]}. */
    private static void rank1(float[] a, int ai, int cs, int terms, float[][] b, int bj, float[] c, int n) {
        final int t3 = terms / 3 * 3;
        try {
            if (t3 > 0) LOOPS[RANK1].invokeExact(a, ai, cs, t3, b, bj, c, n);
            if (t3 < terms) LOOPS[RANK1_TAIL].invokeExact(a, ai + t3 * cs, cs, terms - t3, b, bj + t3, c, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One of the element-wise loops with the signature of {@link #expRowsLoop}. */
    private static void call(int loop, float[][] rows, int count, float[] y0, float[] y1, float[] y2, float[] y3, int n) {
        try {
            LOOPS[loop].invokeExact(rows, count, y0, y1, y2, y3, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) return (RuntimeException) t;
        if (t instanceof Error) throw (Error) t;
        return new IllegalStateException(t);
    }

    /**
     * {@code c[cj + r][i] += Σ_{p < terms} a[ai + r·rs + p·cs] · b[bj + p][i]} for {@code r < 3}, {@code i < n}, with
     * {@code terms} a multiple of 3. (With a second loop for other counts in the same method, C2 was measured to
     * leave this one scalar; {@link #rank3TailLoop} does the rest.)
     */
    private static void rank3Loop(float[] a, int ai, int rs, int cs, int terms, float[][] b, int bj,
                                  float[][] c, int cj, int n) {
        final float[] c0 = c[cj], c1 = c[cj + 1], c2 = c[cj + 2];
        for (int p = 0; p + 2 < terms; p += 3) {
            final int x0 = ai + p * cs, x1 = x0 + rs, x2 = x1 + rs;
            final float a00 = a[x0], a01 = a[x0 + cs], a02 = a[x0 + 2 * cs];
            final float a10 = a[x1], a11 = a[x1 + cs], a12 = a[x1 + 2 * cs];
            final float a20 = a[x2], a21 = a[x2 + cs], a22 = a[x2 + 2 * cs];
            final float[] b0 = b[bj + p], b1 = b[bj + p + 1], b2 = b[bj + p + 2];
            for (int i = 0; i < n; i++) {
                float y0 = b0[i], y1 = b1[i], y2 = b2[i];
                c0[i] = Math.fma(a02, y2, Math.fma(a01, y1, Math.fma(a00, y0, c0[i])));
                c1[i] = Math.fma(a12, y2, Math.fma(a11, y1, Math.fma(a10, y0, c1[i])));
                c2[i] = Math.fma(a22, y2, Math.fma(a21, y1, Math.fma(a20, y0, c2[i])));
            }
        }
    }

    /** As {@link #rank3Loop}, one term at a time, for any {@code terms}. */
    private static void rank3TailLoop(float[] a, int ai, int rs, int cs, int terms, float[][] b, int bj,
                                      float[][] c, int cj, int n) {
        final float[] c0 = c[cj], c1 = c[cj + 1], c2 = c[cj + 2];
        for (int p = 0; p < terms; p++) {
            final int x0 = ai + p * cs;
            final float a0 = a[x0], a1 = a[x0 + rs], a2 = a[x0 + 2 * rs];
            final float[] b0 = b[bj + p];
            for (int i = 0; i < n; i++) {
                float y0 = b0[i];
                c0[i] = Math.fma(a0, y0, c0[i]);
                c1[i] = Math.fma(a1, y0, c1[i]);
                c2[i] = Math.fma(a2, y0, c2[i]);
            }
        }
    }

    /** {@code c[i] += Σ_{p < terms} a[ai + p·cs] · b[bj + p][i]} for {@code i < n}, {@code terms} a multiple of 3. */
    private static void rank1Loop(float[] a, int ai, int cs, int terms, float[][] b, int bj, float[] c, int n) {
        for (int p = 0; p + 2 < terms; p += 3) {
            final int x0 = ai + p * cs;
            final float a0 = a[x0], a1 = a[x0 + cs], a2 = a[x0 + 2 * cs];
            final float[] b0 = b[bj + p], b1 = b[bj + p + 1], b2 = b[bj + p + 2];
            for (int i = 0; i < n; i++) c[i] = Math.fma(a2, b2[i], Math.fma(a1, b1[i], Math.fma(a0, b0[i], c[i])));
        }
    }

    /** As {@link #rank1Loop}, one term at a time, for any {@code terms}. */
    private static void rank1TailLoop(float[] a, int ai, int cs, int terms, float[][] b, int bj, float[] c, int n) {
        for (int p = 0; p < terms; p++) {
            final float a0 = a[ai + p * cs];
            final float[] b0 = b[bj + p];
            for (int i = 0; i < n; i++) c[i] = Math.fma(a0, b0[i], c[i]);
        }
    }

    /** {@code m = max(m, s[0], ..., s[count - 1])} ({@code unused*} are ignored). */
    private static void maxRowsLoop(float[][] s, int count, float[] m, float[] unused1, float[] unused2,
                                    float[] unused3, int n) {
        int j = 0;
        for (; j + 2 < count; j += 3) {
            final float[] s0 = s[j], s1 = s[j + 1], s2 = s[j + 2];
            for (int i = 0; i < n; i++) m[i] = Math.max(m[i], Math.max(s0[i], Math.max(s1[i], s2[i])));
        }
        for (; j < count; j++) {
            final float[] s0 = s[j];
            for (int i = 0; i < n; i++) m[i] = Math.max(m[i], s0[i]);
        }
    }

    /** {@code m = max(m, s[0], ..., s[count - 1])}, {@code lo = min(lo, s[0], ...)} ({@code unused*} are ignored). */
    private static void maxMinRowsLoop(float[][] s, int count, float[] m, float[] lo, float[] unused2,
                                       float[] unused3, int n) {
        int j = 0;
        for (; j + 2 < count; j += 3) {
            final float[] s0 = s[j], s1 = s[j + 1], s2 = s[j + 2];
            for (int i = 0; i < n; i++) {
                float a = s0[i], b = s1[i], c = s2[i];
                m[i] = Math.max(m[i], Math.max(a, Math.max(b, c)));
                lo[i] = Math.min(lo[i], Math.min(a, Math.min(b, c)));
            }
        }
        for (; j < count; j++) {
            final float[] s0 = s[j];
            for (int i = 0; i < n; i++) {
                float a = s0[i];
                m[i] = Math.max(m[i], a);
                lo[i] = Math.min(lo[i], a);
            }
        }
    }

    /**
     * {@link #expRowsLoop} for arguments {@code s[j][i] - m[i]} in {@code [CpuMath.EXP_MIN, 0]}: there the clamps
     * of {@link CpuMath#expReduced}, {@link CpuMath#expExponent} and {@link CpuMath#expScale} change nothing, and
     * the pieces without them ({@code expReducedInRange}, {@code expExponentInRange}, {@code expScaleInRange})
     * give the same bits.
     */
    private static void expRowsInRangeLoop(float[][] s, int count, float[] m, float[] sum, float[] t, float[] unused,
                                           int n) {
        for (int j = 0; j < count; j++) {
            final float[] x = s[j];
            for (int i = 0; i < n; i++) {
                float z = x[i] - m[i];
                float e = CpuMath.expExponentInRange(z);
                x[i] = CpuMath.expReducedInRange(z, e);
                t[i] = e;
            }
            for (int i = 0; i < n; i++) {
                float p = CpuMath.expScaleInRange(CpuMath.expPoly(x[i]), t[i]);
                x[i] = p;
                sum[i] += p;
            }
        }
    }

    /**
     * {@code out = exp(x - m)} for {@code x ≤ m}, equal to {@link CpuMath#exp} bit for bit, in two vectorised loops
     * (see {@link CpuMath#expReduced}); {@code t} is scratch ({@code unused*} are ignored).
     */
    private static void expLoop(float[][] unused1, int unused2, float[] x, float[] m, float[] out, float[] t, int n) {
        for (int i = 0; i < n; i++) {
            float z = x[i] - m[i];
            out[i] = CpuMath.expReduced(z);
            t[i] = CpuMath.expExponent(z);
        }
        for (int i = 0; i < n; i++) out[i] = CpuMath.expScale(CpuMath.expPoly(out[i]), t[i]);
    }

    /**
     * {@code s[j] = exp(s[j] - m)} in place for {@code j < count} (with {@code s[j] ≤ m}), and {@code sum += s[j]};
     * as {@link #expLoop}, {@code t} is scratch ({@code unused} is ignored).
     */
    private static void expRowsLoop(float[][] s, int count, float[] m, float[] sum, float[] t, float[] unused,
                                    int n) {
        for (int j = 0; j < count; j++) {
            final float[] x = s[j];
            for (int i = 0; i < n; i++) {
                float z = x[i] - m[i];
                x[i] = CpuMath.expReduced(z);
                t[i] = CpuMath.expExponent(z);
            }
            for (int i = 0; i < n; i++) {
                float p = CpuMath.expScale(CpuMath.expPoly(x[i]), t[i]);
                x[i] = p;
                sum[i] += p;
            }
        }
    }

    /** {@code l = l·alpha + cs} ({@code unused*} are ignored). */
    private static void rescaleSumLoop(float[][] unused1, int unused2, float[] l, float[] alpha, float[] cs,
                                       float[] unused3, int n) {
        for (int i = 0; i < n; i++) l[i] = Math.fma(l[i], alpha[i], cs[i]);
    }

    /** {@code c[j] = c[j]·alpha} for {@code j < count} ({@code unused*} are ignored). */
    private static void scaleRowsLoop(float[][] c, int count, float[] alpha, float[] unused1, float[] unused2,
                                      float[] unused3, int n) {
        for (int j = 0; j < count; j++) {
            final float[] c0 = c[j];
            for (int i = 0; i < n; i++) c0[i] *= alpha[i];
        }
    }
}
