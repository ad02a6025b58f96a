package org.sam3j;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.sam3j.backend.ResidentScope;
import org.sam3j.backend.RunSession;
import org.sam3j.image.ImageLoader;
import org.sam3j.postprocess.ConceptPostprocessor;
import org.sam3j.runner.ConceptModel;
import org.sam3j.runner.ImageEmbedding;
import org.sam3j.runner.InteractiveDecoder;
import org.sam3j.runner.MaskDecoding;

/**
 * Segments one image at a time with a {@link Sam3Model}: {@link #setImage} runs the image encoder once
 * and keeps the embedding; every {@link #predict(Prompt)} reuses it, so asking ten phrases about one
 * image encodes it once. The first concept prompt about an image also computes the detector's share of it that
 * no prompt changes, and the following ones reuse that too. Text embeddings are cached by the model.
 *
 * <p>Images come as {@link RgbImage}, files, {@link BufferedImage}s, or OpenCV frames through
 * {@code setImage(org.sam3j.MatImages.toRgbImage(mat))} (the OpenCV dependency is optional, so the
 * predictor has no method naming {@code Mat}). Encoding takes seconds to over a minute on a CPU:
 * {@link #setImage(RgbImage, CallOptions)} reports progress and can be cancelled.
 *
 * <p>Thread-safe: calls are serialised on the predictor. For parallelism use one predictor per thread:
 * they share the model's compiled graphs and weights, and each runs in execution contexts of its own
 * (activation memory per graph it has run, created on first use), so they run at the same time with the
 * same results as one after another. The embedding stays in the backend (about 130 MB for the released
 * model; the first concept prompt replaces its two finer detector levels by the detector's share, 5 MB more, and the
 * first point or box prompt adds the mask decoder's share, 13 MB); prompts
 * bind it without copying ({@link #residentBytes()}). {@link #close()} frees the embedding and the contexts.
 *
 * <p>Every result reports the bytes each stage moved across the backend's boundary
 * ({@link MaskResult#transferBytes()}).
 */
public final class Sam3Predictor implements AutoCloseable {
    /** The stage name {@link #setImage(RgbImage, CallOptions)} reports progress under. */
    public static final String STAGE_IMAGE_ENCODER = "image encoder";
    /** Stage names of {@link MaskResult#timings()} and {@link MaskResult#transferBytes()}. */
    static final String STAGE_TEXT = "text encoder";
    static final String STAGE_DETECTOR = "detector";
    static final String STAGE_MASK_DECODER = "mask decoder";
    static final String STAGE_POST = "post-processing";

    private final Sam3Model model;
    /** This predictor's execution contexts (one per graph it runs) and transfer counter. */
    private final RunSession session = new RunSession();
    /** Owns the embedding's resident levels. */
    private ResidentScope embeddingScope;
    private ImageEmbedding embedding;
    /** The detector's share of the image, computed on the first concept prompt about it (in the embedding's scope). */
    private ConceptModel.DetectorImage detectorImage;
    /** The mask decoder's share of the image, computed on the first interactive prompt about it (in the embedding's scope). */
    private InteractiveDecoder.DecoderImage decoderImage;
    private long imageEncodings;
    private Duration lastEncodeTime = Duration.ZERO;
    private TransferBytes lastEncodeTransfer = TransferBytes.ZERO;
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
        dropEmbedding();
        CallMonitor monitor = new CallMonitor("setImage", STAGE_IMAGE_ENCODER, options);
        monitor.check(0);
        long t0 = System.nanoTime();
        TransferBytes x0 = session.transferred();
        ResidentScope scope = session.newScope(model.backend());
        try {
            embedding = model.imageEncoder().encode(session, scope, image, monitor);
        } catch (RuntimeException | Error e) {
            scope.close();
            throw e;
        }
        embeddingScope = scope;
        lastEncodeTime = Duration.ofNanos(System.nanoTime() - t0);
        lastEncodeTransfer = session.transferred().since(x0);
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

    /** Drops the current embedding (freeing it in the backend). */
    public synchronized void clearImage() {
        dropEmbedding();
    }

    private void dropEmbedding() {
        embedding = null;
        detectorImage = null;
        decoderImage = null;
        if (embeddingScope != null) {
            embeddingScope.close();
            embeddingScope = null;
        }
    }

    /** Bytes this predictor holds in the backend for its image: the embedding and the detector's share of it. */
    public synchronized long residentBytes() {
        return embeddingScope == null ? 0 : embeddingScope.bytes();
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
     * Segments the current image: {@code predict(prompt, CallOptions.none())}.
     *
     * @return for a concept prompt every instance above the threshold, best first; for an interactive
     *         prompt the candidate masks, highest predicted IoU first
     * @throws IllegalStateException    if no image is set or the model is closed
     * @throws IllegalArgumentException if the prompt lies outside the image or cannot be used
     */
    public MaskResult predict(Prompt prompt) {
        return predict(prompt, CallOptions.none());
    }

    /**
     * Segments the current image; with {@link CallOptions#withRawOutputs()} the result also carries the raw
     * model outputs (for a concept prompt: all queries' logits, boxes and masks). A cancelled token or an
     * interrupted thread stops the call before it starts.
     *
     * @throws CancellationException    if cancelled before the prompt ran
     * @throws IllegalStateException    if no image is set or the model is closed
     * @throws IllegalArgumentException if the prompt lies outside the image or cannot be used
     */
    public synchronized MaskResult predict(Prompt prompt, CallOptions options) {
        checkOpen();
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        if (embedding == null) throw new IllegalStateException("no image set: call setImage first");
        new CallMonitor("predict", prompt.kind() == Prompt.Kind.CONCEPT ? STAGE_DETECTOR : STAGE_MASK_DECODER, options)
                .check(0);
        return prompt.kind() == Prompt.Kind.CONCEPT ? predictConcept(prompt, options.rawOutputs())
                : predictInteractive(prompt, options.rawOutputs());
    }

    private void checkInside(Box b, String what) {
        int w = embedding.originalWidth();
        int h = embedding.originalHeight();
        if (b.x0() < 0 || b.y0() < 0 || b.x1() > w || b.y1() > h) {
            throw new IllegalArgumentException(what + " " + b + " lies outside the " + w + "x" + h + " image");
        }
        if (b.width() <= 0 || b.height() <= 0) throw new IllegalArgumentException(what + " " + b + " is empty");
    }

    private MaskResult predictConcept(Prompt prompt, boolean rawOutputs) {
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
        TransferBytes x0 = session.transferred();
        // box-only prompts use the text "visual", as the reference does
        ConceptModel.TextFeatures text = model.textFeatures(session, prompt.text() != null ? prompt.text() : "visual");
        long t1 = System.nanoTime();
        TransferBytes x1 = session.transferred();
        // pred_masks stays in the backend, in a scope of this call: only the kept queries' masks come back
        try (ResidentScope masks = session.newScope(model.backend())) {
            if (detectorImage == null) {
                detectorImage = model.concept().prepare(session, embeddingScope, embedding);
                // the 288² and 144² detector levels feed only the preparation: free them (106 MB at full size)
                embedding.fpn().get(0).close();
                embedding.fpn().get(1).close();
            }
            ConceptModel.Detection det = model.concept().detect(session, masks, detectorImage, text, boxes, labels);
            long t2 = System.nanoTime();
            TransferBytes x2 = session.transferred();
            float threshold = prompt.threshold().isPresent() ? (float) prompt.threshold().getAsDouble() : defaultThreshold;
            ConceptPostprocessor pp = ConceptPostprocessor.withThreshold(threshold);
            int size = det.maskSize();
            int hw = size * size;
            int[] kept = pp.keptQueries(ConceptPostprocessor.scores(det.predLogits(), det.presenceLogit()));
            float[] keptMasks = det.maskRows(kept).data();
            int[] row = new int[det.predLogits().length];
            for (int i = 0; i < kept.length; i++) row[kept[i]] = i;
            MaskResult r = pp.process(det.predLogits(), det.predBoxes(), det.presenceLogit(),
                    q -> java.util.Arrays.copyOfRange(keptMasks, row[q] * hw, (row[q] + 1) * hw), size, size, w, h);
            int q = model.config().numQueries();
            MaskResult.Builder b = r.toBuilder();
            if (rawOutputs) {
                b.rawOutput("pred_logits", RawTensor.wrap(new int[] {1, q, 1}, det.predLogits()))
                        .rawOutput("pred_boxes", RawTensor.wrap(new int[] {1, q, 4}, det.predBoxes()))
                        .rawOutput("presence_logit", RawTensor.wrap(new int[] {1, 1}, new float[] {det.presenceLogit()}))
                        .rawOutput("pred_masks", RawTensor.wrap(new int[] {1, q, size, size}, det.allMasks()));
            }
            long t3 = System.nanoTime();
            TransferBytes x3 = session.transferred();
            return b.timing(STAGE_IMAGE_ENCODER, lastEncodeTime)
                    .timing(STAGE_TEXT, Duration.ofNanos(t1 - t0))
                    .timing(STAGE_DETECTOR, Duration.ofNanos(t2 - t1))
                    .timing(STAGE_POST, Duration.ofNanos(t3 - t2))
                    .transferBytes(STAGE_IMAGE_ENCODER, lastEncodeTransfer)
                    .transferBytes(STAGE_TEXT, x1.since(x0))
                    .transferBytes(STAGE_DETECTOR, x2.since(x1))
                    .transferBytes(STAGE_POST, x3.since(x2))
                    .build();
        }
    }

    private MaskResult predictInteractive(Prompt prompt, boolean rawOutputs) {
        if (!embedding.hasTrackerFeatures()) {
            throw new IllegalStateException("point, box and mask prompts need the tracker features: build the model"
                    + " with interactive(true) (the default)");
        }
        long t0 = System.nanoTime();
        TransferBytes x0 = session.transferred();
        InteractiveDecoder decoder = model.interactiveDecoder();
        if (decoderImage == null && prompt.maskOrNull() == null) {
            // prompts without a mask share the image's first projections: compute them once (a bad prompt fails first)
            InteractiveDecoder.checkInside(prompt, embedding.originalWidth(), embedding.originalHeight());
            decoderImage = decoder.prepare(session, embeddingScope, embedding);
        }
        MaskDecoding out = decoderImage != null ? decoder.predict(session, decoderImage, prompt, false)
                : decoder.predict(session, embedding, prompt, false);
        long t1 = System.nanoTime();
        TransferBytes x1 = session.transferred();
        MaskResult.Builder r = out.toResult(rawOutputs);
        long t2 = System.nanoTime();
        return r.timing(STAGE_IMAGE_ENCODER, lastEncodeTime)
                .timing(STAGE_MASK_DECODER, Duration.ofNanos(t1 - t0))
                .timing(STAGE_POST, Duration.ofNanos(t2 - t1))
                .transferBytes(STAGE_IMAGE_ENCODER, lastEncodeTransfer)
                .transferBytes(STAGE_MASK_DECODER, x1.since(x0))
                .transferBytes(STAGE_POST, TransferBytes.ZERO)
                .build();
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("predictor is closed");
    }

    @Override
    public synchronized void close() {
        closed = true;
        dropEmbedding();
        session.close();
    }
}
