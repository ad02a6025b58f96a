package org.sam3j.video;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.sam3j.Box;
import org.sam3j.FrameSource;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Config;
import org.sam3j.backend.Backend;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.runner.ConceptModel;
import org.sam3j.text.ClipTokenizer;
import org.sam3j.weights.WeightStore;

/**
 * Benchmark access to the video tracker's package-private internals: the same {@link VideoTracker} (clicked
 * objects) and {@link TextTracker} (detector + tracker) that {@link TrackingSession} / {@link TextTrackingSession}
 * drive, fed by a frame provider that decodes, preprocesses and encodes exactly as theirs do but times each part
 * and holds the propagation before each frame, so that a benchmark can release and time one frame at a time; and
 * a {@link MemoryBank} fed with entries of the sizes the tracker stores, for streams too long to track for real.
 *
 * <p>It lives in the benchmark module but in the tracker's package: it only works on the class path (the
 * benchmarks' {@code java -cp} and JMH forks), not with {@code org.sam3j} on the module path.
 */
public final class VideoBenchHarness implements AutoCloseable {
    private final TrackerEngine engine;
    private final Backend backend;
    private final WeightStore weights;
    private final Sam3Config config;
    private VideoDetector detector;

    /**
     * @param backend runs the graphs (owned by the caller)
     * @param weights the checkpoint ({@code detector.*} and {@code tracker.*})
     * @param config  the architecture
     */
    public VideoBenchHarness(Backend backend, WeightStore weights, Sam3Config config) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.config = Objects.requireNonNull(config, "config");
        this.engine = new TrackerEngine(backend, weights, config, TrackerSettings.released());
    }

    /**
     * One propagated frame.
     *
     * @param frame         frame index
     * @param decodeNanos   reading the frame file and preprocessing it to the model's input
     * @param encodeNanos   the backbone (ViT + both necks) on it
     * @param totalNanos    wall time of the whole frame (decode, encode and the tracker / detector + tracker step)
     * @param retainedBytes memory features and object pointers the tracker state holds after the frame
     */
    public record FrameTiming(int frame, long decodeNanos, long encodeNanos, long totalNanos, long retainedBytes) {
        /** The tracker step (clicked) or detector + tracker step (text): the frame's time less decode and encode. */
        public long stepNanos() {
            return totalNanos - decodeNanos - encodeNanos;
        }
    }

    /** A session with clicked / boxed objects ({@code Sam3TrackerPredictor}'s path). */
    public Stepper openClicked(FrameSource frames) {
        return new Stepper(frames, null);
    }

    /**
     * A text session ({@code Sam3VideoInference}'s path) with the given thresholds and heuristics.
     *
     * @param bpe the CLIP vocabulary ({@code bpe_simple_vocab_16e6.txt.gz})
     */
    public Stepper openText(FrameSource frames, String phrase, Path bpe, TextTrackingSettings settings,
                            TextTrackingHeuristics heuristics) throws IOException {
        if (detector == null || !detector.settings().equals(settings)) {
            if (detector != null) detector.close();
            detector = new VideoDetector(backend, weights, config, settings);
        }
        ClipTokenizer tok = ClipTokenizer.fromBpeFile(bpe);
        ConceptModel.TextFeatures text;
        try (RunSession rs = new RunSession()) {
            text = detector.encodeText(rs, tok.tokenizeWhole(phrase).ids());
        }
        return new Stepper(frames, s -> new TextTracker(engine, detector, settings, heuristics, text, s.provider,
                frames.frameCount(), TrackerHooks.NONE));
    }

    /**
     * Feeds a fresh memory bank the entries a tracker state of {@code objects} objects stores: a conditioning
     * frame 0, then {@code frames} tracked frames, each with per object the memory features ({@code grid² × 64}
     * floats) and the object pointer ({@code dModel} floats), all valid ({@code eff_iou_score} above the
     * threshold: the most the bank keeps).
     *
     * @return bytes held after each tracked frame ({@code [frames]}), then the kept entries and entries with features
     *         after the last one ({@code [frames + 2]} in all)
     */
    public static long[] feedMemoryBank(Sam3Config config, int objects, int frames) {
        if (objects < 1 || frames < 1) throw new IllegalArgumentException("objects and frames must be positive");
        int features = config.gridSize() * config.gridSize() * org.sam3j.model.tracker.MemoryEncoder.MEM_DIM;
        MemoryBank bank = new MemoryBank(TrackerSettings.released());
        bank.putConditioning(entry(0, objects, features, config.dModel(), 0f));
        long[] out = new long[frames + 2];
        for (int t = 1; t <= frames; t++) {
            bank.addTracked(entry(t, objects, features, config.dModel(), 0.5f));
            out[t - 1] = bank.bytes();
        }
        out[frames] = bank.entries();
        out[frames + 1] = bank.entriesWithFeatures();
        return out;
    }

    private static MemoryBank.Entry entry(int frame, int objects, int features, int dim, float eff) {
        float[][] f = new float[objects][features];
        float[][] p = new float[objects][dim];
        return new MemoryBank.Entry(frame, f, p, eff);
    }

    @Override
    public void close() {
        engine.close();
        if (detector != null) detector.close();
    }

    /**
     * One video: prompts, then a propagation on a thread of its own that waits before each frame until
     * {@link #step()} lets it run. Not thread-safe (one benchmark thread).
     */
    public final class Stepper implements AutoCloseable {
        private final FrameSource frames;
        private final GatedProvider provider = new GatedProvider();
        private final VideoTracker clicked;
        private final TextTracker text;
        private final Object lock = new Object();
        private int promptFrame = -1;
        private Thread thread;
        // guarded by lock
        private int waitingAt = -1;
        private long waitingSince;
        private int permits;
        private boolean stop;
        private boolean finished;
        private long finishedAt;
        private Throwable failure;
        private long decodeNanos;
        private long encodeNanos;

        private Stepper(FrameSource frames, java.util.function.Function<Stepper, TextTracker> text) {
            this.frames = Objects.requireNonNull(frames, "frames");
            this.text = text == null ? null : text.apply(this);
            this.clicked = text == null ? new VideoTracker(engine, provider, frames.frameCount(), TrackerHooks.NONE) : null;
        }

        /** Clicks on an object of a clicked session (as {@link TrackingSession#addPoints}). */
        public void addPoints(int frame, int objectId, float[] xy, int[] labels) {
            Prompt.Builder b = Prompt.builder();
            for (int i = 0; i < labels.length; i++) b.point(xy[2 * i], xy[2 * i + 1], labels[i] == 1);
            clicked.addPrompt(frame, objectId, b.build());
            promptFrame = frame;
        }

        /** A box around an object of a clicked session. */
        public void addBox(int frame, int objectId, float x0, float y0, float x1, float y1) {
            clicked.addPrompt(frame, objectId, Prompt.box(new Box(x0, y0, x1, y1)));
            promptFrame = frame;
        }

        /**
         * The text prompt on {@code frame} (detector + tracker step on it).
         *
         * @return the number of objects found on it
         */
        public int promptText(int frame) {
            int n = text.addPrompt(frame).objectIds().length;
            promptFrame = frame;
            return n;
        }

        /** Tracker states (text sessions: one per birth frame; clicked: 1). */
        public int states() {
            return text != null ? text.stateCount() : 1;
        }

        /** Bytes of memory features and pointers held now. */
        public long retainedBytes() {
            synchronized (lock) {
                return text != null ? text.retainedBytes() : clicked.retainedBytes();
            }
        }

        /**
         * Starts the propagation (from the prompted frame to the last) and returns once it waits before the
         * first frame after the prompted one: the clicked family has then encoded the prompted frame's memory, the
         * text family has re-run its step on the prompted frame.
         */
        public void start() throws InterruptedException {
            if (promptFrame < 0) throw new IllegalStateException("no prompt");
            thread = new Thread(() -> {
                try {
                    if (text != null) text.propagate(promptFrame, frames.frameCount() - 1, r -> { });
                    else clicked.propagate(r -> { });
                } catch (Throwable e) {
                    synchronized (lock) {
                        if (!(e instanceof CancellationException)) failure = e;
                    }
                } finally {
                    synchronized (lock) {
                        finished = true;
                        finishedAt = System.nanoTime();
                        lock.notifyAll();
                    }
                }
            }, "video-propagation");
            thread.setDaemon(true);
            thread.start();
            synchronized (lock) {
                while (waitingAt < 0 && !finished) lock.wait();
                checkFailure();
            }
        }

        /**
         * Lets the next frame run and waits until it is done (the propagation waits before the following one or
         * has ended).
         *
         * @throws IllegalStateException if the video has ended or the propagation failed
         */
        public FrameTiming step() throws InterruptedException {
            synchronized (lock) {
                checkFailure();
                if (finished || waitingAt < 0) throw new IllegalStateException("the video has ended");
                int frame = waitingAt;
                long start = System.nanoTime();
                permits++;
                waitingAt = -1;
                lock.notifyAll();
                while (waitingAt < 0 && !finished) lock.wait();
                checkFailure();
                long end = finished ? finishedAt : waitingSince;
                long bytes = text != null ? text.retainedBytes() : clicked.retainedBytes();
                return new FrameTiming(frame, decodeNanos, encodeNanos, end - start, bytes);
            }
        }

        private void checkFailure() {
            if (failure != null) throw new IllegalStateException("propagation failed: " + failure, failure);
        }

        /** Stops the propagation and frees the state. */
        @Override
        public void close() throws InterruptedException {
            if (thread != null) {
                synchronized (lock) {
                    stop = true;
                    lock.notifyAll();
                }
                thread.join();
            }
            if (text != null) text.close();
            else clicked.close();
            provider.releaseAll();
        }

        /** Decodes, preprocesses and encodes as the sessions' providers do; during propagation, waits for a permit first. */
        private final class GatedProvider implements VideoTracker.FrameProvider {
            private final Map<TrackerEngine.Frame, ResidentScope> scopes = new IdentityHashMap<>();

            @Override
            public TrackerEngine.Frame acquire(int index) {
                if (thread != null && Thread.currentThread() == thread) {
                    synchronized (lock) {
                        waitingAt = index;
                        waitingSince = System.nanoTime();
                        lock.notifyAll();
                        while (permits == 0 && !stop) {
                            try {
                                lock.wait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new CancellationException("interrupted");
                            }
                        }
                        if (stop) throw new CancellationException("stopped");
                        permits--;
                    }
                }
                long t0 = System.nanoTime();
                RgbImage img;
                try {
                    img = frames.read(index);
                } catch (IOException e) {
                    throw new UncheckedIOException("frame " + index + ": " + e.getMessage(), e);
                }
                float[] input = text != null ? VideoFrames.detectorInput(img, engine.imageSize())
                        : VideoFrames.interactiveInput(img, engine.imageSize());
                long t1 = System.nanoTime();
                ResidentScope scope = new ResidentScope(engine.backend());
                TrackerEngine.Frame f = engine.encode(index, input, img.width(), img.height(), scope);
                long t2 = System.nanoTime();
                synchronized (lock) {
                    scopes.put(f, scope);
                    decodeNanos = t1 - t0;
                    encodeNanos = t2 - t1;
                }
                return f;
            }

            @Override
            public void release(TrackerEngine.Frame frame) {
                ResidentScope s;
                synchronized (lock) {
                    s = scopes.remove(frame);
                }
                if (s != null) s.close();
            }

            void releaseAll() {
                synchronized (lock) {
                    scopes.values().forEach(ResidentScope::close);
                    scopes.clear();
                }
            }
        }
    }
}
