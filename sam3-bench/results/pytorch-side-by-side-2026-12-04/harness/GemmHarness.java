/*
 * The project's Sgemm (a Linear-shaped product, B packed once) timed in a plain loop, with an optional warm-up by
 * VectorKernels.warmUp first (any third argument), to see what the backend's warm-up does to the compiled kernel.
 * Usage: javac --add-modules jdk.incubator.vector -cp sam3-bench.jar -d out GemmHarness.java;
 *        java --add-modules jdk.incubator.vector -cp sam3-bench.jar:out org.sam3j.backend.cpu.GemmHarness THREADS N [w]
 */
package org.sam3j.backend.cpu;

public class GemmHarness {
    public static void main(String[] args) {
        int m = 5184, n = Integer.parseInt(args[1]), k = 1024;
        float[] a = new float[m * k], b = new float[n * k], c = new float[m * n];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
        if (args.length > 2) System.out.println("warm-up " + VectorKernels.warmUp());
        try (Parallel par = new Parallel(Integer.parseInt(args[0]))) {
            Sgemm.PackedMatrix pm = Sgemm.pack(par, b, 0, k, true, k, n);
            for (int rep = 0; rep < 8; rep++) {
                long t = System.nanoTime();
                Sgemm.gemm(par, m, a, 0, k, pm, c, 0, n, null, false);
                double s = (System.nanoTime() - t) / 1e9;
                System.out.printf("%.1f ms %.0f GFLOP/s%n", s * 1e3, 2.0 * m * n * k / s / 1e9);
            }
        }
    }
}
