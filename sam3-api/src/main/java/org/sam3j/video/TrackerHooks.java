package org.sam3j.video;

import org.sam3j.backend.HostTensor;

/**
 * Receives the tracker's intermediate tensors under the reference's names and layouts
 * ({@code shared/spec/video-fixtures.md} §3.2, relative to a step prefix such as {@code p0} or {@code f3}),
 * for parity checks. Producing them costs downloads and copies, so the tracker only does it when a hook is set.
 */
@FunctionalInterface
interface TrackerHooks {
    /** Hooks that receive nothing. */
    TrackerHooks NONE = (key, value) -> { };

    /**
     * @param key   e.g. {@code f3.mem_attn.out}
     * @param value the tensor in the reference layout (NCHW, sequence-first where the reference is)
     */
    void accept(String key, HostTensor value);

    /** Meta values (selected frames, relative positions): the default ignores them. */
    default void meta(String key, Object value) {}

    /**
     * The logits a prompted frame's masks are binarised from for its memory ({@code > 0}), which has no margin
     * (video fixtures spec §6): a verifier may return copies with near-zero logits flipped to the reference's side
     * ({@link ReferenceBinarisation}); the default returns {@code logits}.
     *
     * @param key    the memory-encoder input being made, e.g. {@code f0.mem_enc.mask_in}
     * @param logits per object the 1008² logits; not modified
     */
    default float[][] binarisationLogits(String key, float[][] logits) {
        return logits;
    }

    /** Whether anything is recorded (tensors are only built then). */
    default boolean enabled() {
        return this != NONE;
    }
}
