package org.sam3j.backend.cpu;
public class KTime {
    public static void main(String[] x) {
        int w = Integer.parseInt(x[0]), kc = Integer.parseInt(x[1]);
        int rows = VectorSgemm.ROWS;
        float[][] acc = new float[rows][w];
        float[] panel = new float[kc * w];
        float[] a = new float[rows * kc];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < panel.length; i++) panel[i] = r.nextFloat();
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        for (int rep = 0; rep < 10; rep++) {
            long t0 = System.nanoTime();
            int calls = 2000;
            for (int c = 0; c < calls; c++) VectorSgemm.kernel(a, 0, kc, 1, panel, 0, 0, kc, acc, w);
            long t = System.nanoTime() - t0;
            System.out.printf("rows %d w %d kc %d: %.1f GFLOP/s%n", rows, w, kc, 2.0 * rows * w * kc * calls / t);
        }
    }
}
