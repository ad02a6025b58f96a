package org.sam3j.backend.cpu;

/** The pure-Java {@link GemmEngine}: {@link Sgemm}'s blocked, multithreaded, auto-vectorised kernels. */
public final class JavaGemm implements GemmEngine {
    /** The shared instance (stateless: scratch is per thread inside {@link Sgemm}). */
    public static final JavaGemm INSTANCE = new JavaGemm();

    private JavaGemm() {}

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
}
