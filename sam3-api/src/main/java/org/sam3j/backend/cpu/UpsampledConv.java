package org.sam3j.backend.cpu;

import org.sam3j.graph.Attrs;

/**
 * A 3 × 3 convolution (stride 1, padding 1) of a 2 × nearest-upsampled map, computed on the small map without
 * building the large one. Output pixel {@code (2i + a, 2j + b)} sees, through its nine taps, only the source
 * pixels in rows {@code i − 1 + a .. i + a} and columns {@code j − 1 + b .. j + b}: with row parity {@code a = 0}
 * kernel row 0 falls on source row {@code i − 1} and rows 1 and 2 on row {@code i}; with {@code a = 1} rows 0 and 1
 * fall on row {@code i} and row 2 on row {@code i + 1} (columns alike). So each of the four output parities is a
 * 2 × 2 convolution of the small map with summed kernel taps, and the output costs 16 instead of 36 multiply-adds
 * per source pixel and channel pair (2.25 × fewer), through the same {@link GemmEngine} per-tap products.
 *
 * <p>SAM 3's pixel decoder adds a nearest-upsampled map to each finer neck level before a 3 × 3 convolution; the
 * model splits that sum, by linearity, into the level's convolution (computed once per image) and this one
 * (per prompt). Summing taps before the products changes the result by float rounding only
 * ({@code UpsampledConvTest}), as Winograd's transforms do ({@link WinogradConv}).
 *
 * <p>Per row parity {@code a}, one convolution with {@code 2 · Cout} output channels (the two column parities side
 * by side) writes {@code (h + 1) × (w + 1)} pixels; the caller gives that buffer (the unused upsampled map's, which
 * is twice as large as both parities need from {@code h ≥ 3} up), then its pixels are interleaved into the output.
 */
final class UpsampledConv {
    private UpsampledConv() {}

    /** Whether a convolution of an upsampled map is one this class computes: factor 2, 3 × 3, stride 1, padding 1. */
    static boolean applies(int factor, int kh, int kw, int stride, int pad) {
        return factor == 2 && kh == 3 && kw == 3 && stride == 1 && pad == 1;
    }

    /** Floats of the buffer {@link #conv} needs for one row parity's products: {@code batch · (h + 1)(w + 1) · 2 Cout}. */
    static long scratchFloats(int batch, int h, int w, int cout) {
        return (long) batch * (h + 1) * (w + 1) * 2 * cout;
    }

    /**
     * The 2 × 2 kernel of row parity {@code a} for both column parities, {@code [2 Cout, Cin, 2, 2]} (column parity
     * {@code b} in output channels {@code b · Cout ..}), from a weight {@code [Cout, Cin, 3, 3]} (the checkpoint's
     * layout): tap {@code (u, v)} is the sum of the 3 × 3 taps that fall on that source pixel.
     */
    static float[] foldedWeight(float[] w, int cout, int cin, int a) {
        float[] f = new float[2 * cout * cin * 4];
        for (int b = 0; b < 2; b++) {
            for (int o = 0; o < cout; o++) {
                for (int c = 0; c < cin; c++) {
                    int src = (o * cin + c) * 9;
                    int dst = ((b * cout + o) * cin + c) * 4;
                    for (int u = 0; u < 2; u++) {
                        for (int v = 0; v < 2; v++) {
                            float s = 0f;
                            for (int ky = first(a, u); ky <= last(a, u); ky++) {
                                for (int kx = first(b, v); kx <= last(b, v); kx++) s += w[src + ky * 3 + kx];
                            }
                            f[dst + u * 2 + v] = s;
                        }
                    }
                }
            }
        }
        return f;
    }

    /** First 3 × 3 kernel row (or column) that parity {@code p}'s 2 × 2 tap {@code u} gathers. */
    private static int first(int p, int u) {
        return p == 0 ? (u == 0 ? 0 : 1) : (u == 0 ? 0 : 2);
    }

    /** Last 3 × 3 kernel row (or column) that parity {@code p}'s 2 × 2 tap {@code u} gathers. */
    private static int last(int p, int u) {
        return p == 0 ? (u == 0 ? 0 : 2) : (u == 0 ? 1 : 2);
    }

    /**
     * The 2 × 2 taps of row parity {@code a}, prepared for {@code gemm} as {@link CpuExecutionContext}'s per-tap
     * convolutions prepare theirs.
     */
    static GemmEngine.Prepared[] prepareTaps(GemmEngine gemm, Parallel par, float[] w, int cout, int cin, int a) {
        return prepareConvTaps(gemm, par, foldedWeight(w, cout, cin, a), 2 * cout, cin, 2, 2);
    }

    /** A PyTorch-layout convolution weight as one prepared {@code Cin × Cout} matrix per kernel tap. */
    static GemmEngine.Prepared[] prepareConvTaps(GemmEngine gemm, Parallel par, float[] w, int cout, int cin, int kh,
                                                 int kw) {
        float[] p = Attrs.Conv.channelsLastWeight(w, cout, cin, kh, kw);
        int kk = kh * kw * cin;
        GemmEngine.Prepared[] tap = new GemmEngine.Prepared[kh * kw];
        for (int i = 0; i < tap.length; i++) tap[i] = gemm.prepare(par, p, i * cin, kk, true, cin, cout);
        return tap;
    }

    /**
     * {@code y[n, 2i + a, 2j + b, :] = bias + Σ taps_a · x} for both row parities: {@code x[batch, h, w, cin]},
     * {@code y[batch, 2h, 2w, cout]}, {@code taps[a]} from {@link #prepareTaps}; {@code scratch} holds
     * {@link #scratchFloats} floats from {@code sOff} and must not overlap {@code x} or {@code y}.
     */
    static void conv(GemmEngine gemm, Parallel par, float[] x, int xOff, int batch, int h, int w, int cin,
                     GemmEngine.Prepared[][] taps, float[] scratch, int sOff, float[] y, int yOff, int cout,
                     float[] bias) {
        int ho = h + 1;
        int wo = w + 1;
        for (int a = 0; a < 2; a++) {
            gemm.conv2d(par, new ConvProblem(x, xOff, batch, h, w, cin, taps[a], 2, 2, 1, 1, scratch, sOff, ho, wo,
                    2 * cout, null));
            final int parity = a;
            // output rows of this parity: (n, i) → y row 2i + a, from scratch row i + a
            par.forRange(batch * h, 4, (worker, lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int n = r / h;
                    int i = r % h;
                    int src = sOff + ((n * ho + i + parity) * wo) * 2 * cout;
                    int dst = yOff + ((n * 2 * h + 2 * i + parity) * 2 * w) * cout;
                    for (int j = 0; j < w; j++) {
                        for (int b = 0; b < 2; b++) {
                            int s = src + ((j + b) * 2 + b) * cout;
                            int d = dst + (2 * j + b) * cout;
                            if (bias == null) {
                                System.arraycopy(scratch, s, y, d, cout);
                            } else {
                                for (int c = 0; c < cout; c++) y[d + c] = scratch[s + c] + bias[c];
                            }
                        }
                    }
                }
            });
        }
    }
}
