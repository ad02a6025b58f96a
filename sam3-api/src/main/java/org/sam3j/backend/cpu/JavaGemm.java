package org.sam3j.backend.cpu;

import java.util.Arrays;

/** The pure-Java {@link GemmEngine}: {@link Sgemm}'s blocked, multithreaded, auto-vectorised kernels. */
public final class JavaGemm implements GemmEngine {
    /** The shared instance (stateless: scratch is per thread inside {@link Sgemm}). */
    public static final JavaGemm INSTANCE = new JavaGemm();

    private JavaGemm() {}

    /** Attention is always the backend's Java kernel's: this engine computes none. */
    @Override
    public boolean leavesAttention(AttentionProblem p) {
        return true;
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n) {
        return Sgemm.pack(par, b, bOff, ldb, transB, k, n);
    }

    /** Packs straight from the buffer (the mapped checkpoint), without a full-size intermediate array. */
    @Override
    public Prepared prepare(Parallel par, java.nio.FloatBuffer b, boolean transB, int k, int n) {
        return Sgemm.pack(par, b, transB, k, n);
    }

    /** Packed panels on the heap: {@link Sgemm#packedFloats}. */
    @Override
    public long heapFloats(int k, int n) {
        return Sgemm.packedFloats(k, n);
    }

    @Override
    public Prepared prepare(Parallel par, java.nio.FloatBuffer b, boolean transB, int k, int n, float[] room, int at) {
        return Sgemm.pack(par, b, transB, k, n, room, at);
    }

    /** Packed panels read from the buffer a K block at a time ({@link Sgemm#view}). */
    @Override
    public Prepared view(java.nio.FloatBuffer from, int at, int k, int n) {
        return Sgemm.view(from, at, k, n);
    }

    /** Packs piece by piece as read, without a full-size intermediate array. */
    @Override
    public Prepared prepare(Parallel par, org.sam3j.weights.FloatReader b, boolean transB, int k, int n,
                            float[] room, int at) {
        return Sgemm.pack(par, b, transB, k, n, room, at);
    }

    @Override
    public Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n,
                            float[] room, int at) {
        return Sgemm.pack(par, b, bOff, ldb, transB, k, n, room, at);
    }

    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared b, float[] c, int cOff, int ldc,
                     float[] bias) {
        Sgemm.gemm(par, m, a, aOff, lda, (Sgemm.PackedMatrix) b, c, cOff, ldc, bias, false);
    }

    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared b, float[] c, int cOff, int ldc,
                     float[] bias, Epilogue epilogue) {
        Sgemm.gemm(par, m, a, aOff, lda, (Sgemm.PackedMatrix) b, c, cOff, ldc, bias, false, epilogue);
    }

    @Override
    public void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     boolean transB, float[] c, int cOff, int ldc, float[] bias) {
        Sgemm.gemm(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias, false);
    }

    /** Every stride: each tap's rows of the input are rows of a product, {@code stride · cin} floats apart. */
    @Override
    public boolean convolves(int stride) {
        return true;
    }

    /**
     * One task per output row (taken in turn, so a busy core takes fewer): the row is set to the bias, then each
     * tap adds its product over the output columns whose input is inside the image, in tap order. With
     * {@code cin} a multiple of {@link Sgemm#KC} that is the order of the im2col product's K blocks, and the sums
     * are the same to the bit.
     */
    @Override
    public void conv2d(Parallel par, ConvProblem p) {
        Parallel.forTasks(par, Integer.MAX_VALUE, p.batch() * p.ho(), (w, rows) -> {
            for (int r = rows.next(); r >= 0; r = rows.next()) outputRow(p, r);
        });
    }

    private static void outputRow(ConvProblem p, int r) {
        final int b = r / p.ho(), oy = r % p.ho();
        final int wo = p.wo(), cout = p.cout(), cin = p.cin(), s = p.stride();
        final float[] y = p.y();
        final int row = p.yOff() + r * wo * cout;
        for (int ox = 0; ox < wo; ox++) {
            if (p.bias() != null) {
                System.arraycopy(p.bias(), 0, y, row + ox * cout, cout);
            } else {
                Arrays.fill(y, row + ox * cout, row + (ox + 1) * cout, 0f);
            }
        }
        for (int i = 0; i < p.kh(); i++) {
            final int iy = oy * s - p.pad() + i;
            if (iy < 0 || iy >= p.h()) continue;
            for (int j = 0; j < p.kw(); j++) {
                final int ox0 = p.firstColumn(j), ox1 = p.endColumn(j);
                if (ox1 <= ox0) continue;
                final int ix = ox0 * s - p.pad() + j;
                Sgemm.gemm(null, ox1 - ox0, p.x(), p.xOff() + ((b * p.h() + iy) * p.w() + ix) * cin, s * cin,
                        (Sgemm.PackedMatrix) p.taps()[i * p.kw() + j], y, row + ox0 * cout, cout, null, true);
            }
        }
    }
}
