/**
 * The runners: each builds a stage's graph from the {@link org.sam3j.model.Sam3Tree} modules, names its inputs and
 * outputs in one place (typed records on both sides), compiles it once and runs it in a caller's
 * {@link org.sam3j.backend.RunSession}: the image encoder ({@link org.sam3j.runner.ImageEncoder}, producing the
 * resident {@link org.sam3j.runner.ImageEmbedding}), concept prompts ({@link org.sam3j.runner.ConceptModel}: text
 * encoder and detector) and interactive prompts ({@link org.sam3j.runner.InteractiveDecoder}, which takes the
 * public {@link org.sam3j.Prompt} and returns a {@link org.sam3j.runner.MaskDecoding}).
 */
package org.sam3j.runner;
