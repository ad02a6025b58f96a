/*
 * CpuGelu.apply on rows of N values (128 rows, in L1/L2), as the GEMM epilogue calls it, timed per value. With
 * --add-modules jdk.incubator.vector it runs VectorGelu (from 4765ded), without it the auto-vectorised loops.
 * Usage: javac --add-modules jdk.incubator.vector -cp sam3-api/target/classes -d out GeluH.java;
 *        java [--add-modules jdk.incubator.vector] -cp sam3-api/target/classes:out org.sam3j.backend.cpu.GeluH 512
 */
package org.sam3j.backend.cpu;
public class GeluH {
    public static void main(String[] a) {
        int rows = 128, nc = Integer.parseInt(a[0]);
        float[] c = new float[rows * nc];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < c.length; i++) c[i] = (float) r.nextGaussian();
        float[] src = c.clone();
        for (int rep = 0; rep < 10; rep++) {
            long t = System.nanoTime();
            int calls = 0;
            for (int it = 0; it < 200; it++) {
                System.arraycopy(src, 0, c, 0, c.length);
                for (int i = 0; i < rows; i++) { CpuGelu.apply(c, i * nc, c, i * nc, 0, nc); calls++; }
            }
            long dt = System.nanoTime() - t;
            System.out.printf("%.2f ns per element%n", dt / (double) calls / nc);
        }
    }
}
