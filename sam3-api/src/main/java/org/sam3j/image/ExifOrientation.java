package org.sam3j.image;

import org.sam3j.RgbImage;

/**
 * The eight EXIF orientations as pixel transforms, matching PIL's {@code ImageOps.exif_transpose}:
 * 2 = mirror left-right, 3 = rotate 180°, 4 = mirror top-bottom, 5 = transpose (mirror across the
 * main diagonal), 6 = rotate 90° clockwise, 7 = transverse (mirror across the anti-diagonal),
 * 8 = rotate 90° counter-clockwise.
 */
public final class ExifOrientation {
    private ExifOrientation() {}

    /**
     * Returns the upright image for a stored image carrying EXIF orientation {@code orientation}.
     *
     * @param orientation 1..8 (1 returns the image unchanged)
     * @throws IllegalArgumentException for other values
     */
    public static RgbImage apply(RgbImage image, int orientation) {
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
        }
        if (orientation == 1) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = image.rgb();
        byte[] dst = new byte[src.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int dx;
                int dy;
                switch (orientation) {
                    case 2 -> { dx = w - 1 - x; dy = y; }
                    case 3 -> { dx = w - 1 - x; dy = h - 1 - y; }
                    case 4 -> { dx = x; dy = h - 1 - y; }
                    case 5 -> { dx = y; dy = x; }
                    case 6 -> { dx = h - 1 - y; dy = x; }
                    case 7 -> { dx = h - 1 - y; dy = w - 1 - x; }
                    default -> { dx = y; dy = w - 1 - x; } // 8
                }
                int s = (y * w + x) * 3;
                int d = (dy * ow + dx) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }
        return RgbImage.of(ow, oh, dst);
    }
}
