/**
 * Native backends over the kernels in {@code native/}: CUDA (FP32/FP16/BF16) and an OpenBLAS CPU path.
 * They implement the same backend interface as the pure-Java CPU backend of {@code sam3-api}.
 * Not yet implemented (issues 6 and 7).
 */
package org.sam3j.nativebackend;
