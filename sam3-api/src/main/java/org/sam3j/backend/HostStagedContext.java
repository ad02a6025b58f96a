package org.sam3j.backend;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An {@link ExecutionContext} for a compiled graph that still keeps its run state inside itself and runs
 * from host arrays to host arrays (the CUDA backend until it has contexts of its own): runs of every
 * context of the graph are serialised on the graph, resident values are {@link HeapResidentTensor}s, and
 * every resident input is staged through the host. The accounting stays honest: resident inputs count as
 * uploaded and resident outputs as downloaded, since they do cross the boundary here.
 */
public final class HostStagedContext implements ExecutionContext {
    private final CompiledGraph graph;
    private final Backend backend;
    private final Function<Map<String, float[]>, Map<String, HostTensor>> hostRun;
    private final Supplier<Map<String, Long>> profile;
    private final TransferCounter counter;
    private Map<String, Long> lastProfile = Map.of();
    private boolean running;
    private boolean closed;

    /**
     * @param graph   the graph; runs are serialised on it
     * @param backend the graph's backend (resident tensors must belong to it)
     * @param hostRun runs the graph from host inputs to host outputs
     * @param profile the graph's profile of its last run
     * @param counter records transfers
     */
    public HostStagedContext(CompiledGraph graph, Backend backend,
                             Function<Map<String, float[]>, Map<String, HostTensor>> hostRun,
                             Supplier<Map<String, Long>> profile, TransferCounter counter) {
        this.graph = Objects.requireNonNull(graph, "graph");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.hostRun = Objects.requireNonNull(hostRun, "hostRun");
        this.profile = Objects.requireNonNull(profile, "profile");
        this.counter = Objects.requireNonNull(counter, "counter");
    }

    @Override
    public CompiledGraph graph() {
        return graph;
    }

    @Override
    public TransferCounter counter() {
        return counter;
    }

    @Override
    public RunResult run(RunRequest request) {
        synchronized (this) {
            if (closed) throw new IllegalStateException("execution context is closed");
            if (running) throw new IllegalStateException("execution context is already running (one run at a time)");
            running = true;
        }
        try {
            Map<String, float[]> in = new LinkedHashMap<>(request.hostInputs());
            for (Map.Entry<String, ResidentTensor> e : request.residentInputs().entrySet()) {
                in.put(e.getKey(), heapArray(e.getKey(), e.getValue(), backend));
            }
            if (!request.residentOutputs().isEmpty()) {
                for (String name : request.residentOutputs()) {
                    if (!graph.plan().graph().outputs().containsKey(name)) {
                        throw new IllegalArgumentException("'" + name + "' is not an output of the graph");
                    }
                }
            }
            if (request.scope() != null && request.scope().backend() != backend) {
                throw new IllegalArgumentException("resident outputs must go to a scope of backend " + backend.name());
            }
            request.monitor().progress(0);
            Map<String, HostTensor> out;
            synchronized (graph) {
                out = hostRun.apply(in);
                lastProfile = profile.get();
            }
            long up = 0;
            for (float[] v : in.values()) up += 4L * v.length; // every array given is staged by the host run
            counter.addUploaded(up);
            Map<String, HostTensor> host = new LinkedHashMap<>();
            Map<String, ResidentTensor> resident = new LinkedHashMap<>();
            long down = 0;
            for (Map.Entry<String, HostTensor> e : out.entrySet()) {
                down += 4L * e.getValue().numel();
                if (request.residentOutputs().contains(e.getKey())) {
                    resident.put(e.getKey(), HeapResidentTensor.adopt(request.scope(), e.getValue().shape(),
                            e.getValue().data()));
                } else {
                    host.put(e.getKey(), e.getValue());
                }
            }
            counter.addDownloaded(down);
            request.monitor().progress(1);
            return new RunResult(host, resident);
        } finally {
            synchronized (this) {
                running = false;
            }
        }
    }

    /**
     * The array of a resident input of a host-memory backend, checked: it must be a
     * {@link HeapResidentTensor} of {@code backend}, not freed.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static float[] heapArray(String name, ResidentTensor t, Backend backend) {
        if (!(t instanceof HeapResidentTensor h) || t.backend() != backend) {
            throw new IllegalArgumentException("input '" + name + "' is resident in backend " + t.backend().name()
                    + ", not in this graph's backend " + backend.name());
        }
        if (h.isClosed()) throw new IllegalArgumentException("input '" + name + "' was freed (its scope is closed)");
        return h.array();
    }

    @Override
    public Map<String, Long> lastRunNanosByOp() {
        return lastProfile;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
