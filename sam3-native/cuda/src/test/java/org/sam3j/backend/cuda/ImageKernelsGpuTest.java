package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sam3j.RgbImage;
import org.sam3j.image.ImageLoader;
import org.sam3j.image.ImagePreprocessor;
import org.sam3j.postprocess.BilinearResize;
import org.sam3j.testing.SharedData;

/**
 * GPU preprocessing and mask upsampling against the Java implementations they mirror (bit for bit in
 * float32), and the softmax kernel against a naive one. Skipped without a GPU.
 */
class ImageKernelsGpuTest {
    @BeforeEach
    void gpu() {
        Gpu.assumeAvailable();
    }

    private static float[] preprocess(Gpu gpu, RgbImage img, int size, boolean nchw, int dtype) {
        int w = img.width(), h = img.height();
        int xt = CudaKernels.s3c_host_resize_taps(w, size), yt = CudaKernels.s3c_host_resize_taps(h, size);
        int[] xs = new int[size], xc = new int[size], ys = new int[size], yc = new int[size];
        float[] xw = new float[size * xt], yw = new float[size * yt];
        CudaRuntime.check(CudaKernels.s3c_host_resize_filter(w, size, xs, xc, xw), "filter x");
        CudaRuntime.check(CudaKernels.s3c_host_resize_filter(h, size, ys, yc, yw), "filter y");
        if (w == size) identity(xs, xc, xw, xt);
        if (h == size) identity(ys, yc, yw, yt);
        long rgb = gpu.uploadBytes(img.rgb());
        long tmp = gpu.alloc((long) h * size * 3 * 4);
        long out = gpu.alloc((long) 3 * size * size * Gpu.bytes(dtype));
        CudaRuntime.check(CudaKernels.s3c_preprocess_rgb8(rgb, w, h, tmp, out, size, size, gpu.uploadInts(xs),
                gpu.uploadInts(xc), gpu.upload(xw, 0), xt, gpu.uploadInts(ys), gpu.uploadInts(yc), gpu.upload(yw, 0), yt,
                nchw ? 1 : 0, dtype, 0), "preprocess");
        return gpu.download(out, 3 * size * size, dtype);
    }

    /** An axis that keeps its size: one tap of weight 1 (what the Java resize does by not filtering). */
    private static void identity(int[] start, int[] count, float[] w, int taps) {
        for (int i = 0; i < start.length; i++) {
            start[i] = i;
            count[i] = 1;
            w[i * taps] = 1f;
        }
    }

    @Test
    void preprocessingIsBitIdenticalToTheJavaPipeline() throws Exception {
        Path images = SharedData.resolve("images");
        try (Stream<Path> files = Files.list(images); Gpu gpu = new Gpu()) {
            for (Path f : files.filter(p -> p.toString().matches(".*\\.(jpg|jpeg|png)")).limit(3).toList()) {
                RgbImage img = ImageLoader.read(f);
                for (int size : new int[] {1008, 333}) {
                    float[] expected = ImagePreprocessor.toModelInput(img, size);
                    float[] nchw = preprocess(gpu, img, size, true, CudaKernels.S3C_F32);
                    int diff = 0;
                    for (int i = 0; i < expected.length; i++) if (Float.compare(expected[i], nchw[i]) != 0) diff++;
                    assertEquals(0, diff, f.getFileName() + " at " + size + ": values differing");
                    float[] nhwc = preprocess(gpu, img, size, false, CudaKernels.S3C_F32);
                    int n = size * size;
                    for (int p = 0; p < n; p += 97) {
                        for (int c = 0; c < 3; c++) assertEquals(expected[c * n + p], nhwc[p * 3 + c]);
                    }
                }
            }
        }
    }

    @Test
    void maskUpsamplingIsBitIdenticalToBilinearResize() {
        Random rnd = new Random(3);
        int n = 2, h = 288, w = 288, oh = 375, ow = 500;
        float[] logits = new float[n * h * w];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (rnd.nextGaussian() * 4);
        try (Gpu gpu = new Gpu()) {
            long in = gpu.upload(logits, 0);
            long outLogits = gpu.alloc((long) n * oh * ow * 4);
            long outMask = gpu.alloc((long) n * oh * ow);
            CudaRuntime.check(CudaKernels.s3c_upsample_masks(in, n, h, w, oh, ow, 0f, outLogits, outMask, 0, 0), "masks");
            float[] up = gpu.download(outLogits, n * oh * ow, 0);
            byte[] mask = gpu.downloadBytes(outMask, n * oh * ow);
            for (int m = 0; m < n; m++) {
                float[] expected = new float[oh * ow];
                BilinearResize.resize(logits, m * h * w, h, w, expected, 0, oh, ow);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(up[m * oh * ow + i]), "mask " + m + " pixel " + i);
                    assertEquals(expected[i] > 0 ? 1 : 0, mask[m * oh * ow + i]);
                }
            }
            // the channels-last resize kernel computes the same per channel
            long y = gpu.alloc((long) n * oh * ow * 4);
            CudaRuntime.check(CudaKernels.s3c_resize_bilinear(in, y, n, h, w, 1, oh, ow, 0, 0), "resize");
            float[] r = gpu.download(y, n * oh * ow, 0);
            for (int i = 0; i < r.length; i++) assertEquals(Float.floatToIntBits(up[i]), Float.floatToIntBits(r[i]));
        }
    }

    @Test
    void softmaxRows() {
        Random rnd = new Random(4);
        int rows = 37, cols = 1001;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 5);
        for (int dt : new int[] {CudaKernels.S3C_F32, CudaKernels.S3C_F16, CudaKernels.S3C_BF16}) {
            try (Gpu gpu = new Gpu()) {
                float[] xr = gpu.rounded(x, dt);
                long y = gpu.alloc((long) x.length * Gpu.bytes(dt));
                CudaRuntime.check(CudaKernels.s3c_softmax(gpu.upload(xr, dt), y, rows, cols, dt, 0), "softmax");
                float[] got = gpu.download(y, x.length, dt);
                double[] ref = new double[x.length];
                for (int r = 0; r < rows; r++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int c = 0; c < cols; c++) max = Math.max(max, xr[r * cols + c]);
                    for (int c = 0; c < cols; c++) sum += Math.exp(xr[r * cols + c] - max);
                    for (int c = 0; c < cols; c++) ref[r * cols + c] = Math.exp(xr[r * cols + c] - max) / sum;
                }
                assertTrue(Gpu.relError(got, ref) <= Gpu.tolerance(dt), Gpu.name(dt) + ": " + Gpu.relError(got, ref));
            }
        }
    }
}
