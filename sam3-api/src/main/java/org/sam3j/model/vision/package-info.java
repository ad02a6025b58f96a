/**
 * The image encoder: the Perception-Encoder ViT trunk, the SimpleFPN necks and the sine position
 * encodings, producing the image embedding every prompt reuses.
 */
package org.sam3j.model.vision;
