public class Norm3 {
    static void normOff(float[] x, int xb, float[] g, float[] b, float[] y, int yb, int c, float m, float rstd) {
        for (int j = 0; j < c; j++) y[yb + j] = (x[xb + j] - m) * rstd * g[j] + b[j];
    }
    // one invariant shared by every reference
    static void normOneInv(float[] x, float[] g, float[] b, float[] y, int off, int c, float m, float rstd) {
        for (int j = off; j < off + c; j++) y[j] = (x[j] - m) * rstd * g[j - off] + b[j - off];
    }
    // loop index runs over y's positions; x at a shifted index
    static void normShift(float[] x, int xb, float[] g, float[] b, float[] y, int yb, int c, float m, float rstd) {
        int d = xb - yb;
        for (int j = yb; j < yb + c; j++) y[j] = (x[j + d] - m) * rstd * g[j - yb] + b[j - yb];
    }
    // staged through zero-offset scratch
    static void normScratch(float[] x, int xb, float[] g, float[] b, float[] y, int yb, int c, float m, float rstd, float[] s) {
        System.arraycopy(x, xb, s, 0, c);
        for (int j = 0; j < c; j++) s[j] = (s[j] - m) * rstd * g[j] + b[j];
        System.arraycopy(s, 0, y, yb, c);
    }
    public static void main(String[] a) {
        int c = 256, reps = 400000;
        float[] x = new float[c * 2], y = new float[c * 2], g = new float[c], b = new float[c], s = new float[c];
        for (int t = 0; t < 8; t++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < reps; k++) normOff(x, 3, g, b, y, 5, c, 0.5f, 0.3f);
            long t1 = System.nanoTime();
            for (int k = 0; k < reps; k++) normOneInv(x, g, b, y, 5, c, 0.5f, 0.3f);
            long t2 = System.nanoTime();
            for (int k = 0; k < reps; k++) normShift(x, 3, g, b, y, 5, c, 0.5f, 0.3f);
            long t3 = System.nanoTime();
            for (int k = 0; k < reps; k++) normScratch(x, 3, g, b, y, 5, c, 0.5f, 0.3f, s);
            long t4 = System.nanoTime();
            if (t > 4) System.out.printf("ns/elem: offsets %.3f one-invariant %.3f shift %.3f scratch %.3f%n", (t1 - t0) / (double) reps / c, (t2 - t1) / (double) reps / c, (t3 - t2) / (double) reps / c, (t4 - t3) / (double) reps / c);
        }
    }
}
