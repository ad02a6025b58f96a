import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.bench.BenchSupport;

/**
 * Clicks on one image after another through the public API (synthetic weights): for each of three images, N clicks
 * near the centre (a few pixels apart), then the first click's time, the median and the minimum, and the medians of
 * the result's stages (mask decoder, post-processing). Usage: {@code Clicks tiny|full cpu|openblas N}.
 */
public class Clicks {
    public static void main(String[] a) throws Exception {
        try (Sam3Model model = Sam3Model.builder().syntheticWeights().config(BenchSupport.config(a[0]))
                .tokenizer(BenchSupport.tokenizer()).backend(a[1]).backendOptions(BenchSupport.options(0)).build();
             Sam3Predictor p = model.newPredictor()) {
            RgbImage img = BenchSupport.image();
            int n = Integer.parseInt(a[2]);
            for (int round = 0; round < 3; round++) {
                p.setImage(img);
                long[] tt = new long[n];
                Map<String, long[]> st = new TreeMap<>();
                for (int i = 0; i < n; i++) {
                    long t = System.nanoTime();
                    MaskResult r = p.predict(Prompt.point(500 + i % 7, 375));
                    tt[i] = System.nanoTime() - t;
                    int j = i;
                    r.timings().forEach((k, v) -> st.computeIfAbsent(k, x -> new long[n])[j] = v.toNanos());
                }
                System.out.printf("round %d first %.1f ms, median %.1f ms, min %.1f%n", round, tt[0] / 1e6,
                        median(tt) / 1e6, Arrays.stream(tt).min().getAsLong() / 1e6);
                st.forEach((k, v) -> System.out.printf("   %s first %.1f median %.1f%n", k, v[0] / 1e6, median(v) / 1e6));
            }
        }
    }

    static long median(long[] x) {
        long[] y = x.clone();
        Arrays.sort(y);
        return y[y.length / 2];
    }
}
