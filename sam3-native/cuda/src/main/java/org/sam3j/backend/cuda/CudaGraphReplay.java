package org.sam3j.backend.cuda;

/**
 * When a compiled graph's runs launch their steps one by one, capture them as a CUDA Graph, or replay
 * the captured graph; and what happens when that fails. Pure host logic (the CUDA calls are behind
 * {@link Capture} and {@link Executable}), so {@code CudaGraphReplayTest} checks it without a GPU;
 * nothing here has run on a GPU.
 *
 * <ul>
 *   <li>The first run is eager (it loads every kernel); the next captures, instantiates and launches.</li>
 *   <li>A capture that fails disables CUDA Graphs for the compiled graph ({@link #disabledReason()}) and
 *       that run goes on eagerly.</li>
 *   <li>A replay whose launch fails, or whose run fails afterwards (the synchronisation reports a fault),
 *       is <em>discarded</em>: the executable graph is destroyed, never replayed again, and the error
 *       reaches the caller. The next run is eager and the one after captures anew; after
 *       {@code maxDiscards} discards CUDA Graphs stay off.</li>
 * </ul>
 * Not thread-safe: one run at a time, like the compiled graph that owns it.
 */
final class CudaGraphReplay implements AutoCloseable {
    /** What a run does. */
    enum Action { EAGER, CAPTURE, REPLAY }

    /** An instantiated CUDA Graph ({@code cudaGraphExec_t} and its {@code cudaGraph_t}). */
    interface Executable {
        /** {@code cudaGraphLaunch} on the compiled graph's stream; throws {@link CudaException}. */
        void launch();

        /** Destroys the executable and its graph; throws the first failure. */
        void destroy();
    }

    /** Captures the steps on the stream and instantiates them. */
    interface Capture {
        /**
         * The instantiated graph; on failure the stream's capture has been ended and whatever was made
         * destroyed before this throws.
         */
        Executable capture();
    }

    private final boolean enabled;
    private final int maxDiscards;
    private Executable executable;
    private int eagerRunsSinceDiscard;
    private int discards;
    private int captures;
    private String disabledReason;
    private Action last;

    /**
     * @param enabled     whether runs may capture at all (off with profiling or debug mode)
     * @param maxDiscards discarded replays after which CUDA Graphs stay off (at least 1)
     */
    CudaGraphReplay(boolean enabled, int maxDiscards) {
        if (maxDiscards < 1) throw new IllegalArgumentException("maxDiscards " + maxDiscards);
        this.enabled = enabled;
        this.maxDiscards = maxDiscards;
    }

    /** What the next run will do. */
    Action next() {
        if (executable != null) return Action.REPLAY;
        if (!enabled || disabledReason != null || eagerRunsSinceDiscard == 0) return Action.EAGER;
        return Action.CAPTURE;
    }

    /**
     * Runs one run's steps: {@code eager} launches them one by one; {@code capture} records them.
     * Throws what the launch threw (after discarding a graph whose launch failed).
     */
    void run(Runnable eager, Capture capture) {
        Action a = next();
        last = a;
        switch (a) {
            case EAGER:
                runEagerly(eager);
                return;
            case CAPTURE: {
                Executable e;
                try {
                    e = capture.capture();
                } catch (RuntimeException failure) {
                    disabledReason = "capture failed: " + failure.getMessage();
                    last = Action.EAGER;
                    runEagerly(eager);
                    return;
                }
                captures++;
                executable = e;
                launch();
                return;
            }
            case REPLAY:
                launch();
                return;
            default:
                throw new IllegalStateException(a.toString());
        }
    }

    private void runEagerly(Runnable eager) {
        eager.run();
        eagerRunsSinceDiscard++;
    }

    private void launch() {
        try {
            executable.launch();
        } catch (RuntimeException e) {
            discard(e);
            throw e;
        }
    }

    /**
     * The run failed (e.g. the synchronisation after the steps reported a fault): a graph that this run
     * launched is discarded, so the fault is not replayed; a failure before {@link #run} discards nothing. Release failures are added to
     * {@code failure} as suppressed.
     */
    void runFailed(RuntimeException failure) {
        if (executable != null && (last == Action.CAPTURE || last == Action.REPLAY)) discard(failure);
        last = null;
    }

    /**
     * The run completed: a failure of a later run before its {@link #run} (an upload) is then not taken
     * for a failed replay.
     */
    void runSucceeded() {
        last = null;
    }

    private void discard(RuntimeException cause) {
        Executable e = executable;
        executable = null;
        last = null;
        discards++;
        eagerRunsSinceDiscard = 0;
        if (discards >= maxDiscards) {
            disabledReason = "replay discarded " + discards + " time(s), last: " + cause.getMessage();
        }
        try {
            e.destroy();
        } catch (RuntimeException d) {
            cause.addSuppressed(d);
        }
    }

    /** Whether a captured graph is held (the next run replays it). */
    boolean replaying() {
        return executable != null;
    }

    /** Why CUDA Graphs are off for good (capture failed, too many discarded replays), or null. */
    String disabledReason() {
        return disabledReason;
    }

    /** Graphs discarded after a failed launch or run. */
    int discards() {
        return discards;
    }

    /** Successful captures. */
    int captures() {
        return captures;
    }

    /** Destroys a held graph (idempotent). */
    @Override
    public void close() {
        Executable e = executable;
        executable = null;
        if (e != null) e.destroy();
    }
}
