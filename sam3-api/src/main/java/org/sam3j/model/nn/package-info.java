/** Layers with PyTorch-compatible parameter names and layouts (Linear, LayerNorm, convolutions, attention, MLP). */
package org.sam3j.model.nn;
