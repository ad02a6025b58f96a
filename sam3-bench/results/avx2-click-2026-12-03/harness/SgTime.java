import org.sam3j.backend.cpu.*;
import org.sam3j.backend.*;
public class SgTime {
    public static void main(String[] x) throws Exception {
        int m = 5184, n = 4736, k = 1024, threads = Integer.parseInt(x[0]);
        CpuBackend be = (CpuBackend) org.sam3j.bench.BenchSupport.backend("cpu", threads, "workers");
        GemmEngine gemm = be.gemm();
        Parallel par = new Parallel(be.threads());
        java.util.Random r = new java.util.Random(1);
        float[] a = new float[m * k]; for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        float[] w = new float[n * k]; for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        GemmEngine.Prepared b = gemm.prepare(par, w, 0, k, true, k, n);
        float[] c = new float[m * n];
        for (int it = 0; it < Integer.parseInt(x[1]); it++) {
            long t0 = System.nanoTime();
            gemm.gemm(par, m, a, 0, k, b, c, 0, b.n(), null);
            long t = System.nanoTime() - t0;
            System.out.printf("%d ms %.1f GFLOP/s%n", t / 1000000, 2.0 * m * n * k / t);
        }
        System.exit(0);
    }
}
