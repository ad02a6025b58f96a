/** The SAM 3 model, written once against the graph: configuration and the model's blocks. */
package org.sam3j.model;
