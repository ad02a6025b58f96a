package org.sam3j.backend.cpu;

import java.util.Arrays;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.sam3j.internal.Log;
import org.slf4j.Logger;

/**
 * Whether the Java kernels written in the JDK's Vector API ({@link VectorSgemm}, {@link VectorAttention},
 * {@link VectorGelu}) run in place of the auto-vectorised ones: when the JVM has the module
 * ({@code --add-modules jdk.incubator.vector}), its preferred vectors hold 16 floats (AVX-512), and the system
 * property {@value CpuBackend#VECTOR_PROPERTY} is not {@code false}. With 8-float vectors (AVX2) the matrix products
 * ({@link #PRODUCTS}) and attention with a short side ({@link #SHORT_ATTENTION}) run on the Vector API, the rest stays
 * auto-vectorised. Decided once per JVM; the results are the same bit
 * for bit either way. This class names no vector type, so that it loads without the module.
 *
 * <h2>Warm-up</h2>
 * Vector API code is fast only once C2 has compiled it with every vector operation intrinsified; interpreted or
 * compiled by C1 it allocates an object per operation. When C2 compiled the attention kernel in the middle of the
 * first image, from the profile gathered so far, the code it produced was measured to stay slow: a fresh process's
 * first full-size encode spent 6.8 s in attention against 4.3 s in the next one, and its first text prompt 1.8 s
 * against 1.4 s. {@link #warmUp(boolean)} therefore runs the kernels on small made-up problems with every kind of
 * tail and masking, once per JVM, when the first CPU backend is created (about 0.7 s on a 2-core AVX-512 machine; with
 * 256-bit vectors 1.1–1.3 s on a 2-core Zen 3, of which the products' kernels about 0.1 s; those only for the first
 * backend whose engine runs them). On the tiny model the
 * first image's attention then takes 0.6–0.8 s against 1.6–2.0 s without the warm-up (0.5–0.6 s steady); on the
 * Zen 3 the first text prompt took 3.5–3.6 s against 5.0 s without it. Its heads of 16 are the interactive
 * decoder's: on AVX2 the prompt decoders' other attention runs on the OpenBLAS backend's native kernel, so a click
 * was the first to run these, and the first click of a full-size process took 0.77–0.85 s against 0.39–0.42 s with them warmed up
 * ({@code sam3-bench/results/zen3-attention-winograd-2026-12-06}).
 */
final class VectorKernels {
    private static final Logger LOG = Log.get(VectorKernels.class);
    /** Whether the Vector API kernels run. */
    static final boolean ENABLED = detect(() -> VectorAttention.usable() && VectorSgemm.usable());
    /**
     * Whether {@link VectorAttention} runs attention with at most {@link CpuAttention#SHORT_SIDE} queries or keys:
     * wherever the kernels are {@link #ENABLED}, and also with 8-float vectors (AVX2). There long attention stays
     * auto-vectorised (the Vector API kernel, which needs 32 registers, was measured level or slower on JDK 17:
     * {@code sam3-bench/results/avx2-click-2026-12-03}), but with a short side the auto-vectorised kernel runs rows
     * of a few dozen queries mostly scalar, and the Vector API one took 22–62 % of its time on SAM 3's shapes
     * ({@code sam3-bench/results/avx2-short-attention-2026-12-03}).
     */
    static final boolean SHORT_ATTENTION = detect(() -> VectorAttention.usableOnShortSides());
    /**
     * Whether the matrix products run on {@link VectorSgemm}: wherever {@link #ENABLED}, and with 8-float vectors
     * (AVX2), where its 5-row kernel ran SGEMM at 1.5–1.8 × the auto-vectorised kernels' rate on a Zen 3
     * ({@code sam3-bench/results/zen3-java-sgemm-2026-12-06}).
     */
    static final boolean PRODUCTS = detect(() -> VectorSgemm.usable() || VectorSgemm.usableNarrow());
    /**
     * Attention blocks the warm-up runs. Measured on the tiny model (2 cores, five fresh processes each, alternated):
     * 300 and 1000 gave the same first-image attention time, and 300 reached the first mask 0.5 s sooner (0.65 s of
     * warm-up against 0.92). Before the softmax became one method, 300 had left the kernel slow.
     */
    static final int WARM_UP_BLOCKS = 300;
    /** Micro-kernel calls of the matrix-product warm-up. */
    static final int WARM_UP_PRODUCTS = 1000;
    /** GELU calls of the warm-up, {@link CpuGelu#CHUNK} values each. */
    static final int WARM_UP_GELU = 200;

    private static final Object LOCK = new Object();
    /** Whether this JVM's warm-up of the attention (and GELU) kernels has started (it runs once). */
    private static boolean warmed;
    /** Whether this JVM's warm-up of the matrix products' kernels has started (once, where an engine runs them). */
    private static boolean productsWarmed;

    private VectorKernels() {}

    /** Whether this JVM's warm-up has started. */
    static boolean warmedUp() {
        synchronized (LOCK) {
            return warmed;
        }
    }

    /** Whether this JVM's warm-up of the matrix products' kernels has started. */
    static boolean productsWarmedUp() {
        synchronized (LOCK) {
            return productsWarmed;
        }
    }

    /**
     * Whether the property allows the Vector API kernels, the module is there and {@code vectors} (which names the
     * kernel classes, so it runs only once the module is known to be there) says the preferred vectors suit them.
     * Callers pass a lambda, not a method reference: linking a reference loads its class, which without the module
     * fails.
     */
    private static boolean detect(BooleanSupplier vectors) {
        if (!Boolean.parseBoolean(System.getProperty(CpuBackend.VECTOR_PROPERTY, "true").trim())) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            return vectors.getAsBoolean();
        } catch (LinkageError e) {
            return false; // present in the boot layer but not readable from here
        }
    }

    /**
     * Runs the kernels until HotSpot has compiled them (see the class comment), on the calling thread: the attention
     * and GELU kernels on the first call in a JVM where they are used, the matrix products' kernels on the first call
     * with {@code products} (a backend whose engine computes its products on them: the pure-Java one, not OpenBLAS,
     * whose backend spent 60–140 ms and a few hundred MB of short-lived vectors of its build on kernels it never ran).
     * Every other call returns at once.
     *
     * @param products whether the caller's matrix products run on {@link VectorSgemm}
     * @return whether this call did any work
     */
    static boolean warmUp(boolean products) {
        if (!SHORT_ATTENTION) return false;
        final boolean kernels, gemm;
        synchronized (LOCK) {
            kernels = !warmed;
            gemm = products && PRODUCTS && !productsWarmed;
            warmed = true;
            productsWarmed |= gemm;
        }
        if (!kernels && !gemm) return false;
        long t0 = System.nanoTime();
        Random rnd = new Random(1);
        if (kernels) {
            // attention: three head sizes (the encoder's 64, the detector's 32, the interactive decoder's 16), strips
            // and chunks with tails, every other block with a bias that masks keys (the clamped exponential), and a
            // window of a token grid read in place (the image encoder's windowed layers: the first of them took
            // 73–279 ms of a fresh full-size process without it, 103–157 with it, against 35–40 later)
            AttentionBlock[] blocks = {AttentionBlock.of(rnd, 64, 100, 64, false),
                    AttentionBlock.of(rnd, 40, 60, 32, false), AttentionBlock.of(rnd, 25, 100, 16, false),
                    AttentionBlock.of(rnd, 64, 100, 64, true), AttentionBlock.of(rnd, 40, 60, 32, true),
                    AttentionBlock.of(rnd, 100, 25, 16, true), AttentionBlock.window(rnd, 8, 16, 64)};
            for (int i = 0; i < WARM_UP_BLOCKS; i++) {
                AttentionBlock x = blocks[i % blocks.length];
                VectorAttention.block(x.scratch, x.q, 0, x.d, x.k, 0, x.d, x.v, 0, x.d, x.bias, 0, x.tk, x.y, 0, x.d,
                        x.rows, x.tk, x.d, x.d, 0.125f, x.run, x.gridW);
            }
            if (ENABLED) {
                // GELU (the fc1 epilogue, whichever engine multiplies): whole vectors and a tail
                float[] g = new float[CpuGelu.CHUNK];
                fill(rnd, g);
                for (int c = 0; c < WARM_UP_GELU; c++) VectorGelu.apply(g, 0, g, 0, 0, g.length - 5);
            }
        }
        long t1 = System.nanoTime();
        if (gemm) {
            // matrix products: a K block of 32 rows of a panel of 48 columns, one full strip and a last strip of 16
            int kc = 32, w = 48;
            float[] acc = new float[VectorSgemm.ROWS * Sgemm.NC];
            float[] panel = new float[kc * w];
            float[] a = new float[VectorSgemm.ROWS * Sgemm.KC];
            fill(rnd, panel);
            fill(rnd, a);
            for (int c = 0; c < WARM_UP_PRODUCTS; c++) {
                Arrays.fill(acc, 0f);
                VectorSgemm.strip(a, panel, 0, kc, acc, 0);
                VectorSgemm.narrowStrip(a, panel, Sgemm.STRIP * kc, kc, acc, Sgemm.STRIP);
                VectorSgemm.oneRow(a, 0, 1, panel, 0, kc, acc, 0, w); // the rows of a block that do not fill the kernel
            }
        }
        LOG.debug("Vector API kernels compiled: attention{} {} ms, matrix products {} ms", ENABLED ? " and GELU" : "",
                (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        return true;
    }

    private static void fill(Random rnd, float[] x) {
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    }

    /**
     * One made-up attention problem of {@code rows} queries, {@code tk} keys and heads of {@code d}, its rows in runs
     * of {@code run}, {@code gridW} apart (see {@link VectorAttention#block}; {@code run = gridW}: consecutive rows).
     */
    private record AttentionBlock(int rows, int tk, int d, int run, int gridW, VectorAttention.Scratch scratch,
                                  float[] q, float[] k, float[] v, float[] bias, float[] y) {
        static AttentionBlock of(Random rnd, int rows, int tk, int d, boolean masked) {
            float[] bias = null;
            if (masked) {
                bias = new float[rows * tk];
                for (int i = 0; i < bias.length; i += 7) bias[i] = Float.NEGATIVE_INFINITY;
            }
            return of(rnd, rows, tk, d, 1, 1, rows, tk, bias);
        }

        /** The top-left window of {@code run × run} tokens of a grid {@code gridW} tokens wide, its keys its own. */
        static AttentionBlock window(Random rnd, int run, int gridW, int d) {
            int tokens = run * run, gridRows = run * gridW;
            return of(rnd, tokens, tokens, d, run, gridW, gridRows, gridRows, null);
        }

        private static AttentionBlock of(Random rnd, int rows, int tk, int d, int run, int gridW, int qRows,
                                         int kRows, float[] bias) {
            float[] q = new float[qRows * d], k = new float[kRows * d], v = new float[kRows * d];
            fill(rnd, q);
            fill(rnd, k);
            fill(rnd, v);
            return new AttentionBlock(rows, tk, d, run, gridW, new VectorAttention.Scratch(), q, k, v, bias,
                    new float[qRows * d]);
        }
    }
}
