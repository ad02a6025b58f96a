package org.sam3j.backend;

import java.util.EnumSet;
import java.util.Set;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;

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

    /** The storage precisions it runs (default: {@link Precision#FP32} only). */
    default Set<Precision> precisions() {
        return EnumSet.of(Precision.FP32);
    }

    /**
     * How many devices it can address here, numbered from 0 (default 1: the CPU backends' one device is the
     * machine; 0 when it is not available). Must not throw.
     */
    default int devices() {
        return isAvailable() ? 1 : 0;
    }

    /**
     * The {@link BackendOptions#extras() extras} it reads, without its {@code name.} prefix (default: none).
     */
    default Set<String> extraKeys() {
        return Set.of();
    }

    /**
     * Refuses options this provider cannot honour, with one message naming the problem: a precision not in
     * {@link #precisions()}, a device beyond {@link #devices()} (checked only when {@link #isAvailable() available}),
     * an extra of its prefix not in {@link #extraKeys()}. Providers that read extras also check their values here.
     * Providers call it first in {@link #create(BackendOptions)}; {@link Backends} calls it before creating.
     *
     * @throws IllegalArgumentException if the options do not fit this provider
     */
    default void check(BackendOptions options) {
        Set<Precision> ok = precisions();
        if (!ok.contains(options.precision())) {
            StringBuilder runs = new StringBuilder();
            for (Precision p : EnumSet.copyOf(ok)) runs.append(runs.length() == 0 ? "" : ", ").append(p.label());
            throw new IllegalArgumentException("backend '" + name() + "' runs " + runs + (ok.size() == 1 ? " only" : "")
                    + ", not " + options.precision().label());
        }
        if (isAvailable() && options.device() >= devices()) {
            int n = devices();
            throw new IllegalArgumentException("backend '" + name() + "' has no device " + options.device() + " ("
                    + (n == 1 ? "one device, 0" : n + " devices, 0 to " + (n - 1)) + ")");
        }
        Set<String> known = extraKeys();
        for (String k : options.extras(name()).keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + name() + "." + k + "' for backend '" + name() + "'"
                        + (known.isEmpty() ? " (it takes none)" : " (it knows " + String.join(", ",
                                known.stream().sorted().map(n -> name() + "." + n).toList()) + ")"));
            }
        }
    }

    /**
     * Creates the backend.
     *
     * @throws IllegalArgumentException if the options do not fit it (see {@link #check(BackendOptions)})
     * @throws IllegalStateException    if it is not available
     */
    Backend create(BackendOptions options);
}
