package org.sam3j.backend;

/**
 * What one {@link BackendProvider} found on this machine, as {@link Backends#statuses()} reports it (for
 * {@code sam3 info} and diagnostics).
 *
 * @param name              the name it is selected by
 * @param description       one line about it
 * @param priority          its preference when no backend is named
 * @param available         whether it can run here
 * @param unavailableReason why it cannot run here (null when it can)
 */
public record BackendStatus(String name, String description, int priority, boolean available, String unavailableReason) {
    /** Probes {@code provider} (may load its native libraries). */
    static BackendStatus of(BackendProvider provider) {
        boolean ok = provider.isAvailable();
        return new BackendStatus(provider.name(), provider.description(), provider.priority(), ok,
                ok ? null : provider.unavailableReason());
    }
}
