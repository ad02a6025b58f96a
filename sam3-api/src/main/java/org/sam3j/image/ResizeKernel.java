package org.sam3j.image;

/**
 * The two arithmetics in which the official SAM 3 preprocessing (torchvision {@code Resize} on a uint8
 * image tensor, bilinear, antialiased) resizes an image. Which one the reference runs depends on the
 * machine: torchvision only hands uint8 to PyTorch's integer kernel on x86 CPUs with AVX2/AVX512;
 * everywhere else it converts to float32, interpolates and rounds back. The two differ by ±1 (one uint8
 * level) on roughly 15 % of the samples of a typical photo.
 */
public enum ResizeKernel {
    /**
     * float32 arithmetic: the image is converted to float, resized by PyTorch's generic separable
     * antialias kernel (horizontal pass, then vertical, float32 intermediate, taps accumulated in order
     * with fused multiply-adds) and rounded half-to-even back to uint8. This is what the official code
     * computes on ARM64 CPUs, and what produced the reference fixtures: bit-exact with them. The default.
     */
    FLOAT32,

    /**
     * Fixed-point arithmetic of PyTorch's AVX2 uint8 kernel (after Pillow-SIMD): weights quantised to
     * int16, int32 accumulation, horizontal pass rounded and clamped to uint8 before the vertical pass.
     * This is what the official code computes on x86-64 CPUs with AVX2.
     */
    UINT8_FIXED_POINT
}
