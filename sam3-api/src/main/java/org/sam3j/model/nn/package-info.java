/** Layers with PyTorch-compatible parameter names and layouts (Linear, LayerNorm, convolutions). */
package org.sam3j.model.nn;
