package org.sam3j.runner;
import org.sam3j.backend.HostTensor;
import java.util.Map;
public class PostTime {
    public static void main(String[] x) {
        java.util.Random r = new java.util.Random(1);
        float[] low = new float[4 * 288 * 288];
        // smooth blob logits
        for (int t = 0; t < 4; t++) for (int i = 0; i < 288; i++) for (int j = 0; j < 288; j++)
            low[t * 288 * 288 + i * 288 + j] = (float) (10 - Math.hypot(i - 144, j - 100 - 20 * t) / 5 + r.nextGaussian());
        MaskDecoding d = new MaskDecoding(1800, 1200, new int[] {1, 2, 3}, new HostTensor(new int[] {1, 4, 288, 288}, low),
                new HostTensor(new int[] {1, 4}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}), 0f, null, null, null, null, null, Map.of());
        for (int rep = 0; rep < 40; rep++) {
            long t0 = System.nanoTime();
            var res = d.toResult(false).build();
            long t1 = System.nanoTime();
            if (rep % 5 == 4) System.out.printf("toResult %.2f ms (area %d)%n", (t1 - t0) / 1e6, res.instances().get(0).mask().area());
        }
    }
}
