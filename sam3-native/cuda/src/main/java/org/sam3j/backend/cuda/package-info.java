/**
 * The CUDA backend: {@link org.sam3j.backend.cuda.CudaBackend} runs model graphs on an NVIDIA GPU in
 * FP32, FP16 or BF16 storage ({@link org.sam3j.backend.cuda.Precision}) with our kernels
 * ({@code native/}, bound through JavaCPP in {@link org.sam3j.backend.cuda.CudaKernels}) and cuBLASLt
 * for matrix products; {@link org.sam3j.backend.cuda.CudaRuntime} says whether it can run here and why
 * not; {@link org.sam3j.backend.cuda.CudaPredictorPool} spreads requests over several GPUs;
 * {@link org.sam3j.backend.cuda.CudaVerify} checks it against the reference fixtures.
 *
 * <p>The kernels are built only where nvcc was present at build time; the backend needs an NVIDIA
 * driver, a GPU of compute capability 8.0 or newer, and the CUDA 13 runtime and cuBLAS libraries on the
 * library path (the JavaCPP {@code cuda} preset loads them).
 */
package org.sam3j.backend.cuda;
