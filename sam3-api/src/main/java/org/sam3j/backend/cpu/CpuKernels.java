package org.sam3j.backend.cpu;

import org.sam3j.backend.SliceRows;

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
        par.forRange(n, GRAIN, (w, a, b) -> relu(x, xo + a, y, yo + a, b - a));
    }

    /** {@code y[yo + i] = max(x[xo + i], 0)} for {@code i < n} ({@code Math.max}: NaN stays NaN, -0 becomes 0). */
    static void relu(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = Math.max(x[xo + i], 0f);
    }

    static void sigmoid(Parallel par, float[] x, int xo, float[] y, int yo, int n) {
        par.forRange(n, GRAIN, (w, a, b) -> {
            for (int i = a; i < b; i++) y[yo + i] = 1f / (1f + CpuMath.exp(-x[xo + i]));
        });
    }

    static void gelu(Parallel par, float[] x, int xo, float[] y, int yo, int n) {
        par.forRange(n, GRAIN, (w, a, b) -> CpuGelu.apply(x, xo, y, yo, a, b));
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
                Chunks s = Chunks.get();
                for (int i = lo; i < hi; i += Chunks.LENGTH) {
                    int len = Math.min(Chunks.LENGTH, hi - i);
                    System.arraycopy(a, ao + i, s.x, 0, len);
                    System.arraycopy(b, bo + i, s.z, 0, len);
                    Chunks.combine(mul, s.x, s.z, len);
                    System.arraycopy(s.x, 0, y, yo + i, len);
                }
            });
            return;
        }
        if (na == n && isSuffix(bs, ys)) {
            repeated(par, mul, a, ao, b, bo, nb, y, yo, n);
            return;
        }
        if (nb == n && isSuffix(as, ys)) {
            repeated(par, mul, b, bo, a, ao, na, y, yo, n); // a + b = b + a, a·b = b·a, to the bit
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
                if (ia + ib == 1) {
                    // one operand's value for the whole row, the other's row (the detector decoder's box bias,
                    // [8, 201, 72, 1] + [8, 201, 1, 72]): a loop C2 vectorises, the same sums
                    float[] row = ia == 1 ? a : b;
                    int at = ia == 1 ? offA : offB;
                    float v = ia == 1 ? b[offB] : a[offA];
                    rowWith(mul, row, at, v, y, base, inner);
                    continue;
                }
                for (int j = 0; j < inner; j++) {
                    float va = a[offA + j * ia];
                    float vb = b[offB + j * ib];
                    y[base + j] = mul ? va * vb : va + vb;
                }
            }
        });
    }

    /** {@code y[yo + j] = x[xo + j] + v} (or {@code · v}) for {@code j < n}, through a chunk at index 0 ({@link Chunks}). */
    private static void rowWith(boolean mul, float[] x, int xo, float v, float[] y, int yo, int n) {
        Chunks s = Chunks.get();
        for (int i = 0; i < n; i += Chunks.LENGTH) {
            int len = Math.min(Chunks.LENGTH, n - i);
            float[] c = s.x;
            System.arraycopy(x, xo + i, c, 0, len);
            if (mul) {
                for (int j = 0; j < len; j++) c[j] = c[j] * v;
            } else {
                for (int j = 0; j < len; j++) c[j] = c[j] + v;
            }
            System.arraycopy(c, 0, y, yo + i, len);
        }
    }

    /**
     * Per-thread chunks at index 0 for the element-wise loops over the arena: HotSpot's C2 (JDK 17) leaves a loop
     * scalar when its arrays are indexed from different offsets (see {@link NormRows}); through these a sum of two
     * arena operands took 0.15–0.24 ns a value against 0.55–0.8 in place (2-core Zen 3).
     */
    static final class Chunks {
        /** Values per chunk: 8 KiB each, both stay in L1 beside the operands' lines. */
        static final int LENGTH = 2048;
        private static final ThreadLocal<Chunks> CHUNKS = ThreadLocal.withInitial(Chunks::new);
        final float[] x = new float[LENGTH];
        final float[] z = new float[LENGTH];

        static Chunks get() {
            return CHUNKS.get();
        }

        /** {@code y[yo + i] = y[yo + i] + o[oo + i]} for {@code i < len}, chunk by chunk. */
        static void addInto(float[] y, int yo, float[] o, int oo, int len) {
            Chunks s = get();
            for (int i = 0; i < len; i += LENGTH) {
                int l = Math.min(LENGTH, len - i);
                System.arraycopy(y, yo + i, s.x, 0, l);
                System.arraycopy(o, oo + i, s.z, 0, l);
                combine(false, s.x, s.z, l);
                System.arraycopy(s.x, 0, y, yo + i, l);
            }
        }

        /** {@code x[i] = x[i] · z[i]} ({@code mul}) or {@code x[i] + z[i]} for {@code i < len}. */
        static void combine(boolean mul, float[] x, float[] z, int len) {
            if (mul) {
                for (int i = 0; i < len; i++) x[i] = x[i] * z[i];
            } else {
                for (int i = 0; i < len; i++) x[i] = x[i] + z[i];
            }
        }
    }

    /** {@code y = full ∘ b} with {@code b} ({@code period} values) repeated along {@code full}'s rows. */
    private static void repeated(Parallel par, boolean mul, float[] a, int ao, float[] b, int bo, int period,
                                 float[] y, int yo, int n) {
        if (period <= Chunks.LENGTH) {
            // chunks of whole periods, b laid out along the chunk once per task
            final int span = Chunks.LENGTH / period * period;
            par.forRange(n / period, Math.max(1, GRAIN / period), (w, lo, hi) -> {
                Chunks s = Chunks.get();
                System.arraycopy(b, bo, s.z, 0, period);
                for (int filled = period; filled < span; filled *= 2) {
                    System.arraycopy(s.z, 0, s.z, filled, Math.min(filled, span - filled));
                }
                for (int i = lo * period, end = hi * period; i < end; i += span) {
                    int len = Math.min(span, end - i);
                    System.arraycopy(a, ao + i, s.x, 0, len);
                    Chunks.combine(mul, s.x, s.z, len);
                    System.arraycopy(s.x, 0, y, yo + i, len);
                }
            });
            return;
        }
        int rows = n / period;
        par.forRange(rows, Math.max(1, GRAIN / period), (w, lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int base = row * period;
                if (mul) for (int j = 0; j < period; j++) y[yo + base + j] = a[ao + base + j] * b[bo + j];
                else for (int j = 0; j < period; j++) y[yo + base + j] = a[ao + base + j] + b[bo + j];
            }
        });
    }

    /**
     * Whether {@code bs} (right-aligned) is 1s and then exactly the trailing dims of {@code ys}: its values repeat
     * with a period of its size (e.g. a channel vector {@code [1, 1, 1, C]} against {@code [1, H, W, C]}).
     */
    private static boolean isSuffix(int[] bs, int[] ys) {
        int off = ys.length - bs.length;
        if (off < 0) return false;
        int i = 0;
        while (i < bs.length && bs[i] == 1) i++;
        for (; i < bs.length; i++) {
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
            NormRows n = NormRows.of(g, go, bta, bo, c);
            for (int r = lo; r < hi; r++) n.normalise(x, xo + r * c, y, yo + r * c, eps);
        });
    }

    /**
     * {@code s = a + b} and {@code y = layerNorm(s)} over rows of {@code c}, one pass per row: the values of
     * {@link #binary} followed by {@link #layerNorm}. {@code s} may coincide with {@code a} or {@code b}, and
     * {@code y} with {@code a} or {@code b} (same offset): each row is read before it is written.
     */
    static void addLayerNorm(Parallel par, float[] a, int ao, float[] b, int bo, float[] s, int so,
                             float[] g, int go, float[] bta, int bto, float[] y, int yo, int rows, int c, float eps) {
        par.forRange(rows, Math.max(1, GRAIN / c), (w, lo, hi) -> {
            NormRows n = NormRows.of(g, go, bta, bto, c);
            for (int r = lo; r < hi; r++) n.addAndNormalise(a, ao + r * c, b, bo + r * c, s, so + r * c, y, yo + r * c, eps);
        });
    }

    /**
     * Layer norm of rows of {@code c} values with one γ and β, row by row through per-thread rows at index 0. HotSpot's
     * C2 (JDK 17) vectorises a loop only when it can relate the positions of its arrays; rows at different offsets of
     * the arena (or of the weights' shared arrays) left the normalising loop scalar: about 0.8 ns a value against
     * 0.1–0.2 at index 0 with the copies in and out (2-core Zen 3). The statistics are in double ({@link #sum},
     * {@link #squaredDeviations}); every value is {@code (v - mean) · rstd · γ + β} in float, as before.
     */
    static final class NormRows {
        private static final ThreadLocal<NormRows> ROWS = ThreadLocal.withInitial(NormRows::new);
        private float[] row = new float[0];
        private float[] other = new float[0];
        private float[] gamma = new float[0];
        private float[] beta = new float[0];
        private int c;

        /** This thread's rows, holding {@code c} values of γ from {@code g[go]} and β from {@code b[bo]}. */
        static NormRows of(float[] g, int go, float[] b, int bo, int c) {
            NormRows n = ROWS.get();
            if (n.row.length < c) {
                n.row = new float[c];
                n.other = new float[c];
                n.gamma = new float[c];
                n.beta = new float[c];
            }
            System.arraycopy(g, go, n.gamma, 0, c);
            System.arraycopy(b, bo, n.beta, 0, c);
            n.c = c;
            return n;
        }

        /** {@code y[yb …] = layerNorm(x[xb …])} for one row; {@code y} may be {@code x} at the same offset. */
        void normalise(float[] x, int xb, float[] y, int yb, float eps) {
            System.arraycopy(x, xb, row, 0, c);
            normaliseRow(row, gamma, beta, c, eps);
            System.arraycopy(row, 0, y, yb, c);
        }

        /** {@code s = a + b}, then {@code y = layerNorm(s)}, for one row (see {@link #addLayerNorm}). */
        void addAndNormalise(float[] a, int ab, float[] b, int bb, float[] s, int sb, float[] y, int yb, float eps) {
            System.arraycopy(a, ab, row, 0, c);
            System.arraycopy(b, bb, other, 0, c);
            addRow(row, other, c);
            System.arraycopy(row, 0, s, sb, c);
            normaliseRow(row, gamma, beta, c, eps);
            System.arraycopy(row, 0, y, yb, c);
        }

        private static void addRow(float[] v, float[] w, int c) {
            for (int j = 0; j < c; j++) v[j] = v[j] + w[j];
        }

        private static void normaliseRow(float[] v, float[] g, float[] b, int c, float eps) {
            double mean = sum(v, 0, c) / c;
            float rstd = (float) (1.0 / Math.sqrt(squaredDeviations(v, 0, c, mean) / c + eps));
            float m = (float) mean;
            for (int j = 0; j < c; j++) v[j] = (v[j] - m) * rstd * g[j] + b[j];
        }
    }

    /**
     * {@code x[xb] + … + x[xb + c - 1]} in double, as eight partial sums (the values {@code j ≡ 0 … 7 mod 8}) added
     * pairwise at the end. One running sum is a chain of dependent additions, 3–4 cycles each, which the JIT may not
     * reorder or vectorise; eight chains keep the adders busy (rows of 256: 2.5–5 × faster on a 2-core Zen 3). Every
     * float is exact in double, so the order changes the sum only in its last bits, far below the float the norm
     * rounds to.
     */
    static double sum(float[] x, int xb, int c) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 8 <= c; j += 8) {
            int i = xb + j;
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
            s4 += x[i + 4];
            s5 += x[i + 5];
            s6 += x[i + 6];
            s7 += x[i + 7];
        }
        for (; j < c; j++) s0 += x[xb + j];
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** {@code Σ (x[xb + j] - mean)²} over {@code c} values in double, in eight partial sums as {@link #sum}. */
    static double squaredDeviations(float[] x, int xb, int c, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 8 <= c; j += 8) {
            int i = xb + j;
            double d0 = x[i] - mean, d1 = x[i + 1] - mean, d2 = x[i + 2] - mean, d3 = x[i + 3] - mean;
            double d4 = x[i + 4] - mean, d5 = x[i + 5] - mean, d6 = x[i + 6] - mean, d7 = x[i + 7] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        for (; j < c; j++) {
            double d = x[xb + j] - mean;
            s0 += d * d;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
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
    static void slice(float[] x, int xo, SliceRows rows, float[] y, int yo) {
        int len = rows.rowLength();
        for (int o = 0; o < rows.outer(); o++) System.arraycopy(x, xo + rows.start() + o * rows.stride(), y, yo + o * len, len);
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
        rope(par, x, xo, h * d, cos, co, sin, so, y, yo, b, t, h, d);
    }

    /**
     * RoPE of {@code y[b, t, h, d]} from {@code x} whose {@code (b, t)} rows of {@code h·d} values lie {@code xRow}
     * apart (a slice of a wider tensor, e.g. the q third of a qkv projection, read where it is).
     */
    static void rope(Parallel par, float[] x, int xo, int xRow, float[] cos, int co, float[] sin, int so,
                     float[] y, int yo, int b, int t, int h, int d) {
        int half = d / 2;
        par.forRange(b * t, Math.max(1, GRAIN / (h * d)), (w, lo, hi) -> {
            for (int bt = lo; bt < hi; bt++) {
                int tt = bt % t;
                int tab = tt * half;
                int xb = xo + bt * xRow;
                for (int hh = 0; hh < h; hh++) {
                    int base = (bt * h + hh) * d;
                    int xi = xb + hh * d;
                    for (int i = 0; i < half; i++) {
                        float x0 = x[xi + 2 * i];
                        float x1 = x[xi + 2 * i + 1];
                        float c = cos[co + tab + i];
                        float s = sin[so + tab + i];
                        y[yo + base + 2 * i] = x0 * c - x1 * s;
                        y[yo + base + 2 * i + 1] = x0 * s + x1 * c;
                    }
                }
            }
        });
    }

    // ------------------------------------------------------------------ element-wise functions

    static void unary(Parallel par, org.sam3j.graph.Attrs.Unary u, float[] x, int xo, float[] y, int yo, int n) {
        final float a = u.a();
        final float b = u.b();
        switch (u.kind()) {
            case SIN:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = (float) Math.sin(x[xo + i]);
                });
                break;
            case COS:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = (float) Math.cos(x[xo + i]);
                });
                break;
            case EXP:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = (float) Math.exp(x[xo + i]);
                });
                break;
            case LOG:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = (float) Math.log(x[xo + i]);
                });
                break;
            case LOG2:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = (float) (Math.log(x[xo + i]) / Math.log(2.0));
                });
                break;
            case ABS:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = Math.abs(x[xo + i]);
                });
                break;
            case SIGN:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = Math.signum(x[xo + i]);
                });
                break;
            case CLAMP:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) {
                        float v = x[xo + i];
                        y[yo + i] = v < a ? a : (v > b ? b : v);
                    }
                });
                break;
            case AFFINE:
                par.forRange(n, GRAIN, (w, lo, hi) -> {
                    for (int i = lo; i < hi; i++) y[yo + i] = a * x[xo + i] + b;
                });
                break;
            default:
                throw new IllegalStateException(u.kind().toString());
        }
    }

    // ------------------------------------------------------------------ normalisation and resampling

    /**
     * Group norm of {@code x[n, hw, c]} with {@code groups} channel groups, statistics in double, then
     * {@code max(v, 0)} ({@link #relu}) if {@code relu}, in the same pass: the pixel decoder's
     * {@code ReLU(GroupNorm(x))} reads and writes its 288² map once less. {@code y} may be {@code x} itself (the
     * statistics are complete before the first value is written), not a part of it.
     */
    static void groupNorm(Parallel par, float[] x, int xo, float[] g, int go, float[] bta, int bo, float[] y, int yo,
                          int n, int hw, int c, int groups, float eps, boolean relu) {
        int cg = c / groups;
        float[] mean = new float[n * groups];
        float[] rstd = new float[n * groups];
        par.forRange(n * groups, 1, (w, lo, hi) -> {
            // a worker's groups of one sample side by side, pixel by pixel: each group's sums are the same additions
            // in the same order as group after group, but each row is read once (in one run of those groups'
            // channels), not once per group 1 KiB apart, and the groups' chains can overlap
            for (int g0 = lo; g0 < hi; ) {
                int b = g0 / groups;
                int g1 = Math.min(hi, (b + 1) * groups);
                double[] sum = new double[g1 - g0];
                double[] sumsq = new double[g1 - g0];
                for (int p = 0; p < hw; p++) {
                    int row = xo + (b * hw + p) * c;
                    for (int ng = g0; ng < g1; ng++) {
                        int base = row + (ng - b * groups) * cg;
                        double s = sum[ng - g0];
                        double s2 = sumsq[ng - g0];
                        for (int j = 0; j < cg; j++) {
                            double v = x[base + j];
                            s += v;
                            s2 += v * v;
                        }
                        sum[ng - g0] = s;
                        sumsq[ng - g0] = s2;
                    }
                }
                for (int ng = g0; ng < g1; ng++) {
                    double cnt = (double) hw * cg;
                    double m = sum[ng - g0] / cnt;
                    double var = Math.max(sumsq[ng - g0] / cnt - m * m, 0);
                    mean[ng] = (float) m;
                    rstd[ng] = (float) (1.0 / Math.sqrt(var + eps));
                }
                g0 = g1;
            }
        });
        // the group's statistics spread over its channels, per sample, so that the row loop has no division
        // and vectorises; the same operations per value as before, in the same order
        float[] meanC = new float[n * c];
        float[] rstdC = new float[n * c];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                meanC[b * c + ch] = mean[b * groups + ch / cg];
                rstdC[b * c + ch] = rstd[b * groups + ch / cg];
            }
        }
        par.forRange(n * hw, 256, (w, lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int s = r / hw * c;
                int base = r * c;
                if (relu) {
                    for (int ch = 0; ch < c; ch++) {
                        float v = (x[xo + base + ch] - meanC[s + ch]) * rstdC[s + ch] * g[go + ch] + bta[bo + ch];
                        y[yo + base + ch] = Math.max(v, 0f);
                    }
                } else {
                    for (int ch = 0; ch < c; ch++) {
                        y[yo + base + ch] = (x[xo + base + ch] - meanC[s + ch]) * rstdC[s + ch] * g[go + ch]
                                + bta[bo + ch];
                    }
                }
            }
        });
    }

    /** Nearest upsampling of {@code x[n, h, w, c]} by {@code f}. */
    static void upsampleNearest(Parallel par, float[] x, int xo, int n, int h, int wd, int c, int f, float[] y, int yo) {
        int ho = h * f;
        int wo = wd * f;
        par.forRange(n * ho, 8, (w, lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int b = r / ho;
                int oy = r % ho;
                int src = xo + (b * h + oy / f) * wd * c;
                int dst = yo + r * wo * c;
                for (int ox = 0; ox < wo; ox++) System.arraycopy(x, src + (ox / f) * c, y, dst + ox * c, c);
            }
        });
    }

    /**
     * torchvision {@code roi_align} with {@code aligned=False} on {@code x[1, h, w, c]}: for each box
     * {@code (x0, y0, x1, y1)·scale} and each of the {@code s×s} bins, the mean of bilinear samples on a
     * regular grid ({@code ratio} per side, or {@code ceil(bin size)} when {@code ratio <= 0}). A sample's weight on a
     * pixel is its row weight times its column weight and the grid is every row of samples by every column, so a
     * bin's sum is {@code Σ_rows wy · Σ_cols wx · x}: each pixel under the bin is read once instead of four times a
     * sample (the detector's 16 box slots, unused ones holding the whole image with 11 × 11 samples a bin, took 28 ms
     * on one thread sample by sample). Parallel over the rows of bins (each bin's sum in its own order, as on one
     * thread).
     */
    static void roiAlign(Parallel par, float[] x, int xo, int h, int wd, int c, float[] boxes, int bo, int k, int s,
                         float scale, int ratio, float[] y, int yo) {
        par.forRange(k * s, 1, (w, lo, hi) -> {
            float[] acc = new float[c];
            float[] rowSum = new float[c];
            float[] wy = new float[h];
            float[] wx = new float[wd];
            int[] span = new int[4];
            for (int row = lo; row < hi; row++) {
                int r = row / s;
                int ph = row % s;
                float x0 = boxes[bo + r * 4] * scale;
                float y0 = boxes[bo + r * 4 + 1] * scale;
                float x1 = boxes[bo + r * 4 + 2] * scale;
                float y1 = boxes[bo + r * 4 + 3] * scale;
                float roiW = Math.max(x1 - x0, 1f);
                float roiH = Math.max(y1 - y0, 1f);
                float binH = roiH / s;
                float binW = roiW / s;
                int gridH = ratio > 0 ? ratio : (int) Math.ceil(roiH / s);
                int gridW = ratio > 0 ? ratio : (int) Math.ceil(roiW / s);
                float count = Math.max(gridH * gridW, 1);
                binWeights(y0 + ph * binH, binH, gridH, h, wy, span, 0);
                for (int pw = 0; pw < s; pw++) {
                    binWeights(x0 + pw * binW, binW, gridW, wd, wx, span, 2);
                    java.util.Arrays.fill(acc, 0f);
                    for (int iy = span[0]; iy < span[1]; iy++) {
                        if (wy[iy] == 0f) continue;
                        java.util.Arrays.fill(rowSum, 0f);
                        int base = xo + iy * wd * c;
                        for (int ix = span[2]; ix < span[3]; ix++) {
                            float f = wx[ix];
                            if (f == 0f) continue;
                            int p = base + ix * c;
                            for (int ch = 0; ch < c; ch++) rowSum[ch] += f * x[p + ch];
                        }
                        float f = wy[iy];
                        for (int ch = 0; ch < c; ch++) acc[ch] += f * rowSum[ch];
                    }
                    int dst = yo + ((r * s + ph) * s + pw) * c;
                    for (int ch = 0; ch < c; ch++) y[dst + ch] = acc[ch] / count;
                }
            }
        });
    }

    /**
     * The weight of each pixel along one axis (rows or columns, {@code n} of them) in a bin starting at {@code start}
     * of {@code size} with {@code grid} samples: each sample's two linear-interpolation weights (torchvision's
     * clamping: a sample more than a pixel outside weighs nothing; one at or past the last pixel takes that pixel).
     * Zeroes the previous bin's weights; writes the range of pixels with weights into {@code span[at], span[at + 1]}.
     */
    private static void binWeights(float start, float size, int grid, int n, float[] weights, int[] span, int at) {
        if (span[at + 1] > span[at]) java.util.Arrays.fill(weights, span[at], span[at + 1], 0f);
        int lo = n;
        int hi = 0;
        for (int i = 0; i < grid; i++) {
            float v = start + (i + 0.5f) * size / grid;
            if (v < -1f || v > n) continue;
            if (v <= 0) v = 0;
            int low = (int) v;
            int high;
            if (low >= n - 1) {
                high = low = n - 1;
                v = low;
            } else {
                high = low + 1;
            }
            float l = v - low;
            weights[low] += 1f - l;
            weights[high] += l;
            lo = Math.min(lo, low);
            hi = Math.max(hi, high + 1);
        }
        span[at] = lo;
        span[at + 1] = Math.max(lo, hi);
    }

    /** {@code y[i, :] = table[idx[i], :]} for {@code n} indices of a {@code [v, d]} table. */
    /** {@link #gather(float[], int, int, int, float[], int, int, float[], int)} from a table held in a buffer. */
    static void gather(java.nio.FloatBuffer table, int v, int d, float[] idx, int io, int n, float[] y, int yo) {
        for (int i = 0; i < n; i++) {
            float f = idx[io + i];
            int r = (int) f;
            if (r != f || r < 0 || r >= v) {
                throw new IllegalArgumentException("gather: index " + f + " outside the table's " + v + " rows");
            }
            table.get(r * d, y, yo + i * d, d);
        }
    }

    static void gather(float[] table, int to, int v, int d, float[] idx, int io, int n, float[] y, int yo) {
        for (int i = 0; i < n; i++) {
            float f = idx[io + i];
            int r = (int) f;
            if (r != f || r < 0 || r >= v) {
                throw new IllegalArgumentException("gather: index " + f + " outside the table's " + v + " rows");
            }
            System.arraycopy(table, to + r * d, y, yo + i * d, d);
        }
    }
}
