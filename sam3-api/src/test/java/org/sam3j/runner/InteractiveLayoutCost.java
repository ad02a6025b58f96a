package org.sam3j.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sam3j.Prompt;
import org.sam3j.Sam3Config;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.weights.SyntheticWeights;

/**
 * What the fixed click slots cost a click: one click through decoder graphs of 1, 4, 8 and 16 click slots on the
 * pure-Java backend (synthetic weights and embedding at the configuration's grid), calls alternating, medians.
 * Not a test; run with {@code java -cp <test classpath> org.sam3j.runner.InteractiveLayoutCost [tiny|full] [rounds]}.
 */
public final class InteractiveLayoutCost {
    private InteractiveLayoutCost() {}

    /**
     * Prints the median milliseconds per layout.
     *
     * @param args the configuration (default {@code full}) and the rounds (default 15)
     */
    public static void main(String[] args) {
        Sam3Config config = args.length > 0 && args[0].equals("tiny") ? Sam3Config.tiny() : Sam3Config.released();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int[] slots = {1, 4, 8, 16};
        List<List<Double>> ms = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) ms.add(new ArrayList<>());
        try (CpuBackend cpu = new CpuBackend(); ResidentScope scope = new ResidentScope(cpu);
             RunSession session = new RunSession()) {
            SyntheticWeights weights = TrackerFixtures.weights(config);
            ImageEmbedding embedding = TrackerFixtures.embedding(scope, config, 1800, 1200, 3);
            Prompt click = Prompt.point(500, 375);
            try (InteractiveDecoder d = new InteractiveDecoder(cpu, weights, config)) {
                for (int r = -2; r < rounds; r++) {
                    for (int i = 0; i < slots.length; i++) {
                        long t0 = System.nanoTime();
                        d.predict(session, embedding, click, false, Set.of(), new InteractiveGraph.Layout(slots[i]));
                        if (r >= 0) ms.get(i).add((System.nanoTime() - t0) / 1e6);
                    }
                }
            }
        }
        for (int i = 0; i < slots.length; i++) {
            List<Double> l = ms.get(i);
            l.sort(null);
            System.out.printf(Locale.ROOT, "%2d click slots: median %.1f ms (min %.1f, max %.1f)%n", slots[i], l.get(l.size() / 2),
                    l.get(0), l.get(l.size() - 1));
        }
    }
}
