/**
 * Model parameters under one internal naming scheme (the official {@code sam3.pt} keys): released
 * checkpoints in either layout, synthetic weights for tests and benchmarks, and in-memory weights.
 */
package org.sam3j.weights;
