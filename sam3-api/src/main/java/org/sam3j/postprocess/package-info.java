/**
 * Post-processing of raw model outputs into {@link org.sam3j.MaskResult}s:
 * {@link org.sam3j.postprocess.ConceptPostprocessor} (scores, thresholding, boxes and mask upsampling for
 * concept prompts, as the official {@code Sam3Processor}) and {@link org.sam3j.postprocess.BilinearResize}
 * (PyTorch's bilinear interpolation with {@code align_corners=False}).
 */
package org.sam3j.postprocess;
