package org.sam3j.backend.cpu;

/**
 * Run in a fresh JVM by {@link VectorKernelsWarmUpTest}: creates a backend whose engine is not the pure-Java one, then
 * a pure-Java backend, and prints after each which of the Vector API kernels this JVM has warmed up.
 */
public final class WarmUpMain {
    private WarmUpMain() {}

    /** Prints {@code kernels=B products=B} after each backend. */
    public static void main(String[] args) {
        GemmEngine other = new ProductsOnlyEngine("other"); // not JavaGemm: standing in for OpenBLAS's engine
        try (CpuBackend first = new CpuBackend("other", 1, other)) {
            System.out.println("kernels=" + VectorKernels.warmedUp() + " products=" + VectorKernels.productsWarmedUp());
        }
        try (CpuBackend java = new CpuBackend("cpu", 1, JavaGemm.INSTANCE)) {
            System.out.println("kernels=" + VectorKernels.warmedUp() + " products=" + VectorKernels.productsWarmedUp());
        }
    }
}
