package org.sam3j.backend;

import org.sam3j.BackendOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.backend.cpu.CpuBackend;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** Backend selection without a native backend: the pure-Java backend, names, and the fallback when a backend cannot run. */
class BackendsTest {
    private static final BackendOptions ONE_THREAD = BackendOptions.builder().threads(1).build();

    /** A provider whose natives "did not load". */
    private static class Broken implements BackendProvider {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public String description() {
            return "never runs";
        }

        @Override
        public int priority() {
            return 10;
        }

        @Override
        public boolean isAvailable() {
            return false;
        }

        @Override
        public String unavailableReason() {
            return "libbroken.so did not load";
        }

        @Override
        public Backend create(BackendOptions options) {
            throw new AssertionError("not available");
        }
    }

    /** A native backend that runs (a pure-Java backend under another name). */
    private static final class Fast implements BackendProvider {
        @Override
        public String name() {
            return "fast";
        }

        @Override
        public String description() {
            return "runs";
        }

        @Override
        public int priority() {
            return 5;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public Backend create(BackendOptions options) {
            return new CpuBackend("fast", options, org.sam3j.backend.cpu.JavaGemm.INSTANCE);
        }
    }

    /** An SLF4J logger that keeps what it is given. */
    private static final class Recording extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();

        Recording() {
            this.name = "recording";
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void pureJavaBackendIsAlwaysThere() {
        assertTrue(Backends.names().contains("cpu"), Backends.names().toString());
        try (Backend b = Backends.create("cpu", 2)) {
            assertEquals("cpu", b.name());
            assertEquals(2, ((CpuBackend) b).threads());
        }
        if (System.getProperty(Backends.PROPERTY) == null && System.getenv(Backends.ENV) == null
                && Backends.names().equals(List.of("cpu"))) {
            assertEquals("cpu", Backends.defaultName());
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("tpu", 1));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'") && e.getMessage().contains("cpu"), e.getMessage());
    }

    @Test
    void anUnavailableBackendFallsBackToPureJavaOrSaysWhy() {
        List<BackendProvider> candidates = List.of(new Broken(), Backends.provider("cpu"));
        assertEquals("cpu", Backends.best(candidates).name());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.select(new Broken(), ONE_THREAD));
        assertTrue(e.getMessage().contains("libbroken.so did not load") && e.getMessage().contains("'cpu' runs everywhere"),
                e.getMessage());
    }

    @Test
    void pickingPureJavaForWantOfANativeBackendSaysWhichArtifactToAdd() {
        Recording log = new Recording();
        try (Backend b = Backends.selectBest(List.of(Backends.provider("cpu")), ONE_THREAD).create(log)) {
            assertEquals("cpu", b.name());
        }
        assertEquals(1, log.lines.size(), log.lines.toString());
        String line = log.lines.get(0);
        assertTrue(line.startsWith("INFO ") && line.contains("no native backend on the class path")
                && line.contains("org.sam3j:sam3-openblas") && line.contains("org.sam3j:sam3-cuda")
                && line.contains("-Dsam3j.backend=cpu"), line);
    }

    @Test
    void aNativeBackendThatCannotRunIsAWarningWithItsReason() {
        Recording log = new Recording();
        try (Backend b = Backends.selectBest(List.of(new Broken(), Backends.provider("cpu")), ONE_THREAD).create(log)) {
            assertEquals("cpu", b.name());
        }
        assertEquals(1, log.lines.size(), log.lines.toString());
        String line = log.lines.get(0);
        assertTrue(line.startsWith("WARN ") && line.contains("backend 'broken' cannot run here: libbroken.so did not load")
                && line.contains("org.sam3j:sam3-openblas"), line);
    }

    @Test
    void backendsRunOnlyByNameDoNotExplainTheFallback() {
        BackendProvider byName = new Broken() {
            @Override
            public int priority() {
                return -10; // like onnxruntime and tensorrt: never chosen automatically
            }
        };
        Recording log = new Recording();
        try (Backend b = Backends.selectBest(List.of(Backends.provider("cpu"), byName), ONE_THREAD).create(log)) {
            assertEquals("cpu", b.name());
        }
        String line = log.lines.get(0);
        assertTrue(line.startsWith("INFO ") && line.contains("no native backend on the class path")
                && !line.contains("broken"), line);
    }

    @Test
    void noNoticeWhenANativeBackendIsPicked() {
        Recording log = new Recording();
        try (Backend b = Backends.selectBest(List.of(new Fast(), Backends.provider("cpu")), ONE_THREAD).create(log)) {
            assertEquals("fast", b.name());
        }
        assertEquals(List.of(), log.lines);
    }

    @Test
    void statusesReportEveryProviderAndWhyItCannotRun() {
        List<BackendStatus> all = Backends.statuses();
        assertEquals(Backends.names(), all.stream().map(BackendStatus::name).toList());
        BackendStatus cpu = all.stream().filter(s -> s.name().equals("cpu")).findFirst().orElseThrow();
        assertTrue(cpu.available());
        assertNull(cpu.unavailableReason());
        assertEquals(0, cpu.priority());
        BackendStatus broken = BackendStatus.of(new Broken());
        assertFalse(broken.available());
        assertEquals("libbroken.so did not load", broken.unavailableReason());
        assertEquals(10, broken.priority());
    }
}
