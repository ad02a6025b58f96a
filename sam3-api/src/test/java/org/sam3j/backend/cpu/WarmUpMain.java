package org.sam3j.backend.cpu;

/**
 * Run in a fresh JVM by {@link VectorKernelsWarmUpTest}: creates a backend whose engine is not the pure-Java one, then
 * a pure-Java backend, and prints after each which of the Vector API kernels this JVM has warmed up.
 */
public final class WarmUpMain {
    private WarmUpMain() {}

    /** Prints {@code kernels=B products=B} after each backend. */
    public static void main(String[] args) {
        GemmEngine other = new GemmEngine() { // not JavaGemm (its products, though): standing in for OpenBLAS's engine
            @Override
            public String name() {
                return "other";
            }

            @Override
            public Prepared prepare(Parallel par, float[] b, int bOff, int ldb, boolean transB, int k, int n) {
                return JavaGemm.INSTANCE.prepare(par, b, bOff, ldb, transB, k, n);
            }

            @Override
            public void gemm(Parallel par, int m, float[] a, int aOff, int lda, Prepared b, float[] c, int cOff,
                             int ldc, float[] bias) {
                JavaGemm.INSTANCE.gemm(par, m, a, aOff, lda, b, c, cOff, ldc, bias);
            }

            @Override
            public void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                             int ldb, boolean transB, float[] c, int cOff, int ldc, float[] bias) {
                JavaGemm.INSTANCE.gemm(par, m, n, k, a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, bias);
            }
        };
        try (CpuBackend first = new CpuBackend("other", 1, other)) {
            System.out.println("kernels=" + VectorKernels.warmedUp() + " products=" + VectorKernels.productsWarmedUp());
        }
        try (CpuBackend java = new CpuBackend("cpu", 1, JavaGemm.INSTANCE)) {
            System.out.println("kernels=" + VectorKernels.warmedUp() + " products=" + VectorKernels.productsWarmedUp());
        }
    }
}
