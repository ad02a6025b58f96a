/**
 * Model sources and the Hugging Face Hub download cache.
 *
 * <p>{@link org.sam3j.hub.ModelSource#parse} reads {@code --model} values: a checkpoint file, a directory, or
 * {@code hf:owner/name[@revision]}. {@link org.sam3j.hub.HubClient} resolves Hub repositories (such as the
 * gated {@code facebook/sam3}) to a local snapshot directory, with resumable, checksum-verified downloads, an
 * offline mode ({@code HF_HUB_OFFLINE=1}) and token handling compatible with {@code huggingface-cli login}.
 * {@link org.sam3j.hub.ProgressBar} renders download progress for a terminal.
 */
package org.sam3j.hub;
