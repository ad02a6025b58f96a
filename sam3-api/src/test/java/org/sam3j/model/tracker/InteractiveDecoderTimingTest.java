package org.sam3j.model.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.model.Sam3Config;
import org.sam3j.weights.SyntheticWeights;

/**
 * Logs the CPU time of one interactive prompt once the image embedding exists: the first call of a prompt
 * shape (compilation, and the grid's position encoding on the decoder's first call) and the steady state
 * (median of repeated calls after a warm-up), plus the upsampling of one mask to a 1800×1200 image and the per-op profile of
 * one decoder run. The decoder has the same size in the {@code tiny} and full configurations.
 */
class InteractiveDecoderTimingTest {
    private static final int REPEATS = 7;
    private static final int WARMUP = 3;

    @Test
    void logsFirstCallAndSteadyStateTimes() {
        Sam3Config config = Sam3Config.tiny();
        SyntheticWeights weights = TrackerFixtures.weights(config);
        ImageEmbedding embedding = TrackerFixtures.embedding(config, 1800, 1200, 1);
        Map<String, InteractivePrompt> prompts = new LinkedHashMap<>();
        prompts.put("1 click", InteractivePrompt.point(500, 375));
        prompts.put("box", InteractivePrompt.box(425, 600, 700, 875));
        prompts.put("2 clicks + box", InteractivePrompt.builder().positive(500, 375).negative(1125, 625)
                .box(75, 275, 1725, 850).build());
        try (CpuBackend cpu = new CpuBackend(); InteractiveDecoder d = new InteractiveDecoder(cpu, weights, config)) {
            InteractiveOutput last = null;
            for (Map.Entry<String, InteractivePrompt> e : prompts.entrySet()) {
                long t0 = System.nanoTime();
                last = d.predict(embedding, e.getValue());
                double first = (System.nanoTime() - t0) / 1e6;
                for (int i = 0; i < WARMUP; i++) d.predict(embedding, e.getValue());
                double[] ms = new double[REPEATS];
                for (int i = 0; i < REPEATS; i++) {
                    long t = System.nanoTime();
                    last = d.predict(embedding, e.getValue());
                    ms[i] = (System.nanoTime() - t) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf("interactive %-15s on cpu (%d threads): first call %.0f ms, steady state %.0f ms (median of %d, min %.0f)%n",
                        e.getKey(), cpu.threads(), first, ms[REPEATS / 2], REPEATS, ms[0]);
            }
            InteractivePrompt refine = InteractivePrompt.builder().positive(500, 375).mask(last.lowResLogits(0)).build();
            long t0 = System.nanoTime();
            d.predict(embedding, refine);
            double first = (System.nanoTime() - t0) / 1e6;
            for (int i = 0; i < WARMUP; i++) d.predict(embedding, refine);
            double[] ms = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                long t = System.nanoTime();
                d.predict(embedding, refine);
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("interactive %-15s on cpu: first call %.0f ms, steady state %.0f ms%n", "click + mask", first,
                    ms[REPEATS / 2]);
            double[] up = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                long t = System.nanoTime();
                last.maskLogitsAtOriginalSize(0);
                up[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(up);
            System.out.printf("mask logits 288² -> 1800x1200 (bilinear): %.0f ms per mask%n", up[REPEATS / 2]);
            assertEquals(4, d.compiledGraphCount());

            // per-op profile of one steady-state run of the 1-click graph
            try (CompiledGraph cg = cpu.compile(InteractiveGraph.decoder(config, new InteractiveGraph.Shape(1, false)), weights)) {
                Map<String, float[]> in = new LinkedHashMap<>();
                in.put(InteractiveGraph.FEAT_S0, embedding.sam2Fpn().get(0).data());
                in.put(InteractiveGraph.FEAT_S1, embedding.sam2Fpn().get(1).data());
                in.put(InteractiveGraph.IMAGE_EMBED, embedding.sam2Fpn().get(2).data());
                in.put(InteractiveGraph.IMAGE_PE, new float[72 * 72 * 256]);
                in.put(InteractiveGraph.POINT_COORDS, new float[] {0.3f, 0.3f});
                in.put(InteractiveGraph.POINT_LABELS, new float[] {1});
                cg.run(in);
                cg.run(in);
                StringBuilder ops = new StringBuilder();
                cg.lastRunNanosByOp().forEach((op, ns) -> ops.append(String.format(" %s %.1f", op, ns / 1e6)));
                System.out.println("decoder run profile (ms):" + ops + "; " + cg.plan());
            }
        }
    }
}
