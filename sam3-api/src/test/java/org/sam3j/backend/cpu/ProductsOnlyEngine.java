package org.sam3j.backend.cpu;

/**
 * The pure-Java engine's matrix products under another name, and nothing else of it (no convolutions, no attention):
 * for tests of what a backend does with an engine that is not {@link JavaGemm}.
 */
final class ProductsOnlyEngine implements GemmEngine {
    private final String name;

    ProductsOnlyEngine(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n) {
        return JavaGemm.INSTANCE.prepare(par, b, bOff, ldb, transB, k, n);
    }

    @Override
    public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared b, float[] c, int cOff, int ldc,
                     float[] bias) {
        JavaGemm.INSTANCE.gemm(par, m, a, aOff, lda, b, c, cOff, ldc, bias);
    }

    @Override
    public void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     boolean transB, float[] c, int cOff, int ldc, float[] bias) {
        JavaGemm.INSTANCE.gemm(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias);
    }
}
