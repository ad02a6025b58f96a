/**
 * The SAM heads SAM 3 uses for interactive segmentation (points, boxes and masks → one object), named
 * after the checkpoint's {@code tracker.*} parameters: the prompt encoder, the two-way transformer and
 * the mask decoder, plus the runtime that runs them on a cached {@link org.sam3j.model.ImageEmbedding}
 * ({@link org.sam3j.model.tracker.InteractiveDecoder}).
 */
package org.sam3j.model.tracker;
