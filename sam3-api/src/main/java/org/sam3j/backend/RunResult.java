package org.sam3j.backend;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outputs of one {@link ExecutionContext#run run}: every marked output either downloaded
 * ({@link #host()}) or, when the request kept it, resident in the request's scope ({@link #resident()}).
 *
 * @param host     downloaded outputs by name, in fresh arrays owned by the caller
 * @param resident outputs kept in the backend, owned by the request's {@link ResidentScope}
 */
public record RunResult(Map<String, HostTensor> host, Map<String, ResidentTensor> resident) {
    /** Copies the maps (unmodifiable, in the graph's output order). */
    public RunResult {
        host = Collections.unmodifiableMap(new LinkedHashMap<>(host));
        resident = Collections.unmodifiableMap(new LinkedHashMap<>(resident));
    }

    /**
     * A downloaded output.
     *
     * @throws IllegalArgumentException if there is no such host output
     */
    public HostTensor host(String name) {
        HostTensor t = host.get(name);
        if (t == null) throw new IllegalArgumentException("no host output '" + name + "' (have " + host.keySet() + ")");
        return t;
    }

    /**
     * A resident output.
     *
     * @throws IllegalArgumentException if there is no such resident output
     */
    public ResidentTensor resident(String name) {
        ResidentTensor t = resident.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no resident output '" + name + "' (have " + resident.keySet() + ")");
        }
        return t;
    }
}
