/**
 * The SAM 2-style tracker's nn modules, named after the checkpoint's {@code tracker.*} parameters: the prompt
 * encoder, the two-way transformer and mask decoder (interactive segmentation, run by
 * {@link org.sam3j.runner.InteractiveDecoder}), and the memory encoder and memory attention of video tracking.
 */
package org.sam3j.model.tracker;
