package org.sam3j.runner;

/**
 * Which of the decoder's four masks a prediction returns (as {@code MaskDecoder.forward} chooses in SAM 2
 * / SAM 3): with multimask output the three multimask tokens 1..3; otherwise token 0, unless its mask is
 * unstable ({@code |logits > δ| / |logits > −δ| < 0.98}, δ = 0.05), in which case the multimask token with
 * the highest predicted IoU ({@code dynamic_multimask_via_stability}).
 */
final class MaskSelection {
    static final float STABILITY_DELTA = 0.05f;
    static final float STABILITY_THRESH = 0.98f;

    private MaskSelection() {}

    /**
     * @param masks  the four masks {@code [4, side²]}, row-major
     * @param iou    their predicted IoU {@code [4]}
     * @return the chosen token indices, in output order
     */
    static int[] select(float[] masks, float[] iou, int side, boolean multimask) {
        if (multimask) return new int[] {1, 2, 3};
        return new int[] {isStable(masks, 0, side * side) ? 0 : bestMultimaskToken(iou)};
    }

    /** Stability score of the mask at {@code masks[off..off+n)} ≥ the threshold (an empty mask is stable). */
    static boolean isStable(float[] masks, int off, int n) {
        return stabilityScore(masks, off, n) >= STABILITY_THRESH;
    }

    /** {@code |logits > δ| / |logits > −δ|}, 1 when nothing exceeds −δ. */
    static float stabilityScore(float[] masks, int off, int n) {
        int inner = 0;
        int outer = 0;
        for (int i = off; i < off + n; i++) {
            float v = masks[i];
            if (v > STABILITY_DELTA) inner++;
            if (v > -STABILITY_DELTA) outer++;
        }
        return outer > 0 ? (float) inner / (float) outer : 1f;
    }

    /** Index (1..3) of the multimask token with the highest predicted IoU; the first on ties. */
    static int bestMultimaskToken(float[] iou) {
        int best = 1;
        for (int i = 2; i < 4; i++) if (iou[i] > iou[best]) best = i;
        return best;
    }
}
