/*
 * Sgemm.gemm of M=5184 by N x K with B packed once, alternately without an epilogue and with GELU as the epilogue
 * (CpuGelu.apply; with a fourth argument CpuGelu.applyLoops, the auto-vectorised loops), to time GELU inside the
 * product. Usage (classpath as GeluH.java, plus slf4j-api): ... org.sam3j.backend.cpu.GemmGelu THREADS N K [loops]
 */
package org.sam3j.backend.cpu;
public class GemmGelu {
    public static void main(String[] args) {
        int m = 5184, n = Integer.parseInt(args[1]), k = Integer.parseInt(args[2]);
        float[] a = new float[m * k], b = new float[n * k], c = new float[m * n];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
        GemmEngine.Epilogue gelu = args.length > 3 ? (cc, off, len) -> CpuGelu.applyLoops(cc, off, cc, off, 0, len) : (cc, off, len) -> CpuGelu.apply(cc, off, cc, off, 0, len);
        try (Parallel par = new Parallel(Integer.parseInt(args[0]))) {
            Sgemm.PackedMatrix pm = Sgemm.pack(par, b, 0, k, true, k, n);
            for (int rep = 0; rep < 12; rep++) {
                boolean g = rep % 2 == 1;
                long t = System.nanoTime();
                Sgemm.gemm(par, m, a, 0, k, pm, c, 0, n, null, false, g ? gelu : null);
                double s = (System.nanoTime() - t) / 1e9;
                System.out.printf("%s %.1f ms %.0f GFLOP/s%n", g ? "gelu" : "none", s * 1e3, 2.0 * m * n * k / s / 1e9);
            }
        }
    }
}
