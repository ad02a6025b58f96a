/**
 * Comparison against the official implementation's recorded outputs (the fixture format of
 * {@code shared/spec/fixtures.md}): probes, tolerances, and the {@link org.sam3j.verify.Verifier}.
 */
package org.sam3j.verify;
