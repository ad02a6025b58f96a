package org.sam3j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.sam3j.backend.CompiledGraph;
import org.sam3j.backend.ExecutionContext;
import org.sam3j.backend.HostStagedContext;
import org.sam3j.backend.HostTensor;
import org.sam3j.backend.MemoryPlan;
import org.sam3j.backend.MemoryPlanner;
import org.sam3j.backend.TransferCounter;
import org.sam3j.graph.Graph;

/**
 * A graph compiled by {@link OnnxRuntimeBackend}: its exported model and the ONNX Runtime session that runs it.
 * Contexts are {@link HostStagedContext}s (inputs and outputs cross as host arrays; ONNX Runtime keeps its own
 * activation memory per run). The memory plan is the Java planner's, reported for information only.
 */
final class OrtCompiledGraph implements CompiledGraph {
    private final OnnxRuntimeBackend backend;
    private final MemoryPlan plan;
    private final OnnxModel model;
    private final OrtSession session;
    private volatile boolean closed;

    OrtCompiledGraph(OnnxRuntimeBackend backend, Graph graph, OnnxModel model, OrtSession session) {
        this.backend = backend;
        this.plan = MemoryPlanner.plan(graph);
        this.model = model;
        this.session = session;
    }

    @Override
    public MemoryPlan plan() {
        return plan;
    }

    OnnxModel model() {
        return model;
    }

    Set<String> inputNames() {
        return model.inputs().keySet();
    }

    @Override
    public ExecutionContext newContext(TransferCounter counter) {
        return new HostStagedContext(this, backend, this::runHost, Map::of, counter);
    }

    /** One session run from host arrays (every input the model reads, checked) to fresh host arrays. */
    private Map<String, HostTensor> runHost(Map<String, float[]> inputs) {
        if (closed) throw new IllegalStateException("compiled graph is closed");
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (Map.Entry<String, int[]> e : model.inputs().entrySet()) {
                String name = e.getKey();
                float[] v = inputs.get(name);
                if (v == null) throw new IllegalArgumentException("missing input '" + name + "'");
                long n = 1;
                for (int d : e.getValue()) n *= d;
                if (v.length != n) {
                    throw new IllegalArgumentException("input '" + name + "' has " + v.length + " values, expected " + n
                            + " for shape " + Arrays.toString(e.getValue()));
                }
                feeds.put(name, OnnxTensor.createTensor(backend.env(), FloatBuffer.wrap(v),
                        Arrays.stream(e.getValue()).asLongStream().toArray()));
            }
            Map<String, HostTensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feeds)) {
                for (Map.Entry<String, int[]> e : model.outputs().entrySet()) {
                    OnnxValue value = r.get(e.getKey()).orElseThrow(
                            () -> new IllegalStateException("ONNX Runtime returned no '" + e.getKey() + "'"));
                    FloatBuffer fb = ((OnnxTensor) value).getFloatBuffer();
                    float[] data = new float[fb.remaining()];
                    fb.get(data);
                    out.put(e.getKey(), new HostTensor(e.getValue().clone(), data));
                }
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
