package org.sam3j.model.tracker;

import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sam3j.backend.HostTensor;
import org.sam3j.postprocess.BilinearResize;

/**
 * The masks predicted for one {@link InteractivePrompt}: {@code m} masks (3 with multimask output, else 1),
 * each with its low-resolution logits (288², clamped to {@code [−32, 32]} as the reference returns them,
 * ready to be fed back as a mask prompt), its predicted IoU, and, on demand, its logits bilinearly
 * upsampled to the original image size and the binary mask {@code logits > 0} (no hole filling).
 *
 * <p>Immutable: every accessor returns a fresh copy.
 */
public final class InteractiveOutput {
    /** Bound of the returned low-resolution logits. */
    public static final float LOGIT_CLAMP = 32f;

    private final int width;
    private final int height;
    private final int side;
    private final int[] tokens;
    private final float[] selected;      // [m, side²], unclamped (what the upsampling reads)
    private final float[] iou;           // [m]
    private final float objectScore;
    private final Map<String, HostTensor> hooks;

    InteractiveOutput(int width, int height, int side, int[] tokens, float[] allMasks, float[] allIou, float objectScore,
                      Map<String, HostTensor> hooks) {
        this.width = width;
        this.height = height;
        this.side = side;
        this.tokens = tokens.clone();
        int n = side * side;
        this.selected = new float[tokens.length * n];
        this.iou = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            System.arraycopy(allMasks, tokens[i] * n, selected, i * n, n);
            iou[i] = allIou[tokens[i]];
        }
        this.objectScore = objectScore;
        this.hooks = hooks;
    }

    /** Number of masks {@code m}. */
    public int count() {
        return tokens.length;
    }

    /** Width of the original image, in pixels. */
    public int width() {
        return width;
    }

    /** Height of the original image, in pixels. */
    public int height() {
        return height;
    }

    /** Side of the low-resolution masks (288). */
    public int lowResSize() {
        return side;
    }

    /**
     * Which of the decoder's four mask tokens mask {@code i} comes from: 1..3 with multimask output; 0 for
     * a single mask, or 1..3 when token 0's mask was unstable and the best multimask mask replaced it.
     */
    public int maskToken(int i) {
        return tokens[i];
    }

    /** Low-resolution logits of mask {@code i}, {@code [side, side]} row-major, clamped to ±32. */
    public float[] lowResLogits(int i) {
        int n = side * side;
        float[] out = new float[n];
        for (int k = 0; k < n; k++) out[k] = clamp(selected[i * n + k]);
        return out;
    }

    /** All low-resolution logits, {@code [m, side, side]}, clamped to ±32. */
    public HostTensor lowResLogits() {
        float[] out = new float[selected.length];
        for (int k = 0; k < out.length; k++) out[k] = clamp(selected[k]);
        return new HostTensor(new int[] {tokens.length, side, side}, out);
    }

    /** Predicted IoU of mask {@code i}, in {@code [0, 1]}. */
    public float iou(int i) {
        return iou[i];
    }

    /** Predicted IoU of every mask, {@code [m]}. */
    public float[] iou() {
        return iou.clone();
    }

    /** The object-presence logit (computed, but not used for gating on images). */
    public float objectScoreLogit() {
        return objectScore;
    }

    /**
     * Mask {@code i}'s logits at the original image size, {@code [height, width]} row-major: the
     * (unclamped) low-resolution logits upsampled bilinearly ({@code align_corners=False}).
     */
    public float[] maskLogitsAtOriginalSize(int i) {
        float[] out = new float[width * height];
        BilinearResize.resize(selected, i * side * side, side, side, out, 0, height, width);
        return out;
    }

    /** Mask {@code i} at the original size: bit {@code y · width + x} is set where the logit is above 0. */
    public BitSet mask(int i) {
        float[] logits = maskLogitsAtOriginalSize(i);
        BitSet bits = new BitSet(logits.length);
        for (int k = 0; k < logits.length; k++) if (logits[k] > 0f) bits.set(k);
        return bits;
    }

    /**
     * The decoder's raw tensors for this prompt, before mask selection, channels-last (copies):
     * <ul>
     *   <li>{@code sparse_embeddings} {@code [1, N, C]} (absent for a mask-only prompt);</li>
     *   <li>{@code dense_embeddings} {@code [1, h, w, C]} with a mask prompt, else {@code [1, 1, 1, C]}
     *       ({@code no_mask_embed}, broadcast over the grid);</li>
     *   <li>{@code low_res_masks} {@code [1, 4, side, side]} (unclamped), {@code iou_predictions} {@code [1, 4]},
     *       {@code mask_tokens} {@code [1, 4, C]}, {@code object_score_logits} {@code [1, 1]}.</li>
     * </ul>
     */
    public Map<String, HostTensor> hooks() {
        Map<String, HostTensor> copy = new LinkedHashMap<>();
        hooks.forEach((k, v) -> copy.put(k, new HostTensor(v.shape().clone(), v.data().clone())));
        return Collections.unmodifiableMap(copy);
    }

    private static float clamp(float v) {
        return Math.max(-LOGIT_CLAMP, Math.min(LOGIT_CLAMP, v));
    }
}
