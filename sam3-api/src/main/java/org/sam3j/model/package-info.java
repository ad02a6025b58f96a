/**
 * The SAM 3 model as nn modules, written once against the graph. {@link org.sam3j.model.Sam3Tree} is the root:
 * it places each component in the checkpoint tree, and every module declares its parameters relative to the
 * {@link org.sam3j.model.nn.Scope} it is given, so a parameter's checkpoint name is its module path. Running the
 * modules (graph inputs and outputs, compilation, prompts) is {@link org.sam3j.runner}'s.
 */
package org.sam3j.model;
