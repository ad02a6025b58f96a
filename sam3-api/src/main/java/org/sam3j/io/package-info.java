/**
 * Tensor files: memory-mapped safetensors (read and atomic write) and PyTorch {@code torch.save}
 * checkpoints read by a safe, allowlist-only unpickler, both behind {@link org.sam3j.io.TensorFile}.
 */
package org.sam3j.io;
