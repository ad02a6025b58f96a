package org.sam3j.backend.cpu;
public class LnHarness {
    public static void main(String[] a) {
        int c = Integer.parseInt(a[0]), rows = Integer.parseInt(a[1]);
        Parallel par = new Parallel(Integer.parseInt(a[2]));
        java.util.Random r = new java.util.Random(1);
        int off = 1000;
        float[] arena = new float[off * 7 + 4 * rows * c];
        for (int i = 0; i < arena.length; i++) arena[i] = (float) (r.nextGaussian() * 2 + 0.3);
        float[] w = new float[3 * c + 17];
        for (int i = 0; i < w.length; i++) w[i] = 1 + 0.1f * (float) r.nextGaussian();
        int xo = off + 3, bo = xo + rows * c + off, so = bo + rows * c + 5, yo = so + rows * c + 9;
        for (int t = 0; t < 12; t++) {
            long t0 = System.nanoTime();
            CpuKernels.layerNorm(par, arena, xo, w, 5, w, 5 + c, arena, yo, rows, c, 1e-6f);
            long t1 = System.nanoTime();
            CpuKernels.addLayerNorm(par, arena, xo, arena, bo, arena, so, w, 5, w, 5 + c, arena, yo, rows, c, 1e-6f);
            long t2 = System.nanoTime();
            if (t > 8) System.out.printf("c=%d rows=%d threads=%s: layerNorm %.2f ms, addLayerNorm %.2f ms, y[7]=%s%n", c, rows, a[2], (t1 - t0) / 1e6, (t2 - t1) / 1e6, arena[yo + 7]);
        }
        par.close();
    }
}
