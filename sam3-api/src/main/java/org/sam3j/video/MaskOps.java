package org.sam3j.video;

/** Binary-mask helpers shared by the detector+tracker heuristics (masks as row-major {@code boolean[H·W]}). */
final class MaskOps {
    private MaskOps() {}

    /** {@code logits > 0} (a logit of exactly 0 is background, as everywhere in the reference). */
    static boolean[] binarize(float[] logits, int offset, int length) {
        boolean[] m = new boolean[length];
        for (int i = 0; i < length; i++) m[i] = logits[offset + i] > 0f;
        return m;
    }

    /** Mask IoU {@code |A∩B| / max(|A∪B|, 1)} in float32, as {@code perflib.masks_ops.mask_iou}. */
    static float iou(boolean[] a, boolean[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("masks of " + a.length + " and " + b.length + " pixels");
        int inter = 0;
        int union = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] & b[i]) inter++;
            if (a[i] | b[i]) union++;
        }
        return (float) inter / (float) Math.max(union, 1);
    }

    /** The IoU matrix {@code [a.length][b.length]}. */
    static float[][] ious(boolean[][] a, boolean[][] b) {
        float[][] out = new float[a.length][b.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < b.length; j++) out[i][j] = iou(a[i], b[j]);
        return out;
    }

    static boolean any(boolean[] m) {
        for (boolean v : m) if (v) return true;
        return false;
    }
}
