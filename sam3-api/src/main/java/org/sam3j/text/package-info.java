/**
 * Text prompts: the CLIP byte-level BPE tokenizer that feeds SAM 3's text encoder
 * ({@link org.sam3j.text.ClipTokenizer}) and its output ({@link org.sam3j.text.TokenizedText}).
 */
package org.sam3j.text;
