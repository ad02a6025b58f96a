package org.sam3j.backend.cpu;

/**
 * One 2-D convolution of the CPU backend as a sum of products over its kernel taps ("implicit GEMM", no im2col
 * matrix): {@code y[b, oy, ox, :] = bias + Σ_{i,j} x[b, oy·s − pad + i, ox·s − pad + j, :] · taps[i·kw + j]}, taps
 * outside the input contributing nothing. Input {@code x[batch, h, w, cin]} at {@code xOff} and output
 * {@code y[batch, ho, wo, cout]} at {@code yOff} are channels-last and row-major; each tap is a prepared
 * {@code cin × cout} matrix of the engine that computes the convolution ({@link GemmEngine#conv2d}).
 *
 * @param bias per output channel, or null
 */
public record ConvProblem(float[] x, int xOff, int batch, int h, int w, int cin,
                          GemmEngine.Prepared[] taps, int kh, int kw, int stride, int pad,
                          float[] y, int yOff, int ho, int wo, int cout, float[] bias) {
    /** Checks that the taps and the output size agree with the kernel, stride and padding. */
    public ConvProblem {
        if (taps.length != kh * kw) throw new IllegalArgumentException(taps.length + " taps for a " + kh + "x" + kw + " kernel");
        if (stride < 1 || pad < 0) throw new IllegalArgumentException("stride " + stride + ", padding " + pad);
        if (ho != (h + 2 * pad - kh) / stride + 1 || wo != (w + 2 * pad - kw) / stride + 1) {
            throw new IllegalArgumentException("output " + ho + "x" + wo + " does not follow from input " + h + "x" + w
                    + ", kernel " + kh + "x" + kw + ", stride " + stride + ", padding " + pad);
        }
    }

    /** The first output column whose input column {@code ox·s − pad + j} is inside the input. */
    int firstColumn(int j) {
        return Math.max(0, -Math.floorDiv(j - pad, stride));
    }

    /** One past the last output column whose input column {@code ox·s − pad + j} is inside the input. */
    int endColumn(int j) {
        return Math.min(wo, Math.floorDiv(w - 1 + pad - j, stride) + 1);
    }
}
