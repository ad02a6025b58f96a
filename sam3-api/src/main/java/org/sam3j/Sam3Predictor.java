package org.sam3j;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.sam3j.backend.HostTensor;
import org.sam3j.image.ImageLoader;
import org.sam3j.image.RgbImage;
import org.sam3j.model.ImageEmbedding;
import org.sam3j.model.detector.ConceptModel;
import org.sam3j.model.detector.DetrDecoder;
import org.sam3j.model.tracker.InteractiveOutput;
import org.sam3j.model.tracker.InteractivePrompt;
import org.sam3j.postprocess.ConceptPostprocessor;

/**
 * Segments one image at a time with a {@link Sam3Model}: {@link #setImage} runs the image encoder once
 * and keeps the embedding; every {@link #predict(Prompt)} reuses it, so asking ten phrases about one
 * image encodes it once. Text embeddings are cached by the model.
 *
 * <p>Images come as {@link RgbImage}, files, {@link BufferedImage}s, or OpenCV frames through
 * {@code setImage(org.sam3j.image.MatImages.toRgbImage(mat))} (the OpenCV dependency is optional, so the
 * predictor has no method naming {@code Mat}). Encoding takes seconds to over a minute on a CPU:
 * {@link #setImage(RgbImage, CallOptions)} reports progress and can be cancelled.
 *
 * <p>Thread-safe: calls are serialised on the predictor (use one predictor per thread for parallelism;
 * they share the model's weights). Holds only heap memory (the embedding, about 100 MB); {@link #close()}
 * drops it.
 */
public final class Sam3Predictor implements AutoCloseable {
    /** The stage name {@link #setImage(RgbImage, CallOptions)} reports progress under. */
    public static final String STAGE_IMAGE_ENCODER = "image encoder";

    private final Sam3Model model;
    private ImageEmbedding embedding;
    private long imageEncodings;
    private Duration lastEncodeTime = Duration.ZERO;
    private float defaultThreshold = ConceptPostprocessor.DEFAULT_THRESHOLD;
    private boolean closed;

    Sam3Predictor(Sam3Model model) {
        this.model = model;
    }

    /**
     * Encodes {@code image} and keeps its embedding for the following prompts:
     * {@code setImage(image, CallOptions.none())}.
     *
     * @throws CancellationException if the calling thread is interrupted during the encode (the predictor
     *                               then has no image)
     */
    public void setImage(RgbImage image) {
        setImage(image, CallOptions.none());
    }

    /**
     * Encodes {@code image} and keeps its embedding for the following prompts, reporting progress (stage
     * {@value #STAGE_IMAGE_ENCODER}, fraction of the encoder's arithmetic done) and checking for
     * cancellation between the encoder's operations. An interrupt of the calling thread counts as a
     * cancellation (its interrupt status stays set).
     *
     * <p>The current embedding is dropped before encoding starts (which also frees its memory for the new
     * one): when this call fails or is cancelled the predictor has <b>no image</b> ({@link #hasImage()} is
     * false, {@link #predict} refuses to run rather than silently use the previous image), never a partly
     * computed one, and the next {@code setImage} works normally. Work already done is discarded; an
     * encode whose operations all ran completes even if cancelled at the very end. Backends that run the
     * encoder as one asynchronous submission (CUDA) report only 0 and 1 and can be stopped only before
     * the encoder starts.
     *
     * @throws CancellationException    if the token was cancelled (before or during the call) or the thread
     *                                  interrupted; the message names the stage and the progress reached
     * @throws IllegalStateException    if the predictor or model is closed
     * @throws RuntimeException         whatever the progress listener throws (the call is then abandoned
     *                                  the same way)
     */
    public synchronized void setImage(RgbImage image, CallOptions options) {
        checkOpen();
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(options, "options");
        embedding = null;
        CallMonitor monitor = new CallMonitor("setImage", STAGE_IMAGE_ENCODER, options);
        monitor.check(0);
        long t0 = System.nanoTime();
        ImageEmbedding e = model.imageEncoder().encode(image, monitor);
        embedding = e;
        lastEncodeTime = Duration.ofNanos(System.nanoTime() - t0);
        imageEncodings++;
    }

    /**
     * Reads (EXIF orientation applied) and encodes an image file.
     *
     * @throws IOException if the file cannot be read or decoded (the current image is then kept)
     */
    public void setImage(Path file) throws IOException {
        setImage(ImageLoader.read(file));
    }

    /**
     * Reads (EXIF orientation applied) and encodes an image file with progress and cancellation, as
     * {@link #setImage(RgbImage, CallOptions)}.
     *
     * @throws IOException if the file cannot be read or decoded (the current image is then kept)
     */
    public void setImage(Path file, CallOptions options) throws IOException {
        setImage(ImageLoader.read(file), options);
    }

    /**
     * Encodes a {@link BufferedImage} of any type, converted as {@link ImageLoader#fromBufferedImage}
     * does (samples as stored, alpha dropped, grey replicated, palettes looked up).
     */
    public void setImage(BufferedImage image) {
        setImage(ImageLoader.fromBufferedImage(image));
    }

    /** Whether an image is set. */
    public synchronized boolean hasImage() {
        return embedding != null;
    }

    /** Drops the current embedding. */
    public synchronized void clearImage() {
        embedding = null;
    }

    /** How many times this predictor ran the image encoder. */
    public synchronized long imageEncodings() {
        return imageEncodings;
    }

    /** Default score threshold for concept prompts that do not set one (initially 0.5). */
    public synchronized void setDefaultThreshold(float threshold) {
        if (!(threshold >= 0f && threshold <= 1f)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        this.defaultThreshold = threshold;
    }

    /**
     * Segments the current image.
     *
     * @return for a concept prompt every instance above the threshold, best first; for an interactive
     *         prompt the candidate masks, highest predicted IoU first
     * @throws IllegalStateException    if no image is set or the model is closed
     * @throws IllegalArgumentException if the prompt lies outside the image or cannot be used
     */
    public synchronized MaskResult predict(Prompt prompt) {
        checkOpen();
        Objects.requireNonNull(prompt, "prompt");
        if (embedding == null) throw new IllegalStateException("no image set: call setImage first");
        return prompt.kind() == Prompt.Kind.CONCEPT ? predictConcept(prompt) : predictInteractive(prompt);
    }

    private void checkInside(Box b, String what) {
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        if (b.x0() < 0 || b.y0() < 0 || b.x1() > w || b.y1() > h) {
            throw new IllegalArgumentException(what + " " + b + " lies outside the " + w + "x" + h + " image");
        }
        if (b.width() <= 0 || b.height() <= 0) throw new IllegalArgumentException(what + " " + b + " is empty");
    }

    private MaskResult predictConcept(Prompt prompt) {
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        int n = prompt.exemplars().size();
        float[] boxes = new float[4 * n];
        boolean[] labels = new boolean[n];
        for (int i = 0; i < n; i++) {
            Prompt.Exemplar e = prompt.exemplars().get(i);
            Box b = e.box();
            checkInside(b, "exemplar box");
            boxes[4 * i] = (b.x0() + b.x1()) / 2f / w;
            boxes[4 * i + 1] = (b.y0() + b.y1()) / 2f / h;
            boxes[4 * i + 2] = b.width() / w;
            boxes[4 * i + 3] = b.height() / h;
            labels[i] = e.positive();
        }
        long t0 = System.nanoTime();
        // box-only prompts use the text "visual", as the reference does
        ConceptModel.TextFeatures text = model.textFeatures(prompt.text() != null ? prompt.text() : "visual");
        long t1 = System.nanoTime();
        ConceptModel.Detection det = model.concept().detect(embedding, text, boxes, labels, false);
        long t2 = System.nanoTime();
        float threshold = prompt.threshold().isPresent() ? (float) prompt.threshold().getAsDouble() : defaultThreshold;
        int size = det.maskSize();
        int hw = size * size;
        MaskResult r = ConceptPostprocessor.withThreshold(threshold).process(det.predLogits(), det.predBoxes(),
                det.presenceLogit(), q -> java.util.Arrays.copyOfRange(det.masks(), q * hw, (q + 1) * hw), size, size,
                w, h);
        long t3 = System.nanoTime();
        int q = DetrDecoder.NUM_QUERIES;
        return r.toBuilder()
                .timing("image encoder", lastEncodeTime)
                .timing("text encoder", Duration.ofNanos(t1 - t0))
                .timing("detector", Duration.ofNanos(t2 - t1))
                .timing("post-processing", Duration.ofNanos(t3 - t2))
                .rawOutput("pred_logits", new HostTensor(new int[] {1, q, 1}, det.predLogits()))
                .rawOutput("pred_boxes", new HostTensor(new int[] {1, q, 4}, det.predBoxes()))
                .rawOutput("presence_logit", new HostTensor(new int[] {1, 1}, new float[] {det.presenceLogit()}))
                .rawOutput("pred_masks", new HostTensor(new int[] {1, q, size, size}, det.masks()))
                .build();
    }

    private MaskResult predictInteractive(Prompt prompt) {
        if (!embedding.hasTrackerFeatures()) {
            throw new IllegalStateException("point, box and mask prompts need the tracker features: build the model"
                    + " with interactive(true) (the default)");
        }
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        InteractivePrompt.Builder ib = InteractivePrompt.builder();
        for (Prompt.Point p : prompt.points()) {
            ib.point(p.x(), p.y(), p.positive() ? InteractivePrompt.POSITIVE : InteractivePrompt.NEGATIVE);
        }
        Box box = prompt.boxOrNull();
        if (box != null) ib.box(box.x0(), box.y0(), box.x1(), box.y1());
        LowResMask previous = prompt.maskOrNull();
        if (previous != null) {
            int side = model.config().gridSize() * 4;
            if (previous.width() != side || previous.height() != side) {
                throw new IllegalArgumentException("mask prompt must be the " + side + "x" + side
                        + " low-resolution logits of a previous result, got " + previous.width() + "x" + previous.height());
            }
            ib.mask(previous.logits());
        }
        InteractivePrompt ip = ib.build();
        ip.checkInside(w, h);
        long t0 = System.nanoTime();
        InteractiveOutput out = model.interactiveDecoder().predict(embedding, ip, prompt.multimask());
        long t1 = System.nanoTime();
        MaskResult.Builder r = MaskResult.builder(w, h);
        int side = out.lowResSize();
        for (int i = 0; i < out.count(); i++) {
            Mask mask = Mask.fromThreshold(out.maskLogitsAtOriginalSize(i), w, h, 0f);
            Box bounds = mask.boundingBox().orElse(new Box(0, 0, 0, 0));
            r.addInstance(Instance.of(i, out.iou(i), bounds, mask, LowResMask.of(out.lowResLogits(i), side, side)));
        }
        long t2 = System.nanoTime();
        return r.timing("image encoder", lastEncodeTime)
                .timing("mask decoder", Duration.ofNanos(t1 - t0))
                .timing("post-processing", Duration.ofNanos(t2 - t1))
                .rawOutput("low_res_logits", out.lowResLogits())
                .rawOutput("iou", new HostTensor(new int[] {out.count()}, out.iou()))
                .rawOutput("object_score_logit", new HostTensor(new int[] {1, 1}, new float[] {out.objectScoreLogit()}))
                .build();
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("predictor is closed");
    }

    @Override
    public synchronized void close() {
        closed = true;
        embedding = null;
    }
}
