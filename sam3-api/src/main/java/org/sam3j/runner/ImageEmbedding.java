package org.sam3j.runner;

import java.util.List;
import java.util.Objects;
import org.sam3j.backend.ResidentTensor;

/**
 * What the image encoder computes once per image and every prompt reuses, channels-last
 * ({@code [1, H, W, C]}), resident in the backend that computed it: prompts bind the levels as graph
 * inputs without copying them. The levels belong to the {@link org.sam3j.backend.ResidentScope} they were
 * created in (a predictor's, freed when its image changes); the embedding must not be used after that. A predictor
 * frees the 288² and 144² detector levels once the detector's share of the image is prepared (only that reads them).
 *
 * @param fpn           detector neck levels 288², 144², 72² ({@code d_model} channels)
 * @param sam2Fpn       tracker levels for interactive prompts: 288² after {@code conv_s0} (32 channels),
 *                      144² after {@code conv_s1} (64 channels), 72² (256 channels); null when not computed
 * @param originalWidth width of the image before resizing, in pixels
 * @param originalHeight height of the image before resizing, in pixels
 */
public record ImageEmbedding(List<ResidentTensor> fpn, List<ResidentTensor> sam2Fpn, int originalWidth, int originalHeight) {
    /** Checks the levels. */
    public ImageEmbedding {
        Objects.requireNonNull(fpn, "fpn");
        if (fpn.size() != 3) throw new IllegalArgumentException("expected 3 detector levels, got " + fpn.size());
        fpn = List.copyOf(fpn);
        if (sam2Fpn != null) {
            if (sam2Fpn.size() != 3) throw new IllegalArgumentException("expected 3 tracker levels, got " + sam2Fpn.size());
            sam2Fpn = List.copyOf(sam2Fpn);
        }
        if (originalWidth <= 0 || originalHeight <= 0) {
            throw new IllegalArgumentException("image size " + originalWidth + "x" + originalHeight);
        }
    }

    /** Whether the tracker levels (needed by point, box and mask prompts) are present. */
    public boolean hasTrackerFeatures() {
        return sam2Fpn != null;
    }

    /** Bytes held by the feature maps (in the backend), leaving out levels already freed. */
    public long bytes() {
        long n = 0;
        for (ResidentTensor t : fpn) if (!t.isClosed()) n += t.bytes();
        if (sam2Fpn != null) for (ResidentTensor t : sam2Fpn) if (!t.isClosed()) n += t.bytes();
        return n;
    }
}
