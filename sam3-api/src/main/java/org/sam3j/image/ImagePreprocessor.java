package org.sam3j.image;

import java.util.Objects;
import org.sam3j.RgbImage;

/**
 * The SAM 3 image preprocessing, reproducing the official image processor ({@code Sam3Processor}:
 * torchvision {@code transforms.v2} {@code ToDtype(uint8)}, {@code Resize((1008, 1008))},
 * {@code ToDtype(float32, scale=True)}, {@code Normalize(0.5, 0.5)}) bit for bit:
 * <ol>
 *   <li>resize the 8-bit RGB image to {@code size × size} (aspect ratio not kept, no padding) with
 *       antialiased bilinear interpolation, result rounded to uint8
 *       ({@link #resizeBilinearAntialias(byte[], int, int, int, int, ResizeKernel)});</li>
 *   <li>scale to [0, 1] as torchvision does: {@code v * (float) (1.0 / 255)} in float32;</li>
 *   <li>normalise with mean 0.5 and std 0.5: {@code (v - 0.5f) / 0.5f}, giving values in [-1, 1];</li>
 *   <li>lay out as NCHW {@code [1, 3, size, size]} float32.</li>
 * </ol>
 * By default the resize uses {@link ResizeKernel#FLOAT32}, which is bit-exact with the reference
 * fixtures; {@link ResizeKernel#UINT8_FIXED_POINT} gives what the official code computes on an x86 CPU
 * with AVX2.
 *
 * <p>All methods are thread-safe. Large resizes split their rows over the common fork-join pool; the
 * result does not depend on the split.
 */
public final class ImagePreprocessor {
    /** The input resolution of SAM 3. */
    public static final int SAM3_SIZE = 1008;

    /** Normalised value of each uint8 level: ((v * float(1/255)) - 0.5) / 0.5 in float32. */
    private static final float[] LEVELS = new float[256];

    static {
        float inv255 = (float) (1.0 / 255.0);
        for (int v = 0; v < 256; v++) {
            float f = (float) v * inv255;
            LEVELS[v] = (f - 0.5f) / 0.5f;
        }
    }

    private ImagePreprocessor() {}

    /**
     * The SAM 3 model input for an image at {@value #SAM3_SIZE}×{@value #SAM3_SIZE}, with the default
     * {@link ResizeKernel#FLOAT32} arithmetic.
     *
     * @see #toModelInput(RgbImage, int, ResizeKernel)
     */
    public static float[] toModelInput(RgbImage image) {
        return toModelInput(image, SAM3_SIZE, ResizeKernel.FLOAT32);
    }

    /**
     * The model input for an image at {@code size × size}, with the default {@link ResizeKernel#FLOAT32}
     * arithmetic.
     *
     * @see #toModelInput(RgbImage, int, ResizeKernel)
     */
    public static float[] toModelInput(RgbImage image, int size) {
        return toModelInput(image, size, ResizeKernel.FLOAT32);
    }

    /**
     * The model input for an image: {@code [1, 3, size, size]} float32 in NCHW order, flattened (index
     * {@code (c * size + y) * size + x}), values in [-1, 1], equal to the official SAM 3 preprocessing.
     *
     * @param image  the decoded RGB image, any size
     * @param size   side of the square model input ({@value #SAM3_SIZE} for SAM 3)
     * @param kernel the resize arithmetic
     * @return a new array of {@code 3 * size * size} floats
     */
    public static float[] toModelInput(RgbImage image, int size, ResizeKernel kernel) {
        Objects.requireNonNull(image, "image");
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        byte[] resized = resizeBilinearAntialias(image.rgb(), image.width(), image.height(), size, size,
                kernel);
        return normalize(resized, size, size);
    }

    /**
     * Converts interleaved 8-bit RGB to the normalised planar float layout:
     * {@code out[(c * h + y) * w + x] = (rgb[(y * w + x) * 3 + c] * float(1/255) - 0.5) / 0.5}.
     *
     * @param rgb {@code w * h * 3} bytes, row-major
     * @param w   width
     * @param h   height
     * @return a new array of {@code 3 * w * h} floats, channel planes R, G, B
     */
    public static float[] normalize(byte[] rgb, int w, int h) {
        return planes(rgb, checkLength(rgb, w, h, 3), LEVELS);
    }

    /**
     * Interleaved RGB bytes of {@code n} pixels as three channel planes (R, G, B), each byte mapped through
     * {@code levels} (its 256 model-input values: loaders differ in how they divide by 255).
     */
    public static float[] planes(byte[] rgb, int n, float[] levels) {
        float[] out = new float[3 * n];
        for (int p = 0, i = 0; p < n; p++, i += 3) {
            out[p] = levels[rgb[i] & 0xFF];
            out[n + p] = levels[rgb[i + 1] & 0xFF];
            out[2 * n + p] = levels[rgb[i + 2] & 0xFF];
        }
        return out;
    }

    /**
     * Resizes an image (aspect ratio not kept) with antialiased bilinear interpolation and the default
     * {@link ResizeKernel#FLOAT32} arithmetic.
     *
     * @see #resizeBilinearAntialias(byte[], int, int, int, int, ResizeKernel)
     */
    public static RgbImage resizeBilinearAntialias(RgbImage image, int outW, int outH) {
        Objects.requireNonNull(image, "image");
        return RgbImage.of(outW, outH, resizeBilinearAntialias(image.rgb(), image.width(), image.height(),
                outW, outH, ResizeKernel.FLOAT32));
    }

    /**
     * Antialiased bilinear resize of interleaved 8-bit RGB with the default {@link ResizeKernel#FLOAT32}
     * arithmetic (bit-exact with the reference fixtures).
     *
     * @see #resizeBilinearAntialias(byte[], int, int, int, int, ResizeKernel)
     */
    public static byte[] resizeBilinearAntialias(byte[] rgb, int w, int h, int outW, int outH) {
        return resizeBilinearAntialias(rgb, w, h, 3, outW, outH, ResizeKernel.FLOAT32);
    }

    /**
     * Antialiased bilinear resize of a single-channel float map, PyTorch's
     * {@code interpolate(mode="bilinear", antialias=True, align_corners=False)} of a float32 tensor (the filter
     * and arithmetic of {@link ResizeKernel#FLOAT32}, without rounding to 8 bits); used for mask logits.
     *
     * @param map  {@code h · w} values, row-major
     * @return a new array of {@code outH · outW} values
     * @throws IllegalArgumentException if a size is not positive or the array has the wrong length
     */
    public static float[] resizeMapBilinearAntialias(float[] map, int w, int h, int outW, int outH) {
        Objects.requireNonNull(map, "map");
        if (w <= 0 || h <= 0 || outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("sizes " + w + "x" + h + " -> " + outW + "x" + outH);
        }
        if (map.length != (long) w * h) throw new IllegalArgumentException(map.length + " values for " + w + "x" + h);
        return AntialiasResize.resizeFloats(map.clone(), w, h, 1, outW, outH);
    }

    /**
     * Antialiased bilinear resize of interleaved 8-bit RGB, bit-exact with torchvision's
     * {@code Resize(antialias=True)} of a uint8 image tensor on the CPU, i.e. PyTorch's
     * {@code interpolate(mode="bilinear", antialias=True, align_corners=False)} in the chosen arithmetic.
     * The filter (Pillow's {@code ImagingResample} bilinear filter):
     * <ul>
     *   <li>separable, horizontal pass first (to {@code outW × h}), then vertical; an axis that keeps its
     *       size is not filtered, and equal sizes return a copy;</li>
     *   <li>per axis, scale {@code s = in / out}; triangle filter {@code max(0, 1 - |d|)} stretched by
     *       {@code max(s, 1)}; output pixel {@code i} is centred at input coordinate {@code s * (i + 0.5)};
     *       the taps are {@code [trunc(center - support + 0.5), trunc(center + support + 0.5))} clipped
     *       to the image, {@code support = max(s, 1)}; weights normalised to sum 1;</li>
     *   <li>{@link ResizeKernel#FLOAT32}: weights and both passes in float32 (taps accumulated in order,
     *       fused multiply-add), result rounded half-to-even;</li>
     *   <li>{@link ResizeKernel#UINT8_FIXED_POINT}: weights computed in double and quantised to int16 at
     *       precision {@code p} (the largest, at most 22, for which the axis's largest weight stays below
     *       2<sup>15</sup>); each pass computes {@code clamp((2^(p-1) + Σ w_q · v) >> p, 0, 255)} in int32,
     *       so the horizontal result is rounded to uint8 before the vertical pass.</li>
     * </ul>
     * Downscaling and upscaling are both supported, independently per axis.
     *
     * @param rgb    {@code w * h * 3} bytes, row-major RGB
     * @param w      input width, at least 1
     * @param h      input height, at least 1
     * @param outW   output width, at least 1
     * @param outH   output height, at least 1
     * @param kernel the arithmetic
     * @return a new array of {@code outW * outH * 3} bytes, row-major RGB
     */
    public static byte[] resizeBilinearAntialias(byte[] rgb, int w, int h, int outW, int outH, ResizeKernel kernel) {
        return resizeBilinearAntialias(rgb, w, h, 3, outW, outH, kernel);
    }

    /**
     * {@link #resizeBilinearAntialias(byte[], int, int, int, int, ResizeKernel)} for any number of
     * interleaved channels (each filtered independently, with the same arithmetic).
     *
     * @param pixels   {@code w * h * channels} bytes, row-major, channels interleaved
     * @param channels samples per pixel, at least 1
     * @return a new array of {@code outW * outH * channels} bytes
     */
    public static byte[] resizeBilinearAntialias(byte[] pixels, int w, int h, int channels, int outW, int outH,
            ResizeKernel kernel) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(kernel, "kernel");
        if (channels <= 0) {
            throw new IllegalArgumentException("channels must be positive, got " + channels);
        }
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + outW + "x" + outH);
        }
        checkLength(pixels, w, h, channels);
        if ((long) outW * Math.max(h, outH) * channels > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("output too large: " + outW + "x" + outH + "x" + channels);
        }
        return AntialiasResize.resize(pixels, w, h, channels, outW, outH, kernel);
    }

    private static int checkLength(byte[] pixels, int w, int h, int channels) {
        Objects.requireNonNull(pixels, "pixels");
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + w + "x" + h);
        }
        if ((long) w * h * channels != pixels.length) {
            throw new IllegalArgumentException("expected " + ((long) w * h * channels) + " bytes for " + w + "x" + h
                    + "x" + channels + ", got " + pixels.length);
        }
        return w * h;
    }
}
