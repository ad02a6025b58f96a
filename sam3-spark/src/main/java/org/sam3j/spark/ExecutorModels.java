package org.sam3j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.sam3j.Sam3Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM, one per {@link ModelSpec}, loaded on first use and then shared by every task
 * the JVM runs.
 *
 * <p>Why static: Spark gives a task nothing that outlives it except the JVM (an executor, or the driver in
 * local mode). Loading per task (or per row) would re-read gigabytes of weights for every partition, so the
 * model lives in this per-JVM holder instead — the usual Spark pattern for expensive, thread-safe
 * resources. {@link Sam3Model} is thread-safe, so concurrent tasks of one executor share it, each with its
 * own {@link org.sam3j.Sam3Predictor}. A failed load is not remembered: the task fails and Spark's retry
 * tries again. Models stay loaded until {@link #closeAll()} or the JVM ends (executors end with the
 * application; a long-lived driver in local mode should call {@link #closeAll()}).
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<ModelSpec, Slot> MODELS = new ConcurrentHashMap<>();
    private static final AtomicLong LOADS = new AtomicLong();

    private ExecutorModels() {}

    /** One spec's model, loaded at most once at a time (other specs load in parallel). */
    private static final class Slot {
        private final ModelSpec spec;
        private Sam3Model model;
        private long loads;

        Slot(ModelSpec spec) {
            this.spec = spec;
        }

        synchronized Sam3Model get() throws IOException {
            if (model == null) {
                long t0 = System.nanoTime();
                model = spec.load();
                loads++;
                LOADS.incrementAndGet();
                LOG.info("loaded model {} in {} ms", spec, (System.nanoTime() - t0) / 1_000_000);
            }
            return model;
        }

        synchronized long loads() {
            return loads;
        }

        synchronized void close() {
            if (model != null) model.close();
            model = null;
        }
    }

    /**
     * The model of {@code spec}, loading it if this JVM has none yet.
     *
     * @throws IOException if loading fails (nothing is kept; the next call tries again)
     */
    public static Sam3Model get(ModelSpec spec) throws IOException {
        return MODELS.computeIfAbsent(spec, Slot::new).get();
    }

    /** How many times this JVM loaded a model, over all specs (closed ones included). */
    public static long loads() {
        return LOADS.get();
    }

    /**
     * How many times this JVM loaded the model of {@code spec} since the last {@link #closeAll()}: 0 or 1,
     * however many tasks used it.
     */
    public static long loads(ModelSpec spec) {
        Slot s = MODELS.get(spec);
        return s == null ? 0 : s.loads();
    }

    /** Closes and forgets every model of this JVM; tasks still running on one must have finished. */
    public static void closeAll() {
        List<Slot> slots = new ArrayList<>(MODELS.values());
        MODELS.clear();
        for (Slot s : slots) s.close();
    }
}
