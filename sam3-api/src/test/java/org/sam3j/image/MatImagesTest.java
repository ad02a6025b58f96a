package org.sam3j.image;

import org.sam3j.MatImages;

import org.sam3j.RgbImage;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8SC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sam3j.Sam3Predictor;
import org.sam3j.testing.SharedData;

/**
 * {@link MatImages}: OpenCV frames (BGR, grey, BGRA, regions of interest) give the same {@link RgbImage}
 * as the pixels they were built from, an {@code imread} of the test photo matches {@link ImageLoader} up to
 * JPEG decoder differences, and other Mat types are refused by name.
 */
class MatImagesTest {
    private static Path truckFile;
    private static RgbImage truck;

    @BeforeAll
    static void read() throws IOException {
        truckFile = SharedData.resolve("images/truck.jpg");
        truck = ImageLoader.read(truckFile, false); // imread ignores EXIF too (IMREAD_COLOR applies it; the file has none)
    }

    /** A CV_8UC3 Mat holding {@code img}'s pixels in BGR order. */
    static Mat bgrMat(RgbImage img) {
        byte[] rgb = img.rgb();
        byte[] bgr = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        Mat m = new Mat(img.height(), img.width(), CV_8UC3);
        m.data().put(bgr);
        return m;
    }

    @Test
    void bgrMatFromDecodedPixelsGivesTheSameImage() {
        try (Mat m = bgrMat(truck)) {
            assertTrue(m.isContinuous());
            RgbImage back = MatImages.toRgbImage(m);
            assertEquals(truck, back);
        }
    }

    @Test
    void imreadMatchesImageLoaderUpToTheJpegDecoder() {
        try (Mat m = opencv_imgcodecs.imread(truckFile.toString())) {
            assertEquals(CV_8UC3, m.type());
            RgbImage cv = MatImages.toRgbImage(m);
            assertEquals(truck.width(), cv.width());
            assertEquals(truck.height(), cv.height());
            byte[] a = truck.rgb();
            byte[] b = cv.rgb();
            long sum = 0;
            int max = 0;
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
                sum += d;
                max = Math.max(max, d);
            }
            double mean = (double) sum / a.length;
            // same file, two IJG-lineage decoders (ISLOW IDCT, fancy upsampling): identical today (libjpeg-turbo
            // in OpenCV 4.13, the JDK's libjpeg 6b); allow a rounding step should either change
            assertTrue(mean < 0.05, "mean absolute difference " + mean);
            assertTrue(max <= 2, "max difference " + max);
        }
    }

    @Test
    void greyAndBgraAreConverted() {
        int w = 5, h = 3;
        byte[] grey = new byte[w * h];
        byte[] bgra = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++) {
            grey[i] = (byte) (i * 17);
            bgra[4 * i] = (byte) i;           // B
            bgra[4 * i + 1] = (byte) (100 + i); // G
            bgra[4 * i + 2] = (byte) (200 + i); // R
            bgra[4 * i + 3] = (byte) (i * 13);  // alpha: dropped, not composited
        }
        try (Mat g = new Mat(h, w, CV_8UC1); Mat c = new Mat(h, w, CV_8UC4)) {
            g.data().put(grey);
            c.data().put(bgra);
            RgbImage gi = MatImages.toRgbImage(g);
            RgbImage ci = MatImages.toRgbImage(c);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    int v = grey[i] & 0xFF;
                    assertEquals(v << 16 | v << 8 | v, gi.rgbAt(x, y));
                    assertEquals((200 + i & 0xFF) << 16 | (100 + i) << 8 | i, ci.rgbAt(x, y));
                }
            }
        }
    }

    @Test
    void regionOfInterestIsCopiedRowByRow() {
        try (Mat full = bgrMat(truck); Rect r = new Rect(101, 57, 333, 211); Mat roi = new Mat(full, r)) {
            assertFalse(roi.isContinuous(), "a ROI narrower than its parent has padded rows");
            RgbImage got = MatImages.toRgbImage(roi);
            assertEquals(333, got.width());
            assertEquals(211, got.height());
            byte[] expected = new byte[333 * 211 * 3];
            byte[] all = truck.rgb();
            for (int y = 0; y < 211; y++) {
                System.arraycopy(all, ((57 + y) * truck.width() + 101) * 3, expected, y * 333 * 3, 333 * 3);
            }
            assertEquals(RgbImage.of(333, 211, expected), got);
        }
    }

    @Test
    void otherTypesAreRefusedByName() {
        int[] types = {CV_32FC3, CV_16UC1, CV_8UC2, CV_8SC3};
        String[] names = {"CV_32FC3", "CV_16UC1", "CV_8UC2", "CV_8SC3"};
        for (int i = 0; i < types.length; i++) {
            try (Mat m = new Mat(4, 4, types[i])) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatImages.toRgbImage(m));
                assertTrue(e.getMessage().contains(names[i]), e.getMessage());
            }
        }
        try (Mat empty = new Mat()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatImages.toRgbImage(empty));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        }
        try (Mat cube = new Mat(3, new int[] {2, 3, 4}, CV_8UC1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatImages.toRgbImage(cube));
            assertTrue(e.getMessage().contains("3 dimensions"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> MatImages.toRgbImage(null));
    }

    /** Code without OpenCV on its class path must still compile against, and reflect over, the predictor. */
    @Test
    void predictorSignaturesDoNotNameOpenCv() {
        for (Method m : Sam3Predictor.class.getDeclaredMethods()) {
            for (Class<?> p : m.getParameterTypes()) {
                assertFalse(p.getName().startsWith("org.bytedeco"), m + " names " + p.getName());
            }
        }
        assertTrue(Arrays.stream(Sam3Predictor.class.getMethods()).anyMatch(m -> m.getName().equals("setImage")));
    }
}
