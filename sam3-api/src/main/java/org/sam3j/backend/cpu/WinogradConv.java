package org.sam3j.backend.cpu;

/**
 * 3 × 3 convolutions of stride 1 and padding 1 by Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016): each 2 × 2 block of output pixels ("tile") is
 * {@code Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A} of the 4 × 4 input block {@code d} around it, so that the products are 16
 * matrix products {@code M_ξ = V_ξ · U_ξ} of {@code tiles × Cin} by {@code Cin × Cout}: 2.25 × fewer multiply-adds
 * than the nine per-tap products, through the same {@link GemmEngine}. SAM 3's 3 × 3 convolutions are the necks'
 * (image encoder) and the segmentation head's pixel decoder (every concept prompt) at 288², 144² and 72².
 *
 * <p>The transforms use only additions and halvings, so the result differs from the direct convolution by float
 * rounding alone (measured: a few 1e-7 relative to the output's scale, {@code WinogradConvTest}). Activations are
 * channels-last; the input and output transforms are loops over channels (vectorised by the JIT), over bands of
 * tile rows so that a band's {@code V} and {@code M} (16 MiB each at 256 channels) stay in the last-level cache.
 * One instance per execution context: it keeps those buffers between runs, takes them from the backend's
 * {@link FloatPool} and hands them back on {@link #release()}. Not thread-safe.
 */
final class WinogradConv {
    /** Floats of one band's transformed input {@code V} (all 16 matrices): 16 MiB. */
    private static final int BAND_FLOATS = 1 << 22;

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

    /**
     * The 16 transformed weight matrices {@code U_ξ = (G g Gᵀ)_ξ}, each {@code Cin × Cout} row-major, prepared for
     * {@code gemm}, from a weight {@code [Cout, Cin, 3, 3]} (the checkpoint's layout).
     */
    static GemmEngine.Prepared[] prepareWeights(GemmEngine gemm, Parallel par, float[] w, int cout, int cin) {
        float[] u = new float[16 * cin * cout];
        par.forRange(cout, 1, (worker, lo, hi) -> {
            float[] t = new float[12];
            for (int o = lo; o < hi; o++) {
                for (int c = 0; c < cin; c++) {
                    int g = (o * cin + c) * 9;
                    // t = G · g (4 × 3), G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]
                    for (int j = 0; j < 3; j++) {
                        float g0 = w[g + j], g1 = w[g + 3 + j], g2 = w[g + 6 + j];
                        t[j] = g0;
                        t[3 + j] = 0.5f * (g0 + g1 + g2);
                        t[6 + j] = 0.5f * (g0 - g1 + g2);
                        t[9 + j] = g2;
                    }
                    // U = t · Gᵀ (4 × 4)
                    for (int i = 0; i < 4; i++) {
                        float t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2];
                        int base = (i * 4) * cin * cout + c * cout + o;
                        u[base] = t0;
                        u[base + cin * cout] = 0.5f * (t0 + t1 + t2);
                        u[base + 2 * cin * cout] = 0.5f * (t0 - t1 + t2);
                        u[base + 3 * cin * cout] = t2;
                    }
                }
            }
        });
        GemmEngine.Prepared[] prepared = new GemmEngine.Prepared[16];
        for (int xi = 0; xi < 16; xi++) prepared[xi] = gemm.prepare(par, u, xi * cin * cout, cout, false, cin, cout);
        return prepared;
    }

    /**
     * {@code y[b, oy, ox, :] = bias + Σ_{i,j} x[b, oy − 1 + i, ox − 1 + j, :] · w[:, :, i, j]} for input
     * {@code x[batch, h, w, cin]} and output {@code y[batch, h, w, cout]} (channels-last, row-major).
     */
    void conv(GemmEngine gemm, float[] x, int xOff, int batch, int h, int w, int cin, GemmEngine.Prepared[] u,
              float[] y, int yOff, int cout, float[] bias) {
        final int tilesY = (h + 1) / 2, tilesX = (w + 1) / 2;
        final int bandRows = Math.max(1, Math.min(tilesY, BAND_FLOATS / (16 * tilesX * Math.max(cin, cout))));
        final int maxTiles = bandRows * tilesX;
        if (v.length < 16L * maxTiles * cin) v = pool.replace(v, 16 * maxTiles * cin);
        if (m.length < 16L * maxTiles * cout) m = pool.replace(m, 16 * maxTiles * cout);
        if (zeros.length < Math.max(cin, cout)) zeros = new float[Math.max(cin, cout)];
        final float[] bv = bias != null ? bias : zeros;
        for (int b = 0; b < batch; b++) {
            final int xb = xOff + b * h * w * cin, yb = yOff + b * h * w * cout;
            for (int ty0 = 0; ty0 < tilesY; ty0 += bandRows) {
                final int band = Math.min(bandRows, tilesY - ty0);
                final int tiles = band * tilesX;
                final int row0 = ty0;
                par.forRange(tiles, 8, (worker, lo, hi) -> {
                    float[] t = buffer(worker, 16 * Math.max(cin, cout));
                    for (int k = lo; k < hi; k++) inputTile(x, xb, h, w, cin, 2 * (row0 + k / tilesX), 2 * (k % tilesX), t, k, tiles);
                });
                for (int xi = 0; xi < 16; xi++) {
                    gemm.gemm(par, tiles, v, xi * tiles * cin, cin, u[xi], m, xi * tiles * cout, cout, null);
                }
                par.forRange(tiles, 8, (worker, lo, hi) -> {
                    float[] t = buffer(worker, 16 * Math.max(cin, cout));
                    for (int k = lo; k < hi; k++) outputTile(y, yb, h, w, cout, 2 * (row0 + k / tilesX), 2 * (k % tilesX), bv, t, k, tiles);
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
     * {@code V_ξ[k] = (Bᵀ d B)_ξ} for the 4 × 4 input block whose top-left pixel is {@code (y0 − 1, x0 − 1)} (zero
     * outside the input), {@code Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]}.
     */
    private void inputTile(float[] x, int xb, int h, int w, int cin, int y0, int x0, float[] t, int k, int tiles) {
        // t = Bᵀ · d, row by row (t[4·r + c] at t[(4·r + c)·cin])
        for (int c = 0; c < 4; c++) {
            int ix = x0 - 1 + c;
            boolean in = ix >= 0 && ix < w;
            float[] a0 = row(x, in, y0 - 1, h), a1 = row(x, in, y0, h), a2 = row(x, in, y0 + 1, h), a3 = row(x, in, y0 + 2, h);
            int o0 = offset(a0, xb, y0 - 1, ix, w, cin), o1 = offset(a1, xb, y0, ix, w, cin);
            int o2 = offset(a2, xb, y0 + 1, ix, w, cin), o3 = offset(a3, xb, y0 + 2, ix, w, cin);
            int t0 = c * cin, t1 = (4 + c) * cin, t2 = (8 + c) * cin, t3 = (12 + c) * cin;
            for (int ch = 0; ch < cin; ch++) t[t0 + ch] = a0[o0 + ch] - a2[o2 + ch];
            for (int ch = 0; ch < cin; ch++) t[t1 + ch] = a1[o1 + ch] + a2[o2 + ch];
            for (int ch = 0; ch < cin; ch++) t[t2 + ch] = a2[o2 + ch] - a1[o1 + ch];
            for (int ch = 0; ch < cin; ch++) t[t3 + ch] = a1[o1 + ch] - a3[o3 + ch];
        }
        // V = t · B, column by column, into V_ξ (ξ = 4·r + c) at row k
        final float[] vv = v;
        for (int r = 0; r < 4; r++) {
            int s0 = 4 * r * cin, s1 = s0 + cin, s2 = s1 + cin, s3 = s2 + cin;
            int d0 = ((4 * r) * tiles + k) * cin, d1 = d0 + tiles * cin, d2 = d1 + tiles * cin, d3 = d2 + tiles * cin;
            for (int ch = 0; ch < cin; ch++) vv[d0 + ch] = t[s0 + ch] - t[s2 + ch];
            for (int ch = 0; ch < cin; ch++) vv[d1 + ch] = t[s1 + ch] + t[s2 + ch];
            for (int ch = 0; ch < cin; ch++) vv[d2 + ch] = t[s2 + ch] - t[s1 + ch];
            for (int ch = 0; ch < cin; ch++) vv[d3 + ch] = t[s1 + ch] - t[s3 + ch];
        }
    }

    /** The input, or zeros where the pixel is outside it. */
    private float[] row(float[] x, boolean columnInside, int iy, int h) {
        return columnInside && iy >= 0 && iy < h ? x : zeros;
    }

    private int offset(float[] a, int xb, int iy, int ix, int w, int cin) {
        return a == zeros ? 0 : xb + (iy * w + ix) * cin;
    }

    /**
     * {@code y = Aᵀ M A + bias} for the tile whose top-left output pixel is {@code (y0, x0)} (pixels past the output
     * dropped), {@code Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]}.
     */
    private void outputTile(float[] y, int yb, int h, int w, int cout, int y0, int x0, float[] bias, float[] t, int k,
                            int tiles) {
        final float[] mm = m;
        // t = Aᵀ · M, column by column (t[2·r + ... ]: rows 0 and 1 of 4 columns at t[(4·r + c)·cout])
        for (int c = 0; c < 4; c++) {
            int m0 = (c * tiles + k) * cout, m1 = ((4 + c) * tiles + k) * cout;
            int m2 = ((8 + c) * tiles + k) * cout, m3 = ((12 + c) * tiles + k) * cout;
            int r0 = c * cout, r1 = (4 + c) * cout;
            for (int ch = 0; ch < cout; ch++) t[r0 + ch] = mm[m0 + ch] + mm[m1 + ch] + mm[m2 + ch];
            for (int ch = 0; ch < cout; ch++) t[r1 + ch] = mm[m1 + ch] - mm[m2 + ch] - mm[m3 + ch];
        }
        // y = t · A + bias
        for (int r = 0; r < 2 && y0 + r < h; r++) {
            int s0 = 4 * r * cout, s1 = s0 + cout, s2 = s1 + cout, s3 = s2 + cout;
            int d = yb + ((y0 + r) * w + x0) * cout;
            for (int ch = 0; ch < cout; ch++) y[d + ch] = t[s0 + ch] + t[s1 + ch] + t[s2 + ch] + bias[ch];
            if (x0 + 1 < w) {
                for (int ch = 0; ch < cout; ch++) y[d + cout + ch] = t[s1 + ch] - t[s2 + ch] - t[s3 + ch] + bias[ch];
            }
        }
    }
}
