package org.sam3j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuGelu} in the JDK's Vector API, used when {@link VectorKernels#ENABLED}: the same operations in the same
 * order on each value (the clamp, the two polynomials by fused multiply-adds, the division, the product), so the
 * same floats bit for bit, in one pass over the values instead of {@link CpuGelu}'s two copies and four loops over a
 * scratch chunk. GELU follows every {@code fc1} of the image encoder (21 million values per layer at 1008²); in an
 * {@code fc1} product of 5184 × 4096 × 1024 on 2 threads of the Intel AVX-512 development VM the auto-vectorised
 * epilogue took about 10 ms of 170 (section 5 of {@code sam3-bench/results/gelu-and-exp-2026-12-05}).
 */
final class VectorGelu {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorGelu() {}

    /** {@code y[yo + i] = gelu(x[xo + i])} for {@code i} in {@code [from, to)}; in place when the ranges coincide. */
    static void apply(float[] x, int xo, float[] y, int yo, int from, int to) {
        final FloatVector n2 = FloatVector.broadcast(F, CpuGelu.N2), n3 = FloatVector.broadcast(F, CpuGelu.N3);
        final FloatVector n4 = FloatVector.broadcast(F, CpuGelu.N4), n5 = FloatVector.broadcast(F, CpuGelu.N5);
        final FloatVector n6 = FloatVector.broadcast(F, CpuGelu.N6);
        final FloatVector d2 = FloatVector.broadcast(F, CpuGelu.D2), d3 = FloatVector.broadcast(F, CpuGelu.D3);
        final FloatVector d4 = FloatVector.broadcast(F, CpuGelu.D4);
        int i = from;
        for (final int end = from + F.loopBound(to - from); i < end; i += F.length()) {
            final FloatVector v = FloatVector.fromArray(F, x, xo + i);
            final FloatVector u = v.mul(CpuGelu.RSQRT2).min(4f).max(-4f);
            final FloatVector u2 = u.mul(u);
            FloatVector p = u2.fma(CpuGelu.N0, CpuGelu.N1);
            p = u2.fma(p, n2);
            p = u2.fma(p, n3);
            p = u2.fma(p, n4);
            p = u2.fma(p, n5);
            p = u2.fma(p, n6);
            FloatVector q = u2.fma(CpuGelu.D0, CpuGelu.D1);
            q = u2.fma(q, d2);
            q = u2.fma(q, d3);
            q = u2.fma(q, d4);
            v.mul(0.5f).mul(u.mul(p).div(q).add(1f)).intoArray(y, yo + i);
        }
        for (; i < to; i++) y[yo + i] = CpuGelu.gelu(x[xo + i]);
    }
}
