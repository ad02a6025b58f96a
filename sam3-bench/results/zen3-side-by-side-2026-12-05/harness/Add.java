public class Add {
    static void addOff(float[] a, int ao, float[] b, int bo, float[] y, int yo, int lo, int hi) {
        for (int i = lo; i < hi; i++) y[yo + i] = a[ao + i] + b[bo + i];
    }
    static void addZero(float[] a, float[] b, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = a[i] + b[i];
    }
    static void addSame(float[] x, int ao, int bo, int yo, int n) {
        for (int i = 0; i < n; i++) x[yo + i] = x[ao + i] + x[bo + i];
    }
    public static void main(String[] args) {
        int n = 4096, reps = 100000;
        float[] a = new float[n + 64], b = new float[n + 64], y = new float[n + 64], x = new float[4 * n];
        for (int t = 0; t < 8; t++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < reps; k++) addOff(a, 3, b, 7, y, 5, 0, n);
            long t1 = System.nanoTime();
            for (int k = 0; k < reps; k++) addZero(a, b, y, n);
            long t2 = System.nanoTime();
            for (int k = 0; k < reps; k++) addSame(x, 3, n + 7, 2 * n + 5, n);
            long t3 = System.nanoTime();
            if (t > 5) System.out.printf("ns/elem: offsets %.3f zero %.3f one-arena %.3f%n", (t1 - t0) / (double) reps / n, (t2 - t1) / (double) reps / n, (t3 - t2) / (double) reps / n);
        }
    }
}
