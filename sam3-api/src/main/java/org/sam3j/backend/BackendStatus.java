package org.sam3j.backend;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.sam3j.Precision;

/**
 * What one {@link BackendProvider} found on this machine, as {@link Backends#statuses()} reports it (for
 * {@code sam3 info} and diagnostics).
 *
 * @param name              the name it is selected by
 * @param description       one line about it
 * @param priority          its preference when no backend is named
 * @param available         whether it can run here
 * @param unavailableReason why it cannot run here (null when it can)
 * @param precisions        the storage precisions it runs, in {@link Precision} order
 * @param devices           how many devices it addresses here (0 when unavailable)
 */
public record BackendStatus(String name, String description, int priority, boolean available, String unavailableReason,
                            Set<Precision> precisions, int devices) {
    /** Keeps an unmodifiable, ordered copy of {@code precisions}. */
    public BackendStatus {
        precisions = Collections.unmodifiableSet(EnumSet.copyOf(precisions));
    }

    /** Probes {@code provider} (may load its native libraries). */
    static BackendStatus of(BackendProvider provider) {
        boolean ok = provider.isAvailable();
        return new BackendStatus(provider.name(), provider.description(), provider.priority(), ok,
                ok ? null : provider.unavailableReason(), provider.precisions(), ok ? provider.devices() : 0);
    }
}
