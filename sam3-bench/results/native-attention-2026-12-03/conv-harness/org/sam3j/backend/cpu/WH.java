package org.sam3j.backend.cpu;
import org.sam3j.backend.openblas.OpenBlasGemm;
/**
 * The harness behind the README's "convolution alone" figures: the pixel decoder's 288² × 256 → 256 convolution
 * by WinogradConv and by the engine's per-tap products, four calls each, on OpenBLAS and the Java engine. Build and run:
 * javac -cp sam3-bench.jar org/sam3j/backend/cpu/WH.java && java --add-modules jdk.incubator.vector -cp sam3-bench.jar:. org.sam3j.backend.cpu.WH
 * (the stage times in out/conv-harness.txt came from a temporary timer inside WinogradConv, not committed).
 */
public class WH {
    public static void main(String[] a) {
        int h = 288, w = 288, cin = 256, cout = 256;
        java.util.Random r = new java.util.Random(1);
        float[] x = new float[h * w * cin], wt = new float[cout * cin * 9], y = new float[h * w * cout], b = new float[cout];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < wt.length; i++) wt[i] = (float) r.nextGaussian();
        try (Parallel par = new Parallel(2)) {
            GemmEngine[] engines = {new OpenBlasGemm(2, OpenBlasGemm.Threading.WORKERS), JavaGemm.INSTANCE};
            for (GemmEngine g : engines) {
                GemmEngine.Prepared[] u = WinogradConv.prepareWeights(g, par, wt, cout, cin);
                WinogradConv wc = new WinogradConv(par);
                float[] p = Attrs(wt, cout, cin);
                GemmEngine.Prepared[] taps = new GemmEngine.Prepared[9];
                for (int i = 0; i < 9; i++) taps[i] = g.prepare(par, p, i * cin, 9 * cin, true, cin, cout);
                for (int rep = 0; rep < 4; rep++) {
                    long t0 = System.nanoTime();
                    wc.conv(g, x, 0, 1, h, w, cin, u, y, 0, cout, b);
                    long t1 = System.nanoTime();
                    g.conv2d(par, new ConvProblem(x, 0, 1, h, w, cin, taps, 3, 3, 1, 1, y, 0, h, w, cout, b));
                    long t2 = System.nanoTime();
                    System.out.printf("%s winograd %.0f ms  per-tap %.0f ms%n", g.name(), (t1 - t0) / 1e6, (t2 - t1) / 1e6);
                }
            }
        }
    }
    static float[] Attrs(float[] w, int cout, int cin) { return org.sam3j.graph.Attrs.Conv.channelsLastWeight(w, cout, cin, 3, 3); }
}
