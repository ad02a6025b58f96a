package org.sam3j.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuAttention}'s single-pass attention with its products and softmax written in the JDK's Vector API
 * ({@code jdk.incubator.vector}), used when the application runs with {@code --add-modules jdk.incubator.vector}
 * (see {@link VectorKernels}). The result is the same to the bit: the same chunks of
 * {@value CpuAttention#KC} keys, the same operations in the same order; only the schedule differs.
 *
 * <h2>Why</h2>
 * The auto-vectorised kernel keeps its products' accumulators in memory (C2 on JDK 17 vectorises a 3 × 3 block of
 * rank-1 updates and no more), so each fused multiply-add costs a load and a store; it runs at 60–70 % of
 * OpenBLAS's SGEMM rate. Here the products are register-blocked micro-kernels, {@value #ROWS} keys (or value channels)
 * by two vectors of queries held in 16 accumulators, and everything that follows a block of scores happens while it
 * is in L1: for one <em>strip</em> of {@code 2 × lanes} queries and one chunk of keys, the scores, their maxima, the
 * exponentials and sums, and the update of the output strip {@code Oᵀ} run back to back.
 *
 * <h2>Layout</h2>
 * Each operand of a strip is one run of memory in one array, its rows {@code 2 × lanes} floats each: {@code Qᵀ}
 * (scaled) and {@code Oᵀ} are kept by strips, a strip's {@code d} (or {@code dv}) rows one after another, and a
 * strip's scores (then weights) for a chunk are {@value CpuAttention#KC} such rows. The micro-kernels then read their
 * vectors at fixed distances from one index. With {@code Qᵀ}, {@code Sᵀ} and {@code Oᵀ} as arrays of rows of the
 * block's width (a row per channel or key), attention ran 15–20 % slower on the Intel AVX-512 development VM
 * ({@code CpuAttentionBench}, 2 threads: windowed 121–123 against 154–157 GFLOP/s, global 142–144 against 173–174,
 * this layout with the maxima in eight chains). Keys and values are read in place: copied first into tiles for
 * {@link VectorSgemm#kernel}, they ran no faster on the image encoder's shapes, and slower where a block has one strip
 * of queries (a click's tokens).
 *
 * <h2>C2 and the Vector API on JDK 17</h2>
 * Vector code is fast only where every vector operation is inlined and intrinsified; a vector passed to or returned
 * from a method that is not inlined is boxed, which costs more than the arithmetic. Each step is therefore a method
 * with arrays and indices as arguments, its vectors local to it, and no step calls another on vectors. The steps
 * are few and large (the scores, the softmax, the values: each above C2's 325-bytecode limit for inlining a hot
 * method), so each is compiled from its own profile, the same way in every process. The float to
 * int conversion is not intrinsified at 16 lanes, so {@code 2^n} is built from the bits of {@code n + 2^23 + 127}
 * (exact for the integers {@code n ∈ [-126, 0]} the reduction gives).
 */
final class VectorAttention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    private static final int LANES = F.length();
    /** Queries per strip: two vectors. */
    static final int STRIP = 2 * LANES;
    /** Keys (for scores) or value channels (for the output) per micro-kernel block. */
    static final int ROWS = 8;
    private static final int KC = CpuAttention.KC;

    // CpuMath.exp's constants: ln 2 in two parts (negated) and its polynomial's coefficients, highest degree first
    private static final float LOG2E = CpuMath.LOG2E;
    private static final float MINUS_LN2_HI = CpuMath.MINUS_LN2_HI;
    private static final float MINUS_LN2_LO = CpuMath.MINUS_LN2_LO;
    private static final float C6 = CpuMath.C6;
    private static final float C5 = CpuMath.C5;
    private static final float C4 = CpuMath.C4;
    private static final float C3 = CpuMath.C3;
    private static final float C2 = CpuMath.C2;
    private static final float C1 = CpuMath.C1;
    private static final float ROUND = CpuMath.ROUND;
    /** {@code 2^23 + 127}: the low bits of {@code n + BIAS_BITS} are the biased exponent of {@code 2^n}. */
    private static final float BIAS_BITS = 8388735f;

    private VectorAttention() {}

    /**
     * Whether the preferred vectors hold 16 floats (AVX-512), where this kernel beats the auto-vectorised one. Its
     * micro-kernels need about 20 vector registers; with AVX2's 16 they spill, and measured with
     * {@code -XX:UseAVX=2} the kernel ran at 65 % of the auto-vectorised one's rate.
     */
    static boolean usable() {
        return LANES >= 16;
    }

    /**
     * Whether the preferred vectors hold at least 8 floats (AVX2): enough for attention with a short side
     * ({@link VectorKernels#SHORT_ATTENTION}), where the spills cost less than the auto-vectorised kernel's short
     * rows.
     */
    static boolean usableOnShortSides() {
        return LANES >= 8;
    }

    /** Per-worker scratch, grown on demand; one instance per concurrently running worker. */
    static final class Scratch {
        private int d = -1;
        private int dv = -1;
        private int width;
        /** {@code Qᵀ}, scaled, by strips: strip {@code s} from {@code s·d·STRIP}, its channel {@code p} at {@code p·STRIP} */
        float[] qS;
        /** one strip's scores, then weights, for one chunk: key {@code j} from {@code j·STRIP} */
        final float[] sP = new float[KC * STRIP];
        /** {@code Oᵀ} by strips: strip {@code s} from {@code s·dv·STRIP}, its channel {@code c} at {@code c·STRIP} */
        float[] oS;
        /** running maxima and sums per query */
        float[] m;
        float[] l;
        /** the chunk's new maxima, minima (then column sums) and rescaling factors, per query */
        float[] mx;
        float[] lo;
        float[] alpha;
        /** a window's chunk of keys (where its runs split blocks of keys) and values in consecutive rows */
        float[] kChunk;
        float[] vChunk;
        /** where a chunk's keys lie: key {@code j} of the chunk from {@code kRow[j]} */
        final int[] kRow = new int[KC];

        void ensureChunk(int d, int dv) {
            if (d > 0 && (kChunk == null || kChunk.length < KC * d)) kChunk = new float[KC * d];
            if (vChunk == null || vChunk.length < KC * dv) vChunk = new float[KC * dv];
        }

        void ensure(int d, int dv, int width) {
            if (d == this.d && dv == this.dv && width <= this.width) return;
            int w = Math.max(width, this.width);
            qS = new float[d * w];
            oS = new float[dv * w];
            m = new float[w];
            l = new float[w];
            mx = new float[w];
            lo = new float[w];
            alpha = new float[w];
            this.d = d;
            this.dv = dv;
            this.width = w;
        }
    }

    /** The scratch width a block of {@code rows} queries needs. */
    static int width(int rows) {
        return (rows + STRIP - 1) / STRIP * STRIP;
    }

    /**
     * As {@link CpuAttention#block}, with {@code tk > 0}; the same arguments and the same result bit for bit.
     */
    static void block(Scratch s, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk,
                      float[] v, int vOff, int ldv, float[] bias, int biasOff, int ldBias,
                      float[] y, int yOff, int ldy, int rows, int tk, int d, int dv, float scale) {
        block(s, q, qOff, ldq, k, kOff, ldk, v, vOff, ldv, bias, biasOff, ldBias, y, yOff, ldy, rows, tk, d, dv, scale,
                1, 1);
    }

    /**
     * {@link #block(Scratch, float[], int, int, float[], int, int, float[], int, int, float[], int, int, float[], int,
     * int, int, int, int, int, float)} on the rows of a window of a token grid, read and written in place: query,
     * key, value and output row {@code r} is {@code (r / run) · gridW + r % run} rows from its offset (runs of
     * {@code run} tokens, {@code gridW} apart; {@code run = gridW}: consecutive rows). A window's keys are read in
     * place when its runs hold whole blocks of {@value #ROWS} keys (the image encoder's runs of 24), else copied a
     * chunk at a time into consecutive rows; its values are always copied so (the same values: the result is that of
     * the window gathered first, bit for bit).
     */
    static void block(Scratch s, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk,
                      float[] v, int vOff, int ldv, float[] bias, int biasOff, int ldBias,
                      float[] y, int yOff, int ldy, int rows, int tk, int d, int dv, float scale, int run, int gridW) {
        final int w = width(rows);
        s.ensure(d, dv, w);
        final float[] qS = s.qS, oS = s.oS, sP = s.sP;
        final boolean window = run != gridW;
        // Keys are read in place where each block of ROWS keys lies ldk apart: copied a chunk at a time first, an image
        // encoder's window took 4–5 % longer on one thread of a Zen 5. A window's values are copied: read in place
        // (rows 4 or 12 KiB apart) the windowed layers ran slower.
        final boolean copyK = window && run % ROWS != 0;
        if (window) s.ensureChunk(copyK ? d : 0, dv);
        final int[] kRow = s.kRow;
        stripsIn(q, qOff, ldq, rows, w, d, scale, qS, run, gridW);
        Arrays.fill(oS, 0, dv * w, 0f);
        Arrays.fill(s.m, 0, w, -Float.MAX_VALUE);
        Arrays.fill(s.l, 0, w, 0f);
        for (int j0 = 0; j0 < tk; j0 += KC) {
            final int kc = Math.min(KC, tk - j0);
            for (int j = 0; j < kc; j++) {
                final int r = row(j0 + j, run, gridW);
                if (copyK) {
                    System.arraycopy(k, kOff + r * ldk, s.kChunk, j * d, d);
                    kRow[j] = j * d;
                } else {
                    kRow[j] = kOff + r * ldk;
                }
                if (window) System.arraycopy(v, vOff + r * ldv, s.vChunk, j * dv, dv);
            }
            final float[] kx = copyK ? s.kChunk : k, vx = window ? s.vChunk : v;
            final int lk = copyK ? d : ldk, vb = window ? 0 : vOff + j0 * ldv, lv = window ? dv : ldv;
            for (int i0 = 0; i0 < w; i0 += STRIP) {
                final int qs = i0 * d, os = i0 * dv;
                // Sᵀ = K·Qᵀ for the strip (+ bias)
                scores(kx, kRow, lk, kc, d, qS, qs, sP);
                if (bias != null) addBias(bias, biasOff + j0, ldBias, kc, rows, sP, i0);
                // P = exp(Sᵀ - m), with the new running maxima and sums
                softmax(s, kc, i0);
                // Oᵀ = Oᵀ·alpha + Vᵀ·P
                values(vx, vb, lv, kc, dv, sP, s.alpha, oS, os, i0);
            }
        }
        // the divisors' inverses, in the chunk minima's array (free once the last chunk is done)
        final float[] l = s.l, inv = s.lo;
        for (int i = 0; i < rows; i++) inv[i] = 1f / l[i];
        stripsOut(oS, inv, rows, dv, y, yOff, ldy, run, gridW);
    }

    /** Row {@code r} of a window: runs of {@code run} rows, {@code gridW} apart ({@code run = gridW}: row r). */
    private static int row(int r, int run, int gridW) {
        return run == gridW ? r : r / run * gridW + r % run;
    }

    /**
     * {@code qS[i0·d + p·STRIP + (i - i0)] = x[off + i·ld + p] · scale} for the strips' queries {@code i < w} (0 past
     * {@code rows}) and {@code p < d}, where {@code i0} is the strip of {@code i}. A query's channels are read in
     * order, one row of {@code x} after another, and written into the strip, which stays in L1. Channel by channel
     * instead, a strip's 32 rows are read at once, and where they lie a multiple of 4 KiB apart (the image encoder's
     * 16 heads of 64: rows of 1024 floats) they fall into one set of the L1 cache, more rows than it has ways: the
     * transpose took 45 µs for a block of 576 queries, a tenth of a windowed attention's time, against 11 µs this way.
     */
    private static void stripsIn(float[] x, int off, int ld, int rows, int w, int d, float scale, float[] qS, int run,
                                 int gridW) {
        for (int i0 = 0; i0 < w; i0 += STRIP) {
            final int n = Math.min(STRIP, rows - i0), base = i0 * d; // w < rows + STRIP: n > 0
            for (int i = 0; i < n; i++) {
                final int src = off + row(i0 + i, run, gridW) * ld, dst = base + i;
                for (int p = 0; p < d; p++) qS[dst + p * STRIP] = x[src + p] * scale;
            }
            if (n < STRIP) {
                for (int p = 0; p < d; p++) Arrays.fill(qS, base + p * STRIP + n, base + (p + 1) * STRIP, 0f);
            }
        }
    }

    /**
     * {@code y[off + row(i)·ld + c] = oS[i0·dv + c·STRIP + (i - i0)] · inv[i]} for {@code i < rows}, {@code c < dv}.
     */
    private static void stripsOut(float[] oS, float[] inv, int rows, int dv, float[] y, int off, int ld, int run,
                                  int gridW) {
        for (int i0 = 0; i0 < rows; i0 += STRIP) {
            final int n = Math.min(STRIP, rows - i0), base = i0 * dv;
            for (int i = 0; i < n; i++) {
                final float f = inv[i0 + i];
                final int dst = off + row(i0 + i, run, gridW) * ld;
                for (int c = 0; c < dv; c++) y[dst + c] = oS[base + c * STRIP + i] * f;
            }
        }
    }

    /**
     * {@code sP[j·STRIP + i - i0] += bias[b + i·ldBias + j]} for {@code j < kc} and the strip's queries {@code i}
     * below {@code rows}. A bias row shared by every query ({@code ldBias = 0}: a key-padding mask) is added a vector
     * at a time; the strip's padding columns then get it too, which changes nothing the output reads.
     */
    private static void addBias(float[] bias, int b, int ldBias, int kc, int rows, float[] sP, int i0) {
        if (ldBias == 0) {
            for (int j = 0; j < kc; j++) {
                final FloatVector bj = FloatVector.broadcast(F, bias[b + j]);
                final int at = j * STRIP;
                FloatVector.fromArray(F, sP, at).add(bj).intoArray(sP, at);
                FloatVector.fromArray(F, sP, at + LANES).add(bj).intoArray(sP, at + LANES);
            }
            return;
        }
        int last = Math.min(rows, i0 + STRIP);
        for (int i = i0; i < last; i++) {
            int br = b + i * ldBias;
            for (int j = 0; j < kc; j++) sP[j * STRIP + i - i0] += bias[br + j];
        }
    }

    /**
     * The online-softmax step of one strip, as {@link OnlineSoftmax#step} computes it: the new maxima
     * {@code mx = max(m, S[0..kc))} and minima {@code lo}, the rescaling factors {@code alpha = exp(m - mx)} (exactly
     * 0 below {@link CpuAttention#EXP_FLOOR}, NaN stays NaN), {@code P = exp(S - mx)} in place in {@code sP} with the
     * sums in {@code j} order ({@link CpuMath#exp}'s reduction and polynomial: the same fused steps in its order), and
     * the running sums.
     *
     * <p>One method on purpose (see the class comment): written as four small helpers, C2 inlined them or not
     * depending on how far the profile had got when it compiled the caller, and in about half of fresh processes one
     * helper stayed in C1's code, which boxes every vector; the first image's attention then took 2–10 × as long, and
     * so did every later one.
     */
    private static void softmax(Scratch s, int kc, int i0) {
        final float[] sP = s.sP;
        final float[] m = s.m, mx = s.mx, lo = s.lo, alpha = s.alpha, l = s.l;
        final int i1 = i0 + STRIP;
        final FloatVector lnHi = FloatVector.broadcast(F, MINUS_LN2_HI), lnLo = FloatVector.broadcast(F, MINUS_LN2_LO);
        final FloatVector c4 = FloatVector.broadcast(F, C4), c3 = FloatVector.broadcast(F, C3);
        final FloatVector c2 = FloatVector.broadcast(F, C2), c1 = FloatVector.broadcast(F, C1);
        {
            // maxima and minima (Math.max/min semantics, which give the same value in any order): the strip's two
            // vectors, even and odd keys apart, so that eight chains of comparisons run side by side
            FloatVector hi0 = FloatVector.fromArray(F, m, i0), hi1 = FloatVector.fromArray(F, m, i0 + LANES);
            FloatVector hj0 = hi0, hj1 = hi1;
            FloatVector low0 = FloatVector.broadcast(F, Float.MAX_VALUE), low1 = low0, lj0 = low0, lj1 = low0;
            int j = 0, at = 0;
            for (; j + 1 < kc; j += 2, at += 2 * STRIP) {
                final FloatVector x0 = FloatVector.fromArray(F, sP, at), x1 = FloatVector.fromArray(F, sP, at + LANES);
                final FloatVector y0 = FloatVector.fromArray(F, sP, at + STRIP);
                final FloatVector y1 = FloatVector.fromArray(F, sP, at + STRIP + LANES);
                hi0 = hi0.max(x0);
                hi1 = hi1.max(x1);
                low0 = low0.min(x0);
                low1 = low1.min(x1);
                hj0 = hj0.max(y0);
                hj1 = hj1.max(y1);
                lj0 = lj0.min(y0);
                lj1 = lj1.min(y1);
            }
            if (j < kc) {
                final FloatVector x0 = FloatVector.fromArray(F, sP, at), x1 = FloatVector.fromArray(F, sP, at + LANES);
                hi0 = hi0.max(x0);
                hi1 = hi1.max(x1);
                low0 = low0.min(x0);
                low1 = low1.min(x1);
            }
            hi0.max(hj0).intoArray(mx, i0);
            hi1.max(hj1).intoArray(mx, i0 + LANES);
            low0.min(lj0).intoArray(lo, i0);
            low1.min(lj1).intoArray(lo, i0 + LANES);
        }
        // whether every s - mx is at least EXP_MIN (not where NaN); this check and the running sums' update at the end
        // run a vector at a time: query by query they took a fifth of the method's time (0.43 against 0.34 µs a call
        // on a Zen 5)
        final boolean inRange = FloatVector.fromArray(F, lo, i0).sub(FloatVector.fromArray(F, mx, i0))
                .compare(VectorOperators.GE, CpuMath.EXP_MIN).allTrue()
                && FloatVector.fromArray(F, lo, i0 + LANES).sub(FloatVector.fromArray(F, mx, i0 + LANES))
                .compare(VectorOperators.GE, CpuMath.EXP_MIN).allTrue();
        // The exponential is written out in each of its three loops, not shared: a helper taking and returning
        // vectors is not inlined by C2 (too large), and its boxed vectors made the softmax 2-4 x slower when measured.
        for (int h = i0; h < i1; h += LANES) {
            // rescaling factors
            FloatVector z = FloatVector.fromArray(F, m, h).sub(FloatVector.fromArray(F, mx, h));
            VectorMask<Float> gone = z.lt(CpuAttention.EXP_FLOOR);
            z = z.max(CpuAttention.EXP_FLOOR);
            FloatVector n = z.fma(LOG2E, ROUND).sub(ROUND);
            FloatVector r = n.fma(lnHi, z);
            r = n.fma(lnLo, r);
            FloatVector e = r.fma(C6, C5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, c1).fma(r.mul(r), r).add(1f);
            e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            e.blend(0f, gone).intoArray(alpha, h);
        }
        if (inRange) {
            // every s - mx lies in [EXP_MIN, 0]: the clamp-free exponential applies (see OnlineSoftmax.step)
            for (int h = i0; h < i1; h += LANES) {
                final FloatVector mh = FloatVector.fromArray(F, mx, h);
                FloatVector sum = FloatVector.zero(F);
                for (int j = 0, at = h - i0; j < kc; j++, at += STRIP) {
                    FloatVector z = FloatVector.fromArray(F, sP, at).sub(mh);
                    FloatVector n = z.fma(LOG2E, ROUND).sub(ROUND);
                    FloatVector r = n.fma(lnHi, z);
                    r = n.fma(lnLo, r);
                    FloatVector e = r.fma(C6, C5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, c1).fma(r.mul(r), r)
                            .add(1f);
                    e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .reinterpretAsFloats());
                    e.intoArray(sP, at);
                    sum = sum.add(e);
                }
                sum.intoArray(lo, h);
            }
        } else {
            // masked keys or non-finite scores: CpuMath.exp with its clamp below EXP_MIN (0 there; NaN stays NaN, and
            // z = s - mx is never above 0); the same bits as the exponential above wherever no clamp applies
            for (int h = i0; h < i1; h += LANES) {
                final FloatVector mh = FloatVector.fromArray(F, mx, h);
                FloatVector sum = FloatVector.zero(F);
                for (int j = 0, at = h - i0; j < kc; j++, at += STRIP) {
                    FloatVector z = FloatVector.fromArray(F, sP, at).sub(mh);
                    VectorMask<Float> under = z.lt(CpuMath.EXP_MIN);
                    z = z.max(CpuMath.EXP_MIN);
                    FloatVector n = z.fma(LOG2E, ROUND).sub(ROUND);
                    FloatVector r = n.fma(lnHi, z);
                    r = n.fma(lnLo, r);
                    FloatVector e = r.fma(C6, C5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, c1).fma(r.mul(r), r)
                            .add(1f);
                    e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .reinterpretAsFloats()).blend(0f, under);
                    e.intoArray(sP, at);
                    sum = sum.add(e);
                }
                sum.intoArray(lo, h);
            }
        }
        for (int h = i0; h < i1; h += LANES) {
            final FloatVector sum = FloatVector.fromArray(F, lo, h);
            FloatVector.fromArray(F, l, h).fma(FloatVector.fromArray(F, alpha, h), sum).intoArray(l, h);
            FloatVector.fromArray(F, mx, h).intoArray(m, h);
        }
    }

    /**
     * {@code sP[j·STRIP + i] = Σ_p k[kRow[j] + p] · qS[qs + p·STRIP + i]} for {@code j < kc} and the strip's
     * {@code i < STRIP}, accumulated in {@code p} order by fused multiply-adds from 0. The keys of each block of
     * {@value #ROWS} from a multiple of {@value #ROWS} lie {@code ldk} apart: {@code kRow[j + r] = kRow[j] + r·ldk}.
     */
    private static void scores(float[] k, int[] kRow, int ldk, int kc, int d, float[] qS, int qs, float[] sP) {
        int j = 0;
        for (; j + ROWS <= kc; j += ROWS) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                    a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00,
                    a70 = a00, a71 = a00;
            final int k0 = kRow[j];
            for (int p = 0; p < d; p++) {
                final int qp = qs + p * STRIP;
                final FloatVector x0 = FloatVector.fromArray(F, qS, qp), x1 = FloatVector.fromArray(F, qS, qp + LANES);
                final int kp = k0 + p;
                FloatVector b = FloatVector.broadcast(F, k[kp]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(F, k[kp + ldk]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(F, k[kp + 2 * ldk]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(F, k[kp + 3 * ldk]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                b = FloatVector.broadcast(F, k[kp + 4 * ldk]);
                a40 = x0.fma(b, a40);
                a41 = x1.fma(b, a41);
                b = FloatVector.broadcast(F, k[kp + 5 * ldk]);
                a50 = x0.fma(b, a50);
                a51 = x1.fma(b, a51);
                b = FloatVector.broadcast(F, k[kp + 6 * ldk]);
                a60 = x0.fma(b, a60);
                a61 = x1.fma(b, a61);
                b = FloatVector.broadcast(F, k[kp + 7 * ldk]);
                a70 = x0.fma(b, a70);
                a71 = x1.fma(b, a71);
            }
            a00.intoArray(sP, j * STRIP);
            a01.intoArray(sP, j * STRIP + LANES);
            a10.intoArray(sP, (j + 1) * STRIP);
            a11.intoArray(sP, (j + 1) * STRIP + LANES);
            a20.intoArray(sP, (j + 2) * STRIP);
            a21.intoArray(sP, (j + 2) * STRIP + LANES);
            a30.intoArray(sP, (j + 3) * STRIP);
            a31.intoArray(sP, (j + 3) * STRIP + LANES);
            a40.intoArray(sP, (j + 4) * STRIP);
            a41.intoArray(sP, (j + 4) * STRIP + LANES);
            a50.intoArray(sP, (j + 5) * STRIP);
            a51.intoArray(sP, (j + 5) * STRIP + LANES);
            a60.intoArray(sP, (j + 6) * STRIP);
            a61.intoArray(sP, (j + 6) * STRIP + LANES);
            a70.intoArray(sP, (j + 7) * STRIP);
            a71.intoArray(sP, (j + 7) * STRIP + LANES);
        }
        for (; j < kc; j++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            final int k0 = kRow[j];
            for (int p = 0; p < d; p++) {
                FloatVector b = FloatVector.broadcast(F, k[k0 + p]);
                a0 = FloatVector.fromArray(F, qS, qs + p * STRIP).fma(b, a0);
                a1 = FloatVector.fromArray(F, qS, qs + p * STRIP + LANES).fma(b, a1);
            }
            a0.intoArray(sP, j * STRIP);
            a1.intoArray(sP, j * STRIP + LANES);
        }
    }

    /**
     * {@code oS[os + c·STRIP + i] = oS[os + c·STRIP + i]·alpha[i0 + i] + Σ_j v[vb + j·ldv + c] · sP[j·STRIP + i]} for
     * {@code c < dv} and the strip's {@code i < STRIP}, accumulated in {@code j} order.
     */
    private static void values(float[] v, int vb, int ldv, int kc, int dv, float[] sP, float[] alpha,
                               float[] oS, int os, int i0) {
        final FloatVector al0 = FloatVector.fromArray(F, alpha, i0), al1 = FloatVector.fromArray(F, alpha, i0 + LANES);
        int c = 0;
        for (; c + ROWS <= dv; c += ROWS) {
            FloatVector a00 = FloatVector.fromArray(F, oS, os + c * STRIP).mul(al0);
            FloatVector a01 = FloatVector.fromArray(F, oS, os + c * STRIP + LANES).mul(al1);
            FloatVector a10 = FloatVector.fromArray(F, oS, os + (c + 1) * STRIP).mul(al0);
            FloatVector a11 = FloatVector.fromArray(F, oS, os + (c + 1) * STRIP + LANES).mul(al1);
            FloatVector a20 = FloatVector.fromArray(F, oS, os + (c + 2) * STRIP).mul(al0);
            FloatVector a21 = FloatVector.fromArray(F, oS, os + (c + 2) * STRIP + LANES).mul(al1);
            FloatVector a30 = FloatVector.fromArray(F, oS, os + (c + 3) * STRIP).mul(al0);
            FloatVector a31 = FloatVector.fromArray(F, oS, os + (c + 3) * STRIP + LANES).mul(al1);
            FloatVector a40 = FloatVector.fromArray(F, oS, os + (c + 4) * STRIP).mul(al0);
            FloatVector a41 = FloatVector.fromArray(F, oS, os + (c + 4) * STRIP + LANES).mul(al1);
            FloatVector a50 = FloatVector.fromArray(F, oS, os + (c + 5) * STRIP).mul(al0);
            FloatVector a51 = FloatVector.fromArray(F, oS, os + (c + 5) * STRIP + LANES).mul(al1);
            FloatVector a60 = FloatVector.fromArray(F, oS, os + (c + 6) * STRIP).mul(al0);
            FloatVector a61 = FloatVector.fromArray(F, oS, os + (c + 6) * STRIP + LANES).mul(al1);
            FloatVector a70 = FloatVector.fromArray(F, oS, os + (c + 7) * STRIP).mul(al0);
            FloatVector a71 = FloatVector.fromArray(F, oS, os + (c + 7) * STRIP + LANES).mul(al1);
            for (int j = 0; j < kc; j++) {
                final int pj = j * STRIP;
                final FloatVector x0 = FloatVector.fromArray(F, sP, pj), x1 = FloatVector.fromArray(F, sP, pj + LANES);
                final int vj = vb + j * ldv + c;
                FloatVector b = FloatVector.broadcast(F, v[vj]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(F, v[vj + 1]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(F, v[vj + 2]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(F, v[vj + 3]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                b = FloatVector.broadcast(F, v[vj + 4]);
                a40 = x0.fma(b, a40);
                a41 = x1.fma(b, a41);
                b = FloatVector.broadcast(F, v[vj + 5]);
                a50 = x0.fma(b, a50);
                a51 = x1.fma(b, a51);
                b = FloatVector.broadcast(F, v[vj + 6]);
                a60 = x0.fma(b, a60);
                a61 = x1.fma(b, a61);
                b = FloatVector.broadcast(F, v[vj + 7]);
                a70 = x0.fma(b, a70);
                a71 = x1.fma(b, a71);
            }
            a00.intoArray(oS, os + c * STRIP);
            a01.intoArray(oS, os + c * STRIP + LANES);
            a10.intoArray(oS, os + (c + 1) * STRIP);
            a11.intoArray(oS, os + (c + 1) * STRIP + LANES);
            a20.intoArray(oS, os + (c + 2) * STRIP);
            a21.intoArray(oS, os + (c + 2) * STRIP + LANES);
            a30.intoArray(oS, os + (c + 3) * STRIP);
            a31.intoArray(oS, os + (c + 3) * STRIP + LANES);
            a40.intoArray(oS, os + (c + 4) * STRIP);
            a41.intoArray(oS, os + (c + 4) * STRIP + LANES);
            a50.intoArray(oS, os + (c + 5) * STRIP);
            a51.intoArray(oS, os + (c + 5) * STRIP + LANES);
            a60.intoArray(oS, os + (c + 6) * STRIP);
            a61.intoArray(oS, os + (c + 6) * STRIP + LANES);
            a70.intoArray(oS, os + (c + 7) * STRIP);
            a71.intoArray(oS, os + (c + 7) * STRIP + LANES);
        }
        for (; c < dv; c++) {
            FloatVector a0 = FloatVector.fromArray(F, oS, os + c * STRIP).mul(al0);
            FloatVector a1 = FloatVector.fromArray(F, oS, os + c * STRIP + LANES).mul(al1);
            for (int j = 0; j < kc; j++) {
                FloatVector b = FloatVector.broadcast(F, v[vb + j * ldv + c]);
                a0 = FloatVector.fromArray(F, sP, j * STRIP).fma(b, a0);
                a1 = FloatVector.fromArray(F, sP, j * STRIP + LANES).fma(b, a1);
            }
            a0.intoArray(oS, os + c * STRIP);
            a1.intoArray(oS, os + c * STRIP + LANES);
        }
    }
}
