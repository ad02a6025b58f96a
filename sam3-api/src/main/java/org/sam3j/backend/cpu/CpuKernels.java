package org.sam3j.backend.cpu;

/**
 * Float32 kernels of the pure-Java CPU backend. Every array argument comes with an offset into a
 * shared buffer (the memory plan's arena); outputs may alias the first operand where the planner
 * allows in-place execution, and every kernel here is written to be safe in that case.
 */
final class CpuKernels {
    private CpuKernels() {}

    private static final int GRAIN = 1 << 14;

    // ------------------------------------------------------------------ element-wise

    static void scale(Parallel par, float[] x, int xo, float[] y, int yo, int n, float f) {
        par.forRange(n, GRAIN, (w, a, b) -> {
            for (int i = a; i < b; i++) y[yo + i] = x[xo + i] * f;
        });
    }

    static void relu(Parallel par, float[] x, int xo, float[] y, int yo, int n) {
        par.forRange(n, GRAIN, (w, a, b) -> {
            for (int i = a; i < b; i++) y[yo + i] = Math.max(x[xo + i], 0f);
        });
    }

    static void sigmoid(Parallel par, float[] x, int xo, float[] y, int yo, int n) {
        par.forRange(n, GRAIN, (w, a, b) -> {
            for (int i = a; i < b; i++) y[yo + i] = 1f / (1f + CpuMath.exp(-x[xo + i]));
        });
    }

    static void gelu(Parallel par, float[] x, int xo, float[] y, int yo, int n) {
        par.forRange(n, GRAIN, (w, a, b) -> {
            for (int i = a; i < b; i++) {
                float v = x[xo + i];
                y[yo + i] = 0.5f * v * (1f + CpuMath.erf(v * 0.70710678118654752f));
            }
        });
    }

    /**
     * Broadcasting binary operation ({@code mul=false}: add, {@code true}: multiply). Shapes are
     * right-aligned to the output rank; operand strides are 0 along broadcast axes.
     */
    static void binary(Parallel par, boolean mul, float[] a, int ao, int[] as, float[] b, int bo, int[] bs,
                       float[] y, int yo, int[] ys) {
        int r = ys.length;
        int n = 1;
        for (int d : ys) n *= d;
        int na = 1;
        for (int d : as) na *= d;
        int nb = 1;
        for (int d : bs) nb *= d;
        final int total = n;
        if (na == n && nb == n) {
            par.forRange(n, GRAIN, (w, lo, hi) -> {
                if (mul) for (int i = lo; i < hi; i++) y[yo + i] = a[ao + i] * b[bo + i];
                else for (int i = lo; i < hi; i++) y[yo + i] = a[ao + i] + b[bo + i];
            });
            return;
        }
        if (na == n && isSuffix(bs, ys)) {
            final int period = nb;
            int rows = n / period;
            par.forRange(rows, Math.max(1, GRAIN / period), (w, lo, hi) -> {
                for (int row = lo; row < hi; row++) {
                    int base = row * period;
                    if (mul) for (int j = 0; j < period; j++) y[yo + base + j] = a[ao + base + j] * b[bo + j];
                    else for (int j = 0; j < period; j++) y[yo + base + j] = a[ao + base + j] + b[bo + j];
                }
            });
            return;
        }
        // general case: inner loop over the last axis, outer offsets from strides
        int[] sa = broadcastStrides(as, ys);
        int[] sb = broadcastStrides(bs, ys);
        int inner = ys[r - 1];
        int outer = total / inner;
        int ia = sa[r - 1];
        int ib = sb[r - 1];
        par.forRange(outer, Math.max(1, GRAIN / inner), (w, lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int rem = o;
                int offA = ao;
                int offB = bo;
                for (int d = r - 2; d >= 0; d--) {
                    int idx = rem % ys[d];
                    rem /= ys[d];
                    offA += idx * sa[d];
                    offB += idx * sb[d];
                }
                int base = yo + o * inner;
                for (int j = 0; j < inner; j++) {
                    float va = a[offA + j * ia];
                    float vb = b[offB + j * ib];
                    y[base + j] = mul ? va * vb : va + vb;
                }
            }
        });
    }

    private static boolean isSuffix(int[] bs, int[] ys) {
        // b (right-aligned) equals the trailing dims of y, with only leading 1s before them
        int off = ys.length - bs.length;
        boolean leading = true;
        for (int i = 0; i < bs.length; i++) {
            if (leading && bs[i] == 1 && ys[off + i] != 1) continue;
            leading = false;
            if (bs[i] != ys[off + i]) return false;
        }
        return true;
    }

    private static int[] broadcastStrides(int[] s, int[] ys) {
        int r = ys.length;
        int[] st = new int[r];
        int stride = 1;
        for (int i = r - 1; i >= 0; i--) {
            int si = i - (r - s.length);
            int d = si >= 0 ? s[si] : 1;
            st[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return st;
    }

    // ------------------------------------------------------------------ normalisation

    static void layerNorm(Parallel par, float[] x, int xo, float[] g, int go, float[] bta, int bo,
                          float[] y, int yo, int rows, int c, float eps) {
        par.forRange(rows, Math.max(1, GRAIN / c), (w, lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * c;
                double s = 0;
                for (int j = 0; j < c; j++) s += x[xo + base + j];
                double mean = s / c;
                double v = 0;
                for (int j = 0; j < c; j++) {
                    double d = x[xo + base + j] - mean;
                    v += d * d;
                }
                float rstd = (float) (1.0 / Math.sqrt(v / c + eps));
                float m = (float) mean;
                for (int j = 0; j < c; j++) {
                    y[yo + base + j] = (x[xo + base + j] - m) * rstd * g[go + j] + bta[bo + j];
                }
            }
        });
    }

    // ------------------------------------------------------------------ layout

    static void permute(Parallel par, float[] x, int xo, int[] xs, int[] perm, float[] y, int yo) {
        int r = xs.length;
        int[] xStride = new int[r];
        int s = 1;
        for (int i = r - 1; i >= 0; i--) {
            xStride[i] = s;
            s *= xs[i];
        }
        int[] ys = new int[r];
        int[] ps = new int[r]; // input stride of each output axis
        for (int i = 0; i < r; i++) {
            ys[i] = xs[perm[i]];
            ps[i] = xStride[perm[i]];
        }
        int inner = ys[r - 1];
        int innerStride = ps[r - 1];
        int outer = s / inner;
        par.forRange(outer, Math.max(1, GRAIN / inner), (w, lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int rem = o;
                int off = xo;
                for (int d = r - 2; d >= 0; d--) {
                    int idx = rem % ys[d];
                    rem /= ys[d];
                    off += idx * ps[d];
                }
                int base = yo + o * inner;
                if (innerStride == 1) {
                    System.arraycopy(x, off, y, base, inner);
                } else {
                    for (int j = 0; j < inner; j++) y[base + j] = x[off + j * innerStride];
                }
            }
        });
    }

    /** Copies a block {@code [outer, len, inner]} out of {@code [outer, full, inner]} starting at {@code start}. */
    static void slice(float[] x, int xo, int outer, int full, int start, int len, int inner, float[] y, int yo) {
        for (int o = 0; o < outer; o++) {
            System.arraycopy(x, xo + (o * full + start) * inner, y, yo + o * len * inner, len * inner);
        }
    }

    // ------------------------------------------------------------------ images (channels-last)

    static void maxPool2x2(Parallel par, float[] x, int xo, int n, int h, int wd, int c, float[] y, int yo) {
        int ho = h / 2;
        int wo = wd / 2;
        par.forRange(n * ho, 1, (wk, lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int b = row / ho;
                int oy = row % ho;
                for (int ox = 0; ox < wo; ox++) {
                    int i00 = xo + ((b * h + 2 * oy) * wd + 2 * ox) * c;
                    int i01 = i00 + c;
                    int i10 = i00 + wd * c;
                    int i11 = i10 + c;
                    int o = yo + ((b * ho + oy) * wo + ox) * c;
                    for (int ch = 0; ch < c; ch++) {
                        y[o + ch] = Math.max(Math.max(x[i00 + ch], x[i01 + ch]), Math.max(x[i10 + ch], x[i11 + ch]));
                    }
                }
            }
        });
    }

    // ------------------------------------------------------------------ attention

    static void rope(Parallel par, float[] x, int xo, float[] cos, int co, float[] sin, int so,
                     float[] y, int yo, int b, int t, int h, int d) {
        int half = d / 2;
        par.forRange(b * t, Math.max(1, GRAIN / (h * d)), (w, lo, hi) -> {
            for (int bt = lo; bt < hi; bt++) {
                int tt = bt % t;
                int tab = tt * half;
                for (int hh = 0; hh < h; hh++) {
                    int base = (bt * h + hh) * d;
                    for (int i = 0; i < half; i++) {
                        float x0 = x[xo + base + 2 * i];
                        float x1 = x[xo + base + 2 * i + 1];
                        float c = cos[co + tab + i];
                        float s = sin[so + tab + i];
                        y[yo + base + 2 * i] = x0 * c - x1 * s;
                        y[yo + base + 2 * i + 1] = x0 * s + x1 * c;
                    }
                }
            }
        });
    }
}
