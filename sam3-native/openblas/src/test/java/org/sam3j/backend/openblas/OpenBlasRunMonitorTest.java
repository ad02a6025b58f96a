package org.sam3j.backend.openblas;

import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;
import org.sam3j.testing.RunMonitorChecks;

/** The OpenBLAS backend runs the CPU compiled graph: the same progress reports and stopping between operations. */
class OpenBlasRunMonitorTest {
    @Test
    void reportsEveryOperationAndStopsCleanly() {
        try {
            for (OpenBlasGemm.Threading threading : OpenBlasGemm.Threading.values()) {
                try (CpuBackend b = OpenBlasBackend.create(2, threading)) {
                    RunMonitorChecks.check(b);
                }
            }
        } finally {
            OpenBlas.setThreads(1); // process-wide; the OPENBLAS threading raised it
        }
    }
}
