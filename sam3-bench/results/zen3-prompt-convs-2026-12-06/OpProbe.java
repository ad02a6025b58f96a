import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.HostTensor;
import org.sam3j.bench.BenchSupport;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * One operation of a text prompt's detector graphs as a one-node graph on a CPU backend, timed over repeated runs
 * (its input copied in and its output out each run, as a graph does): the convolutions, the per-query mask product,
 * ROI align and the box bias's outer sum at full size. Prints the median and the fastest run, and the output's root
 * mean square and first values (equal before and after where the change keeps the values).
 * Usage: java --add-modules jdk.incubator.vector -cp sam3-bench.jar OpProbe.java SHAPE RUNS [BACKEND]
 */
public class OpProbe {
    public static void main(String[] args) throws Exception {
        String shape = args[0];
        int runs = Integer.parseInt(args[1]);
        Graph g = new Graph();
        InMemoryWeights w = new InMemoryWeights();
        Random r = new Random(1);
        Map<String, float[]> in = new HashMap<>();
        Tensor y = switch (shape) {
            // the detector's image-side 3 × 3 convolutions (and the necks')
            case "c288", "c144" -> {
                int s = Integer.parseInt(shape.substring(1));
                in.put("x", random(r, s * s * 256));
                w.put("w", random(r, 256 * 256 * 9), 256, 256, 3, 3).put("b", random(r, 256), 256);
                yield g.conv2d(g.input("x", 1, s, s, 256), g.weight("w", 256, 256, 3, 3), g.weight("b", 256), 1, 1);
            }
            // the pixel decoder's per-prompt convolutions of an upsampled map
            case "u288", "u144" -> {
                int s = Integer.parseInt(shape.substring(1)) / 2;
                in.put("x", random(r, s * s * 256));
                w.put("w", random(r, 256 * 256 * 9), 256, 256, 3, 3).put("b", random(r, 256), 256);
                yield g.conv2d(g.upsampleNearest(g.input("x", 1, s, s, 256), 2), g.weight("w", 256, 256, 3, 3),
                        g.weight("b", 256), 1, 1);
            }
            // the geometry encoder's 16 pooled boxes, 7 × 7 each, to one vector each
            case "c7" -> {
                in.put("x", random(r, 16 * 49 * 256));
                w.put("w", random(r, 256 * 256 * 49), 256, 256, 7, 7).put("b", random(r, 256), 256);
                yield g.conv2d(g.input("x", 16, 7, 7, 256), g.weight("w", 256, 256, 7, 7), g.weight("b", 256), 1, 0);
            }
            // ROI align of 16 box slots (15 unused ones holding the whole image) on the 72² features
            case "roi" -> {
                in.put("x", random(r, 72 * 72 * 256));
                float[] boxes = new float[64];
                for (int i = 0; i < 16; i++) {
                    boxes[4 * i + 2] = 72;
                    boxes[4 * i + 3] = 72;
                }
                boxes[0] = 10.3f;
                boxes[1] = 5.7f;
                boxes[2] = 40.1f;
                boxes[3] = 33.9f;
                in.put("b", boxes);
                yield g.roiAlign(g.input("x", 1, 72, 72, 256), g.input("b", 16, 4), 7, 1f, -1);
            }
            // the per-query masks: 200 queries against the 288² pixel embeddings
            case "mm" -> {
                in.put("q", random(r, 200 * 256));
                in.put("p", random(r, 82944 * 256));
                yield g.matmul(g.input("q", 200, 256), g.input("p", 82944, 256), true);
            }
            // the detector decoder's box bias: rows [8, 201, 72, 1] + columns [8, 201, 1, 72]
            case "bias" -> {
                in.put("u", random(r, 8 * 201 * 72));
                in.put("v", random(r, 8 * 201 * 72));
                yield g.add(g.input("u", 8, 201, 72, 1), g.input("v", 8, 201, 1, 72));
            }
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
        g.output("y", y);
        try (Backend be = BenchSupport.backend(args.length > 2 ? args[2] : "openblas", 0);
             CompiledGraph cg = be.compile(g, w)) {
            float[] first = null;
            long[] t = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                HostTensor o = cg.run(in).get("y");
                t[i] = System.nanoTime() - t0;
                if (first == null) first = o.data();
            }
            long[] s = t.clone();
            Arrays.sort(s);
            double sum = 0;
            for (float f : first) sum += f * (double) f;
            System.out.printf("%s median %.2f ms min %.2f ms (rms %.6g, y[0..2] %s)%n", shape, s[runs / 2] / 1e6,
                    s[0] / 1e6, Math.sqrt(sum / first.length), Arrays.toString(Arrays.copyOf(first, 3)));
        }
    }

    private static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian() * 0.1f;
        return f;
    }
}
