package org.sam3j.backend.cpu;

/**
 * One attention operation of the CPU backend: {@code y = softmax(scale · q·kᵀ + bias) · v} for every
 * (batch, head), heads interleaved: {@code q[B, Tq, H, D]} at {@code qOff}, {@code k[B, Tk, H, D]},
 * {@code v[B, Tk, H, Dv]}, {@code y[B, Tq, H, Dv]}, all row-major in their arrays, and an optional
 * additive bias {@code [biasB, biasH, biasTq, Tk]} ({@code biasB} 1 or B, {@code biasH} 1 or H,
 * {@code biasTq} 1 or Tq, broadcast when 1). The tokens of {@code v} are {@code vRow ≥ H·Dv} floats apart (wider
 * when v is read in place in a fused qkv projection).
 */
public record AttentionProblem(float[] q, int qOff, float[] k, int kOff, float[] v, int vOff,
                               float[] bias, int biasOff, int biasB, int biasH, int biasTq,
                               float[] y, int yOff,
                               int b, int tq, int tk, int h, int d, int dv, int vRow, float scale) {
    /** Validates the value row stride. */
    public AttentionProblem {
        if (vRow < h * dv) throw new IllegalArgumentException("value rows of " + vRow + " floats hold fewer than H·Dv = " + h * dv);
    }

    /** A problem with contiguous values ({@code vRow = H·Dv}). */
    public AttentionProblem(float[] q, int qOff, float[] k, int kOff, float[] v, int vOff,
                            float[] bias, int biasOff, int biasB, int biasH, int biasTq,
                            float[] y, int yOff,
                            int b, int tq, int tk, int h, int d, int dv, float scale) {
        this(q, qOff, k, kOff, v, vOff, bias, biasOff, biasB, biasH, biasTq, y, yOff, b, tq, tk, h, d, dv, h * dv, scale);
    }

    /** Multiply-adds times two of the two products ({@code q·kᵀ} and {@code p·v}). */
    public long flops() {
        return flops(b, h, tq, tk, d, dv);
    }

    /** {@link #flops()} of a problem of this shape. */
    public static long flops(long b, long h, long tq, long tk, long d, long dv) {
        return 2L * b * h * tq * tk * (d + dv);
    }
}
