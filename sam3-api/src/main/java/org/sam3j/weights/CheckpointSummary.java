package org.sam3j.weights;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a checkpoint file holds, read from its header alone (no tensor data is touched).
 *
 * @param path            the file
 * @param format          {@code "PyTorch checkpoint"} or {@code "safetensors"}
 * @param huggingFace     whether keys follow the Hugging Face layout
 * @param tensors         number of tensors
 * @param parameters      total number of elements
 * @param bytes           file size in bytes
 * @param tensorsByDtype  tensor count per element type name ({@code F32}, {@code BF16}, ...)
 * @param vitDepth        ViT blocks found (0 if none)
 * @param textLayers      text-encoder layers found (0 if none)
 * @param hasTracker      whether the tracker / interactive heads are present
 */
public record CheckpointSummary(Path path, String format, boolean huggingFace, int tensors, long parameters, long bytes,
                                Map<String, Integer> tensorsByDtype, int vitDepth, int textLayers, boolean hasTracker) {
}
