package org.sam3j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.spi.SLF4JServiceProvider;

/** {@link Log}: SLF4J when a provider is there, else System.Logger, and no "No SLF4J providers" warning. */
class LogTest {
    /** One call a {@link System.Logger} received. */
    record Call(System.Logger.Level level, String message, Throwable thrown) {}

    /** A System.Logger that records what reaches it at {@code threshold} and above. */
    static final class Recording implements System.Logger {
        final List<Call> calls = new ArrayList<>();
        final Level threshold;

        Recording(Level threshold) {
            this.threshold = threshold;
        }

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= threshold.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) calls.add(new Call(level, msg, thrown));
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) calls.add(new Call(level, params == null || params.length == 0 ? format : format + params.length, null));
        }
    }

    @Test
    void theAdapterForwardsLevelMessageArgumentsAndThrowable() {
        Recording jdk = new Recording(System.Logger.Level.INFO);
        Logger log = new Log.SystemLoggerAdapter("org.sam3j.X", jdk);
        assertEquals("org.sam3j.X", log.getName());
        IllegalStateException boom = new IllegalStateException("boom");
        log.info("hello {} and {}", 1, "two");
        log.warn("failed {} after {} tries", "download", 3, boom);   // a trailing Throwable is the exception
        log.error("fatal", boom);
        log.debug("not shown {}", 1);
        log.trace("not shown");
        assertEquals(List.of(new Call(System.Logger.Level.INFO, "hello 1 and two", null),
                new Call(System.Logger.Level.WARNING, "failed download after 3 tries", boom),
                new Call(System.Logger.Level.ERROR, "fatal", boom)), jdk.calls);
        assertTrue(log.isInfoEnabled() && log.isWarnEnabled() && log.isErrorEnabled());
        assertFalse(log.isDebugEnabled() || log.isTraceEnabled());

        Recording all = new Recording(System.Logger.Level.TRACE);
        Logger verbose = new Log.SystemLoggerAdapter("v", all);
        verbose.trace("t {}", 1);
        verbose.debug("d");
        assertEquals(List.of(new Call(System.Logger.Level.TRACE, "t 1", null), new Call(System.Logger.Level.DEBUG, "d", null)),
                all.calls);
        assertTrue(verbose.isTraceEnabled() && verbose.isDebugEnabled());
    }

    @Test
    void levelsMapOneToOne() {
        assertSame(System.Logger.Level.TRACE, Log.SystemLoggerAdapter.map(org.slf4j.event.Level.TRACE));
        assertSame(System.Logger.Level.DEBUG, Log.SystemLoggerAdapter.map(org.slf4j.event.Level.DEBUG));
        assertSame(System.Logger.Level.INFO, Log.SystemLoggerAdapter.map(org.slf4j.event.Level.INFO));
        assertSame(System.Logger.Level.WARNING, Log.SystemLoggerAdapter.map(org.slf4j.event.Level.WARN));
        assertSame(System.Logger.Level.ERROR, Log.SystemLoggerAdapter.map(org.slf4j.event.Level.ERROR));
    }

    @Test
    void selectionFollowsWhetherAProviderIsFound() {
        ClassLoader withSimple = SLF4JServiceProvider.class.getClassLoader(); // slf4j-simple is a test dependency
        assertTrue(Log.slf4jProviderPresent(withSimple, null));
        ClassLoader hiding = new ClassLoader(withSimple) { // the same classes, no service declarations
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                return name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
            }
        };
        assertFalse(Log.slf4jProviderPresent(hiding, null));
        assertFalse(Log.slf4jProviderPresent(hiding, " "));
        assertTrue(Log.slf4jProviderPresent(hiding, "org.slf4j.simple.SimpleServiceProvider")); // -Dslf4j.provider=...

        assertInstanceOf(Log.SystemLoggerAdapter.class, Log.select("a.b", false));
        Logger slf4j = Log.select("a.b", true);
        assertFalse(slf4j instanceof Log.SystemLoggerAdapter, slf4j.getClass().getName());
        assertEquals("a.b", slf4j.getName());
        assertFalse(Log.get(LogTest.class) instanceof Log.SystemLoggerAdapter, "slf4j-simple is on this class path");
    }

    /** Runs {@link LogFallbackMain} with {@code classPath}; returns its stderr. */
    private static String run(List<Path> classPath) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder cp = new StringBuilder();
        for (Path p : classPath) cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(p);
        Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", cp.toString(), LogFallbackMain.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        return err;
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void withoutAProviderMessagesGoToSystemLoggerWithoutSlf4jWarning() throws Exception {
        List<Path> cp = List.of(location(Log.class), location(org.slf4j.LoggerFactory.class), location(LogFallbackMain.class));
        String err = run(cp);
        assertFalse(err.contains("SLF4J"), err);
        // java.util.logging's defaults: INFO and above on stderr, "LEVEL: message" then the stack trace
        assertTrue(err.contains("INFO: hello 42 from sam3j"), err);
        assertTrue(err.contains("WARNING: trouble: disk") && err.contains("java.lang.IllegalStateException: boom")
                && err.contains("at org.sam3j.internal.LogFallbackMain.main"), err);
        assertTrue(err.contains("SEVERE: error line"), err);
        assertFalse(err.contains("debug line") || err.contains("trace line"), err);
    }

    @Test
    void withAProviderSlf4jIsUsed() throws Exception {
        List<Path> cp = List.of(location(Log.class), location(org.slf4j.LoggerFactory.class), location(LogFallbackMain.class),
                location(org.slf4j.simple.SimpleLogger.class));
        String err = run(cp);
        assertFalse(err.contains("SLF4J"), err);
        assertTrue(err.contains("INFO org.sam3j.internal.LogFallbackMain - hello 42 from sam3j"), err); // slf4j-simple's layout
        assertFalse(err.contains("INFO: hello"), err);
        assertNull(System.getProperty(Log.PROVIDER_PROPERTY));
    }
}
