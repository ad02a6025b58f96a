package org.sam3j.runner;

import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.LowResMask;
import org.sam3j.Mask;
import org.sam3j.MaskResult;
import org.sam3j.RawTensor;
import org.sam3j.backend.HostTensor;
import org.sam3j.postprocess.BilinearResize;

/**
 * What the mask decoder computed for one interactive prompt, typed as the graph returns it (channels-last), and
 * which of its four masks the prompt returns ({@code tokens}: the multimask tokens 1..3, or one token with the
 * stability fall-back). {@link #toResult} turns it into the public {@link MaskResult}.
 *
 * @param width            width of the original image, in pixels
 * @param height           height of the original image, in pixels
 * @param tokens           the chosen mask tokens, in output order
 * @param lowResMasks      all four low-resolution masks {@code [1, 4, side, side]}, unclamped
 * @param iouPredictions   IoU predictions of the four masks {@code [1, 4]}
 * @param objectScoreLogit the object-presence logit (computed, not used for gating on images)
 * @param sparse           the prompt's sparse embeddings {@code [1, N, C]} (the valid slots, as the reference has
 *                         them), or null when not downloaded or there are no points
 * @param dense            the dense embedding {@code [1, h, w, C]} with a mask prompt, else {@code [1, 1, 1, C]}
 *                         ({@code no_mask_embed}), or null when not downloaded
 * @param maskTokens       the mask tokens {@code [1, 4, C]}, or null when not downloaded
 * @param pointCoords      the normalised coordinates {@code [1, N, 2]} the prompt encoder received in the slots of
 *                         {@code sparse} (box corners, clicks, the appended padding point), or null when the
 *                         hooks were not asked for or there are no points
 * @param pointLabels      their labels {@code [1, N]} (2, 3 box corners, 1 / 0 clicks, −1 padding), or null as
 *                         {@code pointCoords}
 * @param moduleOutputs    what modules returned, by module path, where asked for (see
 *                         {@link InteractiveDecoder#predict(org.sam3j.backend.RunSession, ImageEmbedding, org.sam3j.Prompt,
 *                         java.util.Set)}); empty otherwise
 */
public record MaskDecoding(int width, int height, int[] tokens, HostTensor lowResMasks, HostTensor iouPredictions,
                           float objectScoreLogit, HostTensor sparse, HostTensor dense, HostTensor maskTokens,
                           HostTensor pointCoords, HostTensor pointLabels, Map<String, HostTensor> moduleOutputs) {
    /** Bound of the returned low-resolution logits, as the reference clamps them. */
    public static final float LOGIT_CLAMP = 32f;

    /** Checks the required parts. */
    public MaskDecoding {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(lowResMasks, "lowResMasks");
        Objects.requireNonNull(iouPredictions, "iouPredictions");
        tokens = tokens.clone();
        moduleOutputs = Map.copyOf(moduleOutputs);
    }

    /** Number of returned masks. */
    public int count() {
        return tokens.length;
    }

    /** The decoder token returned mask {@code i} comes from (0..3). */
    public int token(int i) {
        return tokens[i];
    }

    /** Side of the low-resolution masks (288). */
    public int side() {
        return lowResMasks.shape()[2];
    }

    /** Predicted IoU of returned mask {@code i}. */
    public float iou(int i) {
        return iouPredictions.data()[tokens[i]];
    }

    /** Low-resolution logits of returned mask {@code i}, {@code [side, side]} row-major, clamped to ±32. */
    public float[] lowResLogits(int i) {
        int n = side() * side();
        float[] all = lowResMasks.data();
        float[] out = new float[n];
        int off = tokens[i] * n;
        for (int k = 0; k < n; k++) out[k] = Math.max(-LOGIT_CLAMP, Math.min(LOGIT_CLAMP, all[off + k]));
        return out;
    }

    /**
     * Returned mask {@code i}'s logits at the original image size, {@code [height, width]} row-major: the (unclamped)
     * low-resolution logits upsampled bilinearly ({@code align_corners=False}).
     */
    public float[] logitsAtOriginalSize(int i) {
        float[] out = new float[width * height];
        int side = side();
        BilinearResize.resize(lowResMasks.data(), tokens[i] * side * side, side, side, out, 0, height, width);
        return out;
    }

    /**
     * The public result: one instance per returned mask (score = predicted IoU, binary mask = logits above 0 at
     * the original size, its bounding box, the clamped low-resolution logits), and with {@code rawOutputs}
     * {@code low_res_logits}, {@code iou} and {@code object_score_logit}. Timings are the caller's to add.
     */
    public MaskResult.Builder toResult(boolean rawOutputs) {
        MaskResult.Builder r = MaskResult.builder(width, height);
        int side = side();
        int m = count();
        float[] low = new float[m * side * side];
        float[] iou = new float[m];
        // logits above 0 at the original size, thresholded row by row as they are upsampled: each mask on its own
        // thread of the common pool (three masks of a click at 1800 × 1200 took 11–13 ms on one)
        Mask[] masks = new Mask[m];
        Box[] bounds = new Box[m];
        IntStream.range(0, m).parallel().forEach(i -> {
            masks[i] = Mask.fromBits(BilinearResize.resizeAtLeast(lowResMasks.data(), tokens[i] * side * side, side,
                    side, height, width, Math.nextUp(0f)), width, height);
            bounds[i] = masks[i].boundingBox().orElse(new Box(0, 0, 0, 0));
        });
        for (int i = 0; i < m; i++) {
            float[] logits = lowResLogits(i);
            System.arraycopy(logits, 0, low, i * side * side, side * side);
            iou[i] = iou(i);
            r.addInstance(Instance.of(i, iou[i], bounds[i], masks[i], LowResMask.of(logits, side, side)));
        }
        if (rawOutputs) {
            r.rawOutput("low_res_logits", RawTensor.of(new int[] {m, side, side}, low))
                    .rawOutput("iou", RawTensor.of(new int[] {m}, iou))
                    .rawOutput("object_score_logit", RawTensor.of(new int[] {1, 1}, new float[] {objectScoreLogit}));
        }
        return r;
    }
}
