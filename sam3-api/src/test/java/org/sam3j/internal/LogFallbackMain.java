package org.sam3j.internal;

import org.slf4j.Logger;

/** Run by {@link LogTest} in a JVM of its own: logs through {@link Log} at every level. */
public final class LogFallbackMain {
    private LogFallbackMain() {}

    /** Logs one line per level and one with an exception. */
    public static void main(String[] args) {
        Logger log = Log.get(LogFallbackMain.class);
        log.trace("trace line");
        log.debug("debug line");
        log.info("hello {} from {}", 42, "sam3j");
        log.warn("trouble: {}", "disk", new IllegalStateException("boom"));
        log.error("error line");
    }
}
