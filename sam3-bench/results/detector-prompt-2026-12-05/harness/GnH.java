/*
 * GROUP_NORM+RELU (CpuKernels.groupNorm with the ReLU) against a plain RELU pass over the pixel decoder's 288² × 256
 * map, 2 threads: java --add-modules jdk.incubator.vector -cp sam3-bench.jar:out org.sam3j.backend.cpu.GnH 82944
 */
package org.sam3j.backend.cpu;
public class GnH {
    public static void main(String[] a) {
        int hw = Integer.parseInt(a[0]), c = 256;
        float[] x = new float[hw * c], y = new float[hw * c], g = new float[c], b = new float[c];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < c; i++) { g[i] = 1f; b[i] = 0.1f; }
        try (Parallel par = new Parallel(2)) {
            for (int rep = 0; rep < 12; rep++) {
                long t = System.nanoTime();
                CpuKernels.groupNorm(par, x, 0, g, 0, b, 0, y, 0, 1, hw, c, 8, 1e-5f, true);
                long t1 = System.nanoTime();
                CpuKernels.relu(par, x, 0, y, 0, x.length);
                long t2 = System.nanoTime();
                System.out.printf("gn+relu %.1f ms  relu %.1f ms%n", (t1 - t) / 1e6, (t2 - t1) / 1e6);
            }
        }
    }
}
