package org.sam3j.backend;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The inputs and output placement of one {@link ExecutionContext#run run}: graph inputs given as host
 * arrays (uploaded, counted) or as {@link ResidentTensor}s of the same backend (bound in place), the
 * outputs to keep resident in a {@link ResidentScope} instead of downloading them, and a
 * {@link RunMonitor}. Immutable: the {@code with...} methods return a new request. The arrays are shared,
 * not copied.
 */
public final class RunRequest {
    private static final RunRequest EMPTY = new RunRequest(Map.of(), Map.of(), Set.of(), null, RunMonitor.NONE);

    private final Map<String, float[]> host;
    private final Map<String, ResidentTensor> resident;
    private final Set<String> keep;
    private final ResidentScope scope;
    private final RunMonitor monitor;

    private RunRequest(Map<String, float[]> host, Map<String, ResidentTensor> resident, Set<String> keep,
                       ResidentScope scope, RunMonitor monitor) {
        this.host = host;
        this.resident = resident;
        this.keep = keep;
        this.scope = scope;
        this.monitor = monitor;
    }

    /** No inputs, every output downloaded, no monitor. */
    public static RunRequest create() {
        return EMPTY;
    }

    /** Host arrays for graph inputs, by name; every output downloaded. */
    public static RunRequest of(Map<String, float[]> hostInputs) {
        RunRequest r = EMPTY;
        for (Map.Entry<String, float[]> e : hostInputs.entrySet()) r = r.withHost(e.getKey(), e.getValue());
        return r;
    }

    /** This request with input {@code name} given as a host array (row-major float32). */
    public RunRequest withHost(String name, float[] values) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(values, "values of " + name);
        Map<String, float[]> h = new LinkedHashMap<>(host);
        h.put(name, values);
        Map<String, ResidentTensor> r = new LinkedHashMap<>(resident);
        r.remove(name);
        return new RunRequest(Collections.unmodifiableMap(h), Collections.unmodifiableMap(r), keep, scope, monitor);
    }

    /** This request with input {@code name} bound to a resident tensor (no copy). */
    public RunRequest withResident(String name, ResidentTensor value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "resident value of " + name);
        Map<String, ResidentTensor> r = new LinkedHashMap<>(resident);
        r.put(name, value);
        Map<String, float[]> h = new LinkedHashMap<>(host);
        h.remove(name);
        return new RunRequest(Collections.unmodifiableMap(h), Collections.unmodifiableMap(r), keep, scope, monitor);
    }

    /**
     * This request with the named outputs kept in the backend, owned by {@code scope} (which must belong to
     * the graph's backend), instead of downloaded.
     */
    public RunRequest keepResident(ResidentScope scope, String... outputs) {
        Objects.requireNonNull(scope, "scope");
        if (this.scope != null && this.scope != scope) {
            throw new IllegalArgumentException("resident outputs of one run go to one scope");
        }
        Set<String> k = new LinkedHashSet<>(keep);
        for (String o : outputs) k.add(Objects.requireNonNull(o, "output name"));
        return new RunRequest(host, resident, Collections.unmodifiableSet(k), scope, monitor);
    }

    /** This request reporting progress to {@code monitor} (see {@link RunMonitor}). */
    public RunRequest withMonitor(RunMonitor monitor) {
        return new RunRequest(host, resident, keep, scope, Objects.requireNonNull(monitor, "monitor"));
    }

    /** Host inputs by name; unmodifiable. */
    public Map<String, float[]> hostInputs() {
        return host;
    }

    /** Resident inputs by name; unmodifiable. */
    public Map<String, ResidentTensor> residentInputs() {
        return resident;
    }

    /** Outputs to keep resident; unmodifiable. */
    public Set<String> residentOutputs() {
        return keep;
    }

    /** The scope of the resident outputs, or null when none is kept. */
    public ResidentScope scope() {
        return scope;
    }

    /** The progress monitor ({@link RunMonitor#NONE} unless set). */
    public RunMonitor monitor() {
        return monitor;
    }

    /** Bytes of the host inputs named in {@code graphInputs} (what a run uploads). */
    public long hostBytes(Set<String> graphInputs) {
        long n = 0;
        for (Map.Entry<String, float[]> e : host.entrySet()) {
            if (graphInputs.contains(e.getKey())) n += 4L * e.getValue().length;
        }
        return n;
    }

    @Override
    public String toString() {
        return "RunRequest[host " + host.keySet() + ", resident " + resident.keySet() + ", keep " + keep + "]";
    }
}
