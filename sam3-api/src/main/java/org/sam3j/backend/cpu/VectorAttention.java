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

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;
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
        float[][] qT;
        float[][] sT;
        float[][] oT;
        /** running maxima and sums per query */
        float[] m;
        float[] l;
        /** the chunk's new maxima, minima (then column sums) and rescaling factors, per query */
        float[] mx;
        float[] lo;
        float[] alpha;

        void ensure(int d, int dv, int width) {
            if (d == this.d && dv == this.dv && width <= this.width) return;
            int w = Math.max(width, this.width);
            qT = new float[d][w];
            sT = new float[KC][w];
            oT = new float[dv][w];
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

    /** As {@link CpuAttention#block}, with {@code tk > 0}; the same arguments and the same result bit for bit. */
    static void block(Scratch s, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk,
                      float[] v, int vOff, int ldv, float[] bias, int biasOff, int ldBias,
                      float[] y, int yOff, int ldy, int rows, int tk, int d, int dv, float scale) {
        final int w = width(rows);
        s.ensure(d, dv, w);
        final float[][] qT = s.qT, oT = s.oT;
        CpuAttention.transposeIn(q, qOff, ldq, rows, d, scale, qT);
        for (int p = 0; p < d; p++) Arrays.fill(qT[p], rows, w, 0f);
        for (int c = 0; c < dv; c++) Arrays.fill(oT[c], 0, w, 0f);
        Arrays.fill(s.m, 0, w, -Float.MAX_VALUE);
        Arrays.fill(s.l, 0, w, 0f);
        for (int j0 = 0; j0 < tk; j0 += KC) {
            final int kc = Math.min(KC, tk - j0);
            for (int i0 = 0; i0 < w; i0 += STRIP) {
                scores(k, kOff + j0 * ldk, ldk, kc, d, qT, s.sT, i0);
                if (bias != null) addBias(bias, biasOff + j0, ldBias, kc, rows, s.sT, i0);
                softmax(s, kc, i0);
                values(v, vOff + j0 * ldv, ldv, kc, dv, s.sT, s.alpha, oT, i0);
            }
        }
        // the divisors' inverses, in the chunk minima's array (free once the last chunk is done)
        final float[] l = s.l, inv = s.lo;
        for (int i = 0; i < rows; i++) inv[i] = 1f / l[i];
        CpuAttention.transposeOut(oT, inv, rows, dv, y, yOff, ldy);
    }

    /**
     * {@code sT[j][i] = Σ_p k[kb + j·ldk + p] · qT[p][i]} for {@code j < kc} and the strip's queries
     * {@code i ∈ [i0, i0 + STRIP)}, accumulated in {@code p} order by fused multiply-adds from 0.
     */
    private static void scores(float[] k, int kb, int ldk, int kc, int d, float[][] qT, float[][] sT, int i0) {
        final int i1 = i0 + LANES;
        int j = 0;
        for (; j + ROWS <= kc; j += ROWS) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                    a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00,
                    a70 = a00, a71 = a00;
            final int k0 = kb + j * ldk;
            for (int p = 0; p < d; p++) {
                final float[] qp = qT[p];
                final FloatVector x0 = FloatVector.fromArray(F, qp, i0), x1 = FloatVector.fromArray(F, qp, i1);
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
            a00.intoArray(sT[j], i0);
            a01.intoArray(sT[j], i1);
            a10.intoArray(sT[j + 1], i0);
            a11.intoArray(sT[j + 1], i1);
            a20.intoArray(sT[j + 2], i0);
            a21.intoArray(sT[j + 2], i1);
            a30.intoArray(sT[j + 3], i0);
            a31.intoArray(sT[j + 3], i1);
            a40.intoArray(sT[j + 4], i0);
            a41.intoArray(sT[j + 4], i1);
            a50.intoArray(sT[j + 5], i0);
            a51.intoArray(sT[j + 5], i1);
            a60.intoArray(sT[j + 6], i0);
            a61.intoArray(sT[j + 6], i1);
            a70.intoArray(sT[j + 7], i0);
            a71.intoArray(sT[j + 7], i1);
        }
        for (; j < kc; j++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            final int k0 = kb + j * ldk;
            for (int p = 0; p < d; p++) {
                FloatVector b = FloatVector.broadcast(F, k[k0 + p]);
                a0 = FloatVector.fromArray(F, qT[p], i0).fma(b, a0);
                a1 = FloatVector.fromArray(F, qT[p], i1).fma(b, a1);
            }
            a0.intoArray(sT[j], i0);
            a1.intoArray(sT[j], i1);
        }
    }

    /**
     * {@code sT[j][i] += bias[b + i·ldBias + j]} for {@code j < kc} and the strip's queries below {@code rows}. A bias
     * row shared by every query ({@code ldBias = 0}: a key-padding mask) is added a vector at a time; the strip's
     * padding columns then get it too, which changes nothing the output reads.
     */
    private static void addBias(float[] bias, int b, int ldBias, int kc, int rows, float[][] sT, int i0) {
        if (ldBias == 0) {
            for (int j = 0; j < kc; j++) {
                final FloatVector bj = FloatVector.broadcast(F, bias[b + j]);
                final float[] x = sT[j];
                for (int h = i0; h < i0 + STRIP; h += LANES) FloatVector.fromArray(F, x, h).add(bj).intoArray(x, h);
            }
            return;
        }
        int last = Math.min(rows, i0 + STRIP);
        for (int i = i0; i < last; i++) {
            int br = b + i * ldBias;
            for (int j = 0; j < kc; j++) sT[j][i] += bias[br + j];
        }
    }

    /**
     * The online-softmax step of one strip, as {@link OnlineSoftmax#step} computes it: the new maxima
     * {@code mx = max(m, sT[0..kc))} and minima {@code lo}, the rescaling factors {@code alpha = exp(m - mx)} (exactly
     * 0 below {@link CpuAttention#EXP_FLOOR}, NaN stays NaN), {@code sT ← exp(sT - mx)} with the sums in {@code j}
     * order ({@link CpuMath#exp}'s reduction and polynomial, unfused, in its order), and the running sums.
     *
     * <p>One method on purpose (see the class comment): written as four small helpers, C2 inlined them or not
     * depending on how far the profile had got when it compiled the caller, and in about half of fresh processes one
     * helper stayed in C1's code, which boxes every vector; the first image's attention then took 2–10 × as long, and
     * so did every later one.
     */
    private static void softmax(Scratch s, int kc, int i0) {
        final float[][] sT = s.sT;
        final float[] m = s.m, mx = s.mx, lo = s.lo, alpha = s.alpha, l = s.l;
        final int i1 = i0 + STRIP;
        for (int h = i0; h < i1; h += LANES) {
            // maxima and minima (Math.max/min semantics)
            FloatVector hi = FloatVector.fromArray(F, m, h), low = FloatVector.broadcast(F, Float.MAX_VALUE);
            for (int j = 0; j < kc; j++) {
                FloatVector x = FloatVector.fromArray(F, sT[j], h);
                hi = hi.max(x);
                low = low.min(x);
            }
            hi.intoArray(mx, h);
            low.intoArray(lo, h);
        }
        boolean inRange = true;
        for (int i = i0; i < i1; i++) {
            if (!(lo[i] - mx[i] >= CpuMath.EXP_MIN)) inRange = false;
        }
        // The exponential is written out in each of its three loops, not shared: a helper taking and returning
        // vectors is not inlined by C2 (too large), and its boxed vectors made the softmax 2-4 x slower when measured.
        for (int h = i0; h < i1; h += LANES) {
            // rescaling factors
            FloatVector z = FloatVector.fromArray(F, m, h).sub(FloatVector.fromArray(F, mx, h));
            VectorMask<Float> gone = z.lt(CpuAttention.EXP_FLOOR);
            z = z.max(CpuAttention.EXP_FLOOR);
            FloatVector n = z.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = z.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
            FloatVector e = r.mul(1.9875691500E-4f).add(1.3981999507E-3f).mul(r).add(8.3334519073E-3f).mul(r)
                    .add(4.1665795894E-2f).mul(r).add(1.6666665459E-1f).mul(r).add(5.0000001201E-1f).mul(r).mul(r)
                    .add(r).add(1f);
            e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            e.blend(0f, gone).intoArray(alpha, h);
        }
        if (inRange) {
            // every s - mx lies in [EXP_MIN, 0]: the clamp-free exponential applies (see OnlineSoftmax.step)
            for (int h = i0; h < i1; h += LANES) {
                final FloatVector mh = FloatVector.fromArray(F, mx, h);
                FloatVector sum = FloatVector.zero(F);
                for (int j = 0; j < kc; j++) {
                    final float[] x = sT[j];
                    FloatVector z = FloatVector.fromArray(F, x, h).sub(mh);
                    FloatVector n = z.mul(LOG2E).add(ROUND).sub(ROUND);
                    FloatVector r = z.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
                    FloatVector e = r.mul(1.9875691500E-4f).add(1.3981999507E-3f).mul(r).add(8.3334519073E-3f).mul(r)
                            .add(4.1665795894E-2f).mul(r).add(1.6666665459E-1f).mul(r).add(5.0000001201E-1f).mul(r)
                            .mul(r).add(r).add(1f);
                    e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .reinterpretAsFloats());
                    e.intoArray(x, h);
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
                for (int j = 0; j < kc; j++) {
                    final float[] x = sT[j];
                    FloatVector z = FloatVector.fromArray(F, x, h).sub(mh);
                    VectorMask<Float> under = z.lt(CpuMath.EXP_MIN);
                    z = z.max(CpuMath.EXP_MIN);
                    FloatVector n = z.mul(LOG2E).add(ROUND).sub(ROUND);
                    FloatVector r = z.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
                    FloatVector e = r.mul(1.9875691500E-4f).add(1.3981999507E-3f).mul(r).add(8.3334519073E-3f).mul(r)
                            .add(4.1665795894E-2f).mul(r).add(1.6666665459E-1f).mul(r).add(5.0000001201E-1f).mul(r)
                            .mul(r).add(r).add(1f);
                    e = e.mul(n.add(BIAS_BITS).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .reinterpretAsFloats()).blend(0f, under);
                    e.intoArray(x, h);
                    sum = sum.add(e);
                }
                sum.intoArray(lo, h);
            }
        }
        for (int i = i0; i < i1; i++) {
            l[i] = Math.fma(l[i], alpha[i], lo[i]);
            m[i] = mx[i];
        }
    }

    /**
     * {@code oT[c][i] = oT[c][i]·alpha[i] + Σ_j v[vb + j·ldv + c] · sT[j][i]} for {@code c < dv} and the strip's
     * queries, accumulated in {@code j} order.
     */
    private static void values(float[] v, int vb, int ldv, int kc, int dv, float[][] sT, float[] alpha,
                               float[][] oT, int i0) {
        final int i1 = i0 + LANES;
        final FloatVector al0 = FloatVector.fromArray(F, alpha, i0), al1 = FloatVector.fromArray(F, alpha, i1);
        int c = 0;
        for (; c + ROWS <= dv; c += ROWS) {
            FloatVector a00 = FloatVector.fromArray(F, oT[c], i0).mul(al0);
            FloatVector a01 = FloatVector.fromArray(F, oT[c], i1).mul(al1);
            FloatVector a10 = FloatVector.fromArray(F, oT[c + 1], i0).mul(al0);
            FloatVector a11 = FloatVector.fromArray(F, oT[c + 1], i1).mul(al1);
            FloatVector a20 = FloatVector.fromArray(F, oT[c + 2], i0).mul(al0);
            FloatVector a21 = FloatVector.fromArray(F, oT[c + 2], i1).mul(al1);
            FloatVector a30 = FloatVector.fromArray(F, oT[c + 3], i0).mul(al0);
            FloatVector a31 = FloatVector.fromArray(F, oT[c + 3], i1).mul(al1);
            FloatVector a40 = FloatVector.fromArray(F, oT[c + 4], i0).mul(al0);
            FloatVector a41 = FloatVector.fromArray(F, oT[c + 4], i1).mul(al1);
            FloatVector a50 = FloatVector.fromArray(F, oT[c + 5], i0).mul(al0);
            FloatVector a51 = FloatVector.fromArray(F, oT[c + 5], i1).mul(al1);
            FloatVector a60 = FloatVector.fromArray(F, oT[c + 6], i0).mul(al0);
            FloatVector a61 = FloatVector.fromArray(F, oT[c + 6], i1).mul(al1);
            FloatVector a70 = FloatVector.fromArray(F, oT[c + 7], i0).mul(al0);
            FloatVector a71 = FloatVector.fromArray(F, oT[c + 7], i1).mul(al1);
            for (int j = 0; j < kc; j++) {
                final float[] pj = sT[j];
                final FloatVector x0 = FloatVector.fromArray(F, pj, i0), x1 = FloatVector.fromArray(F, pj, i1);
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
            a00.intoArray(oT[c], i0);
            a01.intoArray(oT[c], i1);
            a10.intoArray(oT[c + 1], i0);
            a11.intoArray(oT[c + 1], i1);
            a20.intoArray(oT[c + 2], i0);
            a21.intoArray(oT[c + 2], i1);
            a30.intoArray(oT[c + 3], i0);
            a31.intoArray(oT[c + 3], i1);
            a40.intoArray(oT[c + 4], i0);
            a41.intoArray(oT[c + 4], i1);
            a50.intoArray(oT[c + 5], i0);
            a51.intoArray(oT[c + 5], i1);
            a60.intoArray(oT[c + 6], i0);
            a61.intoArray(oT[c + 6], i1);
            a70.intoArray(oT[c + 7], i0);
            a71.intoArray(oT[c + 7], i1);
        }
        for (; c < dv; c++) {
            FloatVector a0 = FloatVector.fromArray(F, oT[c], i0).mul(al0);
            FloatVector a1 = FloatVector.fromArray(F, oT[c], i1).mul(al1);
            for (int j = 0; j < kc; j++) {
                FloatVector b = FloatVector.broadcast(F, v[vb + j * ldv + c]);
                a0 = FloatVector.fromArray(F, sT[j], i0).fma(b, a0);
                a1 = FloatVector.fromArray(F, sT[j], i1).fma(b, a1);
            }
            a0.intoArray(oT[c], i0);
            a1.intoArray(oT[c], i1);
        }
    }
}
