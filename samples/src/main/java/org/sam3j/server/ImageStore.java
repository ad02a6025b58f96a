package org.sam3j.server;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Sam3Predictor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uploaded images, each a {@link Sam3Predictor} holding its embedding, under random ids, bounded: the
 * least recently used image is dropped (its predictor closed) when a new one would exceed the bound.
 * Thread-safe.
 */
final class ImageStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageStore.class);
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

    /**
     * One encoded image. Its predictor serialises prompts on the same image; different images run in parallel.
     *
     * @param id        the id clients use
     * @param predictor the predictor holding the embedding
     * @param width     width of the encoded image (EXIF orientation applied)
     * @param height    height of the encoded image
     */
    record Entry(String id, Sam3Predictor predictor, int width, int height) {
        /** Segments the image; {@link ApiException} 404 when the image was dropped meanwhile. */
        MaskResult predict(Prompt prompt) {
            try {
                return predictor.predict(prompt);
            } catch (IllegalStateException e) {
                if (e.getMessage() != null && e.getMessage().contains("closed")) throw gone(id);
                throw e;
            }
        }
    }

    private final int capacity;
    private final SecureRandom random = new SecureRandom();
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    ImageStore(int capacity) {
        this.capacity = capacity;
    }

    /** A new unguessable id (128 random bits, hex). */
    String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Adds an image, dropping the least recently used ones beyond the bound (closing their predictors). */
    void put(Entry e) {
        List<Entry> dropped = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                dropped.add(e);
            } else {
                entries.put(e.id(), e);
                Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
                while (entries.size() > capacity && it.hasNext()) {
                    dropped.add(it.next().getValue());
                    it.remove();
                }
            }
        }
        // outside the lock: closing waits for a prompt running on that predictor
        for (Entry d : dropped) {
            LOG.debug("dropping image {} from the cache", d.id());
            d.predictor().close();
        }
    }

    /**
     * The image with this id (now the most recently used).
     *
     * @throws ApiException 404 if there is none (never uploaded, or dropped)
     */
    synchronized Entry get(String id) {
        Entry e = ID.matcher(id).matches() ? entries.get(id) : null;
        if (e == null) throw gone(id);
        return e;
    }

    synchronized int size() {
        return entries.size();
    }

    private static ApiException gone(String id) {
        String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
        return ApiException.notFound("no image with id '" + shown + "' (never uploaded, or dropped from the cache of"
                + " recent images): upload it again with POST /v1/images");
    }

    /** Closes every predictor; later {@link #put}s close theirs at once. */
    @Override
    public void close() {
        List<Entry> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        for (Entry e : all) e.predictor().close();
    }
}
