package org.sam3j.server;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds {@link Sam3Server} enforces on what clients send and how much work they start.
 *
 * @param maxUploadBytes largest accepted image file (the encoded bytes); larger uploads get 413
 * @param maxPixels      largest accepted image (width × height, read from the header before decoding); larger
 *                       images get 413
 * @param maxConcurrent  uploads and prompts worked on at once; one more gets 429 at once (no queue)
 * @param requestTimeout longest a request waits for its work; then it gets 503 (the work finishes in the
 *                       background and still counts against {@code maxConcurrent} until it does)
 * @param cachedImages   image embeddings kept (least recently used dropped first); a dropped image's id
 *                       gets 404
 */
public record ServerLimits(long maxUploadBytes, long maxPixels, int maxConcurrent, Duration requestTimeout,
                           int cachedImages) {
    /** Largest upload the in-memory multipart reader can hold. */
    public static final long MAX_UPLOAD_CEILING = 1L << 30;

    /** Checks every bound is positive (and the upload bound at most {@link #MAX_UPLOAD_CEILING}). */
    public ServerLimits {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (maxUploadBytes < 1 || maxUploadBytes > MAX_UPLOAD_CEILING) {
            throw new IllegalArgumentException("upload limit must be in [1, " + MAX_UPLOAD_CEILING + "] bytes, got "
                    + maxUploadBytes);
        }
        if (maxPixels < 1) throw new IllegalArgumentException("pixel limit must be positive, got " + maxPixels);
        if (maxConcurrent < 1) throw new IllegalArgumentException("concurrency limit must be positive, got " + maxConcurrent);
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
        }
        if (cachedImages < 1) throw new IllegalArgumentException("image cache must hold at least 1 image, got " + cachedImages);
    }

    /** 20 MiB uploads, 4096 × 4096 pixels, 2 requests at once, 5 minutes per request, 8 cached images. */
    public static ServerLimits defaults() {
        return new ServerLimits(20L << 20, 4096L * 4096, 2, Duration.ofMinutes(5), 8);
    }
}
