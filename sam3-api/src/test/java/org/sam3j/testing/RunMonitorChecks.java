package org.sam3j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.sam3j.backend.Backend;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.RunMonitor;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.weights.InMemoryWeights;

/**
 * The {@link RunMonitor} contract checked on any backend that reports per operation (the CPU backends): a
 * small MLP-with-attention graph reports 0, one non-decreasing fraction per operation and 1; a monitor that
 * throws stops the run at once (never called again, the exception propagated as is), and the next run of the
 * same compiled graph gives exactly the uninterrupted result.
 */
public final class RunMonitorChecks {
    private RunMonitorChecks() {}

    /** Thrown by the test monitor to stop a run. */
    private static final class Stop extends CancellationException {
        private static final long serialVersionUID = 1L;
    }

    /** Runs the checks on {@code backend}. */
    public static void check(Backend backend) {
        Random rnd = new Random(5);
        int t = 24, d = 32, layers = 6;
        Graph g = new Graph();
        InMemoryWeights w = new InMemoryWeights();
        Tensor x = g.input("x", t, d);
        for (int l = 0; l < layers; l++) {
            Tensor h = g.gelu(g.linear(x, g.weight("w" + l, d, d), g.weight("b" + l, d)));
            Tensor q = g.reshape(h, 1, t, 2, d / 2);
            Tensor a = g.reshape(g.attention(q, q, q, null, 0.25f), t, d);
            x = g.add(x, a);
            w.put("w" + l, gaussian(rnd, d * d, 0.2), d, d).put("b" + l, gaussian(rnd, d, 0.1), d);
        }
        g.output("y", x);
        Map<String, float[]> in = Map.of("x", gaussian(rnd, t * d, 1));
        try (CompiledGraph cg = backend.compile(g, w)) {
            int ops = cg.plan().schedule().size();
            assertTrue(ops >= 4 * layers, "a graph of " + ops + " operations");
            float[] reference = cg.run(in).get("y").data();

            List<Double> seen = new ArrayList<>();
            float[] monitored = cg.run(in, seen::add).get("y").data();
            assertArrayEquals(reference, monitored, "a monitor does not change the result");
            assertEquals(ops + 1, seen.size(), "0, then one report per operation");
            assertEquals(0.0, seen.get(0));
            assertEquals(1.0, seen.get(seen.size() - 1));
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) >= seen.get(i - 1), "non-decreasing at " + i + ": " + seen);
                assertTrue(seen.get(i) <= 1.0);
            }
            assertTrue(seen.get(ops / 2) > 0.05 && seen.get(ops / 2) < 0.95, "fractions spread over the run: " + seen);

            for (int stopAt : new int[] {0, 1, ops / 2}) {
                int[] calls = {0};
                Stop stop = new Stop();
                RunMonitor m = f -> {
                    if (calls[0]++ == stopAt) throw stop;
                    assertTrue(calls[0] <= stopAt + 1, "called again after stopping");
                };
                Stop thrown = assertThrows(Stop.class, () -> cg.run(in, m));
                assertSame(stop, thrown, "the monitor's exception propagates unchanged");
                assertEquals(stopAt + 1, calls[0], "stopped before operation " + stopAt + " of " + ops);
                assertArrayEquals(reference, cg.run(in).get("y").data(), "a run after a stopped one (at " + stopAt + ")");
            }
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    private static float[] gaussian(Random rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }
}
