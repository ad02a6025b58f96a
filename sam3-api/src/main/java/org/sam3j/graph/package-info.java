/**
 * The computation graph the model is written against: symbolic {@link org.sam3j.graph.Tensor}s with
 * shapes checked at build time, built once per input shape by {@link org.sam3j.graph.Graph}'s operation
 * methods, and run by any {@link org.sam3j.backend.Backend}.
 */
package org.sam3j.graph;
