import java.util.Arrays;
import java.util.Map;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.bench.BenchSupport;
import org.sam3j.graph.Graph;
import org.sam3j.model.Sam3Tree;
import org.sam3j.weights.SyntheticWeights;

/**
 * The released model's text encoder (24 blocks of 1024 channels, synthetic weights) as one graph on a CPU backend, on
 * TOKENS positions of the context (8: a phrase of up to 6 words as the prompts now encode it; 32: the whole context as
 * before), timed over repeated runs. Prints the median and the fastest run and the first features.
 * Usage: java --add-modules jdk.incubator.vector -cp sam3-bench.jar TextProbe.java TOKENS RUNS [BACKEND]
 */
public class TextProbe {
    public static void main(String[] args) throws Exception {
        int tokens = Integer.parseInt(args[0]);
        int runs = Integer.parseInt(args[1]);
        Sam3Config config = Sam3Config.released();
        Graph g = new Graph();
        g.output("y", Sam3Tree.of(g, config).textEncoder().forward(g.input("ids", tokens)).languageFeatures());
        float[] ids = new float[tokens];
        ids[0] = 49406;   // start, "truck" (5 tokens of the vocabulary's ids), end, padding
        for (int i = 1; i <= 5 && i < tokens; i++) ids[i] = 320 + 1000 * i;
        ids[Math.min(6, tokens - 1)] = 49407;
        try (Backend be = BenchSupport.backend(args.length > 2 ? args[2] : "openblas", 0);
             CompiledGraph cg = be.compile(g, SyntheticWeights.forGraph(g))) {
            float[] first = null;
            long[] t = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                float[] y = cg.run(Map.of("ids", ids)).get("y").data();
                t[i] = System.nanoTime() - t0;
                if (first == null) first = y;
            }
            long[] s = t.clone();
            Arrays.sort(s);
            System.out.printf("text encoder, %d tokens: median %.1f ms min %.1f ms (y[0..2] %s)%n", tokens,
                    s[runs / 2] / 1e6, s[0] / 1e6, Arrays.toString(Arrays.copyOf(first, 3)));
        }
    }
}
