package org.sam3j.backend;

/**
 * Makes a {@link Backend} available to {@link Backends} by name. Implementations are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.sam3j.backend.BackendProvider}); the
 * pure-Java CPU backend ({@code cpu}) is built in.
 */
public interface BackendProvider {
    /** The name callers select it by ({@code openblas}, {@code cuda}, ...): lower case, no spaces. */
    String name();

    /** One line for listings, e.g. "CPU, GEMMs through OpenBLAS 0.3.31". */
    String description();

    /**
     * Preference when no backend is named: the available provider with the highest priority wins
     * (the pure-Java CPU backend has 0).
     */
    int priority();

    /**
     * Whether the backend can run here (its native libraries load, its device exists). May do that
     * work on the first call; must not throw.
     */
    boolean isAvailable();

    /** Why the backend cannot run here (null when it can). */
    String unavailableReason();

    /**
     * Creates the backend.
     *
     * @param threads CPU threads, the caller included (0: every available processor)
     * @throws IllegalStateException if it is not available
     */
    Backend create(int threads);
}
