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

    /** Pixels that are on. */
    static int area(boolean[] m) {
        int n = 0;
        for (boolean v : m) if (v) n++;
        return n;
    }

    /**
     * The box of a mask ({@code perflib.masks_ops.masks_to_boxes}: first and last column and row that hold a
     * pixel) as normalised {@code (x0/W, y0/H, (x1 − x0)/W, (y1 − y0)/H)} in float32, the text family's output
     * box; an empty mask gives {@code (W, H, 0, 0)} before normalisation, as the reference.
     */
    static float[] boxXywh(boolean[] m, int h, int w) {
        if (m.length != h * w) throw new IllegalArgumentException(m.length + " pixels for a " + h + "x" + w + " mask");
        int x0 = w;
        int y0 = h;
        int x1 = 0;
        int y1 = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!m[y * w + x]) continue;
                x0 = Math.min(x0, x);
                x1 = Math.max(x1, x);
                y0 = Math.min(y0, y);
                y1 = Math.max(y1, y);
            }
        }
        return new float[] {(float) x0 / w, (float) y0 / h, (float) (x1 - x0) / w, (float) (y1 - y0) / h};
    }
}
