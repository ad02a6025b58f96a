package org.sam3j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostStagedContext;
import org.sam3j.backend.TransferCounter;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.testing.RunMonitorChecks;

/** Progress and stopping between operations on the pure-Java backend, and the default for other backends. */
class CpuRunMonitorTest {
    @Test
    void cpuBackendReportsEveryOperationAndStopsCleanly() {
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend b = new CpuBackend(threads)) {
                RunMonitorChecks.check(b);
            }
        }
    }

    /** A graph that only implements the plain run and adapts it to contexts (as the CUDA one does). */
    private static final class PlainGraph implements CompiledGraph {
        final CpuBackend backend = new CpuBackend(1);
        int runs;

        @Override
        public ExecutionContext newContext(TransferCounter counter) {
            return new HostStagedContext(this, backend, this::run, Map::of, counter);
        }

        @Override
        public MemoryPlan plan() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, HostTensor> run(Map<String, float[]> inputs) {
            runs++;
            return Map.of();
        }

        @Override
        public void close() {
            backend.close();
        }
    }

    @Test
    void defaultReportsStartAndEndAndCanStopBeforeTheRun() {
        PlainGraph g = new PlainGraph();
        List<Double> seen = new ArrayList<>();
        g.run(Map.of(), seen::add);
        assertEquals(List.of(0.0, 1.0), seen);
        assertEquals(1, g.runs);
        assertThrows(CancellationException.class, () -> g.run(Map.of(), f -> {
            throw new CancellationException();
        }));
        assertEquals(1, g.runs, "stopped before running");
    }
}
