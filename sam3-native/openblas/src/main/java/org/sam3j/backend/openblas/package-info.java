/**
 * The OpenBLAS CPU backend: the pure-Java CPU backend's graph runtime with its matrix products on OpenBLAS
 * (JavaCPP presets, {@code org.bytedeco:openblas}). {@link org.sam3j.backend.openblas.OpenBlasBackend} creates
 * it; {@link org.sam3j.backend.openblas.OpenBlasGemm} explains how operands reach OpenBLAS (in place or staged) and
 * the threading.
 */
package org.sam3j.backend.openblas;
