/**
 * The portable float32 backend in plain Java: a worker pool, a blocked register-tiled SGEMM with
 * pre-packed weights, and the remaining kernels (convolutions, attention, normalisation, element-wise).
 */
package org.sam3j.backend.cpu;
