package org.sam3j.backend.cuda;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.sam3j.Sam3Model;

/**
 * One {@link Sam3Model} replica per selected GPU, each on its own {@link CudaBackend} and served by one
 * thread; a request goes to the replica with the shortest queue. Thread-safe.
 *
 * <pre>{@code
 * try (CudaPredictorPool pool = CudaPredictorPool.create(List.of(0, 1), Precision.BF16,
 *         b -> b.checkpoint(Path.of("sam3.pt")))) {
 *     MaskResult r = pool.submit(model -> {
 *         try (Sam3Predictor p = model.newPredictor()) {
 *             p.setImage(image);
 *             return p.predict(Prompt.text("car"));
 *         }
 *     }).join();
 * }
 * }</pre>
 */
public final class CudaPredictorPool implements AutoCloseable {
    private record Replica(int device, Sam3Model model) {}

    private final LeastLoadedPool<Replica> pool;

    private CudaPredictorPool(List<Replica> replicas) {
        this.pool = new LeastLoadedPool<>(replicas, "sam3-cuda");
    }

    /**
     * Builds one model per device.
     *
     * @param devices   CUDA device indices (distinct)
     * @param precision storage precision of every replica
     * @param configure sets the model's source (checkpoint or synthetic weights, config, tokenizer); the
     *                  pool sets the backend
     */
    public static CudaPredictorPool create(List<Integer> devices, Precision precision,
                                           Consumer<Sam3Model.Builder> configure) throws IOException {
        if (devices.isEmpty()) throw new IllegalArgumentException("no devices");
        if (devices.stream().distinct().count() != devices.size()) {
            throw new IllegalArgumentException("devices listed twice: " + devices);
        }
        List<Replica> replicas = new ArrayList<>();
        try {
            for (int d : devices) {
                Sam3Model.Builder b = Sam3Model.builder();
                configure.accept(b);
                replicas.add(new Replica(d, b.backend("cuda:" + d).precision(org.sam3j.Precision.valueOf(precision.name())).build()));
            }
        } catch (IOException | RuntimeException e) {
            for (Replica r : replicas) r.model().close();
            throw e;
        }
        return new CudaPredictorPool(replicas);
    }

    /** Runs {@code task} with the model of the least loaded device, on that replica's thread. */
    public <T> CompletableFuture<T> submit(Function<Sam3Model, T> task) {
        return pool.submit(r -> task.apply(r.model()));
    }

    /** Requests queued or running per replica, in device-list order. */
    public int[] queueLengths() {
        return pool.queueLengths();
    }

    /** Waits for running requests, then closes every model and backend. */
    @Override
    public void close() {
        pool.close();
        for (Replica r : pool.replicas()) {
            r.model().close();
        }
    }
}
