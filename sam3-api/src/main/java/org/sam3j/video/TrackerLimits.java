package org.sam3j.video;

import org.sam3j.Sam3Config;
import org.sam3j.model.tracker.MemoryEncoder;

/**
 * The largest memory the tracker's memory attention reads: the slots of its fixed-shape graph
 * ({@link org.sam3j.model.tracker.MemoryAttention#paddedGraph}), used by backends that prefer fixed shapes and by the
 * exported {@code memory_attention} stage.
 *
 * @param memoryFrames  spatial memory slots ({@code grid²} tokens each)
 * @param pointerTokens object-pointer token slots
 */
public record TrackerLimits(int memoryFrames, int pointerTokens) {
    /** Checks the values. */
    public TrackerLimits {
        if (memoryFrames < 1 || pointerTokens < 0) {
            throw new IllegalArgumentException("tracker limits: " + memoryFrames + " memory frames, " + pointerTokens
                    + " pointer tokens");
        }
    }

    /**
     * The largest memory the tracker reads with {@code settings}: the selected conditioning frames
     * ({@link TrackerSettings#maxCondFramesInAttn()}) and {@code numMaskmem − 1} past frames; one pointer per
     * selected conditioning frame and {@code maxObjPtrsInEncoder − 1} past frames, each {@code C / 64} tokens.
     */
    public static TrackerLimits of(TrackerSettings settings, Sam3Config config) {
        int split = config.dModel() / MemoryEncoder.MEM_DIM;
        return new TrackerLimits(settings.maxCondFramesInAttn() + settings.numMaskmem() - 1,
                (settings.maxCondFramesInAttn() + settings.maxObjPtrsInEncoder() - 1) * split);
    }

    /** The limits of SAM 3's released tracker settings (10 memory frames, 76 pointer tokens at C = 256). */
    public static TrackerLimits released(Sam3Config config) {
        return of(TrackerSettings.released(), config);
    }

    /** Whether a memory of {@code frames} spatial memories and {@code pointerTokens} pointer tokens fits the slots. */
    public boolean fits(int frames, int pointerTokens) {
        return frames <= memoryFrames && pointerTokens <= this.pointerTokens;
    }
}
