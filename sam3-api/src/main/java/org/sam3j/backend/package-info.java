/**
 * Backends and what they share: the {@link org.sam3j.backend.Backend} contract, compiled graphs, and the
 * liveness-based {@link org.sam3j.backend.MemoryPlanner} that lays out every intermediate in one arena.
 */
package org.sam3j.backend;
