package org.sam3j;

import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.sam3j.image.ImageSizes;

/**
 * Converts OpenCV frames (the JavaCPP presets' {@link Mat}, e.g. from {@code opencv_imgcodecs.imread} or a
 * {@code VideoCapture}) to {@link RgbImage}, for {@code predictor.setImage(MatImages.toRgbImage(frame))}.
 *
 * <p><b>Optional dependency.</b> {@code org.bytedeco:opencv} (plus its natives, e.g. the
 * {@code linux-x86_64} classifier jar, or {@code opencv-platform}) is an optional dependency of
 * {@code sam3-api}: only code that uses this class needs it on its class path. That is also why the
 * predictor has no {@code setImage(Mat)} overload: a method whose signature names {@code Mat} would make
 * every {@code setImage(...)} call fail to compile ("class file for Mat not found"), and reflection over
 * the predictor fail, wherever OpenCV is absent.
 *
 * <p>Accepted: 2-D, 8-bit unsigned Mats with 3 channels in OpenCV's BGR order ({@code CV_8UC3}, what
 * {@code imread} returns), 1 channel (grey, replicated to R, G and B) or 4 channels (BGRA, alpha dropped,
 * not composited). Regions of interest and other non-continuous Mats are copied row by row. Samples are
 * taken as stored (no colour management), so an {@code imread} frame gives the pixels of the file as
 * OpenCV's decoder produced them. The Mat is only read; the caller keeps ownership and closes it.
 */
public final class MatImages {
    private static final String[] DEPTHS = {"8U", "8S", "16U", "16S", "32S", "32F", "64F", "16F"};

    private MatImages() {}

    /**
     * Converts a BGR, grey or BGRA frame to RGB (a copy).
     *
     * @throws IllegalArgumentException if the Mat is null-pointed (released), empty, not 2-D, or of
     *                                  another type than {@code CV_8UC3}, {@code CV_8UC1} or
     *                                  {@code CV_8UC4} (the message names the type)
     */
    public static RgbImage toRgbImage(Mat mat) {
        Objects.requireNonNull(mat, "mat");
        if (mat.isNull()) throw new IllegalArgumentException("Mat has been released (null native pointer)");
        if (mat.empty()) throw new IllegalArgumentException("Mat is empty (no pixels)");
        if (mat.dims() != 2) {
            throw new IllegalArgumentException("Mat has " + mat.dims() + " dimensions, expected a 2-D image");
        }
        int type = mat.type();
        int channels = mat.channels();
        if (mat.depth() != 0 || (channels != 1 && channels != 3 && channels != 4)) {
            throw new IllegalArgumentException("unsupported Mat type " + typeName(type) + ": expected CV_8UC3 (BGR),"
                    + " CV_8UC1 (grey) or CV_8UC4 (BGRA)");
        }
        int w = mat.cols();
        int h = mat.rows();
        ImageSizes.check(w, h);
        byte[] out = new byte[w * h * 3];
        byte[] row = new byte[w * channels];
        for (int y = 0; y < h; y++) {
            // ptr(y) honours the row step, so ROIs and padded rows need no special case
            try (BytePointer p = mat.ptr(y)) {
                p.get(row, 0, row.length);
            }
            int o = y * w * 3;
            if (channels == 1) {
                for (int x = 0; x < w; x++) {
                    byte v = row[x];
                    out[o++] = v;
                    out[o++] = v;
                    out[o++] = v;
                }
            } else {
                for (int i = 0; i < row.length; i += channels) {
                    out[o++] = row[i + 2];
                    out[o++] = row[i + 1];
                    out[o++] = row[i];
                }
            }
        }
        return RgbImage.of(w, h, out);
    }

    /** OpenCV's name of a Mat type, e.g. {@code CV_32FC3}. */
    static String typeName(int type) {
        return "CV_" + DEPTHS[type & 7] + "C" + ((type >> 3) + 1);
    }
}
