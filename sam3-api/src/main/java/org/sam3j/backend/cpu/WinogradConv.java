package org.sam3j.backend.cpu;

/**
 * 3 × 3 convolutions of stride 1 and padding 1 by Winograd's minimal filtering F(4 × 4, 3 × 3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016; interpolation points 0, ±1, ±2, ∞): each 4 × 4 block of
 * output pixels ("tile") is {@code Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A} of the 6 × 6 input block {@code d} around it, so that
 * the products are 36 matrix products {@code M_ξ = V_ξ · U_ξ} of {@code tiles × Cin} by {@code Cin × Cout}: 4 × fewer
 * multiply-adds than the nine per-tap products, through the same {@link GemmEngine}. SAM 3's 3 × 3 convolutions are
 * the necks' (image encoder) and the segmentation head's pixel decoder (every concept prompt) at 288², 144² and 72².
 *
 * <p>The transforms multiply by small integers and the weight transform by sixths and twenty-fourths (computed in
 * double), so the result differs from the direct convolution by float rounding, a few times that of the nine per-tap
 * float products ({@code WinogradConvTest} measures both). Activations are channels-last; the input and output
 * transforms are loops over channels (vectorised by the JIT), over bands of tile rows so that a band's {@code V} and
 * {@code M} (16 MiB each at 256 channels) stay in the last-level cache. One instance per execution context: it keeps
 * those buffers between runs, takes them from the backend's {@link FloatPool} and hands them back on
 * {@link #release()}. Not thread-safe.
 */
final class WinogradConv {
    /** Floats of one band's transformed input {@code V} (all 36 matrices): 16 MiB. */
    private static final int BAND_FLOATS = 1 << 22;
    /** Output pixels per tile side, input pixels per tile side, and transformed matrices. */
    private static final int M = 4, N = 6, XI = N * N;

    private final Parallel par;
    private final FloatPool pool;
    private float[] v = new float[0];
    private float[] m = new float[0];
    private final float[][] tmp;
    private float[] zeros = new float[0];

    WinogradConv(Parallel par, FloatPool pool) {
        this.par = par;
        this.pool = pool;
        this.tmp = new float[par.threads()][];
    }

    /** Whether a convolution is one this class computes: 3 × 3, stride 1, padding 1. */
    static boolean applies(int kh, int kw, int stride, int pad) {
        return kh == 3 && kw == 3 && stride == 1 && pad == 1;
    }

    /** {@code G} of F(4, 3): the kernel's 3 taps → its values at the 6 interpolation points. */
    private static final double[][] G = {
            {1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};

    /**
     * The 36 transformed weight matrices {@code U_ξ = (G g Gᵀ)_ξ}, each {@code Cin × Cout} row-major, prepared for
     * {@code gemm}, from a weight {@code [Cout, Cin, 3, 3]} (the checkpoint's layout).
     */
    static GemmEngine.Prepared[] prepareWeights(GemmEngine gemm, Parallel par, float[] w, int cout, int cin) {
        float[] u = new float[XI * cin * cout];
        par.forRange(cout, 1, (worker, lo, hi) -> {
            double[] t = new double[N * 3];
            for (int o = lo; o < hi; o++) {
                for (int c = 0; c < cin; c++) {
                    int g = (o * cin + c) * 9;
                    // t = G · g (6 × 3)
                    for (int i = 0; i < N; i++) {
                        for (int j = 0; j < 3; j++) {
                            t[3 * i + j] = G[i][0] * w[g + j] + G[i][1] * w[g + 3 + j] + G[i][2] * w[g + 6 + j];
                        }
                    }
                    // U = t · Gᵀ (6 × 6)
                    for (int i = 0; i < N; i++) {
                        for (int j = 0; j < N; j++) {
                            double s = G[j][0] * t[3 * i] + G[j][1] * t[3 * i + 1] + G[j][2] * t[3 * i + 2];
                            u[((i * N + j) * cin + c) * cout + o] = (float) s;
                        }
                    }
                }
            }
        });
        GemmEngine.Prepared[] prepared = new GemmEngine.Prepared[XI];
        for (int xi = 0; xi < XI; xi++) prepared[xi] = gemm.prepare(par, u, xi * cin * cout, cout, false, cin, cout);
        return prepared;
    }

    /**
     * {@code y[b, oy, ox, :] = bias + Σ_{i,j} x[b, oy − 1 + i, ox − 1 + j, :] · w[:, :, i, j]} for input
     * {@code x[batch, h, w, cin]} and output {@code y[batch, h, w, cout]} (channels-last, row-major).
     */
    void conv(GemmEngine gemm, float[] x, int xOff, int batch, int h, int w, int cin, GemmEngine.Prepared[] u,
              float[] y, int yOff, int cout, float[] bias) {
        conv(gemm, x, xOff, batch, h, w, cin, 0, u, y, yOff, cout, bias);
    }

    /**
     * As {@link #conv(GemmEngine, float[], int, int, int, int, int, GemmEngine.Prepared[], float[], int, int, float[])}
     * of the input upsampled {@code 2^upShift} times by nearest neighbour, read from the small map
     * {@code x[batch, h >> upShift, w >> upShift, cin]} (the pixel decoder's upsampled maps are never built).
     */
    void conv(GemmEngine gemm, float[] x, int xOff, int batch, int h, int w, int cin, int upShift,
              GemmEngine.Prepared[] u, float[] y, int yOff, int cout, float[] bias) {
        if (upShift < 0 || (h >> upShift) << upShift != h || (w >> upShift) << upShift != w) {
            throw new IllegalArgumentException("a " + h + " × " + w + " map is not upsampled 2^" + upShift + " times");
        }
        final int tilesY = (h + M - 1) / M, tilesX = (w + M - 1) / M;
        final int bandRows = Math.max(1, Math.min(tilesY, BAND_FLOATS / (XI * tilesX * Math.max(cin, cout))));
        final int maxTiles = bandRows * tilesX;
        if (v.length < (long) XI * maxTiles * cin) v = pool.replace(v, XI * maxTiles * cin);
        if (m.length < (long) XI * maxTiles * cout) m = pool.replace(m, XI * maxTiles * cout);
        if (zeros.length < Math.max(cin, cout)) zeros = new float[Math.max(cin, cout)];
        final float[] bv = bias != null ? bias : zeros;
        for (int b = 0; b < batch; b++) {
            final int xb = xOff + b * (h >> upShift) * (w >> upShift) * cin, yb = yOff + b * h * w * cout;
            for (int ty0 = 0; ty0 < tilesY; ty0 += bandRows) {
                final int band = Math.min(bandRows, tilesY - ty0);
                final int tiles = band * tilesX;
                final int row0 = ty0;
                par.forRange(tiles, 4, (worker, lo, hi) -> {
                    float[] t = buffer(worker, XI * Math.max(cin, cout));
                    for (int k = lo; k < hi; k++) {
                        inputTile(x, xb, h, w, cin, upShift, M * (row0 + k / tilesX), M * (k % tilesX), t, k, tiles);
                    }
                });
                gemm.gemmEach(par, tiles, v, 0, cin, tiles * cin, u, m, 0, cout, tiles * cout);
                par.forRange(tiles, 4, (worker, lo, hi) -> {
                    float[] t = buffer(worker, XI * Math.max(cin, cout));
                    for (int k = lo; k < hi; k++) outputTile(y, yb, h, w, cout, M * (row0 + k / tilesX), M * (k % tilesX), bv, t, k, tiles);
                });
            }
        }
    }

    /** Hands the buffers back to the pool; the next {@link #conv} takes new ones. */
    void release() {
        pool.give(v);
        pool.give(m);
        v = new float[0];
        m = new float[0];
    }

    private float[] buffer(int worker, int size) {
        float[] t = tmp[worker];
        if (t == null || t.length < size) tmp[worker] = t = new float[size];
        return t;
    }

    /**
     * {@code V_ξ[k] = (Bᵀ d B)_ξ} for the 6 × 6 input block whose top-left pixel is {@code (y0 − 1, x0 − 1)} (zero
     * outside the input; pixel {@code (iy, ix)} read at {@code (iy >> upShift, ix >> upShift)} of the small map),
     * {@code Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0],
     * [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]]}.
     */
    private void inputTile(float[] x, int xb, int h, int w, int cin, int upShift, int y0, int x0, float[] t, int k,
                           int tiles) {
        // t = Bᵀ · d, column by column (t[6·r + c] at t[(6·r + c)·cin])
        for (int c = 0; c < N; c++) {
            int ix = x0 - 1 + c;
            boolean in = ix >= 0 && ix < w;
            float[] a0 = row(x, in, y0 - 1, h), a1 = row(x, in, y0, h), a2 = row(x, in, y0 + 1, h);
            float[] a3 = row(x, in, y0 + 2, h), a4 = row(x, in, y0 + 3, h), a5 = row(x, in, y0 + 4, h);
            int o0 = offset(a0, xb, y0 - 1, ix, w, cin, upShift), o1 = offset(a1, xb, y0, ix, w, cin, upShift);
            int o2 = offset(a2, xb, y0 + 1, ix, w, cin, upShift), o3 = offset(a3, xb, y0 + 2, ix, w, cin, upShift);
            int o4 = offset(a4, xb, y0 + 3, ix, w, cin, upShift), o5 = offset(a5, xb, y0 + 4, ix, w, cin, upShift);
            transform(a0, o0, a1, o1, a2, o2, a3, o3, a4, o4, a5, o5, cin, t, c * cin, N * cin);
        }
        // V = t · B, row by row, into V_ξ (ξ = 6·r + c) at row k
        for (int r = 0; r < N; r++) {
            int s = N * r * cin;
            transform(t, s, t, s + cin, t, s + 2 * cin, t, s + 3 * cin, t, s + 4 * cin, t, s + 5 * cin, cin, v,
                    ((N * r) * tiles + k) * cin, tiles * cin);
        }
    }

    /**
     * {@code Bᵀ} applied to six vectors of {@code n} floats (a0 at o0, …), the six results written {@code step}
     * floats apart from {@code d} in {@code out}.
     */
    private static void transform(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3,
                                  float[] a4, int o4, float[] a5, int o5, int n, float[] out, int d, int step) {
        int d0 = d, d1 = d0 + step, d2 = d1 + step, d3 = d2 + step, d4 = d3 + step, d5 = d4 + step;
        for (int ch = 0; ch < n; ch++) {
            float x0 = a0[o0 + ch], x1 = a1[o1 + ch], x2 = a2[o2 + ch], x3 = a3[o3 + ch], x4 = a4[o4 + ch];
            float x5 = a5[o5 + ch];
            out[d0 + ch] = 4 * x0 - 5 * x2 + x4;
            out[d1 + ch] = x3 + x4 - 4 * (x1 + x2);
            out[d2 + ch] = x4 - x3 + 4 * (x1 - x2);
            out[d3 + ch] = x4 - x2 + 2 * (x3 - x1);
            out[d4 + ch] = x4 - x2 + 2 * (x1 - x3);
            out[d5 + ch] = 4 * x1 - 5 * x3 + x5;
        }
    }

    /** The input, or zeros where the pixel is outside it. */
    private float[] row(float[] x, boolean columnInside, int iy, int h) {
        return columnInside && iy >= 0 && iy < h ? x : zeros;
    }

    private int offset(float[] a, int xb, int iy, int ix, int w, int cin, int upShift) {
        return a == zeros ? 0 : xb + ((iy >> upShift) * (w >> upShift) + (ix >> upShift)) * cin;
    }

    /**
     * {@code y = Aᵀ M A + bias} for the tile whose top-left output pixel is {@code (y0, x0)} (pixels past the output
     * dropped), {@code Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]]}.
     */
    private void outputTile(float[] y, int yb, int h, int w, int cout, int y0, int x0, float[] bias, float[] t, int k,
                            int tiles) {
        final float[] mm = m;
        // t = Aᵀ · M, column by column: rows 0..3 of column c at t[(6·r + c)·cout]
        for (int c = 0; c < N; c++) {
            int base = (c * tiles + k) * cout, step = N * tiles * cout;
            for (int ch = 0; ch < cout; ch++) {
                float m0 = mm[base + ch], m1 = mm[base + step + ch], m2 = mm[base + 2 * step + ch];
                float m3 = mm[base + 3 * step + ch], m4 = mm[base + 4 * step + ch], m5 = mm[base + 5 * step + ch];
                float p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4;
                t[c * cout + ch] = m0 + p + r;
                t[(N + c) * cout + ch] = q + 2 * s;
                t[(2 * N + c) * cout + ch] = p + 4 * r;
                t[(3 * N + c) * cout + ch] = q + 8 * s + m5;
            }
        }
        // y = t · A + bias, the pixels inside the output
        final int cols = Math.min(M, w - x0);
        for (int r = 0; r < M && y0 + r < h; r++) {
            int s0 = N * r * cout;
            int d = yb + ((y0 + r) * w + x0) * cout;
            if (cols == M) {
                for (int ch = 0; ch < cout; ch++) {
                    float m0 = t[s0 + ch], m1 = t[s0 + cout + ch], m2 = t[s0 + 2 * cout + ch];
                    float m3 = t[s0 + 3 * cout + ch], m4 = t[s0 + 4 * cout + ch], m5 = t[s0 + 5 * cout + ch];
                    float p = m1 + m2, q = m1 - m2, rr = m3 + m4, s = m3 - m4;
                    float b = bias[ch];
                    y[d + ch] = m0 + p + rr + b;
                    y[d + cout + ch] = q + 2 * s + b;
                    y[d + 2 * cout + ch] = p + 4 * rr + b;
                    y[d + 3 * cout + ch] = q + 8 * s + m5 + b;
                }
            } else {
                for (int ch = 0; ch < cout; ch++) {
                    float m0 = t[s0 + ch], m1 = t[s0 + cout + ch], m2 = t[s0 + 2 * cout + ch];
                    float m3 = t[s0 + 3 * cout + ch], m4 = t[s0 + 4 * cout + ch], m5 = t[s0 + 5 * cout + ch];
                    float p = m1 + m2, q = m1 - m2, rr = m3 + m4, s = m3 - m4;
                    float b = bias[ch];
                    y[d + ch] = m0 + p + rr + b;
                    if (cols > 1) y[d + cout + ch] = q + 2 * s + b;
                    if (cols > 2) y[d + 2 * cout + ch] = p + 4 * rr + b;
                }
            }
        }
    }
}
